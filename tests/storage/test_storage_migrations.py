"""The schema is created only by the shipped migrations, and exactly as schema.py declares."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from storage_support import PG_SKIP_REASON, postgres_schema, postgres_url

import charter.storage
from charter.storage import (
    SCHEMA_REVISION,
    SchemaNotCurrent,
    current_revision,
    make_engine,
    open_store,
    upgrade,
)
from charter.storage.migrate import head_revision
from charter.storage.schema import metadata


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(postgres_url() is None, reason=PG_SKIP_REASON),
        ),
    ]
)
def url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "l.db")
    else:
        base = postgres_url()
        assert base is not None
        with postgres_schema(base) as schema_url:
            yield schema_url


def test_the_code_expects_the_newest_shipped_revision():
    assert head_revision() == SCHEMA_REVISION


def test_the_migrations_ship_inside_the_package():
    folder = Path(charter.storage.__file__).parent / "migrations"
    assert (folder / "env.py").is_file()
    assert (folder / "script.py.mako").is_file()
    assert list((folder / "versions").glob("0001_*.py"))


def test_migrated_tables_match_the_declared_schema(url):
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_upgrade_can_run_again_and_changes_nothing(url):
    upgrade(url)
    with open_store(url) as store:
        store.create_polity("p", "P", b"k", "2026-01-01")
    upgrade(url)
    with open_store(url, create=False) as store:
        assert [p.id for p in store.polities()] == ["p"]


def test_opening_without_create_refuses_an_unmigrated_database(url):
    with pytest.raises(SchemaNotCurrent, match="no ledger schema"):
        open_store(url, create=False)
    engine = make_engine(url)
    try:
        assert current_revision(engine) is None
    finally:
        engine.dispose()


def test_several_processes_may_upgrade_a_fresh_database_at_once(url):
    code = "import sys; from charter.storage import upgrade; upgrade(sys.argv[1])"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    engine = make_engine(url)
    try:
        assert current_revision(engine) == SCHEMA_REVISION
    finally:
        engine.dispose()
