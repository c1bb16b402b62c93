"""Sign-in, CSRF, rate limiting, cookies and security headers."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient
from web_support import POLITY, Site, form_token, sign_in, size

from charter.cli import main
from charter.web.security import CSP


def test_login_post_without_a_csrf_token_is_403(
    sqlite_client: TestClient, sqlite_site: Site
) -> None:
    sqlite_client.get("/login")
    response = sqlite_client.post(
        "/login",
        data={"polity": POLITY, "person": "stalin", "password": sqlite_site.passwords["stalin"]},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf"
    assert "set-cookie" not in response.headers
    assert sqlite_client.get("/api/me").status_code == 401


def test_login_token_must_match_its_own_cookie(sqlite_site: Site) -> None:
    with sqlite_site.client() as victim, sqlite_site.client() as attacker:
        token = form_token(attacker.get("/login").text)
        victim.get("/login")  # the victim has a cookie of its own
        response = victim.post(
            "/login",
            data={
                "polity": POLITY,
                "person": "stalin",
                "password": sqlite_site.passwords["stalin"],
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert response.status_code == 403


def test_session_cookie_is_secure_httponly_samesite(
    sqlite_client: TestClient, sqlite_site: Site
) -> None:
    token = form_token(sqlite_client.get("/login").text)
    response = sqlite_client.post(
        "/login",
        data={
            "polity": POLITY,
            "person": "kamenev",
            "password": sqlite_site.passwords["kamenev"],
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-charter-session=")
    for flag in ("Secure", "HttpOnly", "SameSite=lax", "Path=/"):
        assert flag in cookie


def test_wrong_passwords_are_rate_limited(sqlite_client: TestClient, sqlite_site: Site) -> None:
    def attempt(password: str) -> int:
        token = form_token(sqlite_client.get("/login").text)
        return sqlite_client.post(
            "/login",
            data={"polity": POLITY, "person": "stalin", "password": password, "csrf_token": token},
            follow_redirects=False,
        ).status_code

    assert [attempt("guess") for _ in range(5)] == [401] * 5
    assert attempt("guess") == 429
    assert attempt(sqlite_site.passwords["stalin"]) == 429  # even the right one, for a while


def test_state_changes_from_a_session_need_its_csrf_token(
    sqlite_client: TestClient, sqlite_site: Site
) -> None:
    csrf = sign_in(sqlite_client, "sapronov", sqlite_site.passwords["sapronov"])
    before = size(sqlite_client)
    act = {"act": "exercise", "power": "address-congress", "args": {}}
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        response = sqlite_client.post(f"/api/polities/{POLITY}/acts", json=act, headers=headers)
        assert response.status_code == 403
    form = sqlite_client.post(
        f"/p/{POLITY}/act",
        data={"act": "second-motion", "motion": "x", "csrf_token": "forged"},
        headers={"accept": "text/html"},
    )
    assert form.status_code == 403
    assert "csrf" in form.text
    assert size(sqlite_client) == before
    assert sqlite_client.post(
        f"/api/polities/{POLITY}/acts", json=act, headers={"X-CSRF-Token": csrf}
    ).json()["granted"]


def test_sign_out_needs_the_token_and_ends_the_session(
    sqlite_client: TestClient, sqlite_site: Site
) -> None:
    csrf = sign_in(sqlite_client, "stalin", sqlite_site.passwords["stalin"])
    assert sqlite_client.post("/logout", data={"csrf_token": "x"}).status_code == 403
    assert sqlite_client.get("/api/me").status_code == 200
    sqlite_client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert sqlite_client.get("/api/me").status_code == 401


def test_security_headers_on_pages_api_and_errors(sqlite_client: TestClient) -> None:
    for path in ("/", "/login", f"/p/{POLITY}", "/api/polities", "/openapi.json", "/api/nothing"):
        headers = sqlite_client.get(path).headers
        assert headers["content-security-policy"] == CSP
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert "max-age" in headers["strict-transport-security"]


def test_pages_carry_no_inline_script(sqlite_client: TestClient, sqlite_site: Site) -> None:
    sign_in(sqlite_client, "stalin", sqlite_site.passwords["stalin"])
    for page in ("", "/constitution", "/motions", "/powers", "/ledger", "/receipt"):
        html = sqlite_client.get(f"/p/{POLITY}{page}").text
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        assert all(re.fullmatch(r' src="/static/[a-z]+\.js" defer', a) for a, _ in scripts), page
        assert all(not body.strip() for _, body in scripts), page
        assert html.count("<script") == len(scripts)
        assert " style=" not in html


def test_accounts_only_for_members(sqlite_site: Site, monkeypatch) -> None:
    runner = CliRunner()
    refused = runner.invoke(main, ["account", "add", POLITY, "nobody", "--db", sqlite_site.url])
    assert refused.exit_code == 1
    assert "not a member" in refused.output
    made = runner.invoke(main, ["account", "add", POLITY, "trotsky", "--db", sqlite_site.url])
    assert made.exit_code == 0, made.output
    password = made.output.rsplit(" ", 1)[-1].strip()
    again = runner.invoke(main, ["account", "add", POLITY, "trotsky", "--db", sqlite_site.url])
    assert again.exit_code == 1
    with sqlite_site.client() as client:
        sign_in(client, "trotsky", password)
        assert client.get("/api/me").json()["person"] == "trotsky"


def test_demo_replays_the_example_and_prints_passwords(tmp_path: Path, monkeypatch) -> None:
    from charter.web import demo

    monkeypatch.setattr(demo, "demo_dir", lambda: tmp_path / "demo")
    first = demo.prepare_demo()
    second = demo.prepare_demo()  # reuses the database, with new passwords
    assert set(first.passwords) == set(demo.DEMO_PEOPLE)
    assert first.passwords["stalin"] != second.passwords["stalin"]
    site = Site(second.db_url, second.key_dir, second.passwords)
    with site.client() as client:
        assert [p["id"] for p in client.get("/api/polities").json()] == [demo.DEMO_POLITY]
        sign_in(client, "stalin", second.passwords["stalin"])
