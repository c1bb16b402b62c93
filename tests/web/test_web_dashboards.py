"""The inspection dashboard and the federation pages, over the 1923 party and the USSR of 1924."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from web_support import POLITY

from charter.cli.federation_access import replay_federation_into
from charter.federation_scenario import load_federation_scenario
from charter.keys import KeyRing
from charter.services.polities import PolityService
from charter.storage import open_store
from charter.web import create_app
from charter.web.dashboards import Memberships

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"


def _figures(html: str) -> list[ElementTree.Element]:
    return [
        ElementTree.fromstring(svg) for svg in re.findall(r"(<svg xmlns=.*?</svg>)", html, re.S)
    ]


def test_the_dashboard_lists_findings_most_severe_first_with_linked_evidence(sqlite_client):
    html = sqlite_client.get(f"/p/{POLITY}/inspection").text
    severities = re.findall(r'<span class="severity">(\w+)</span>', html)
    assert severities
    assert severities == sorted(severities, key=["high", "medium", "low"].index)
    assert "circular flow: general-secretary" in html
    assert (
        f'<a href="/p/{POLITY}/constitution#clause-offices.general-secretary">'
        "<code>offices.general-secretary.powers[0]</code></a>" in html
    )
    assert re.search(rf'<a href="/p/{POLITY}/ledger\?start=\d+&amp;limit=1">ledger entry \d+', html)


def test_every_clause_the_evidence_cites_has_its_anchor_on_the_constitution_page(sqlite_client):
    html = sqlite_client.get(f"/p/{POLITY}/inspection").text
    anchors = set(re.findall(rf'/p/{POLITY}/constitution#([\w.-]+)"', html))
    constitution = sqlite_client.get(f"/p/{POLITY}/constitution").text
    assert anchors
    missing = [a for a in anchors if f'id="{a}"' not in constitution]
    assert missing == []


def test_the_power_map_draws_the_general_secretarys_circle_in_red(sqlite_client):
    html = sqlite_client.get(f"/p/{POLITY}/inspection").text
    power_map = next(svg for svg in _figures(html) if "map" in (svg.get("class") or ""))
    circular = [p for p in power_map.iter(f"{SVG}path") if p.get("data-circular") == "true"]
    titles = [p.find(f"{SVG}title").text for p in circular]
    assert any(
        t.startswith("General Secretary appoints Guberniya committee secretary") for t in titles
    )
    assert all(p.get("stroke") == "#d50000" for p in circular)
    others = [p for p in power_map.iter(f"{SVG}path") if p.get("data-circular") is None]
    assert others
    assert all(p.get("stroke") != "#d50000" for p in others)
    assert "General Secretary → appoints Guberniya committee secretary" in html


def test_formal_against_effective_power_puts_the_general_secretary_first(sqlite_client):
    html = sqlite_client.get(f"/p/{POLITY}/inspection").text
    rows = re.findall(r'<tr><th scope="row">([\w-]+)</th><td>([\w-]+)</td>', html)
    assert rows[0][0] == "stalin"
    assert any(
        "Formal against effective power" in (s.findtext(f"{SVG}title") or "")
        for s in _figures(html)
    )


def test_the_pictures_need_nothing_the_policy_forbids(sqlite_client):
    html = sqlite_client.get(f"/p/{POLITY}/inspection").text
    assert " style=" not in html
    assert "<style" not in html


def test_a_polity_outside_any_federation_says_so_and_has_no_federation_tab(sqlite_client):
    polity = sqlite_client.get(f"/p/{POLITY}").text
    assert f'href="/p/{POLITY}/inspection"' in polity
    assert f'href="/p/{POLITY}/federation"' not in polity
    page = sqlite_client.get(f"/p/{POLITY}/federation")
    assert page.status_code == 200
    assert "is not a federation and belongs to none" in page.text
    assert sqlite_client.get("/p/nowhere/federation").status_code == 404


@pytest.fixture(scope="module")
def union(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    folder = tmp_path_factory.mktemp("union")
    url = f"sqlite:///{folder / 'ussr.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHARTER_KEY_DIR", str(folder / "keys"))
        replay_federation_into(load_federation_scenario(ROOT / "examples" / "ussr-1924"), url)
    return TestClient(create_app(url, key_dir=folder / "keys"), base_url="https://testserver")


def test_a_federation_shows_its_members_delegates_and_competences(union: TestClient) -> None:
    data = union.get("/api/polities/ussr/federation").json()
    assert data["is_federation"] is True
    members = {m["polity"]: m for m in data["members"]}
    assert {"rsfsr", "ukrssr", "bssr", "tsfsr"} <= set(members)
    assert members["rsfsr"]["criteria"] == {"population": 100.9}
    assert data["competences"]
    page = union.get("/p/ussr/federation").text
    assert 'href="/p/ussr/federation" aria-current="page">Federation</a>' in page
    assert '<a href="/p/rsfsr">rsfsr</a>' in page
    assert "Delegates" in page
    seceded = [m for m in data["members"] if not m["member"] or m["leaves"]]
    assert seceded, "the scenario's republic that leaves is shown leaving or gone"


def test_a_member_polity_shows_the_federations_it_belongs_to(union: TestClient) -> None:
    data = union.get("/api/polities/ukrssr/federation").json()
    assert data["is_federation"] is False
    assert [m["federation"] for m in data["memberships"]] == ["ussr"]
    page = union.get("/p/ukrssr/federation").text
    assert '<a href="/p/ussr/federation">' in page


def test_a_founding_member_gets_the_federation_tab_though_its_own_record_is_silent(
    union: TestClient,
) -> None:
    assert union.get("/api/polities/bssr/federation").json()["affiliations"] == []
    page = union.get("/p/bssr").text
    assert 'href="/p/bssr/federation"' in page


def test_memberships_are_read_once_and_again_only_when_a_federation_grows(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHARTER_KEY_DIR", str(tmp_path / "keys"))
        replay_federation_into(load_federation_scenario(ROOT / "examples" / "ussr-1924"), url)
    now = [0.0]
    memberships = Memberships(ttl=30.0, clock=lambda: now[0])
    with open_store(url) as store:
        service = PolityService(store, KeyRing(tmp_path / "keys"))
        assert memberships.federations_of(service, "ukrssr") == ["ussr"]
        assert memberships.federations_of(service, "ussr") == []
        folded = dict(memberships._sizes)
        now[0] = 31.0
        assert memberships.federations_of(service, "ukrssr") == ["ussr"]
        assert memberships._sizes == folded  # nothing grew: nothing folded again
