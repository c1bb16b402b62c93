"""Named example polities, shared by the whole suite."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from charter import Act, Constitution, Founding, Polity, load_constitution, load_scenario
from charter.domain.constitution import constitution_from_document
from charter.domain.document import Document
from charter.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
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
