"""`charter federation ...` and `charter import` over real databases: a member leaves a federation
with its records, and they verify and go on in a fresh installation."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from charter.cli import main
from conftest import EXAMPLES

COOPS = EXAMPLES / "coop-federation"

Run = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("CHARTER_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.delenv("CHARTER_SIGNING_KEY", raising=False)
    monkeypatch.delenv("CHARTER_DATABASE_URL", raising=False)

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=input, env=env)

    return invoke


@pytest.fixture
def federation_db(run: Run, database: str) -> str:
    result = run("scenario", "run", str(COOPS), "--db", database)
    assert result.exit_code == 0, result.output
    return database


def act(
    run: Run, db: str, polity: str, data: dict[str, Any], env: dict[str, str] | None = None
) -> dict[str, Any]:
    result = run("act", polity, "--db", db, "--json", input=json.dumps(data), env=env)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_members_and_delegates_are_listed_from_the_federations_ledger(
    run: Run, federation_db: str
) -> None:
    members = json.loads(
        run("federation", "members", "northern", "--db", federation_db, "--json").stdout
    )
    status = {row["polity"]: row["member"] for row in members}
    assert status == {
        "harbour": True,
        "riverside": True,
        "millbank": False,
        "oakfield": True,
        "greenway": True,
    }
    assert next(row for row in members if row["polity"] == "millbank")["leaves"].startswith(
        "2027-08-10"
    )
    delegates = json.loads(
        run("federation", "delegates", "northern", "--db", federation_db, "--json").stdout
    )
    assert {"polity": "riverside", "body": "assembly", "person": "ria", "votes": 120} in delegates
    assert not [row for row in delegates if row["polity"] == "millbank"]


def test_a_seceded_member_imports_into_a_fresh_installation_verifies_and_goes_on(
    run: Run, federation_db: str, tmp_path: Path
) -> None:
    bundle = tmp_path / "millbank.bundle"
    assert run("export", "millbank", "-o", str(bundle), "--db", federation_db).exit_code == 0
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    elsewhere = {"CHARTER_KEY_DIR": str(tmp_path / "other-keys")}
    key = tmp_path / "keys" / "millbank.key"
    imported = run("import", str(bundle), "--key", str(key), "--db", fresh, env=elsewhere)
    assert imported.exit_code == 0, imported.output
    assert "verified 9 entries, 2 checkpoints" in imported.stdout
    entry = act(
        run,
        fresh,
        "millbank",
        {
            "actor": "mo",
            "act": "table-motion",
            "time": "2027-09-01",
            "args": {"body": "members", "motion": "after", "text": "On our own."},
        },
        env=elsewhere,
    )
    assert entry["seq"] == 9
    assert entry["outcome"] == "granted"
    again = tmp_path / "again.bundle"
    assert run("export", "millbank", "-o", str(again), "--db", fresh, env=elsewhere).exit_code == 0
    verified = run("verify", str(again), "--json")
    report = json.loads(verified.stdout)
    assert report["verified"]
    assert (report["entries"], report["checkpoints"]) == (10, 3)  # the old two, and one signed here


def test_the_federation_records_the_exit_with_the_members_signed_checkpoint(
    run: Run, federation_db: str, tmp_path: Path
) -> None:
    bundle = tmp_path / "northern.bundle"
    assert run("export", "northern", "-o", str(bundle), "--db", federation_db).exit_code == 0
    lines = [json.loads(line) for line in bundle.read_text(encoding="utf-8").splitlines()[1:]]
    (secession,) = [
        entry
        for entry in (json.loads(line["entry"]) if "entry" in line else line for line in lines)
        if isinstance(entry, dict) and entry.get("act", {}).get("act") == "secede"
    ] or [None]
    assert secession is not None
    checkpoint = secession["act"]["args"]["checkpoint"]
    assert checkpoint.startswith("charter/polity/millbank\n9\n")
    assert "\n\u2014 charter/polity/millbank " in checkpoint  # signed by millbank's own key
    assert run("verify", str(bundle)).exit_code == 0


def test_import_refuses_a_tampered_bundle_a_wrong_key_and_a_taken_id(
    run: Run, federation_db: str, tmp_path: Path
) -> None:
    bundle = tmp_path / "millbank.bundle"
    assert run("export", "millbank", "-o", str(bundle), "--db", federation_db).exit_code == 0
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    tampered = tmp_path / "tampered.bundle"
    tampered.write_text(
        bundle.read_text(encoding="utf-8").replace("Leave the Northern Federation.", "Stay."),
        encoding="utf-8",
    )
    refused = run("import", str(tampered), "--db", fresh)
    assert refused.exit_code == 1
    assert "does not verify" in refused.output
    wrong = run(
        "import", str(bundle), "--key", str(tmp_path / "keys" / "harbour.key"), "--db", fresh
    )
    assert wrong.exit_code == 1
    assert "is not millbank's" in wrong.output
    assert run("polities", "--db", fresh).stdout.strip() == ""
    assert run("import", str(bundle), "--db", fresh).exit_code == 0
    other = tmp_path / "harbour.bundle"
    assert run("export", "harbour", "-o", str(other), "--db", federation_db).exit_code == 0
    assert run("import", str(other), "--db", fresh).exit_code == 0
    # the same id with a different history is refused
    text = other.read_text(encoding="utf-8")
    clash = tmp_path / "clash.bundle"
    clash.write_text(text.replace('"polity":"harbour"', '"polity":"millbank"', 1), encoding="utf-8")
    assert run("import", str(clash), "--db", fresh).exit_code == 1


def test_acting_without_the_signing_key_stores_nothing(
    run: Run, federation_db: str, tmp_path: Path
) -> None:
    bundle = tmp_path / "millbank.bundle"
    assert run("export", "millbank", "-o", str(bundle), "--db", federation_db).exit_code == 0
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    keyless = {"CHARTER_KEY_DIR": str(tmp_path / "no-keys")}
    assert run("import", str(bundle), "--db", fresh, env=keyless).exit_code == 0
    data = {
        "actor": "mo",
        "act": "table-motion",
        "time": "2027-09-01",
        "args": {"body": "members", "motion": "x", "text": "x"},
    }
    result = run("act", "millbank", "--db", fresh, input=json.dumps(data), env=keyless)
    assert result.exit_code == 1
    assert "no signing key for polity 'millbank'" in result.output
    assert "9 entries" in run("polities", "--db", fresh, env=keyless).stdout


def test_secede_and_join_check_the_members_own_decision(run: Run, federation_db: str) -> None:
    missing = run(
        "federation",
        "secede",
        "northern",
        "harbour",
        "--decision",
        "leave-northern",
        "--time",
        "2027-10-01",
        "--db",
        federation_db,
    )
    assert missing.exit_code == 1
    assert "motion 'leave-northern' has not carried" in missing.output
    time = "2027-10-01"
    steps = [
        {
            "actor": "gia",
            "act": "table-motion",
            "args": {
                "body": "members",
                "motion": "leave",
                "text": "Leave.",
                "action": {"act": "leave-federation", "federation": "northern"},
            },
        },
        {"actor": "hal", "act": "second-motion", "args": {"motion": "leave"}},
        {"actor": "gia", "act": "open-vote", "args": {"motion": "leave"}},
        *(
            {"actor": who, "act": "cast-ballot", "args": {"motion": "leave", "choice": "yes"}}
            for who in ("gia", "hal", "ivo")
        ),
        {"actor": "gia", "act": "close-vote", "args": {"motion": "leave"}},
        {"actor": "gia", "act": "declare-result", "args": {"motion": "leave"}},
    ]
    for step in steps:
        act(run, federation_db, "greenway", {**step, "time": time})
    seceded = run(
        "federation",
        "secede",
        "northern",
        "greenway",
        "--decision",
        "leave",
        "--time",
        "2027-10-02",
        "--db",
        federation_db,
        "--json",
    )
    assert seceded.exit_code == 0, seceded.output
    entry = json.loads(seceded.stdout)
    assert entry["outcome"] == "granted"
    assert entry["args"]["decision"] == {"motion": "leave", "entry": 16}
    rejoin = run(
        "federation",
        "join",
        "northern",
        "greenway",
        "--decision",
        "join-northern",
        "--mover",
        "ana",
        "--motion",
        "readmit-greenway",
        "--criterion",
        "households=30",
        "--time",
        "2027-10-03",
        "--db",
        federation_db,
        "--json",
    )
    assert rejoin.exit_code == 0, rejoin.output
    tabled = json.loads(rejoin.stdout)
    assert tabled["outcome"] == "refused"  # still a member during its three months' notice
    assert "already a member polity" in tabled["basis"]
    action = tabled["args"]["action"]
    assert action["consent"]["entry"] == 8
    assert action["constitution"]["id"] == "member-cooperative"
