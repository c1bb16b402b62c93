"""Every API endpoint against a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_support import OTHER, POLITY, Site, sign_in, size

from charter.ledger.bundle import read_bundle
from charter.ledger.proofs import verify_consistency, verify_inclusion
from charter.ledger.verify import verify


def test_polities_are_listed_with_their_ledgers(client: TestClient) -> None:
    polities = {p["id"]: p for p in client.get("/api/polities").json()}
    assert set(polities) == {POLITY, OTHER}
    assert polities[POLITY]["size"] > polities[OTHER]["size"] == 1


def test_state_shows_holders_members_and_motions(client: TestClient) -> None:
    state = client.get(f"/api/polities/{POLITY}").json()
    offices = {o["id"]: o for o in state["offices"]}
    assert offices["general-secretary"]["holders"] == ["stalin"]
    bodies = {b["id"]: b for b in state["bodies"]}
    assert "kamenev" in bodies["central-committee"]["holders"]
    assert "sapronov" in state["members"]
    motions = {m["id"]: m for m in state["motions"]}
    assert motions["release-general-secretary"]["status"] == "failed"
    assert motions["release-general-secretary"]["result"]["carried"] is False


def test_constitution_has_its_document_clauses_and_grants(client: TestClient) -> None:
    c = client.get(f"/api/polities/{POLITY}/constitution").json()
    assert c["document"]["id"] == POLITY
    paths = {clause["path"] for clause in c["clauses"]}
    assert {"offices.general-secretary", "bodies.central-committee", "amendment"} <= paths
    appoint = next(g for g in c["grants"] if g["clause"] == "offices.general-secretary.powers[0]")
    assert appoint["power"] == "appoint"
    assert appoint["cosign"] == ["orgburo"]
    assert appoint["anchor"] == "clause-offices.general-secretary"


def test_entries_are_paged(client: TestClient) -> None:
    total = size(client)
    first = client.get(f"/api/polities/{POLITY}/entries", params={"limit": 2}).json()
    assert [e["seq"] for e in first["entries"]] == [0, 1]
    assert first["entries"][0]["type"] == "genesis"
    assert first["next"] == 2
    assert first["size"] == total
    last = client.get(f"/api/polities/{POLITY}/entries", params={"start": total - 1}).json()
    assert len(last["entries"]) == 1
    assert last["next"] is None
    beyond = client.get(f"/api/polities/{POLITY}/entries", params={"start": total + 5}).json()
    assert beyond["entries"] == []
    bad = client.get(f"/api/polities/{POLITY}/entries", params={"limit": 0})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_request"
    assert bad.json()["where"] == "limit"


def test_checkpoints_and_proofs_verify(client: TestClient) -> None:
    checkpoints = client.get(f"/api/polities/{POLITY}/checkpoints").json()
    head = checkpoints[-1]
    assert head["size"] == size(client)
    assert "\n" in head["text"]
    proof = client.get(f"/api/polities/{POLITY}/proofs/inclusion/3").json()
    verify_inclusion(
        3,
        proof["size"],
        bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(p) for p in proof["path"]],
        bytes.fromhex(head["root"]),
    )
    old = checkpoints[0]
    consistency = client.get(
        f"/api/polities/{POLITY}/proofs/consistency",
        params={"old": old["size"], "new": head["size"]},
    ).json()
    verify_consistency(
        old["size"],
        head["size"],
        bytes.fromhex(old["root"]),
        bytes.fromhex(head["root"]),
        [bytes.fromhex(p) for p in consistency["proof"]],
    )


def test_proof_requests_beyond_the_ledger_are_400(client: TestClient) -> None:
    total = size(client)
    for path, params in (
        (f"/api/polities/{POLITY}/proofs/inclusion/{total}", {}),
        (f"/api/polities/{POLITY}/proofs/inclusion/1", {"size": total + 1}),
        (f"/api/polities/{POLITY}/proofs/consistency", {"old": 3, "new": total + 1}),
        (f"/api/polities/{POLITY}/proofs/consistency", {"old": 5, "new": 3}),
    ):
        response = client.get(path, params=params)
        assert response.status_code == 400, path
        assert response.json()["code"] == "bad_proof_request"


def test_export_bundle_verifies_offline(client: TestClient) -> None:
    response = client.get(f"/api/polities/{POLITY}/export")
    assert response.headers["content-type"] == "application/octet-stream"
    report = verify(read_bundle(response.content))
    assert report.ok
    assert report.entries == size(client)


def test_inspection_finds_the_general_secretarys_circle(client: TestClient) -> None:
    report = client.get(f"/api/polities/{POLITY}/inspection").json()
    assert report["polity"] == POLITY
    assert report["map"]["circular_flows"]
    assert any(f["subject"] == "stalin" for f in report["findings"])


def test_openapi_schema_covers_every_api_route(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/api/polities",
        "/api/polities/{polity_id}",
        "/api/polities/{polity_id}/constitution",
        "/api/polities/{polity_id}/acts",
        "/api/polities/{polity_id}/entries",
        "/api/polities/{polity_id}/checkpoints",
        "/api/polities/{polity_id}/proofs/inclusion/{index}",
        "/api/polities/{polity_id}/proofs/consistency",
        "/api/polities/{polity_id}/export",
        "/api/polities/{polity_id}/inspection",
        "/api/polities/{polity_id}/federation",
        "/api/polities/{polity_id}/powers",
        "/api/polities/{polity_id}/receipts/{seq}",
        "/api/polities/{polity_id}/receipts/check",
        "/api/polities/{polity_id}/motions/{motion}/closing",
        "/api/polities/{polity_id}/cosignings",
        "/api/polities/{polity_id}/cosignings/{cosigning_id}",
        "/api/polities/{polity_id}/cosignings/{cosigning_id}/sign",
        "/api/polities/{polity_id}/cosignings/{cosigning_id}/decline",
        "/api/polities/{polity_id}/cosignings/{cosigning_id}/withdraw",
        "/api/me",
        "/api/tokens",
        "/api/tokens/{token_id}",
    } == paths
    assert "ErrorBody" in schema["components"]["schemas"]


def test_a_granted_act_cites_its_clause(client: TestClient, site: Site) -> None:
    csrf = sign_in(client, "sapronov", site.passwords["sapronov"])
    before = size(client)
    response = client.post(
        f"/api/polities/{POLITY}/acts",
        json={"act": "exercise", "power": "address-congress", "args": {"text": "Comrades"}},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["granted"]
    assert result["basis"].startswith("members.powers[0]")
    assert result["entry"]["actor"] == "sapronov"
    assert result["seq"] == before
    assert size(client) == before + 1


def test_a_refused_act_gives_the_reason_and_is_kept_as_evidence(
    client: TestClient, site: Site
) -> None:
    csrf = sign_in(client, "stalin", site.passwords["stalin"])
    before = size(client)
    response = client.post(
        f"/api/polities/{POLITY}/acts",
        json={"act": "appoint", "args": {"office": "regional-secretary", "person": "sapronov"}},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200
    result = response.json()
    assert result["verdict"] == "refused"
    assert "co-signature" in result["basis"]
    assert "offices.general-secretary" in result["basis"]
    assert size(client) == before + 1
    holders = client.get(f"/api/polities/{POLITY}").json()["offices"]
    regional = next(o for o in holders if o["id"] == "regional-secretary")
    assert "sapronov" not in regional["holders"]


def test_a_malformed_act_is_422_with_its_path_and_stores_nothing(
    client: TestClient, site: Site
) -> None:
    csrf = sign_in(client, "stalin", site.passwords["stalin"])
    before = size(client)
    cases = [
        (
            {"act": "appoint", "args": {"office": "regional-secretary"}},
            "malformed_act",
            "args.person",
        ),
        ({"act": "nonsense"}, "malformed_act", "act"),
        ({"act": "appoint", "actor": "lenin", "args": {}}, "invalid_request", "actor"),
        ({"args": {}}, "invalid_request", "act"),
        (
            {"act": "appoint", "args": {}, "cosigned_by": ["molotov"]},
            "cosignature_needs_cosigners",
            "cosigned_by",
        ),
    ]
    for body, code, where in cases:
        response = client.post(
            f"/api/polities/{POLITY}/acts", json=body, headers={"X-CSRF-Token": csrf}
        )
        assert response.status_code == 422, body
        assert response.json() == {
            "code": code,
            "message": response.json()["message"],
            "where": where,
        }
    assert size(client) == before


def test_errors_have_one_shape(client: TestClient) -> None:
    for response, status, code in (
        (client.get("/api/polities/nowhere"), 404, "unknown_polity"),
        (client.get("/api/nothing-here"), 404, "not_found"),
        (client.delete("/api/polities"), 405, "method_not_allowed"),
        (client.get("/api/me"), 401, "not_signed_in"),
        (
            client.post(
                f"/api/polities/{POLITY}/acts",
                content=b"{",
                headers={"content-type": "application/json"},
            ),
            422,
            "invalid_request",
        ),
    ):
        assert response.status_code == status
        body = response.json()
        assert set(body) == {"code", "message", "where"}
        assert body["code"] == code


def test_powers_answer_for_the_signed_in_person(client: TestClient, site: Site) -> None:
    assert client.get(f"/api/polities/{POLITY}/powers").status_code == 401
    sign_in(client, "stalin", site.passwords["stalin"])
    answers = client.get(f"/api/polities/{POLITY}/powers").json()
    powers = {a["power"]: a for a in answers["powers"]}
    assert powers["set-agenda"]["granted"]
    assert powers["set-agenda"]["clause"] == "offices.general-secretary.powers[1]"
    assert not powers["amend"]["granted"]
    assert "Party Congress" in powers["amend"]["reason"]
    assert "co-signature" in powers["appoint"]["reason"]


def test_api_tokens_are_scoped_and_revocable(client: TestClient, site: Site) -> None:
    csrf = sign_in(client, "kamenev", site.passwords["kamenev"])
    refused = client.post("/api/tokens", json={"name": "x", "scopes": ["read"]})
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf"
    reader = client.post(
        "/api/tokens", json={"name": "reader", "scopes": ["read"]}, headers={"X-CSRF-Token": csrf}
    ).json()
    actor = client.post(
        "/api/tokens",
        json={"name": "bot", "scopes": ["act", "read"]},
        headers={"X-CSRF-Token": csrf},
    ).json()
    bad = client.post(
        "/api/tokens", json={"name": "x", "scopes": ["admin"]}, headers={"X-CSRF-Token": csrf}
    )
    assert bad.status_code == 422
    assert bad.json()["where"] == "scopes"
    client.cookies.clear()
    act = {"act": "exercise", "power": "address-congress", "args": {}}
    before = size(client)
    as_reader = client.post(
        f"/api/polities/{POLITY}/acts",
        json=act,
        headers={"Authorization": f"Bearer {reader['token']}"},
    )
    assert as_reader.status_code == 403
    assert as_reader.json()["code"] == "insufficient_scope"
    as_actor = client.post(
        f"/api/polities/{POLITY}/acts",
        json=act,
        headers={"Authorization": f"Bearer {actor['token']}"},
    )
    assert as_actor.status_code == 200
    assert as_actor.json()["entry"]["actor"] == "kamenev"
    listed = client.get("/api/tokens", headers={"Authorization": f"Bearer {actor['token']}"}).json()
    assert {t["name"] for t in listed} == {"reader", "bot"}
    revoked = client.delete(
        f"/api/tokens/{actor['id']}", headers={"Authorization": f"Bearer {actor['token']}"}
    )
    assert revoked.status_code == 204
    again = client.post(
        f"/api/polities/{POLITY}/acts",
        json=act,
        headers={"Authorization": f"Bearer {actor['token']}"},
    )
    assert again.status_code == 401
    assert again.json()["code"] == "invalid_token"
    assert size(client) == before + 1
