"""Fixtures: the web app over a real database holding the 1923 party, with accounts for its roles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_support import Site, build_site

from charter.scenario import Scenario
from charter.web.runtime import Settings


@pytest.fixture
def site(database: str, tmp_path: Path, rcp_scenario: Scenario) -> Site:
    """On SQLite, and on PostgreSQL where CHARTER_TEST_POSTGRES_URL is set."""
    return build_site(database, tmp_path, rcp_scenario, Settings())


@pytest.fixture
def sqlite_site(tmp_path: Path, rcp_scenario: Scenario) -> Site:
    return build_site(f"sqlite:///{tmp_path / 'web.db'}", tmp_path, rcp_scenario, Settings())


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    with site.client() as test_client:
        yield test_client


@pytest.fixture
def sqlite_client(sqlite_site: Site) -> Iterator[TestClient]:
    with sqlite_site.client() as test_client:
        yield test_client
