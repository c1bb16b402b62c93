"""The store contract, run on each backend: SQLite always, PostgreSQL when configured."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from storage_contract import StoreContract
from storage_support import PG_SKIP_REASON, postgres_schema, postgres_url


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return str(tmp_path / "ledger.db")


@pytest.mark.skipif(postgres_url() is None, reason=PG_SKIP_REASON)
class TestPostgreSQLStore(StoreContract):
    @pytest.fixture
    def url(self) -> Iterator[str]:
        base = postgres_url()
        assert base is not None
        with postgres_schema(base) as url:
            yield url
