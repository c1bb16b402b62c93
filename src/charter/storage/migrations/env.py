"""Alembic environment: runs the ledger migrations on the connection `charter.storage.migrate` hands over.

There is no alembic.ini: `migrate.upgrade` builds the configuration in code and
puts an open connection in `config.attributes["connection"]`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from charter.storage.schema import metadata

MIGRATION_LOCK_KEY = 0x43484152  # "CHAR": serialises concurrent upgrades of one PostgreSQL database


def _run_online(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two processes upgrading at once would both see an empty schema; queue them.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("run the ledger migrations through charter.storage.migrate.upgrade")
    _run_online(connection)
