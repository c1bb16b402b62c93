"""Schema migrations, run in code from the installed package: no alembic.ini on disk.

Nothing migrates implicitly. `upgrade` is called explicitly (by `open_store(...,
create=True)`, an installer or an operator); opening a store otherwise only
checks the revision (`charter.storage.version`).
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from charter.storage.engine import WRITE_OPTION, make_engine

__all__ = ["SCRIPT_LOCATION", "head_revision", "upgrade"]

SCRIPT_LOCATION = "charter.storage:migrations"
"""A package resource, so Alembic finds the scripts wherever the package is installed."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str | None:
    """The newest revision shipped in the package's migrations."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def upgrade(engine_or_url: Engine | str | None = None) -> None:
    """Bring the database to the head revision; safe to run again and from several processes.

    On SQLite the migration holds the write lock from its first statement; on
    PostgreSQL an advisory lock (see migrations/env.py) queues concurrent runs.
    """
    engine = engine_or_url if isinstance(engine_or_url, Engine) else make_engine(engine_or_url)
    try:
        config = _config()
        with engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        if engine is not engine_or_url:
            engine.dispose()
