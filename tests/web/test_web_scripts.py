"""The pages' scripts are files of the app's own (the CSP forbids inline script), and optional."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from club_support import CLUB, build_club, table_and_open
from web_support import Site, sign_in

from charter.web.security import CSP


@pytest.fixture
def club(tmp_path: Path) -> Site:
    return build_club(f"sqlite:///{tmp_path / 'club.db'}", tmp_path)


def test_the_policy_still_forbids_inline_script_and_foreign_sources() -> None:
    assert "script-src 'self';" in CSP
    assert "unsafe-inline" not in CSP
    assert "default-src 'none'" in CSP


def test_pages_load_scripts_only_from_static_files_and_carry_no_inline_handlers(club: Site):
    with club.client() as client:
        csrf = sign_in(client, "ana", club.passwords["ana"], CLUB)
        table_and_open(client, csrf, "panel", "logo", options=["red", "blue", "green"])
        for path in ("motions", "receipt", "powers", "inspection", ""):
            html = client.get(f"/p/{CLUB}/{path}".rstrip("/")).text
            scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
            assert all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
            assert not re.search(r"\son[a-z]+=", html), path
        motions = client.get(f"/p/{CLUB}/motions").text
        assert '<script src="/static/rank.js" defer></script>' in motions
        assert "data-rank-list" in motions
        for name in ("rank.js", "receipt.js"):
            served = client.get(f"/static/{name}")
            assert served.status_code == 200
            assert "javascript" in served.headers["content-type"]


def test_ranking_still_works_without_the_script_through_the_number_inputs(club: Site):
    with club.client() as client:
        csrf = sign_in(client, "ana", club.passwords["ana"], CLUB)
        table_and_open(client, csrf, "panel", "logo", options=["red", "blue", "green"])
        response = client.post(
            f"/p/{CLUB}/act",
            data={
                "csrf_token": csrf,
                "act": "cast-ballot",
                "motion": "logo",
                "ballot": "ranking",
                "rank:green": "1",
                "rank:red": "2",
                "rank:blue": "",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        seq = int(response.headers["location"].rsplit("=", 1)[1])
        entry = client.get(f"/api/polities/{CLUB}/entries", params={"start": seq, "limit": 1})
        assert entry.json()["entries"][0]["fields"]["act"]["args"]["ranking"] == ["green", "red"]
