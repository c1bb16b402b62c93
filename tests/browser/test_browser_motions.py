"""A motion from tabling to result, driven through the pages in Chromium by several people."""

from __future__ import annotations

import re

from browser_support import LiveSite, Pages
from playwright.sync_api import Page, expect


def motions(page: Page, site: LiveSite) -> None:
    page.goto(f"/p/{site.polity}/motions")


def press(page: Page, motion: str, button: str) -> None:
    """Press one of a motion's buttons and wait for the page that reports the outcome."""
    page.locator(f"#motion-{motion}").get_by_role("button", name=button).click()
    page.wait_for_url(re.compile(r"\?entry=\d+$"))


def test_signing_in_lands_on_my_powers_as_that_person(pages: Pages) -> None:
    page = pages.signed_in("kamenev")
    expect(page.get_by_role("heading", name="My powers")).to_be_visible()
    expect(page.locator("main")).to_contain_text("What the constitution grants kamenev now")


def test_a_politburo_motion_is_tabled_seconded_voted_and_carried(
    pages: Pages, live_site: LiveSite
) -> None:
    """Kamenev tables, Trotsky seconds, Stalin opens the vote, four of the seven vote yes
    (the quorum), Stalin closes and declares: the page shows it carried, as the API does."""
    motion = live_site.unique("grain")
    kamenev = pages.signed_in("kamenev")
    motions(kamenev, live_site)
    kamenev.get_by_label("Body").select_option("politburo")
    kamenev.get_by_label("Motion id").fill(motion)
    kamenev.get_by_label("Text").fill("Raise the procurement price of grain.")
    kamenev.get_by_role("button", name="Table the motion").click()
    outcome = kamenev.get_by_role("status")
    expect(outcome).to_contain_text("GRANTED")
    expect(outcome).to_contain_text("table-motion")
    expect(kamenev.locator(f"#motion-{motion}")).to_contain_text("moved by kamenev")
    pages.shot(kamenev, "tabled")

    trotsky = pages.signed_in("trotsky")
    motions(trotsky, live_site)
    press(trotsky, motion, "Second")
    expect(trotsky.get_by_role("status")).to_contain_text("GRANTED")
    expect(trotsky.locator(f"#motion-{motion}")).to_contain_text("seconded by trotsky")

    stalin = pages.signed_in("stalin")
    motions(stalin, live_site)
    press(stalin, motion, "Open the vote")
    expect(stalin.locator(f"#motion-{motion} .status")).to_have_text("open")

    voters = {"stalin": stalin, "kamenev": kamenev, "trotsky": trotsky}
    voters["zinoviev"] = pages.signed_in("zinoviev")
    for person, page in voters.items():
        motions(page, live_site)
        section = page.locator(f"#motion-{motion}")
        section.get_by_label("yes").check()
        section.get_by_role("button", name="Cast ballot").click()
        page.wait_for_url(re.compile(r"\?entry=\d+$"))
        expect(page.get_by_role("status")).to_contain_text("GRANTED", ignore_case=False)
        assert person in live_site.motion(motion)["voted"]
    pages.shot(stalin, "voted")

    motions(stalin, live_site)
    press(stalin, motion, "Close the vote")
    press(stalin, motion, "Declare the result")
    expect(stalin.get_by_role("status")).to_contain_text("GRANTED")
    section = stalin.locator(f"#motion-{motion}")
    expect(section.get_by_text("Result: carried")).to_be_visible()
    result = live_site.motion(motion)["result"]
    assert result["carried"] is True
    assert sorted(live_site.motion(motion)["voted"]) == sorted(voters)


def test_a_ballot_from_someone_without_a_seat_is_refused_and_recorded(
    pages: Pages, live_site: LiveSite
) -> None:
    """Sapronov holds no Politburo seat: the form still sends his ballot, the authority
    check refuses it with the reason, and the refusal is in the ledger (evidence)."""
    motion = live_site.unique("seat")
    stalin = pages.signed_in("stalin")
    motions(stalin, live_site)
    stalin.get_by_label("Body").select_option("politburo")
    stalin.get_by_label("Motion id").fill(motion)
    stalin.get_by_label("Text").fill("Appoint regional secretaries from the centre.")
    stalin.get_by_role("button", name="Table the motion").click()
    expect(stalin.get_by_role("status")).to_contain_text("GRANTED")
    press(stalin, motion, "Open the vote")

    sapronov = pages.signed_in("sapronov")
    motions(sapronov, live_site)
    before = live_site.ledger_size()
    section = sapronov.locator(f"#motion-{motion}")
    section.get_by_label("no").check()
    section.get_by_role("button", name="Cast ballot").click()
    outcome = sapronov.get_by_role("status")
    expect(outcome).to_contain_text("REFUSED")
    expect(outcome).to_contain_text("sapronov holds no seat in Political Bureau")
    assert live_site.ledger_size() == before + 1
    assert "sapronov" not in live_site.motion(motion)["voted"]
