"""The README's examples run as written, so the documentation cannot drift from the code."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from charter.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_setup_is_exactly_two_commands_and_ci_runs_the_test_one():
    (setup,) = [block for block in blocks("sh") if "make run" in block]
    commands = [line.split("#")[0].strip() for line in setup.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_python_example_runs(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    (example,) = blocks("python")
    exec(compile(example, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "stalin holds no office with power 'appoint' over 'regional-secretary'" in out
    assert "24 acts, 4 refused" in out
    assert "('stalin',)" in out


def cli_lines() -> list[str]:
    lines = []
    for block in blocks("sh"):
        for line in block.splitlines():
            command = line.split("#")[0].strip()
            if command.startswith("charter "):
                lines.append(command)
    return lines


@pytest.mark.parametrize("command", cli_lines())
def test_every_cli_example_in_the_readme_succeeds(command, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, shlex.split(command)[1:])
    assert result.exit_code == 0, result.output


def test_error_example_is_what_charter_check_prints(monkeypatch):
    (shown,) = blocks("text")
    monkeypatch.chdir(ROOT / "examples" / "invalid")
    result = CliRunner().invoke(main, ["check", "club.yaml"])
    assert result.exit_code == 1
    assert result.stderr == shown


def test_readme_names_every_constitution_section():
    from charter.domain.constitution.model import Constitution

    sections = set(Constitution.model_fields) - {"charter", "id", "name", "description", "sources"}
    for section in sections:
        assert f"`{section}`" in README or f"`{section}." in README, section
