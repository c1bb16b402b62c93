"""Accounts, sessions, API tokens and sign-in failures: the web's own tables.

An account is one member of one polity who may sign in as that member. It
exists only for a person the polity's ledger says is a member (founding members
are bootstrapped with `charter account add`; later members are admitted by the
constitution's admission act first). Passwords are hashed with argon2id;
session ids and API tokens are random, and only their SHA-256 is stored, so a
copy of the database signs nobody in.

The tables live beside the ledger in the same database and are made by the
same migrations (revision 0003, `charter db upgrade`). They hold no part of
the ledger, and nothing in them is evidence: emptying them only signs everyone
out.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Engine,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from charter.errors import CharterError
from charter.storage.engine import WRITE_OPTION, Lookup, driver_lookup
from charter.storage.schema import (
    web_accounts,
    web_login_failures,
    web_sessions,
    web_settings,
    web_tokens,
)
from charter.storage.version import require_current

__all__ = [
    "SCOPES",
    "Account",
    "AccountError",
    "AccountStore",
    "Session",
    "Token",
    "ensure_tables",
]

SCOPES = ("read", "act")
"""What an API token may do: `read` the signed-in views (my powers), `act` as its person."""

SESSION_SECONDS = 12 * 3600
"""A session lasts this long after sign-in."""

MIN_PASSWORD = 12
"""The shortest password a member may choose (one-time passwords are random and longer)."""

accounts = web_accounts
sessions = web_sessions
tokens = web_tokens
failures = web_login_failures
settings = web_settings

LARGEST_ROW_ID = 2**31 - 1
"""The largest id an `Integer` key holds on every backend (PostgreSQL's is 32-bit)."""


class AccountError(CharterError):
    """An account that cannot be made or used: not a member, already there, unknown."""


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    polity_id: str
    person: str


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in browser: its account and the CSRF token its forms must carry."""

    account: Account
    csrf: str


@dataclass(frozen=True, slots=True)
class Token:
    """An API token's record (never the token itself)."""

    id: int
    account: Account
    name: str
    scopes: tuple[str, ...]
    created_at: float
    revoked: bool


# Every request looks its credential up: plain SQL on the driver, as building and running
# a SQLAlchemy statement cost more than the query itself.
_TOKEN_COLUMNS = (
    "SELECT t.id, t.name, t.scopes, t.created_at, t.revoked_at, a.id, a.polity_id, a.person"
    " FROM web_tokens t JOIN web_accounts a ON a.id = t.account_id"
)
_TOKEN_BY_HASH = _TOKEN_COLUMNS + " WHERE t.token_hash = ? ORDER BY t.id"
_TOKENS_OF_ACCOUNT = _TOKEN_COLUMNS + " WHERE t.account_id = ? ORDER BY t.id"
_TOKEN_COLUMNS_AND_HASH = _TOKEN_COLUMNS.replace("SELECT ", "SELECT t.token_hash, ", 1)
_SESSION_BY_HASH = (
    "SELECT s.csrf, s.expires_at, a.id, a.polity_id, a.person"
    " FROM web_sessions s JOIN web_accounts a ON a.id = s.account_id WHERE s.id_hash = ?"
)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _token(row: Sequence[Any]) -> Token:
    """A token from the columns of `_TOKEN_COLUMNS`."""
    token_id, name, scopes, created_at, revoked_at, account_id, polity_id, person = row
    return Token(
        token_id,
        Account(account_id, polity_id, person),
        name,
        tuple(scopes.split()),
        created_at,
        revoked_at is not None,
    )


def ensure_tables(engine: Engine) -> None:
    """Refuse (SchemaNotCurrent) a database whose schema lacks the web's tables.

    The tables are made by the migrations (revision 0003: `charter db upgrade`,
    or `open_store(url)`), never by the app; this only checks, for callers that
    open an engine themselves.
    """
    require_current(engine)


class AccountStore:
    """Accounts, sessions, tokens and failures in the web's tables of one database."""

    def __init__(
        self,
        engine: Engine,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], float] = time.time,
        lookup: Lookup | None = None,
    ) -> None:
        self.engine = engine
        self._lookup = lookup or driver_lookup(engine)
        """How each request's credential is looked up (one statement by key): the store's
        autocommit reads serve (`LedgerStore.lookup`)."""
        self.hasher = hasher or PasswordHasher()  # argon2id, the library's default type
        self.clock = clock
        self._dummy = self.hasher.hash(secrets.token_urlsafe(16))

    # -- the app's secret -----------------------------------------------------------------------

    def secret(self) -> str:
        """The key that signs pre-session CSRF cookies: made once, shared by every worker."""
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                found = connection.execute(
                    select(settings.c.value).where(settings.c.name == "secret")
                ).scalar()
                if found is not None:
                    return str(found)
                value = secrets.token_urlsafe(32)
                connection.execute(insert(settings).values(name="secret", value=value))
                return value

    # -- accounts -------------------------------------------------------------------------------

    def add(self, polity_id: str, person: str) -> str:
        """A new account for `person` (the caller has checked membership); its one-time password."""
        password = secrets.token_urlsafe(12)
        try:
            with self.engine.connect() as connection:
                connection.execution_options(**{WRITE_OPTION: True})
                with connection.begin():
                    connection.execute(
                        insert(accounts).values(
                            polity_id=polity_id,
                            person=person,
                            password_hash=self.hasher.hash(password),
                            created_at=self.clock(),
                        )
                    )
        except IntegrityError:
            raise AccountError(f"{person} already has an account in {polity_id}") from None
        return password

    def admit(self, polity_id: str, person: str) -> str:
        """The account of a member just admitted (a new one, or a fresh password for a
        returning member's old one): its one-time password."""
        if self.find(polity_id, person) is None:
            try:
                return self.add(polity_id, person)
            except AccountError:
                pass  # made meanwhile by another worker: give it a fresh password instead
        return self.reset(polity_id, person)

    def reset(self, polity_id: str, person: str) -> str:
        """A new password for an existing account (its sessions end); the password."""
        password = secrets.token_urlsafe(12)
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                account = self._account_row(connection, polity_id, person)
                if account is None:
                    raise AccountError(f"{person} has no account in {polity_id}")
                connection.execute(
                    update(accounts)
                    .where(accounts.c.id == account.id)
                    .values(password_hash=self.hasher.hash(password))
                )
                connection.execute(delete(sessions).where(sessions.c.account_id == account.id))
        return password

    def change_password(self, account: Account, new: str, keep_session: str | None) -> None:
        """Set a new password (the caller checked the old one); other sessions end."""
        if len(new) < MIN_PASSWORD:
            raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                connection.execute(
                    update(accounts)
                    .where(accounts.c.id == account.id)
                    .values(password_hash=self.hasher.hash(new))
                )
                keep = _digest(keep_session) if keep_session else ""
                connection.execute(
                    delete(sessions).where(
                        sessions.c.account_id == account.id, sessions.c.id_hash != keep
                    )
                )

    def find(self, polity_id: str, person: str) -> Account | None:
        with self.engine.connect() as connection:
            return self._account_row(connection, polity_id, person)

    @staticmethod
    def _account_row(connection: object, polity_id: str, person: str) -> Account | None:
        row = connection.execute(  # type: ignore[attr-defined]
            select(accounts.c.id, accounts.c.polity_id, accounts.c.person).where(
                accounts.c.polity_id == polity_id, accounts.c.person == person
            )
        ).first()
        return None if row is None else Account(row.id, row.polity_id, row.person)

    def people(self, polity_id: str) -> list[str]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(accounts.c.person)
                .where(accounts.c.polity_id == polity_id)
                .order_by(accounts.c.person)
            ).all()
        return [row.person for row in rows]

    def check_password(self, polity_id: str, person: str, password: str) -> Account | None:
        """The account if the password is right; None otherwise (in about the same time)."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(accounts).where(
                    accounts.c.polity_id == polity_id, accounts.c.person == person
                )
            ).first()
        stored = self._dummy if row is None else row.password_hash
        try:
            self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        return Account(row.id, row.polity_id, row.person)

    # -- sessions -------------------------------------------------------------------------------

    def open_session(self, account: Account) -> tuple[str, Session]:
        """A new session for `account`: the cookie value to hand the browser, and the session."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = self.clock()
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                connection.execute(delete(sessions).where(sessions.c.expires_at < now))
                connection.execute(
                    insert(sessions).values(
                        id_hash=_digest(session_id),
                        account_id=account.id,
                        csrf=csrf,
                        expires_at=now + SESSION_SECONDS,
                    )
                )
        return session_id, Session(account, csrf)

    def session(self, session_id: str) -> Session | None:
        rows = self._lookup(_SESSION_BY_HASH, (_digest(session_id),))
        if not rows:
            return None
        csrf, expires_at, account_id, polity_id, person = rows[0]
        if expires_at < self.clock():
            return None
        return Session(Account(account_id, polity_id, person), csrf)

    def close_session(self, session_id: str) -> None:
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                connection.execute(
                    delete(sessions).where(sessions.c.id_hash == _digest(session_id))
                )

    # -- API tokens -----------------------------------------------------------------------------

    def issue_token(self, account: Account, name: str, scopes: tuple[str, ...]) -> tuple[str, int]:
        """A new token for `account` with `scopes`: the token (shown once) and its id."""
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown or not scopes:
            raise AccountError(f"scopes must be some of {', '.join(SCOPES)}, got {list(scopes)}")
        token = "chr_" + secrets.token_urlsafe(32)
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                result = connection.execute(
                    insert(tokens).values(
                        token_hash=_digest(token),
                        account_id=account.id,
                        name=name,
                        scopes=" ".join(sorted(set(scopes))),
                        created_at=self.clock(),
                    )
                )
                key = result.inserted_primary_key
        assert key is not None
        return token, int(key[0])

    def token(self, token: str) -> Token | None:
        """The live (unrevoked) token with this value, if any."""
        rows = self._tokens(_TOKEN_BY_HASH, _digest(token))
        return rows[0] if rows and not rows[0].revoked else None

    def live_tokens(self, values: Sequence[str]) -> dict[str, Token]:
        """The live (unrevoked) tokens among `values`, by value: one query for them all."""
        if not values:
            return {}
        by_digest = {_digest(value): value for value in values}
        marks = ", ".join("?" for _ in by_digest)
        rows = self._lookup(
            _TOKEN_COLUMNS_AND_HASH + f" WHERE t.token_hash IN ({marks})", [*by_digest]
        )
        found: dict[str, Token] = {}
        for token_hash, *fields in rows:
            token = _token(fields)
            if not token.revoked:
                found[by_digest[token_hash]] = token
        return found

    def tokens_of(self, account: Account) -> list[Token]:
        return self._tokens(_TOKENS_OF_ACCOUNT, account.id)

    def _tokens(self, sql: str, key: object) -> list[Token]:
        return [_token(row) for row in self._lookup(sql, (key,))]

    def revoke_token(self, account: Account, token_id: int) -> bool:
        """Revoke one of `account`'s tokens; False if it has no such live token.

        An id no integer column can hold names no token: it is answered here, before the
        driver would overflow on it (a 500 where a 404 is due)."""
        if not 1 <= token_id <= LARGEST_ROW_ID:
            return False
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                result = connection.execute(
                    update(tokens)
                    .where(
                        tokens.c.id == token_id,
                        tokens.c.account_id == account.id,
                        tokens.c.revoked_at.is_(None),
                    )
                    .values(revoked_at=self.clock())
                )
        return bool(result.rowcount)

    # -- sign-in failures (rate limiting) -------------------------------------------------------

    def failures_since(self, keys: tuple[str, ...], since: float) -> int:
        """The most failures recorded under any one of `keys` since `since`."""
        with self.engine.connect() as connection:
            counts = connection.execute(
                select(failures.c.key, func.count())
                .where(failures.c.key.in_(keys), failures.c.at >= since)
                .group_by(failures.c.key)
            ).all()
        return max((int(count) for _, count in counts), default=0)

    def record_failure(self, keys: tuple[str, ...]) -> None:
        now = self.clock()
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                connection.execute(delete(failures).where(failures.c.at < now - 86400))
                connection.execute(insert(failures), [{"key": key, "at": now} for key in keys])
