"""What the web app runs on: one store, one polity service, the accounts, and a clock.

The polity service keeps each polity's fold in memory and is not made for
concurrent use, so requests (served on a thread pool) take `lock` around it.
Acts go through the sequencer, which takes the same lock once per batch.
Several worker processes each have their own runtime; the store keeps their
writes consistent (see `PolityService`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher

from charter.domain.polity import Polity
from charter.keys import KeyRing
from charter.services.polities import PolityService
from charter.services.sequencer import Sequencer
from charter.storage import Durability, LedgerStore, open_store
from charter.web.accounts import AccountStore
from charter.web.cosign import CosignStore
from charter.web.credentials import TokenLookups
from charter.web.dashboards import Memberships
from charter.web.receipts import BallotBox

__all__ = ["Runtime", "Settings"]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Settings:
    """How the app behaves: cookie security and the sign-in rate limit."""

    secure_cookies: bool = True
    login_attempts: int = 5
    """Failed sign-ins allowed per person and per client address in `login_window` seconds."""
    login_window: float = 900.0
    threads: int = 64
    """Requests on the thread pool at once per worker. Acts from the pages' forms and
    co-signatures wait for the sequencer on a thread, so this bounds their batches (the
    API's act endpoint waits on the event loop). 64 beat anyio's default of 40 in the web
    benchmark (bench/RESULTS.md), measured while the API's acts still waited on threads."""


class Runtime:
    """The store, the service over it, and the accounts beside it, for one process."""

    def __init__(
        self,
        db_url: str | None,
        *,
        key_dir: Path | None = None,
        durability: Durability = "full",
        clock: Callable[[], datetime] = _now,
        hasher: PasswordHasher | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.store: LedgerStore = open_store(db_url, durability=durability)
        try:
            self.service = PolityService(self.store, KeyRing(key_dir), clock=clock)
            self.accounts = AccountStore(self.store.engine, hasher, lookup=self.store.lookup)
            self.box = BallotBox(self.store.engine)
            self.cosign = CosignStore(self.store.engine)
            self.memberships = Memberships()
            self.secret = self.accounts.secret()
        except BaseException:
            self.store.close()
            raise
        self.clock = clock
        self.settings = settings or Settings()
        self.lock = threading.RLock()
        self.sequencer = Sequencer(self.service, lock=self.lock, restamp=True, checkpoints=True)
        self.tokens = TokenLookups(self.accounts.live_tokens)

    @contextmanager
    def polities(self) -> Iterator[PolityService]:
        """The polity service, held for this request alone."""
        with self.lock:
            yield self.service

    def polity(self, polity_id: str) -> Polity:
        """The polity at the head of its ledger (UnknownPolity if there is none)."""
        with self.lock:
            return self.service.polity(polity_id)

    def snapshot(self, polity_id: str) -> Polity:
        """The polity as this process last folded it, without waiting for the lock or the
        store; read its `state` once. At the head instead if not folded yet."""
        polity = self.service.snapshot(polity_id)
        return polity if polity is not None else self.polity(polity_id)

    def now(self) -> datetime:
        return self.clock()

    def close(self) -> None:
        self.tokens.close()
        self.sequencer.close()
        self.store.close()
