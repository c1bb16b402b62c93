"""Result charts: SVG drawn on the server, with the numbers they draw, and nothing the CSP forbids."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

from club_support import CLUB, act, build_club, table_and_open
from web_support import sign_in

from charter.domain.constitution.types import Threshold
from charter.domain.voting import Count, count_choice, count_decision
from charter.web.charts import result_chart

SVG = "{http://www.w3.org/2000/svg}"


def _irv() -> dict:
    preferences = [(["a", "b"], 4), (["b", "a"], 3), (["c", "b"], 2), (["d", "c"], 1)]
    return count_choice(
        "irv", ("a", "b", "c", "d"), preferences, blank=0, seats=1, total=10, quorum=None
    ).as_dict()


def _parsed(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_a_sequential_count_is_drawn_round_by_round_with_its_numbers() -> None:
    chart = result_chart(_irv(), "m1")
    assert chart is not None
    assert chart.kind == "rounds"
    root = _parsed(chart.svg)
    assert len(root.findall(f"{SVG}polyline")) == 4  # one line per option
    assert (
        len(root.findall(f"{SVG}circle")) == 3 + 3 + 2 + 1
    )  # a point per option in each round it stands in
    labels = [t.text for t in root.findall(f"{SVG}text")]
    assert "b (elected)" in labels
    assert chart.header == ("option", "round 1", "round 2", "round 3")
    assert chart.rows[0] == ("a", "4", "4", "4")
    assert chart.rows[3] == ("d", "1", "—", "—")
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title") is not None


def test_charts_use_no_style_or_script_the_policy_would_block() -> None:
    chart = result_chart(_irv())
    assert chart is not None
    assert "<style" not in chart.svg
    assert "style=" not in chart.svg
    assert "<script" not in chart.svg


def test_option_names_are_escaped_in_the_picture() -> None:
    preferences = [(["<b>", "x&y"], 2), (["x&y"], 1)]
    result = count_choice(
        "irv", ("<b>", "x&y"), preferences, blank=0, seats=1, total=3, quorum=None
    ).as_dict()
    chart = result_chart(result)
    assert chart is not None
    assert "<b>" not in chart.svg
    _parsed(chart.svg)  # still well-formed XML


def test_a_yes_no_vote_is_drawn_as_bars() -> None:
    result = count_decision(
        "majority", Count(5, 2, 1), 9, Threshold("simple"), None, False
    ).as_dict()
    chart = result_chart(result)
    assert chart is not None
    assert chart.kind == "bars"
    assert chart.rows == (("yes", "5"), ("no", "2"), ("abstain", "1"))


def test_totals_and_pairwise_counts_are_drawn_as_bars() -> None:
    approval = count_choice(
        "approval",
        ("a", "b", "c"),
        [([["a", "b"]], 4), ([["b"]], 3)],
        blank=0,
        seats=1,
        total=7,
        quorum=None,
    ).as_dict()
    chart = result_chart(approval)
    assert chart is not None
    assert chart.rows == (("b", "7"), ("a", "4"), ("c", "0"))
    schulze = count_choice(
        "schulze",
        ("a", "b", "c"),
        [(["a", "b"], 4), (["b", "a"], 3), (["c", "b"], 2)],
        blank=0,
        seats=1,
        total=9,
        quorum=None,
    ).as_dict()
    pairwise = result_chart(schulze)
    assert pairwise is not None
    assert pairwise.rows[0] == ("b", "2")  # b beats a and c


def test_a_recorded_verdict_without_counts_has_no_chart() -> None:
    assert result_chart({"carried": True, "yes": 0, "no": 0, "abstain": 0}) is None


def test_the_motions_page_shows_the_chart_of_a_declared_result(tmp_path: Path) -> None:
    club = build_club(f"sqlite:///{tmp_path / 'club.db'}", tmp_path)
    with club.client() as client:
        csrf = sign_in(client, "ana", club.passwords["ana"], CLUB)
        table_and_open(client, csrf, "panel", "logo", options=["red", "blue", "green"])
        for person, ranking in (
            ("ana", ["red"]),
            ("ben", ["blue", "red"]),
            ("cy", ["green", "blue"]),
        ):
            if person != "ana":
                client.post("/logout", data={"csrf_token": csrf})
                csrf = sign_in(client, person, club.passwords[person], CLUB)
            assert act(client, csrf, "cast-ballot", motion="logo", ranking=ranking)["granted"]
        client.post("/logout", data={"csrf_token": csrf})
        csrf = sign_in(client, "ana", club.passwords["ana"], CLUB)
        assert act(client, csrf, "close-vote", motion="logo")["granted"]
        assert act(client, csrf, "declare-result", motion="logo")["granted"]
        page = client.get(f"/p/{CLUB}/motions").text
    figure = re.search(r'<figure class="chart">(.*?)</figure>', page, re.S)
    assert figure is not None
    assert "Votes round by round" in figure.group(1)
    assert "The numbers in the chart" in page
