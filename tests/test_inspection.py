"""The Inspection on the 1923 example must tell what historians describe; and on others, no more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from charter import load_scenario, run_scenario
from charter.cli import main
from charter.domain.acts import Act
from charter.domain.constitution import constitution_from_document
from charter.domain.document import Document
from charter.domain.inspection.control import control_of, next_filling
from charter.domain.inspection.gaps import power_gaps
from charter.domain.inspection.preview import preview
from charter.domain.inspection.report import Inspection, inspect
from charter.domain.polity import Polity
from charter.errors import ActError
from conftest import EXAMPLES, RCP, coop_variant, cooperative_founding, day

AMENDMENT = yaml.safe_load((RCP / "amendment.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rcp_run() -> Any:
    return run_scenario(load_scenario(RCP))


@pytest.fixture(scope="module")
def report(rcp_run: Any) -> Inspection:
    return inspect(rcp_run.polity.state, rcp_run.polity.record, "rcp-1923")


def kinds(report: Inspection, subject: str) -> set[str]:
    return {f.kind for f in report.findings if f.subject == subject}


def test_the_general_secretarys_circle_of_selection_is_found(report: Inspection) -> None:
    (flow,) = [f for f in report.flows if f.post == "general-secretary"]
    assert [(r.source, r.kind, r.target) for r in flow.path] == [
        ("general-secretary", "appoints", "regional-secretary"),
        ("regional-secretary", "nominates", "congress"),
        ("congress", "elects", "central-committee"),
        ("central-committee", "elects", "general-secretary"),
    ]
    finding = next(
        f for f in report.findings if f.kind == "circular-flow" and f.subject == "general-secretary"
    )
    assert finding.severity == "high"
    assert [e.clause for e in finding.evidence] == [
        "offices.general-secretary.powers[0]",
        "bodies.congress.filled_by.nominated_by",
        "bodies.central-committee.filled_by",
        "offices.general-secretary.filled_by",
    ]


def test_stalin_decides_who_holds_his_own_office_next(report: Inspection) -> None:
    finding = next(
        f for f in report.findings if f.kind == "circular-flow" and f.subject == "stalin"
    )
    assert "decides, through the chain" in finding.summary
    entries = {e.entry for e in finding.evidence if e.entry is not None}
    assert len(entries) == 5  # the five recorded appointments of guberniya secretaries


def test_stalins_effective_power_far_exceeds_his_seat(report: Inspection) -> None:
    stalin = report.people["stalin"]
    committee = next(b for b in stalin.bodies if b.body == "central-committee")
    assert committee.formal == pytest.approx(1 / 14)  # one of 14 equal seats, simple majority
    assert committee.effective_next == 1
    assert stalin.ratio == pytest.approx(14.0)
    finding = next(
        f
        for f in report.findings
        if f.kind == "disproportionate-authority" and f.subject == "stalin"
    )
    assert finding.severity == "high"
    assert {t.person for t in stalin.control.seats_now} == {f"gubsec-{n}" for n in range(1, 6)}
    others = [
        name
        for name, power in report.people.items()
        if name != "stalin" and (power.ratio or 0) >= 2
    ]
    assert others == []


def test_the_inspector_who_was_also_inspected_is_found_in_the_record(report: Inspection) -> None:
    found = [
        f for f in report.findings if f.kind == "inspector-inspected" and f.subject == "stalin"
    ]
    summaries = " ".join(f.summary for f in found)
    assert (
        "People's Commissar of the Workers' and Peasants' Inspection, which inspects General Secretary"
        in summaries
    )
    assert "1922-04-03 – 1922-04-25" in summaries
    assert "which inspects Central Committee" in summaries


def test_the_control_commission_is_chosen_through_the_chain_of_the_office_it_inspects(
    report: Inspection,
) -> None:
    captured = {f.subject for f in report.findings if f.kind == "captured-inspection"}
    assert "central-control-commission" in captured


def test_the_amendment_breaks_the_circle_and_the_ratio_falls(rcp_run: Any) -> None:
    result = preview(rcp_run.polity.state, AMENDMENT, rcp_run.polity.record, "rcp-1923")
    assert "general-secretary" in {f.post for f in result.before.flows}
    assert "general-secretary" not in {f.post for f in result.after.flows}
    before, after = result.ratios()["stalin"]
    assert before == pytest.approx(14.0)
    assert after is not None
    assert after < 2
    cleared = {(f.kind, f.subject) for f in result.cleared}
    assert ("circular-flow", "general-secretary") in cleared
    assert ("disproportionate-authority", "stalin") in cleared


def test_a_preview_that_could_not_take_effect_is_an_error_naming_why(rcp_run: Any) -> None:
    with pytest.raises(ActError, match="no such clause"):
        preview(rcp_run.polity.state, {"changes": [{"remove": "offices.nobody"}]})


def test_thresholds_in_the_constitution_override_the_defaults() -> None:
    data = yaml.safe_load((RCP / "constitution.yaml").read_text(encoding="utf-8"))
    data["inspection"] = {"thresholds": {"disproportion": 20, "disproportion_high": 30}}
    constitution = constitution_from_document(Document(data, "rcp.yaml"))
    run = run_scenario(load_scenario(RCP))
    state = run.polity.state.evolve(constitution=constitution, versions=(constitution,))
    assert "disproportionate-authority" not in kinds(inspect(state, run.polity.record), "stalin")


def test_a_cooperative_with_elected_officers_has_no_disproportionate_authority() -> None:
    polity = Polity(coop_variant(lambda d: None), cooperative_founding())
    report = inspect(polity.state, polity.record)
    assert not [f for f in report.findings if f.kind == "disproportionate-authority"]
    assert not [f for f in report.findings if f.severity == "high" and f.kind == "circular-flow"]
    members_circle = [f for f in report.flows if "members" in f.posts]
    assert members_circle  # the board admits the members who elect it
    assert all(f.severity == "medium" for f in report.findings if f.kind == "circular-flow")


def test_quota_pressure_terms_ending_and_refusals_are_reported() -> None:
    polity = Polity(coop_variant(lambda d: None), cooperative_founding())
    for day_, text in ((12, "a"), (13, "b"), (14, "c")):
        polity.apply(
            Act(
                "ben",
                "exercise",
                day(2026, 1, day_),
                {"matter": "finance", "text": text},
                power="spend",
                cosigned_by=("ana",),
            )
        )
    for day_ in (15, 16, 17):
        polity.apply(Act("gus", "inspect", day(2026, 1, day_), {"office": "treasurer"}))
    polity.apply(Act("fay", "inspect", day(2026, 12, 20), {"office": "treasurer"}))
    report = inspect(polity.state, polity.record)
    found = {(f.kind, f.subject) for f in report.findings}
    assert ("refused-attempts", "gus") in found
    assert ("term-ending", "ana:chair") in found
    # three spends in January: the quota's window has passed by December
    assert ("quota-pressure", "offices.treasurer.powers[0]") not in found
    early = Polity(coop_variant(lambda d: None), cooperative_founding())
    for day_, text in ((12, "a"), (13, "b"), (14, "c")):
        early.apply(
            Act(
                "ben",
                "exercise",
                day(2026, 1, day_),
                {"matter": "finance", "text": text},
                power="spend",
                cosigned_by=("ana",),
            )
        )
    pressured = next(
        f for f in inspect(early.state, early.record).findings if f.kind == "quota-pressure"
    )
    assert pressured.severity == "medium"
    assert "3 of 3 uses" in pressured.summary


def test_next_filling_is_the_least_fixed_point_from_a_persons_offices() -> None:
    constitution = coop_variant(lambda d: None)
    assert next_filling(constitution, frozenset()) == {}
    chair = next_filling(constitution, frozenset({"chair"}))
    assert set(chair) == {"treasurer"}  # the chair appoints the treasurer; nothing else follows


def test_a_post_appointed_by_a_sole_officer_is_in_their_next_filling() -> None:
    def chair_appoints_board(d: dict[str, Any]) -> None:
        d["bodies"]["board"]["filled_by"] = {"method": "appointment", "by": "chair"}

    polity = Polity(coop_variant(chair_appoints_board), cooperative_founding())
    control = control_of(polity.state)
    assert "board" in control["ana"].posts_next  # by the rules: she appoints its next members
    assert control["ana"].seats_now == ()  # by the record: the founding seated them, not she


def test_every_example_can_be_inspected_and_its_evidence_points_into_its_ledger() -> None:
    for directory in ("rcp-1923", "coop", "union"):
        run = run_scenario(load_scenario(EXAMPLES / directory))
        report = inspect(run.polity.state, run.polity.record)
        size = len(run.polity.record) + 1
        for finding in report.findings:
            assert finding.evidence or finding.kind == "refused-attempts"
            for item in finding.evidence:
                assert item.entry is None or 1 <= item.entry < size


def test_inspect_json_has_the_documented_shape() -> None:
    result = CliRunner().invoke(main, ["inspect", str(RCP), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"findings", "power"} <= set(data)
    first = data["findings"][0]
    assert set(first) >= {"kind", "severity", "subject", "evidence"}
    assert data["power"]["people"]["stalin"]["ratio"] == pytest.approx(14.0)


def test_inspect_draws_the_map_and_the_chart(tmp_path: Path) -> None:
    svg, png = tmp_path / "map.svg", tmp_path / "power.png"
    result = CliRunner().invoke(main, ["inspect", str(RCP), "--map", str(svg), "--chart", str(png)])
    assert result.exit_code == 0, result.output
    assert "circle of selection" in svg.read_text(encoding="utf-8")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_preview_cli_shows_the_circle_broken(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["preview", str(RCP), str(RCP / "amendment.yaml")])
    assert result.exit_code == 0, result.output
    assert "general-secretary            broken" in result.stdout
    assert "stalin" in result.stdout


def test_inspect_a_federation_scenario_reports_each_polity() -> None:
    result = CliRunner().invoke(main, ["inspect", str(EXAMPLES / "coop-federation"), "--json"])
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert {r["polity"] for r in reports} >= {"northern", "greenway"}


def test_a_stored_polity_is_inspected_from_its_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARTER_KEY_DIR", str(tmp_path / "keys"))
    db = f"sqlite:///{tmp_path / 'charter.db'}"
    assert CliRunner().invoke(main, ["scenario", "run", str(RCP), "--db", db]).exit_code == 0
    stored = CliRunner().invoke(main, ["inspect", "rcp-1923", "--db", db, "--json"])
    replayed = CliRunner().invoke(main, ["inspect", str(RCP), "--json"])
    assert stored.exit_code == 0, stored.output
    assert json.loads(stored.stdout)["findings"] == json.loads(replayed.stdout)["findings"]


def test_power_gaps_rank_people_by_effective_over_formal_power_widest_first(
    report: Inspection,
) -> None:
    gaps = power_gaps(report, top=5)
    assert 0 < len(gaps) <= 5
    ratios = [gap.ratio for gap in gaps]
    assert ratios == sorted(ratios, reverse=True)
    for gap in gaps:
        bodies = report.people[gap.person].bodies
        widest = max(b.effective_next / b.formal for b in bodies if b.formal > 0)
        assert gap.ratio == pytest.approx(widest)
    everyone = power_gaps(report, top=10_000)
    assert everyone[: len(gaps)] == gaps
    assert {gap.person for gap in everyone} == {
        name for name, power in report.people.items() if any(b.formal > 0 for b in power.bodies)
    }
