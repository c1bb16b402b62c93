"""The authorisation matrix: roles of the 1923 party x state-changing endpoints.

Nobody may do what the constitution does not grant: the domain refuses it
(and records the refusal as evidence, changing nothing else), or the request
is turned away before any act (401/403/422, and the ledger does not grow).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_support import FAST_HASHER, OTHER, POLITY, Site, sign_in, size

from charter.storage import open_store
from charter.web.accounts import AccountStore

ROLES = ("stalin", "kamenev", "sapronov", None)
"""The General Secretary, a Central Committee member, an ordinary member, a visitor."""

NOBODY_MAY: list[tuple[str, dict[str, Any]]] = [
    (
        "appoint a regional secretary without the Orgburo's co-signature",
        {"act": "appoint", "args": {"office": "regional-secretary", "person": "sapronov"}},
    ),
    (
        "elect the General Secretary directly (the Central Committee's power, by motion)",
        {"act": "elect", "args": {"office": "general-secretary", "person": "kamenev"}},
    ),
    (
        "dismiss the General Secretary directly",
        {"act": "dismiss", "args": {"office": "general-secretary", "person": "stalin"}},
    ),
    ("expel a member", {"act": "expel", "args": {"person": "trotsky"}}),
    ("admit a new member", {"act": "admit", "args": {"person": "newcomer"}}),
    (
        "amend the constitution directly",
        {
            "act": "amend",
            "args": {"changes": [{"remove": "offices.general-secretary.powers[0]"}]},
        },
    ),
    (
        "inspect the Central Committee",
        {"act": "inspect", "args": {"body": "central-committee"}},
    ),
]

SEAT_HOLDERS_MAY: dict[str, set[str]] = {
    "table a motion in the Central Committee": {"stalin", "kamenev"},
}


def _state_without_clock(client: TestClient) -> dict[str, Any]:
    state = client.get(f"/api/polities/{POLITY}").json()
    state.pop("size")
    state.pop("time")
    return state


def _client_for(site: Site, role: str | None) -> tuple[TestClient, dict[str, str]]:
    client = site.client()
    headers: dict[str, str] = {}
    if role is not None:
        headers["X-CSRF-Token"] = sign_in(client, role, site.passwords[role])
    return client, headers


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "visitor")
def test_nobody_can_do_what_the_constitution_does_not_grant(
    sqlite_site: Site, role: str | None
) -> None:
    client, headers = _client_for(sqlite_site, role)
    with client:
        for what, act in NOBODY_MAY:
            before, state = size(client), _state_without_clock(client)
            response = client.post(f"/api/polities/{POLITY}/acts", json=act, headers=headers)
            if role is None:
                assert response.status_code == 401, what
                assert size(client) == before, what
            else:
                assert response.status_code == 200, (what, response.text)
                assert response.json()["verdict"] == "refused", what
                assert response.json()["basis"], what
                assert size(client) == before + 1, what  # the refusal is kept as evidence
            assert _state_without_clock(client) == state, what


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "visitor")
def test_tabling_in_a_body_is_for_its_seat_holders(sqlite_site: Site, role: str | None) -> None:
    client, headers = _client_for(sqlite_site, role)
    with client:
        before = size(client)
        act = {
            "act": "table-motion",
            "args": {"body": "central-committee", "motion": f"m-{role}", "text": "A motion."},
        }
        response = client.post(f"/api/polities/{POLITY}/acts", json=act, headers=headers)
        motions = {m["id"] for m in client.get(f"/api/polities/{POLITY}").json()["motions"]}
        if role is None:
            assert response.status_code == 401
            assert size(client) == before
        elif role in SEAT_HOLDERS_MAY["table a motion in the Central Committee"]:
            assert response.json()["granted"]
            assert f"m-{role}" in motions
        else:
            assert response.json()["verdict"] == "refused"
            assert "holds no seat" in response.json()["basis"]
            assert f"m-{role}" not in motions


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "visitor")
def test_other_state_changing_endpoints_turn_strangers_away(
    sqlite_site: Site, role: str | None
) -> None:
    client, headers = _client_for(sqlite_site, role)
    with client:
        before, other = size(client), size(client, OTHER)
        # acting in a polity one is not signed in to
        response = client.post(
            f"/api/polities/{OTHER}/acts",
            json={"act": "exercise", "power": "address-congress", "args": {}},
            headers=headers,
        )
        assert response.status_code == (401 if role is None else 403)
        # a page form without a session, or for another polity
        form = client.post(
            f"/p/{OTHER}/act",
            data={
                "act": "exercise",
                "power": "address-congress",
                "csrf_token": headers.get("X-CSRF-Token", ""),
            },
        )
        assert form.status_code == (401 if role is None else 403)
        # tokens: issuing needs a session and its CSRF token; revoking another's token is 404
        issued = client.post("/api/tokens", json={"name": "t", "scopes": ["act"]}, headers=headers)
        assert issued.status_code == (401 if role is None else 201)
        assert client.delete("/api/tokens/999", headers=headers).status_code == (
            401 if role is None else 404
        )
        assert (size(client), size(client, OTHER)) == (before, other)


def test_a_motion_runs_through_the_pages_as_the_signed_in_people(sqlite_site: Site) -> None:
    """Table, vote and declare from the forms; each act is performed as whoever is signed in."""
    people = {}
    for person in ("stalin", "kamenev"):
        client = sqlite_site.client()
        people[person] = (client, sign_in(client, person, sqlite_site.passwords[person]))

    def form(person: str, **data: str) -> str:
        client, csrf = people[person]
        response = client.post(
            f"/p/{POLITY}/act", data={"csrf_token": csrf, **data}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        page = client.get(response.headers["location"])
        return page.text

    text = form(
        "kamenev", act="table-motion", body="politburo", motion="grain", text="Raise grain prices."
    )
    assert "GRANTED" in text
    assert "OPEN" not in text
    text = form("stalin", act="open-vote", motion="grain")
    assert "GRANTED" in text
    form(
        "stalin", act="cast-ballot", motion="grain", ballot="yes-no", choice="yes", actor="kamenev"
    )
    form("kamenev", act="cast-ballot", motion="grain", ballot="yes-no", choice="no")
    text = form("stalin", act="close-vote", motion="grain")
    text = form("stalin", act="declare-result", motion="grain")
    assert "GRANTED" in text
    state = people["stalin"][0].get(f"/api/polities/{POLITY}").json()
    grain = next(m for m in state["motions"] if m["id"] == "grain")
    assert grain["voted"] == ["kamenev", "stalin"]  # the 'actor' field was ignored
    assert grain["result"] is not None
    for client, _ in people.values():
        client.close()


def _molotov(site: Site) -> tuple[TestClient, dict[str, str]]:
    """Molotov of the Orgburo, whose co-signature the General Secretary's appointments need."""
    with open_store(site.url) as store:
        password = AccountStore(store.engine, FAST_HASHER).add(POLITY, "molotov")
    client = site.client()
    return client, {"X-CSRF-Token": sign_in(client, "molotov", password)}


APPOINT_WITH_ORGBURO = {
    "act": "appoint",
    "args": {"office": "regional-secretary", "person": "sapronov"},
    "cosigned_by": ["molotov"],
}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "visitor")
def test_a_cosigned_appointment_is_granted_only_to_whom_the_constitution_grants_it(
    sqlite_site: Site, role: str | None
) -> None:
    client, headers = _client_for(sqlite_site, role)
    molotov, molotov_headers = _molotov(sqlite_site)
    with client, molotov:
        before = size(client)
        proposed = client.post(
            f"/api/polities/{POLITY}/cosignings", json=APPOINT_WITH_ORGBURO, headers=headers
        )
        if role is None:
            assert proposed.status_code == 401
            assert size(client) == before
            return
        assert proposed.status_code == 201, proposed.text
        assert size(client) == before  # pending acts are not in the ledger
        number = proposed.json()["id"]
        signed = molotov.post(
            f"/api/polities/{POLITY}/cosignings/{number}/sign", headers=molotov_headers
        ).json()
        result = signed["result"]
        assert size(client) == before + 1
        holders = {
            o["id"]: o["holders"] for o in client.get(f"/api/polities/{POLITY}").json()["offices"]
        }
        if role == "stalin":
            assert result["granted"], result
            assert result["basis"] == "offices.general-secretary.powers[0]"
            assert "sapronov" in holders["regional-secretary"]
        else:
            assert result["verdict"] == "refused"
            assert "sapronov" not in holders["regional-secretary"]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "visitor")
def test_only_the_named_cosigner_can_sign_for_themselves(
    sqlite_site: Site, role: str | None
) -> None:
    stalin, stalin_headers = _client_for(sqlite_site, "stalin")
    client, headers = _client_for(sqlite_site, role)
    with stalin, client:
        number = stalin.post(
            f"/api/polities/{POLITY}/cosignings", json=APPOINT_WITH_ORGBURO, headers=stalin_headers
        ).json()["id"]
        before = size(client)
        for answer in ("sign", "decline"):
            response = client.post(
                f"/api/polities/{POLITY}/cosignings/{number}/{answer}", headers=headers
            )
            assert response.status_code == (401 if role is None else 403), answer
        withdraw = client.post(
            f"/api/polities/{POLITY}/cosignings/{number}/withdraw", headers=headers
        )
        expected = {None: 401, "stalin": 200}.get(role, 403)
        assert withdraw.status_code == expected
        assert size(client) == before


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "visitor")
def test_reading_and_checking_are_open_to_all_and_change_nothing(
    sqlite_site: Site, role: str | None
) -> None:
    client, headers = _client_for(sqlite_site, role)
    with client:
        before = size(client)
        for path in ("inspection", "federation", "motions/grain/closing"):
            status = client.get(f"/api/polities/{POLITY}/{path}", headers=headers).status_code
            assert status == (404 if path.endswith("closing") else 200), path
        for page in ("inspection", "federation", "receipt"):
            assert client.get(f"/p/{POLITY}/{page}").status_code == 200, page
        check = client.post(
            f"/api/polities/{POLITY}/receipts/check",
            json={
                "charter-receipt": 1,
                "polity": POLITY,
                "motion": "x",
                "secret": False,
                "entry": 1,
            },
        )
        assert check.status_code == 200
        assert check.json()["status"] == "mismatch"
        listed = client.get(f"/api/polities/{POLITY}/cosignings", headers=headers)
        assert listed.status_code == (401 if role is None else 200)
        assert size(client) == before
