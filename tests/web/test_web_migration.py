"""The web's tables come from migration 0003 (`charter db upgrade`), not from the app."""

from __future__ import annotations

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import inspect, text

from charter.cli.app import main
from charter.storage import SCHEMA_REVISION, SchemaNotCurrent, current_revision, make_engine
from charter.storage.engine import WRITE_OPTION
from charter.storage.migrate import _config
from charter.web import create_app

WEB_TABLES = {
    "web_accounts",
    "web_sessions",
    "web_tokens",
    "web_login_failures",
    "web_settings",
    "web_cosignings",
    "web_cosign_answers",
    "web_ballot_box",
}


def test_db_upgrade_creates_the_web_tables(database: str) -> None:
    result = CliRunner().invoke(main, ["db", "upgrade", "--db", database])
    assert result.exit_code == 0, result.output
    engine = make_engine(database)
    try:
        assert set(inspect(engine).get_table_names()) >= WEB_TABLES
        assert current_revision(engine) == SCHEMA_REVISION == "0003"
    finally:
        engine.dispose()


def _upgrade_to(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        config = _config()
        with engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def test_an_app_refuses_a_database_not_yet_at_the_web_revision(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _upgrade_to(url, "0002")
    from charter.web.accounts import ensure_tables

    engine = make_engine(url)
    try:
        with pytest.raises(SchemaNotCurrent, match="is at revision 0002"):
            ensure_tables(engine)
    finally:
        engine.dispose()


def test_tables_an_earlier_app_made_are_adopted_with_their_rows(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _upgrade_to(url, "0002")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:  # what the web app of revision 0002 made itself
            connection.exec_driver_sql(
                "CREATE TABLE web_settings (name TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)"
            )
            connection.exec_driver_sql("INSERT INTO web_settings VALUES ('secret', 'kept')")
    finally:
        engine.dispose()
    _upgrade_to(url, "head")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            value = connection.execute(text("SELECT value FROM web_settings")).scalar()
        assert value == "kept"
        assert set(inspect(engine).get_table_names()) >= WEB_TABLES
    finally:
        engine.dispose()


def test_the_ballot_box_has_no_row_order_on_sqlite(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'box.db'}"
    create_app(url, key_dir=tmp_path / "keys")  # migrates the fresh database
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            sql = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'web_ballot_box'")
            ).scalar()
        assert "WITHOUT ROWID" in str(sql)
        columns = {c["name"] for c in inspect(engine).get_columns("web_ballot_box")}
        assert columns == {"polity_id", "motion", "receipt", "ballot"}
    finally:
        engine.dispose()
