"""Resolving database URLs and the connection behaviour the store relies on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import make_url
from storage_support import PG_SKIP_REASON, postgres_url

from charter.storage import DATABASE_URL_ENV, UnsupportedDatabase, database_url, make_engine
from charter.storage.engine import WRITE_OPTION, default_sqlite_path


def test_no_url_and_no_environment_means_the_embedded_file_in_the_user_data_dir(monkeypatch):
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    url = make_url(database_url(None))
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(default_sqlite_path())
    assert default_sqlite_path().name == "charter.db"
    assert "charter" in default_sqlite_path().parent.parts[-1].lower()


def test_the_environment_names_the_database_when_no_url_is_given(monkeypatch, tmp_path):
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://u@db.example/ledger")
    assert database_url(None) == "postgresql+psycopg://u@db.example/ledger"
    assert database_url(str(tmp_path / "x.db")).startswith("sqlite:///")


def test_postgresql_urls_use_psycopg_and_keep_their_options():
    url = "postgresql://u:p%40ss@h:5433/d?options=-csearch_path%3Dledger&sslmode=require"
    parsed = make_url(database_url(url))
    assert parsed.drivername == "postgresql+psycopg"
    assert (parsed.username, parsed.password, parsed.host, parsed.port) == ("u", "p@ss", "h", 5433)
    assert parsed.query == {"options": "-csearch_path=ledger", "sslmode": "require"}
    assert make_url(database_url("postgres://h/d")).drivername == "postgresql+psycopg"


def test_a_plain_path_is_an_sqlite_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert make_url(database_url("ledger.db")).database == str(tmp_path / "ledger.db")
    assert make_url(database_url("~/x.db")).database == str(Path("~/x.db").expanduser())


@pytest.mark.parametrize(
    "url",
    ["mysql://h/d", "postgresql+psycopg2://h/d", "sqlite+aiosqlite:///x.db", "", "  "],
)
def test_unsupported_databases_are_refused(url):
    with pytest.raises(UnsupportedDatabase):
        database_url(url)


@pytest.mark.parametrize(("durability", "synchronous"), [("full", 2), ("fast", 1)])
def test_sqlite_connections_use_wal_foreign_keys_and_the_chosen_durability(
    tmp_path, durability, synchronous
):
    engine = make_engine(str(tmp_path / "nested" / "l.db"), durability=durability)
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == synchronous
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() >= 10_000
    finally:
        engine.dispose()


def test_an_unknown_durability_is_refused(tmp_path):
    with pytest.raises(ValueError, match="durability"):
        make_engine(str(tmp_path / "l.db"), durability="sloppy")  # type: ignore[arg-type]


def test_a_writing_sqlite_transaction_holds_the_write_lock_from_its_start(tmp_path):
    path = tmp_path / "l.db"
    engine = make_engine(str(path))
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with engine.connect() as reader, reader.begin():
            reader.exec_driver_sql("SELECT 1").scalar()
            other.execute("BEGIN IMMEDIATE")  # a plain reader does not block a writer
            other.execute("ROLLBACK")
        with engine.connect() as writer:
            writer.execution_options(**{WRITE_OPTION: True})
            with writer.begin():
                writer.exec_driver_sql("SELECT 1").scalar()  # no write yet, lock already held
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        engine.dispose()


@pytest.mark.skipif(postgres_url() is None, reason=PG_SKIP_REASON)
@pytest.mark.parametrize(("durability", "setting"), [("full", "on"), ("fast", "off")])
def test_postgresql_runs_read_committed_with_the_chosen_durability(durability, setting):
    engine = make_engine(postgres_url(), durability=durability)
    try:
        with engine.connect() as connection:
            show = connection.exec_driver_sql
            assert show("SHOW transaction_isolation").scalar() == "read committed"
            assert show("SHOW synchronous_commit").scalar() == setting
    finally:
        engine.dispose()
