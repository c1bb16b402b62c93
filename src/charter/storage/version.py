"""Which schema revision the database is at, read without loading Alembic.

Opening an existing store checks the revision on every start (each writer
process does), so this stays a plain query; `migrate` is only imported to change
the schema. A test keeps `SCHEMA_REVISION` equal to the shipped head.
"""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from charter.storage.errors import SchemaNotCurrent

__all__ = ["SCHEMA_REVISION", "VERSION_TABLE", "current_revision", "require_current"]

SCHEMA_REVISION = "0003"
"""The Alembic head revision this code reads and writes."""

VERSION_TABLE = "alembic_version"


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a database never migrated."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    if len(rows) != 1:
        raise SchemaNotCurrent(f"the database has {len(rows)} schema heads, expected one")
    return str(rows[0][0])


def require_current(engine: Engine) -> None:
    """Raise `SchemaNotCurrent` unless the database is at `SCHEMA_REVISION`."""
    current = current_revision(engine)
    if current != SCHEMA_REVISION:
        state = "has no ledger schema" if current is None else f"is at revision {current}"
        raise SchemaNotCurrent(
            f"the database {state}, this version of Charter needs {SCHEMA_REVISION}: "
            "run charter.storage.upgrade (or open_store(..., create=True))"
        )
