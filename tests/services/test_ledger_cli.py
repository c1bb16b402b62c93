"""The ledger commands end to end on a real SQLite file: init, act, log, export, verify, prove."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from charter.cli import main
from charter.ledger import proofs
from charter.storage import SCHEMA_REVISION
from conftest import COOP, EXAMPLES

FOUNDING = """\
time: 2026-01-10
members: [ana, ben, cai, dee, eve, fay, gus, hal]
posts:
  board: [ana, ben, cai, dee, eve]
  chair: [ana]
  treasurer: [ben]
  auditor: [fay]
"""


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("CHARTER_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("CHARTER_DATABASE_URL", str(tmp_path / "charter.db"))
    monkeypatch.delenv("CHARTER_SIGNING_KEY", raising=False)
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None):
        return runner.invoke(main, list(args), input=stdin)

    return run


@pytest.fixture
def coop_polity(cli, tmp_path):
    founding = tmp_path / "founding.yaml"
    founding.write_text(FOUNDING)
    result = cli("init", str(COOP), "--id", "coop", "--founding", str(founding))
    assert result.exit_code == 0, result.output
    return tmp_path


def test_init_creates_genesis_and_an_owner_only_key(cli, coop_polity):
    key = coop_polity / "keys" / "coop.key"
    assert key.stat().st_mode & 0o777 == 0o600
    listing = json.loads(cli("polities", "--json").output)
    assert listing == [
        {"id": "coop", "name": "Harbour Housing Cooperative", "size": 1, "root": listing[0]["root"]}
    ]


def test_act_prints_the_clause_and_stores_the_entry(cli, coop_polity):
    spend = "actor: ben\nact: exercise\npower: spend\nargs: {matter: finance}\ncosigned_by: [ana]\ntime: 2026-01-15\n"
    result = cli("act", "coop", stdin=spend)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("GRANTED (entry 1) clause: offices.treasurer.powers[0]")
    refused = cli("act", "coop", "--json", stdin=spend.replace("cosigned_by: [ana]\n", ""))
    data = json.loads(refused.output)
    assert data["seq"] == 2
    assert data["outcome"] == "refused"
    assert "co-signature of Chair" in data["basis"]
    log = json.loads(cli("log", "coop", "--json").output)
    assert log["size"] == 3
    assert [entry["type"] for entry in log["entries"]] == ["genesis", "act", "act"]


def test_malformed_act_is_refused_and_stores_nothing(cli, coop_polity):
    result = cli(
        "act",
        "coop",
        stdin="actor: ben\nact: appoint\nargs: {office: tresurer, person: gus}\ntime: 2026-02-01\n",
    )
    assert result.exit_code == 1
    assert "args.office: unknown office 'tresurer' (did you mean 'treasurer'?)" in result.output
    assert json.loads(cli("log", "coop", "--json").output)["size"] == 1


def test_unknown_polity_is_a_clear_error(cli, coop_polity):
    result = cli("log", "nowhere")
    assert result.exit_code == 1
    assert "unknown polity 'nowhere'" in result.output


def test_export_verifies_offline_and_tampering_is_named(cli, coop_polity):
    for day in ("2026-01-15", "2026-01-16"):
        cli(
            "act",
            "coop",
            stdin=f"actor: ben\nact: exercise\npower: spend\nargs: {{matter: finance}}\ncosigned_by: [ana]\ntime: {day}\n",
        )
    bundle = coop_polity / "coop.bundle"
    assert cli("export", "coop", "-o", str(bundle)).exit_code == 0
    verified = cli("verify", str(bundle))
    assert verified.exit_code == 0
    assert verified.output.startswith("verified 3 entries, ")
    lines = bundle.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b'"granted"', b'"refused"')
    bundle.write_bytes(b"\n".join(lines))
    failed = cli("verify", str(bundle), "--json")
    assert failed.exit_code == 1
    report = json.loads(failed.output)
    assert report["verified"] is False
    assert report["discrepancy"]["where"] == "entry 1"
    assert report["discrepancy"]["field"] == "outcome.verdict"


def test_proofs_printed_by_the_cli_check_with_the_rfc_algorithms(cli, coop_polity):
    for day in range(15, 22):
        cli(
            "act",
            "coop",
            stdin=f"actor: gus\nact: exercise\npower: spend\nargs: {{matter: finance}}\ntime: 2026-01-{day}\n",
        )
    inclusion = json.loads(cli("prove", "inclusion", "coop", "3", "--json").output)
    proofs.verify_inclusion(
        inclusion["index"],
        inclusion["size"],
        bytes.fromhex(inclusion["leaf_hash"]),
        [bytes.fromhex(h) for h in inclusion["path"]],
        bytes.fromhex(inclusion["root"]),
    )
    consistency = json.loads(cli("prove", "consistency", "coop", "2", "8", "--json").output)
    proofs.verify_consistency(
        2,
        8,
        bytes.fromhex(consistency["old_root"]),
        bytes.fromhex(consistency["new_root"]),
        [bytes.fromhex(h) for h in consistency["proof"]],
    )


def test_scenario_replays_into_a_database_and_verifies(cli, tmp_path):
    result = cli(
        "scenario",
        "run",
        str(EXAMPLES / "rcp-1923"),
        "--db",
        str(tmp_path / "history.db"),
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)) == 24
    bundle = tmp_path / "rcp.bundle"
    assert (
        cli("export", "rcp-1923", "--db", str(tmp_path / "history.db"), "-o", str(bundle)).exit_code
        == 0
    )
    assert cli("verify", str(bundle)).output.startswith("verified 25 entries")


def test_a_malformed_scenario_writes_nothing_to_the_database(cli, tmp_path):
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        f"charter-scenario: 1\nconstitution: {COOP}\nfounding:\n  time: 2026-01-10\n  members: [ana]\n"
        "steps:\n  - {time: 2026-01-11, actor: ana, act: appoint, args: {office: nowhere, person: ana}}\n"
    )
    result = cli("scenario", "run", str(scenario), "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 1
    assert "unknown office 'nowhere'" in result.output
    assert json.loads(cli("polities", "--db", str(tmp_path / "x.db"), "--json").output) == []


def test_key_file_readable_by_others_is_refused(cli, coop_polity):
    key = coop_polity / "keys" / "coop.key"
    key.chmod(0o644)
    result = cli(
        "act",
        "coop",
        stdin="actor: gus\nact: exercise\npower: spend\nargs: {matter: finance}\ntime: 2026-02-01\n",
    )
    assert result.exit_code == 1
    assert "readable by others" in result.output


def test_key_from_the_environment_signs_checkpoints(cli, tmp_path, monkeypatch):
    import base64

    monkeypatch.setenv("CHARTER_SIGNING_KEY_COOP_2", base64.b64encode(bytes(range(32))).decode())
    founding = tmp_path / "founding.yaml"
    founding.write_text(FOUNDING)
    assert cli("init", str(COOP), "--id", "coop-2", "--founding", str(founding)).exit_code == 0
    assert not (tmp_path / "keys" / "coop-2.key").exists()
    bundle = tmp_path / "b.bundle"
    cli("export", "coop-2", "-o", str(bundle))
    assert cli("verify", str(bundle)).exit_code == 0
    header = json.loads(bundle.read_bytes().split(b"\n")[0])
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from charter.ledger.checkpoint import public_key_bytes

    expected = public_key_bytes(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    assert base64.b64decode(header["public_key"]) == expected


def test_every_ledger_command_has_help(cli):
    for command in (
        ["init"],
        ["act"],
        ["log"],
        ["export"],
        ["verify"],
        ["prove", "inclusion"],
        ["prove", "consistency"],
        ["polities"],
    ):
        assert cli(*command, "--help").exit_code == 0


def test_db_upgrade_migrates_and_reports_the_revision(cli, tmp_path):
    result = cli("db", "upgrade", "--db", str(tmp_path / "fresh.db"))
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"is at schema revision {SCHEMA_REVISION}")
    again = cli("db", "upgrade", "--db", str(tmp_path / "fresh.db"))
    assert again.exit_code == 0


def test_durability_is_chosen_by_environment_and_checked(cli, monkeypatch):
    monkeypatch.setenv("CHARTER_DURABILITY", "fast")
    assert cli("polities").exit_code == 0
    monkeypatch.setenv("CHARTER_DURABILITY", "reckless")
    result = cli("polities")
    assert result.exit_code == 1
    assert "CHARTER_DURABILITY must be 'full' or 'fast'" in result.output
