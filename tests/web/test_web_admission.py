"""Accounts come from the constitution's admission act: the admitting officer sees the password once."""

from __future__ import annotations

from pathlib import Path

import pytest
from club_support import CLUB, act, build_club
from fastapi.testclient import TestClient
from web_support import Site, form_token, sign_in

from charter.storage import open_store
from charter.web.accounts import AccountStore


@pytest.fixture
def club(database: str, tmp_path: Path) -> Site:
    return build_club(database, tmp_path)


def _accounts(site: Site) -> list[str]:
    with open_store(site.url) as store:
        return AccountStore(store.engine).people(CLUB)


def test_admitting_a_member_makes_their_account_and_shows_the_password_once(club: Site) -> None:
    with club.client() as ben:
        csrf = sign_in(ben, "ben", club.passwords["ben"], CLUB)
        result = act(ben, csrf, "admit", person="fay")
        assert result["granted"], result
        assert [a["person"] for a in result["accounts"]] == ["fay"]
        password = result["accounts"][0]["password"]
    assert "fay" in _accounts(club)
    with club.client() as fay:
        sign_in(fay, "fay", password, CLUB)
        assert fay.get("/api/me").json()["person"] == "fay"


def test_a_refused_admission_makes_no_account(club: Site) -> None:
    with club.client() as dee:
        csrf = sign_in(dee, "dee", club.passwords["dee"], CLUB)
        result = act(dee, csrf, "admit", person="fay")
        assert result["granted"] is False
        assert result["accounts"] == []
    assert "fay" not in _accounts(club)


def test_an_act_admitting_nobody_returns_no_accounts(club: Site) -> None:
    with club.client() as ana:
        csrf = sign_in(ana, "ana", club.passwords["ana"], CLUB)
        result = act(ana, csrf, "table-motion", body="board", motion="m", text="t")
        assert result["granted"]
        assert result["accounts"] == []


def test_admitting_from_the_page_shows_the_one_time_password(club: Site) -> None:
    with club.client() as ben:
        sign_in(ben, "ben", club.passwords["ben"], CLUB)
        page = ben.get(f"/p/{CLUB}/powers").text
        shown = ben.post(
            f"/p/{CLUB}/act",
            data={
                "csrf_token": form_token(page),
                "act": "admit",
                "args": "{person: gus}",
                "return_to": "powers",
            },
        )
        assert shown.status_code == 200
        assert "Shown once" in shown.text
        password = shown.text.split('<code class="password">', 1)[1].split("</code>")[0]
    with TestClient(ben.app, base_url="https://testserver") as gus:
        sign_in(gus, "gus", password, CLUB)
        recorded = gus.get(f"/api/polities/{CLUB}/entries", params={"limit": 500}).text
        assert "gus" in recorded
        assert password not in recorded  # the ledger holds the admission, never the password
        assert password not in gus.get(f"/p/{CLUB}/powers").text


def test_a_new_member_replaces_the_one_time_password_and_other_sessions_end(club: Site) -> None:
    with club.client() as ben:
        password = act(
            ben, sign_in(ben, "ben", club.passwords["ben"], CLUB), "admit", person="fay"
        )["accounts"][0]["password"]
    elsewhere = club.client()
    with club.client() as fay, elsewhere:
        csrf = sign_in(fay, "fay", password, CLUB)
        sign_in(elsewhere, "fay", password, CLUB)
        changed = fay.post(
            "/account/password",
            data={
                "current": password,
                "new": "river-and-port",
                "again": "river-and-port",
                "csrf_token": csrf,
            },
            follow_redirects=True,
        )
        assert changed.status_code == 200
        assert "Your password is changed" in changed.text
        assert fay.get("/api/me").status_code == 200  # this session goes on
        assert elsewhere.get("/api/me").status_code == 401  # the other one ended
    with club.client() as again:
        sign_in(again, "fay", "river-and-port", CLUB)


@pytest.mark.parametrize(
    ("current", "new", "again", "status", "where"),
    [
        ("wrong", "river-and-port", "river-and-port", 401, "current"),
        (None, "short", "short", 422, "new"),
        (None, "river-and-port", "river-and-sea", 422, "again"),
    ],
)
def test_a_password_change_that_cannot_be_made_changes_nothing(
    club: Site, current, new, again, status, where
) -> None:
    with club.client() as dee:
        csrf = sign_in(dee, "dee", club.passwords["dee"], CLUB)
        response = dee.post(
            "/account/password",
            data={
                "current": current or club.passwords["dee"],
                "new": new,
                "again": again,
                "csrf_token": csrf,
            },
        )
        assert response.status_code == status
        assert response.json()["where"] == where
        forged = dee.post(
            "/account/password",
            data={"current": club.passwords["dee"], "new": "x" * 12, "again": "x" * 12},
        )
        assert forged.status_code == 403
    with club.client() as later:
        sign_in(later, "dee", club.passwords["dee"], CLUB)  # the old password still works


def test_the_account_page_has_a_plain_title_and_one_password_form(club: Site) -> None:
    with club.client() as ben:
        sign_in(ben, "ben", club.passwords["ben"], CLUB)
        page = ben.get("/account").text
    title = page[page.index("<title>") + len("<title>") : page.index("</title>")]
    assert title == "Account — Charter"
    assert page.count('action="/account/password"') == 1
