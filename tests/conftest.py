"""Named example polities, shared by the whole suite."""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url

from charter import Act, Constitution, Founding, Polity, load_constitution, load_scenario
from charter.domain.constitution import constitution_from_document
from charter.domain.document import Document
from charter.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent


def _shared_data() -> Path:
    """The project's real-world data (../shared/data): $CHARTER_SHARED_DATA, next to the
    repository, or this machine's /work/shared/data, wherever the clone was made."""
    configured = os.environ.get("CHARTER_SHARED_DATA")
    if configured:
        return Path(configured)
    for parent in ROOT.parents:
        candidate = parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return Path("/work/shared/data")


SHARED_DATA = _shared_data()
PG_ENV = "CHARTER_TEST_POSTGRES_URL"
PG_SKIP_REASON = f"set {PG_ENV} to run the PostgreSQL storage tests"
EXAMPLES = ROOT / "examples"
RCP = EXAMPLES / "rcp-1923"
COOP = EXAMPLES / "coop" / "constitution.toml"

COOP_MEMBERS = ("ana", "ben", "cai", "dee", "eve", "fay", "gus", "hal")
COOP_START = datetime(2026, 1, 10, tzinfo=UTC)
COOP_POSTS = {
    "board": ("ana", "ben", "cai", "dee", "eve"),
    "chair": ("ana",),
    "treasurer": ("ben",),
    "auditor": ("fay",),
}


def postgres_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A fresh schema for one test, as a URL whose connections use it; dropped afterwards."""
    schema = f"charter_test_{uuid.uuid4().hex[:16]}"
    admin_url = make_url(base_url).set(drivername="postgresql+psycopg")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        url = admin_url.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend (PostgreSQL skipped with a reason if not configured)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'charter.db'}"
        return
    base = postgres_url()
    if base is None:
        pytest.skip(PG_SKIP_REASON)
    with postgres_schema(base) as url:
        yield url


def day(year: int, month: int, day_: int) -> datetime:
    return datetime(year, month, day_, tzinfo=UTC)


@pytest.fixture(scope="session")
def rcp_constitution() -> Constitution:
    """The Russian Communist Party as constituted in 1922-23."""
    return load_constitution(RCP / "constitution.yaml")


@pytest.fixture(scope="session")
def rcp_scenario() -> Scenario:
    return load_scenario(RCP)


@pytest.fixture(scope="session")
def rcp_counterfactual() -> Scenario:
    return load_scenario(RCP / "counterfactual.yaml")


@pytest.fixture(scope="session")
def coop_constitution() -> Constitution:
    """Harbour Housing Cooperative: term limits, quotas, co-signatures, entrenched clauses."""
    return load_constitution(COOP)


def cooperative_founding() -> Founding:
    """Board of five, ana chairs, ben is treasurer, fay audits (a plain function for @given tests)."""
    return Founding(time=COOP_START, members=COOP_MEMBERS, posts=COOP_POSTS)


def coop_variant(edit: Callable[[dict[str, Any]], None]) -> Constitution:
    """The cooperative's constitution with `edit` applied to its document before validation."""
    data = tomllib.loads(COOP.read_text(encoding="utf-8"))
    edit(data)
    return constitution_from_document(Document(data, str(COOP)))


@pytest.fixture
def coop_founding() -> Founding:
    return cooperative_founding()


@pytest.fixture
def coop(coop_constitution: Constitution, coop_founding: Founding) -> Polity:
    """A freshly founded cooperative: board of five, ana chairs, ben treasurer, fay auditor."""
    return Polity(coop_constitution, coop_founding)


@pytest.fixture
def make_act() -> Callable[..., Act]:
    """Build an act with a default time just after the cooperative's founding."""

    def build(actor: str, kind: str, when: datetime | None = None, **kwargs: Any) -> Act:
        args = kwargs.pop("args", {})
        return Act(actor=actor, kind=kind, time=when or day(2026, 2, 1), args=args, **kwargs)

    return build
