"""Co-signatures through the web: proposed, signed by each co-signer in person, then judged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from club_support import CLUB, build_club
from fastapi.testclient import TestClient
from web_support import Site, form_token, sign_in, size

APPOINT_CLERK: dict[str, Any] = {
    "act": "appoint",
    "args": {"office": "clerk", "person": "eve"},
    "cosigned_by": ["cy"],
}


@pytest.fixture
def club(database: str, tmp_path: Path) -> Site:
    return build_club(database, tmp_path)


@pytest.fixture
def people(club: Site) -> Iterator[dict[str, tuple[TestClient, dict[str, str]]]]:
    """A signed-in client and its CSRF header for ana (chair), ben (secretary), cy (treasurer), dee."""
    clients = {}
    for person in ("ana", "ben", "cy", "dee"):
        client = club.client()
        client.__enter__()
        csrf = sign_in(client, person, club.passwords[person], CLUB)
        clients[person] = (client, {"X-CSRF-Token": csrf})
    yield clients
    for client, _ in clients.values():
        client.__exit__(None, None, None)


def _post(people, who: str, path: str, body: dict[str, Any] | None = None):
    client, headers = people[who]
    return client.post(f"/api/polities/{CLUB}{path}", json=body, headers=headers)


def _clerks(client: TestClient) -> list[str]:
    offices = {o["id"]: o for o in client.get(f"/api/polities/{CLUB}").json()["offices"]}
    holders: list[str] = offices["clerk"]["holders"]
    return holders


def test_an_act_needing_a_cosigner_is_performed_once_the_cosigner_signs(club: Site, people):
    ben, _ = people["ben"]
    before = size(ben, CLUB)
    proposed = _post(people, "ben", "/cosignings", APPOINT_CLERK)
    assert proposed.status_code == 201, proposed.text
    pending = proposed.json()
    assert pending["status"] == "pending"
    assert pending["waiting_for"] == ["cy"]
    assert size(ben, CLUB) == before  # pending is not recorded
    signed = _post(people, "cy", f"/cosignings/{pending['id']}/sign")
    assert signed.status_code == 200, signed.text
    answer = signed.json()
    assert answer["cosigning"]["status"] == "performed"
    result = answer["result"]
    assert result["granted"], result
    assert result["basis"] == "offices.clerk.filled_by"
    assert result["entry"]["actor"] == "ben"
    assert result["entry"]["cosigned_by"] == ["cy"]
    assert answer["cosigning"]["seq"] == result["seq"] == before
    assert _clerks(ben) == ["eve"]


def test_the_same_act_without_the_cosignature_is_refused_by_the_authority_check(people):
    refused = _post(
        people,
        "ben",
        "/acts",
        {"act": "appoint", "args": {"office": "clerk", "person": "eve"}},
    ).json()
    assert refused["granted"] is False
    assert "needs the co-signature of Treasurer" in refused["basis"]


def test_a_cosignature_by_someone_not_holding_the_office_is_refused_when_performed(people):
    ben, _ = people["ben"]
    proposed = _post(people, "ben", "/cosignings", {**APPOINT_CLERK, "cosigned_by": ["dee"]})
    signed = _post(people, "dee", f"/cosignings/{proposed.json()['id']}/sign").json()
    assert signed["cosigning"]["status"] == "performed"
    assert signed["result"]["granted"] is False
    assert "co-signature of Treasurer" in signed["result"]["basis"]
    assert _clerks(ben) == []


def test_only_a_named_cosigner_may_sign_and_only_once(people):
    proposed = _post(people, "ben", "/cosignings", {**APPOINT_CLERK, "cosigned_by": ["cy", "dee"]})
    number = proposed.json()["id"]
    stranger = _post(people, "ana", f"/cosignings/{number}/sign")
    assert stranger.status_code == 403
    assert stranger.json()["code"] == "not_a_cosigner"
    proposer = _post(people, "ben", f"/cosignings/{number}/sign")
    assert proposer.status_code == 403
    first = _post(people, "cy", f"/cosignings/{number}/sign").json()
    assert first["result"] is None
    assert first["cosigning"]["waiting_for"] == ["dee"]
    twice = _post(people, "cy", f"/cosignings/{number}/sign")
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_answered"


def test_declining_ends_the_request_and_records_nothing(people):
    ben, _ = people["ben"]
    before = size(ben, CLUB)
    number = _post(people, "ben", "/cosignings", APPOINT_CLERK).json()["id"]
    declined = _post(people, "cy", f"/cosignings/{number}/decline").json()
    assert declined["cosigning"]["status"] == "declined"
    late = _post(people, "cy", f"/cosignings/{number}/sign")
    assert late.status_code == 409
    assert size(ben, CLUB) == before


def test_the_proposer_may_withdraw_a_pending_request_and_nobody_else(people):
    number = _post(people, "ben", "/cosignings", APPOINT_CLERK).json()["id"]
    assert _post(people, "cy", f"/cosignings/{number}/withdraw").status_code == 403
    withdrawn = _post(people, "ben", f"/cosignings/{number}/withdraw").json()
    assert withdrawn["status"] == "withdrawn"
    assert _post(people, "cy", f"/cosignings/{number}/sign").status_code == 409


@pytest.mark.parametrize(
    ("body", "code", "where"),
    [
        ({**APPOINT_CLERK, "cosigned_by": []}, "no_cosigners", "cosigned_by"),
        ({**APPOINT_CLERK, "cosigned_by": ["ben"]}, "invalid_cosigner", "cosigned_by[0]"),
        ({**APPOINT_CLERK, "cosigned_by": ["cy", "cy"]}, "invalid_cosigner", "cosigned_by[1]"),
        ({**APPOINT_CLERK, "cosigned_by": ["zed"]}, "invalid_cosigner", "cosigned_by[0]"),
        ({**APPOINT_CLERK, "args": {"office": "clerk"}}, "malformed_act", "args.person"),
    ],
)
def test_a_proposal_that_could_never_be_performed_is_422_and_kept_nowhere(
    people, body, code, where
):
    response = _post(people, "ben", "/cosignings", body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert response.json()["where"] == where
    ben, headers = people["ben"]
    assert ben.get(f"/api/polities/{CLUB}/cosignings", headers=headers).json() == []


def test_cosignings_are_read_by_members_only(club: Site, people):
    _post(people, "ben", "/cosignings", APPOINT_CLERK)
    with club.client() as visitor:
        assert visitor.get(f"/api/polities/{CLUB}/cosignings").status_code == 401
        assert visitor.post(f"/api/polities/{CLUB}/cosignings/1/sign").status_code == 401
    cy, headers = people["cy"]
    listed = cy.get(f"/api/polities/{CLUB}/cosignings", headers=headers).json()
    assert [c["proposer"] for c in listed] == ["ben"]
    one = cy.get(f"/api/polities/{CLUB}/cosignings/{listed[0]['id']}", headers=headers)
    assert one.json()["cosigners"] == ["cy"]
    assert cy.get(f"/api/polities/{CLUB}/cosignings/999", headers=headers).status_code == 404


def test_a_cosignature_without_the_csrf_token_is_403_and_changes_nothing(people):
    number = _post(people, "ben", "/cosignings", APPOINT_CLERK).json()["id"]
    cy, _ = people["cy"]
    forged = cy.post(f"/api/polities/{CLUB}/cosignings/{number}/sign")
    assert forged.status_code == 403
    assert forged.json()["code"] == "csrf"
    ben, headers = people["ben"]
    still = ben.get(f"/api/polities/{CLUB}/cosignings/{number}", headers=headers).json()
    assert still["answers"] == {}


def test_the_pages_propose_list_and_cosign(people):
    ben, _ = people["ben"]
    page = ben.get(f"/p/{CLUB}/powers").text
    proposed = ben.post(
        f"/p/{CLUB}/act",
        data={
            "csrf_token": form_token(page),
            "act": "appoint",
            "args": "{office: clerk, person: eve}",
            "cosigners": "cy",
            "return_to": "powers",
        },
        follow_redirects=False,
    )
    assert proposed.status_code == 303
    assert proposed.headers["location"].endswith("/powers#cosignings")
    assert "Acts you proposed for co-signature" in ben.get(f"/p/{CLUB}/powers").text
    cy, _ = people["cy"]
    page = cy.get(f"/p/{CLUB}/powers").text
    assert "Acts you are asked to co-sign" in page
    assert "Co-sign #1" in page
    signed = cy.post(
        f"/p/{CLUB}/cosignings/1/sign",
        data={"csrf_token": form_token(page)},
        follow_redirects=True,
    )
    assert signed.status_code == 200
    assert "GRANTED" in signed.text
    assert _clerks(cy) == ["eve"]


def test_an_absurd_request_number_is_422_not_a_database_error(people):
    for number in ("0", str(2**40), "-3"):
        response = _post(people, "cy", f"/cosignings/{number}/sign")
        assert response.status_code == 422, number
        assert response.json()["where"] == "cosigning_id"
