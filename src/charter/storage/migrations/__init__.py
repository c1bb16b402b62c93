"""Alembic migrations for the ledger schema, shipped inside the package (see `charter.storage.migrate`)."""
