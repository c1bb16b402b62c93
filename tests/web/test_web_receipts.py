"""Secret ballots through the web, the ballot box kept apart, and receipts anyone can check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from club_support import CLUB, act, build_club, table_and_open
from fastapi.testclient import TestClient
from sqlalchemy import text
from web_support import Site, form_token, sign_in, size

from charter.ledger.bundle import read_bundle
from charter.ledger.checkpoint import verify_checkpoint
from charter.ledger.proofs import verify_inclusion
from charter.ledger.verify import verify
from charter.storage import make_engine


@pytest.fixture
def club(database: str, tmp_path: Path) -> Site:
    return build_club(database, tmp_path)


@pytest.fixture
def people(club: Site) -> Iterator[dict[str, tuple[TestClient, str]]]:
    """A signed-in client and CSRF token for each of ana (chair), ben, cy and dee."""
    clients = {}
    for person in ("ana", "ben", "cy", "dee"):
        client = club.client()
        client.__enter__()
        clients[person] = (client, sign_in(client, person, club.passwords[person], CLUB))
    yield clients
    for client, _ in clients.values():
        client.__exit__(None, None, None)


def _vote(people: dict[str, tuple[TestClient, str]], who: str, motion: str, **ballot: Any):
    client, csrf = people[who]
    return client.post(
        f"/api/polities/{CLUB}/acts",
        json={"act": "cast-ballot", "args": {"motion": motion, **ballot}},
        headers={"X-CSRF-Token": csrf},
    )


def _box_rows(url: str) -> list[dict[str, Any]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT * FROM web_ballot_box")).mappings().all()
        return [dict(row) for row in rows]
    finally:
        engine.dispose()


def _check(client: TestClient, receipt: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/polities/{CLUB}/receipts/check", json=receipt)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _entry(client: TestClient, seq: int) -> dict[str, Any]:
    page = client.get(f"/api/polities/{CLUB}/entries", params={"start": seq, "limit": 1}).json()
    entry: dict[str, Any] = page["entries"][0]["fields"]
    return entry


def test_a_secret_ballot_records_only_participation_and_boxes_the_ballot_unlinked(
    club: Site, people
) -> None:
    ana, csrf = people["ana"]
    table_and_open(ana, csrf, "board", "budget")
    response = _vote(people, "ben", "budget", choice="yes")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["granted"]
    assert result["entry"]["args"] == {"motion": "budget"}  # nothing of the ballot
    receipt = result["receipt"]
    assert receipt["secret"] is True
    assert receipt["ballot"] == {"choice": "yes", "votes": 1}
    assert "ben" not in json.dumps(receipt)
    assert "entry" not in receipt
    rows = _box_rows(club.url)
    assert rows == [
        {
            "polity_id": CLUB,
            "motion": "budget",
            "receipt": receipt["receipt"],
            "ballot": json.dumps({"choice": "yes", "votes": 1}),
        }
    ]
    recorded = json.dumps(_entry(ana, result["seq"]))
    assert receipt["receipt"] not in recorded
    assert "yes" not in recorded


def test_closing_a_secret_vote_hands_in_the_box_sorted_and_the_count_is_verifiable(
    club: Site, people
) -> None:
    ana, csrf = people["ana"]
    table_and_open(ana, csrf, "board", "budget")
    receipts = {
        who: _vote(people, who, "budget", choice=choice).json()["receipt"]
        for who, choice in (("ben", "yes"), ("cy", "no"), ("dee", "yes"))
    }
    closed = act(ana, csrf, "close-vote", motion="budget")
    assert closed["granted"], closed
    box = closed["entry"]["args"]["box"]
    codes = [item["receipt"] for item in box]
    assert codes == sorted(codes) == sorted(r["receipt"] for r in receipts.values())
    assert _box_rows(club.url) == []  # the box now lives in the ledger only
    declared = act(ana, csrf, "declare-result", motion="budget")
    assert declared["granted"], declared
    motion = next(
        m for m in ana.get(f"/api/polities/{CLUB}").json()["motions"] if m["id"] == "budget"
    )
    assert motion["result"]["carried"] is True
    bundle = read_bundle(ana.get(f"/api/polities/{CLUB}/export").content)
    assert verify(bundle).ok


def test_a_secret_receipt_is_pending_while_open_then_proved_in_the_closing_entry(
    club: Site, people
) -> None:
    ana, csrf = people["ana"]
    table_and_open(ana, csrf, "board", "budget")
    receipt = _vote(people, "ben", "budget", choice="no").json()["receipt"]
    for who in ("cy", "dee"):
        _vote(people, who, "budget", choice="yes")
    visitor = TestClient(ana.app, base_url="https://testserver")
    pending = _check(visitor, receipt)
    assert pending["status"] == "pending"
    assert pending["entry"] is None
    closed = act(ana, csrf, "close-vote", motion="budget")
    checked = _check(visitor, receipt)
    assert checked["status"] == "included", checked
    assert checked["entry"] == closed["seq"]
    assert checked["ballot"] == {"choice": "no", "votes": 1}
    proof = checked["proof"]
    public_key = bytes.fromhex(_genesis_key(visitor))
    checkpoint = verify_checkpoint(proof["checkpoint"], public_key)
    verify_inclusion(
        closed["seq"],
        checkpoint.size,
        bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(h) for h in proof["path"]],
        checkpoint.root,
    )


def _genesis_key(client: TestClient) -> str:
    bundle = read_bundle(client.get(f"/api/polities/{CLUB}/export").content)
    return bundle.public_key.hex()


def test_a_receipt_that_was_altered_or_invented_does_not_check(club: Site, people) -> None:
    ana, csrf = people["ana"]
    table_and_open(ana, csrf, "board", "budget")
    receipt = _vote(people, "ben", "budget", choice="yes").json()["receipt"]
    act(ana, csrf, "close-vote", motion="budget")
    altered = {**receipt, "ballot": {"choice": "no", "votes": 1}}
    assert _check(ana, altered)["status"] == "mismatch"
    invented = {**receipt, "receipt": "0" * 32}
    assert _check(ana, invented)["status"] == "missing"
    elsewhere = ana.post(
        f"/api/polities/{CLUB}/receipts/check", json={**receipt, "polity": "rcp-1923"}
    )
    assert elsewhere.status_code == 422
    assert elsewhere.json()["code"] == "invalid_receipt"
    assert elsewhere.json()["where"] == "receipt.polity"


def test_the_receipt_check_is_posted_and_a_get_of_it_is_not_allowed(club: Site, people) -> None:
    ana, _csrf = people["ana"]
    wrong = ana.get(f"/api/polities/{CLUB}/receipts/check")
    assert wrong.status_code == 405  # not mistaken for the receipt of an entry named "check"
    assert wrong.json()["code"] == "method_not_allowed"
    assert wrong.headers["allow"] == "POST"
    assert ana.get(f"/api/polities/{CLUB}/receipts/first").status_code == 404


def test_a_secret_ballot_the_motion_cannot_accept_is_refused_before_anything_is_kept(
    club: Site, people
) -> None:
    ana, csrf = people["ana"]
    table_and_open(ana, csrf, "board", "budget")
    before = size(ana, CLUB)
    ranked = _vote(people, "ben", "budget", ranking=["a", "b"])
    assert ranked.status_code == 422
    assert ranked.json()["code"] == "ballot_refused"
    malformed = _vote(people, "ben", "budget", choice="maybe")
    assert malformed.status_code == 422
    assert malformed.json()["code"] == "malformed_act"
    assert size(ana, CLUB) == before
    assert _box_rows(club.url) == []


def test_voting_twice_in_a_secret_vote_is_refused_and_leaves_one_ballot(club: Site, people) -> None:
    ana, csrf = people["ana"]
    table_and_open(ana, csrf, "board", "budget")
    assert _vote(people, "ben", "budget", choice="yes").json()["granted"]
    again = _vote(people, "ben", "budget", choice="no").json()
    assert again["granted"] is False
    assert "already voted" in again["basis"]
    assert again["receipt"] is None
    assert [json.loads(r["ballot"]) for r in _box_rows(club.url)] == [{"choice": "yes", "votes": 1}]
    outsider = _vote(people, "dee", "budget", choice="no").json()  # dee sits on the Board
    assert outsider["granted"]
    assert len(_box_rows(club.url)) == 2


def test_a_secret_ranked_vote_is_counted_from_the_box(club: Site, people) -> None:
    ana, csrf = people["ana"]
    table_and_open(ana, csrf, "jury", "verdict", options=["x", "y", "z"])
    for who, ranking in (("ana", ["y", "x"]), ("ben", ["y", "x"]), ("cy", ["z", "y"])):
        assert _vote(people, who, "verdict", ranking=ranking).json()["granted"]
    assert act(ana, csrf, "close-vote", motion="verdict")["granted"]
    declared = act(ana, csrf, "declare-result", motion="verdict")
    assert declared["granted"], declared
    assert declared["entry"]["result"]["winners"] == ["y"]


def test_an_open_ballot_receipt_is_its_entry_with_an_inclusion_proof(club: Site, people) -> None:
    ana, csrf = people["ana"]
    table_and_open(ana, csrf, "panel", "logo", options=["red", "blue"])
    cast = _vote(people, "ben", "logo", ranking=["blue", "red"]).json()
    receipt = cast["receipt"]
    assert receipt["secret"] is False
    assert receipt["entry"] == cast["seq"]
    proof = receipt["proof"]
    assert proof["index"] == cast["seq"]
    assert proof["size"] == cast["seq"] + 1
    verify_inclusion(
        proof["index"],
        proof["size"],
        bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(h) for h in proof["path"]],
        bytes.fromhex(proof["root"]),
    )
    again = ana.get(f"/api/polities/{CLUB}/receipts/{cast['seq']}").json()
    assert again["entry"] == cast["seq"]
    assert _check(ana, receipt)["status"] == "included"
    not_a_ballot = ana.get(f"/api/polities/{CLUB}/receipts/1")
    assert not_a_ballot.status_code == 404


def test_voting_from_the_page_shows_the_receipt_once_and_the_receipt_page_checks_it(
    club: Site, people
) -> None:
    ana, csrf = people["ana"]
    table_and_open(ana, csrf, "board", "budget")
    ben, _ = people["ben"]
    page = ben.get(f"/p/{CLUB}/motions").text
    assert "Cast secret ballot" in page
    shown = ben.post(
        f"/p/{CLUB}/act",
        data={
            "csrf_token": form_token(page),
            "act": "cast-ballot",
            "motion": "budget",
            "ballot": "yes-no",
            "choice": "yes",
        },
    )
    assert shown.status_code == 200
    assert "Keep it now" in shown.text
    assert 'download="receipt-river-club-budget.json"' in shown.text
    found = shown.text.split('id="receipt-text" readonly rows="12">', 1)[1].split("</textarea>")[0]
    receipt = json.loads(found.replace("&#34;", '"').replace("&quot;", '"'))
    assert receipt["ballot"] == {"choice": "yes", "votes": 1}
    visitor = TestClient(ana.app, base_url="https://testserver")
    checked = visitor.post(f"/p/{CLUB}/receipt", data={"receipt": json.dumps(receipt)})
    assert checked.status_code == 200
    assert "Pending" in checked.text
    assert "ballot box of &#39;budget&#39;" in checked.text
    garbage = visitor.post(f"/p/{CLUB}/receipt", data={"receipt": "{not json"})
    assert garbage.status_code == 422
    assert "invalid_receipt" in garbage.text


def test_the_closing_view_gives_a_browser_what_it_needs_without_the_receipt(
    club: Site, people
) -> None:
    ana, csrf = people["ana"]
    table_and_open(ana, csrf, "board", "budget")
    _vote(people, "ben", "budget", choice="yes")
    still_open = ana.get(f"/api/polities/{CLUB}/motions/budget/closing").json()
    assert still_open == {"motion": "budget", "entry": None, "box": None, "proof": None}
    closed = act(ana, csrf, "close-vote", motion="budget")
    view = ana.get(f"/api/polities/{CLUB}/motions/budget/closing").json()
    assert view["entry"] == closed["seq"]
    assert view["box"] == closed["entry"]["args"]["box"]
    entry = json.loads(bytes.fromhex(view["proof"]["entry"]))
    assert entry["act"]["args"]["box"] == view["box"]
    assert ana.get(f"/api/polities/{CLUB}/motions/nothing/closing").status_code == 404


def test_my_powers_judges_closing_a_secret_vote_with_its_box(club: Site, people) -> None:
    ana, csrf = people["ana"]
    table_and_open(ana, csrf, "board", "budget")
    _vote(people, "ben", "budget", choice="yes")
    moves = ana.get(f"/api/polities/{CLUB}/powers").json()["motions"]
    closing = [m for m in moves if m["motion"] == "budget" and m["act"] == "close-vote"]
    assert closing == [
        {"motion": "budget", "act": "close-vote", "granted": True, "basis": closing[0]["basis"]}
    ]
    ben, _ = people["ben"]
    theirs = ben.get(f"/api/polities/{CLUB}/powers").json()["motions"]
    assert [m["granted"] for m in theirs if m["act"] == "close-vote"] == [False]
