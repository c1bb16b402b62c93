"""The domain is pure: no database, web, files, clock or randomness; outer layers import inward only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "charter"
DOMAIN = sorted((SRC / "domain").rglob("*.py"))

FORBIDDEN_IN_DOMAIN = {
    "sqlalchemy",
    "alembic",
    "psycopg",
    "psycopg2",
    "sqlite3",
    "fastapi",
    "starlette",
    "litestar",
    "uvicorn",
    "flask",
    "django",
    "httpx",
    "requests",
    "click",
    "typer",
    "random",
    "time",
    "os",
    "pathlib",
    "socket",
    "subprocess",
    "secrets",
    "charter.cli",
    "charter.render",
    "charter.scenario",
}
CLOCK_CALLS = ("datetime.now", "datetime.utcnow", "date.today", ".now(", "utcnow(", "today(")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def forbidden(name: str) -> bool:
    return any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN_IN_DOMAIN)


@pytest.mark.parametrize("path", DOMAIN, ids=lambda path: str(path.relative_to(SRC)))
def test_domain_module_imports_nothing_impure(path):
    assert sorted(name for name in imported_modules(path) if forbidden(name)) == []


@pytest.mark.parametrize("path", DOMAIN, ids=lambda path: str(path.relative_to(SRC)))
def test_domain_module_reads_no_clock(path):
    text = path.read_text(encoding="utf-8")
    assert [call for call in CLOCK_CALLS if call in text] == []


def test_importing_the_domain_loads_no_database_or_web_library():
    banned = [
        "sqlalchemy",
        "fastapi",
        "starlette",
        "flask",
        "django",
        "sqlite3",
        "click",
        "httpx",
        "requests",
    ]
    code = (
        "import sys, charter.domain.polity, charter.domain.constitution;"
        f"print([m for m in {banned!r} if m in sys.modules])"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"


def test_the_forbidden_list_catches_a_violation(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import sqlalchemy\nfrom charter.cli import main\nimport random\n")
    assert sorted(name for name in imported_modules(sample) if forbidden(name)) == [
        "charter.cli",
        "random",
        "sqlalchemy",
    ]


LAYERS = {
    "domain": {
        "charter.ledger",
        "charter.storage",
        "charter.services",
        "charter.cli",
        "charter.keys",
    },
    "ledger": {"charter.storage", "charter.services", "charter.cli", "charter.keys", "sqlalchemy"},
    "storage": {"charter.services", "charter.cli", "charter.domain"},
    "services": {"charter.cli"},
}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_each_layer_imports_only_inward(layer):
    banned = LAYERS[layer]
    offenders = {}
    for path in sorted((SRC / layer).rglob("*.py")):
        bad = sorted(
            name
            for name in imported_modules(path)
            if any(name == b or name.startswith(b + ".") for b in banned)
        )
        if bad:
            offenders[str(path.relative_to(SRC))] = bad
    assert offenders == {}
