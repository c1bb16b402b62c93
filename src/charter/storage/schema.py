"""The ledger's tables (SQLAlchemy Core), shared by both backends.

A polity row carries the log's size and root so that the head is one read and
an append locks one row. Entries are append-only; `nodes` keeps every complete
perfect subtree of the RFC 9162 tree (level 0 is the leaves), so roots and
proofs at any size are a handful of key lookups, never a rebuild. The
migrations create exactly these tables; a test compares the two.

`pending_acts` is the queue of acts waiting to be judged and appended: a
writer enqueues its acts there, then either finds them appended by another
writer (the *combiner*, who judged and appended every pending act under the
polity's lock) or becomes the combiner itself. A row is pending while both
`seq` and `error` are NULL; the combiner sets `seq` (the first entry's
position) or `error` (why the acts were not appended) in the transaction that
appends the entries, and the writer deletes its row once it has read it (or,
if the writer died first, a later combiner does: see charter.storage.owners).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)

__all__ = [
    "checkpoints",
    "constitutions",
    "entries",
    "metadata",
    "nodes",
    "pending_acts",
    "polities",
    "web_accounts",
    "web_ballot_box",
    "web_cosign_answers",
    "web_cosignings",
    "web_login_failures",
    "web_sessions",
    "web_settings",
    "web_tokens",
]

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

polities = Table(
    "polities",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created", Text, nullable=False, comment="ISO 8601"),
    Column("public_key", LargeBinary, nullable=False),
    Column("size", BigInteger, nullable=False, server_default=text("0")),
    Column("root", LargeBinary, nullable=False),
)


def _polity_column() -> Column[str]:
    return Column("polity_id", Text, ForeignKey("polities.id"), primary_key=True)


entries = Table(
    "entries",
    metadata,
    _polity_column(),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary, nullable=False),
)

nodes = Table(
    "nodes",
    metadata,
    _polity_column(),
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    _polity_column(),
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary, nullable=False),
    Column("text", Text, nullable=False),
)

constitutions = Table(
    "constitutions",
    metadata,
    _polity_column(),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("document", Text, nullable=False),
)

pending_acts = Table(
    "pending_acts",
    metadata,
    Column(
        "ticket",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("polity_id", Text, ForeignKey("polities.id"), nullable=False),
    Column("acts", LargeBinary, nullable=False),
    Column("seq", BigInteger, nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_pending_acts_polity_id", "polity_id", "ticket"),
    sqlite_autoincrement=True,  # tickets are never reused, so they order the queue
)

# -- the web application's tables (migration 0003) -------------------------------------------------
# Accounts, sessions, tokens and sign-in failures hold no evidence: dropping them
# signs everyone out. `web_cosignings` keeps acts waiting for their co-signers
# (performed through the ledger once all have signed). `web_ballot_box` keeps the
# ballots of open secret votes apart from who cast them: no account, no time, no
# row number (WITHOUT ROWID on SQLite), keyed and ordered by the voter's receipt.

web_accounts = Table(
    "web_accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("polity_id", Text, nullable=False),
    Column("person", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("polity_id", "person", name="uq_web_accounts_person"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", Text, primary_key=True),
    Column("account_id", Integer, ForeignKey("web_accounts.id"), nullable=False),
    Column("csrf", Text, nullable=False),
    Column("expires_at", Float, nullable=False),
)

web_tokens = Table(
    "web_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("account_id", Integer, ForeignKey("web_accounts.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
)

web_login_failures = Table(
    "web_login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, index=True),
    Column("at", Float, nullable=False),
)

web_settings = Table(
    "web_settings",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

web_cosignings = Table(
    "web_cosignings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("polity_id", Text, ForeignKey("polities.id"), nullable=False),
    Column("proposer", Text, nullable=False),
    Column("act", Text, nullable=False, comment="JSON: act, args, power, as, note"),
    Column("cosigners", Text, nullable=False, comment="JSON list of the people asked"),
    Column(
        "status",
        Text,
        nullable=False,
        comment="pending, performing, performed, declined, withdrawn or failed",
    ),
    Column("created_at", Float, nullable=False),
    Column("seq", BigInteger, nullable=True, comment="the ledger entry, once performed"),
    Index("ix_web_cosignings_polity_id", "polity_id", "status"),
)

web_cosign_answers = Table(
    "web_cosign_answers",
    metadata,
    Column("cosigning_id", Integer, ForeignKey("web_cosignings.id"), primary_key=True),
    Column("person", Text, primary_key=True),
    Column("answer", Text, nullable=False, comment="signed or declined"),
    Column("at", Float, nullable=False),
)

web_ballot_box = Table(
    "web_ballot_box",
    metadata,
    Column("polity_id", Text, ForeignKey("polities.id"), primary_key=True),
    Column("motion", Text, primary_key=True),
    Column("receipt", Text, primary_key=True),
    Column("ballot", Text, nullable=False, comment="JSON: the marks and the votes they carry"),
    sqlite_with_rowid=False,
)
