"""The reference pages document every field of the language and every act: they cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from charter.domain.acts import ACT_KINDS
from charter.domain.constitution import model

DOCS = Path(__file__).resolve().parent.parent / "docs"
LANGUAGE = (DOCS / "constitution.md").read_text(encoding="utf-8")
ACTS = (DOCS / "acts.md").read_text(encoding="utf-8")

CLAUSES = sorted(
    (name, cls)
    for name, cls in vars(model).items()
    if isinstance(cls, type)
    and issubclass(cls, BaseModel)
    and cls.__module__ == model.__name__
    and not name.startswith("_")
)


def section(title: str) -> str:
    match = re.search(
        rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", LANGUAGE, flags=re.MULTILINE | re.DOTALL
    )
    assert match is not None, f"docs/constitution.md has no section '{title}'"
    return match.group(1)


@pytest.mark.parametrize(("name", "clause"), CLAUSES, ids=[name for name, _ in CLAUSES])
def test_every_field_of_every_clause_is_documented(name, clause):
    text = section(name)
    missing = [field for field in clause.model_fields if f"| `{field}` |" not in text]
    assert missing == []


@pytest.mark.parametrize("kind", ACT_KINDS)
def test_every_act_kind_is_documented(kind):
    assert f"| `{kind}` |" in ACTS


def test_every_standard_power_is_documented():
    for power in model.STANDARD_POWERS:
        assert f"`{power}`" in LANGUAGE
