"""My powers in Chromium: what the signed-in person may do now, and why not the rest."""

from __future__ import annotations

from browser_support import LiveSite, Pages
from playwright.sync_api import expect


def test_my_powers_explains_why_an_ordinary_member_cannot_appoint(
    pages: Pages, live_site: LiveSite
) -> None:
    """Sapronov holds no office: appointing is 'not yours', with the authority check's reason;
    addressing the Congress, every member's right, is granted citing its clause."""
    page = pages.signed_in("sapronov")
    appoint = page.locator("tr.refused").filter(
        has=page.get_by_role("cell", name="appoint", exact=True)
    )
    expect(appoint).to_have_count(1)
    expect(appoint).to_contain_text("not yours")
    expect(appoint.locator("td").nth(2)).to_have_text(
        "sapronov holds no office with power 'appoint'"
    )
    granted = page.locator("tr.granted")
    expect(granted).to_have_count(1)
    expect(granted).to_contain_text("address-congress")
    expect(granted.get_by_role("link")).to_have_text("members.powers[0]")


def test_my_powers_cites_the_general_secretarys_clause_and_why_he_cannot_appoint_alone(
    pages: Pages, live_site: LiveSite
) -> None:
    """Stalin may set the agenda (his office's clause, linked to its section of the
    constitution); appointing is refused because it needs the Orgburo's co-signature."""
    page = pages.signed_in("stalin")
    rows = page.locator("tbody tr")
    appoint = rows.filter(has=page.get_by_role("cell", name="appoint", exact=True))
    expect(appoint).to_have_class("refused")
    expect(appoint).to_contain_text("needs the co-signature of Organisational Bureau")
    agenda = rows.filter(has=page.get_by_role("cell", name="set-agenda", exact=True))
    expect(agenda).to_have_class("granted")
    clause = agenda.get_by_role("link", name="offices.general-secretary.powers[1]")
    clause.click()
    expect(page).to_have_url(
        f"{live_site.base_url}/p/{live_site.polity}/constitution#clause-offices.general-secretary"
    )
    expect(page.locator("#clause-offices\\.general-secretary")).to_be_in_viewport()


def test_a_refused_act_from_my_powers_is_explained_and_recorded(
    pages: Pages, live_site: LiveSite
) -> None:
    """Sapronov tries to appoint himself regional secretary from the act form: the page
    reports REFUSED with the reason, the refusal is an entry of the ledger, and nothing
    else changed."""
    page = pages.signed_in("sapronov")
    before = live_site.ledger_size()
    holders_before = live_site.state()["offices"]
    page.get_by_label("Act", exact=True).fill("appoint")
    page.get_by_label("Arguments (YAML)").fill("{office: regional-secretary, person: sapronov}")
    page.get_by_role("button", name="Perform").click()
    outcome = page.get_by_role("status")
    expect(outcome).to_contain_text(f"REFUSED: entry {before} (appoint)")
    expect(outcome).to_contain_text(
        "Reason: sapronov holds no office with power 'appoint' over 'regional-secretary'"
    )
    expect(page.get_by_role("heading", name="My powers")).to_be_visible()
    assert live_site.ledger_size() == before + 1
    assert live_site.state()["offices"] == holders_before
    entry = live_site.api(f"/api/polities/{live_site.polity}/entries?start={before}&limit=1")
    recorded = entry["entries"][0]["fields"]
    assert (recorded["act"]["actor"], recorded["outcome"]["verdict"]) == ("sapronov", "refused")


def test_a_visitor_is_asked_to_sign_in_before_seeing_powers(
    pages: Pages, live_site: LiveSite
) -> None:
    page = pages.anonymous()
    page.goto(f"/p/{live_site.polity}/powers")
    expect(page.get_by_role("link", name="Sign in").last).to_be_visible()
    expect(page.get_by_role("button", name="Perform")).to_have_count(0)
