"""Ballot receipts in Chromium: a secret ballot's receipt checked in the page without being
sent anywhere, and an open ranked ballot (ordered from the keyboard and by drag) with the
inclusion proof of its entry checked again by the page's own script.

These run against their own `charter serve` over a small club (tests/web/club.yaml) whose
Board votes by secret ballot and whose Panel ranks options openly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from browser_support import LiveSite, Pages, artifacts_dir, safe_name, start_server, stop_server
from playwright.sync_api import Browser, Page, Request, expect

from charter.domain.constitution.parse import parse_constitution
from charter.domain.polity import Founding
from charter.keys import KeyRing
from charter.services.polities import PolityService
from charter.storage import open_store
from charter.web.accounts import AccountStore

CLUB = "river-club"
CLUB_YAML = Path(__file__).resolve().parents[1] / "web" / "club.yaml"
PEOPLE = ("ana", "ben", "cy", "dee")


@pytest.fixture(scope="module")
def club_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    folder = tmp_path_factory.mktemp("club-site")
    url = f"sqlite:///{folder / 'charter.db'}"
    keys = KeyRing(folder / "keys")
    founding = Founding(
        time=datetime(2026, 1, 1, tzinfo=UTC),
        members=(*PEOPLE, "eve"),
        posts={
            "chair": ("ana",),
            "secretary": ("ben",),
            "treasurer": ("cy",),
            "board": ("ana", "ben", "cy", "dee"),
            "jury": ("ana", "ben", "cy"),
            "panel": ("ana", "ben", "cy"),
        },
    )
    with open_store(url) as store:
        constitution = parse_constitution(CLUB_YAML.read_text(), "club.yaml")
        PolityService(store, keys).create(CLUB, constitution, founding)
        accounts = AccountStore(store.engine)
        passwords = {person: accounts.add(CLUB, person) for person in PEOPLE}
    log = artifacts_dir() / "charter-serve-club.log"
    process, base_url = start_server(url, keys.directory, log)
    try:
        yield LiveSite(base_url, url, keys.directory, passwords, polity=CLUB, log=log)
    finally:
        stop_server(process)


@pytest.fixture
def club_pages(
    request: pytest.FixtureRequest, browser: Browser, club_site: LiveSite
) -> Iterator[Pages]:
    screenshots = artifacts_dir() / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    opened = Pages(browser, club_site, safe_name(request.node.name), screenshots)
    yield opened
    report = getattr(request.node, "report_call", None)
    opened.close(failed=report is None or report.failed)


def _motions(page: Page) -> None:
    page.goto(f"/p/{CLUB}/motions")


def _table_and_open(page: Page, body: str, motion: str, options: str = "") -> None:
    _motions(page)
    page.get_by_label("Body").select_option(body)
    page.get_by_label("Motion id").fill(motion)
    page.get_by_label("Text").fill(f"{motion}, for the receipts test")
    if options:
        page.get_by_label("Options, for a choice").fill(options)
    page.get_by_role("button", name="Table the motion").click()
    expect(page.get_by_role("status")).to_contain_text("GRANTED")
    _motions(page)
    page.locator(f"#motion-{motion}").get_by_role("button", name="Open the vote").click()
    expect(page.get_by_role("status")).to_contain_text("GRANTED")


def test_a_secret_receipt_is_checked_in_the_browser_without_leaving_it(
    club_pages: Pages, club_site: LiveSite
) -> None:
    motion = club_site.unique("budget")
    ana = club_pages.signed_in("ana")
    _table_and_open(ana, "board", motion)

    receipts = {}
    for person, choice in (("ben", "yes"), ("cy", "no"), ("dee", "yes")):
        page = club_pages.signed_in(person)
        _motions(page)
        section = page.locator(f"#motion-{motion}")
        section.get_by_label(choice, exact=True).check()
        section.get_by_role("button", name="Cast secret ballot").click()
        expect(page.get_by_role("heading", name="Your receipt")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("GRANTED")
        receipts[person] = json.loads(page.get_by_label("Receipt (JSON)").first.input_value())
        assert receipts[person]["ballot"] == {"choice": choice, "votes": 1}
        assert person not in json.dumps(receipts[person])
    club_pages.shot(page, "secret-receipt-shown")

    _motions(ana)
    ana.locator(f"#motion-{motion}").get_by_role(
        "button", name="Close the vote and open the ballot box"
    ).click()
    expect(ana.get_by_role("status")).to_contain_text("ballot box of 3 ballots opened")

    voter = club_pages.anonymous("ben-checking")
    sent: list[str] = []

    def record(request: Request) -> None:
        sent.append(request.url + " " + (request.post_data or ""))

    voter.on("request", record)
    voter.goto(f"/p/{CLUB}/receipt")
    code = receipts["ben"]["receipt"]
    voter.get_by_label("Receipt (JSON)").fill(json.dumps(receipts["ben"]))
    voter.get_by_role("button", name="Check in this browser only").click()
    result = voter.locator(".local-result")
    expect(result).to_contain_text("Your ballot was counted from the ballot box in entry")
    expect(result).to_contain_text("never left this page")
    assert sent, "the page fetched the public ballot box and proof"
    assert not [line for line in sent if code in line], "the receipt was sent to the server"
    club_pages.shot(voter, "checked-locally")

    altered = {**receipts["ben"], "ballot": {"choice": "no", "votes": 1}}
    voter.get_by_label("Receipt (JSON)").fill(json.dumps(altered))
    voter.get_by_role("button", name="Check in this browser only").click()
    expect(result).to_contain_text("holds a different ballot")

    voter.get_by_label("Receipt (JSON)").fill(json.dumps(receipts["ben"]))
    voter.get_by_role("button", name="Check the receipt").click()
    expect(voter.get_by_role("heading", name="Included")).to_be_visible()
    expect(voter.locator(".browser-check")).to_contain_text("Checked again in your browser")


def test_an_open_ranked_ballot_ordered_by_keyboard_and_drag_has_a_receipt_checked_in_the_page(
    club_pages: Pages, club_site: LiveSite
) -> None:
    motion = club_site.unique("logo")
    ana = club_pages.signed_in("ana")
    _table_and_open(ana, "panel", motion, "red, blue, green")

    ben = club_pages.signed_in("ben")
    _motions(ben)
    section = ben.locator(f"#motion-{motion}")
    expect(section.locator(".rank-help")).to_be_visible()
    items = section.locator(".rank-items li")
    green = items.filter(has_text="green")
    green.focus()
    ben.keyboard.press("ArrowUp")
    ben.keyboard.press("ArrowUp")
    expect(section.get_by_label("green", exact=True)).to_have_value("1")
    expect(section.get_by_label("red", exact=True)).to_have_value("2")
    expect(section.get_by_label("blue", exact=True)).to_have_value("")
    items.filter(has_text="blue").drag_to(items.filter(has_text="red"))
    expect(section.get_by_label("blue", exact=True)).to_have_value("2")
    expect(section.get_by_label("red", exact=True)).to_have_value("3")
    club_pages.shot(ben, "ranked")
    section.get_by_role("button", name="Cast ballot").click()
    ben.wait_for_url(re.compile(r"\?entry=\d+$"))
    seq = int(ben.url.rsplit("=", 1)[1])
    cast = club_site.api(f"/api/polities/{CLUB}/entries?start={seq}&limit=1")
    assert cast["entries"][0]["fields"]["act"]["args"]["ranking"] == ["green", "blue", "red"]

    ben.get_by_role("link", name=re.compile("Your ballot receipt")).click()
    expect(ben.get_by_role("heading", name="Inclusion proof (RFC 9162)")).to_be_visible()
    expect(ben.locator(".browser-check")).to_contain_text(
        f"entry {seq} hashes to its leaf, and the path leads to root"
    )
    club_pages.shot(ben, "open-receipt")
    receipt = ben.get_by_label("Receipt (JSON)").first.input_value()
    ben.get_by_label("Receipt (JSON)").last.fill(receipt)
    ben.get_by_role("button", name="Check in this browser only").click()
    expect(ben.locator(".local-result")).to_contain_text(f"Your ballot is in entry {seq}")
