"""Powers granted to the members together are exercised only by their general meeting."""

from __future__ import annotations

from charter import Act
from conftest import day


def test_a_single_member_cannot_expel_by_himself(coop):
    entry = coop.apply(Act("gus", "expel", day(2026, 2, 1), {"person": "hal"}))
    assert entry.outcome.verdict == "refused"
    assert "it belongs to the members together" in entry.outcome.basis
    assert "members.expulsion[0]" in entry.outcome.basis
    assert "hal" in coop.state.members


def test_every_member_may_table_in_the_general_meeting(coop):
    entry = coop.apply(
        Act(
            "gus",
            "table-motion",
            day(2026, 2, 1),
            {"body": "members", "motion": "m1", "text": "Paint the hall."},
        )
    )
    assert entry.outcome.verdict == "granted"
    assert entry.outcome.basis == "members.powers[0]"


def test_general_meeting_expels_by_two_thirds(coop):
    start = day(2026, 2, 1)
    coop.apply(
        Act(
            "gus",
            "table-motion",
            start,
            {
                "body": "members",
                "motion": "out",
                "text": "Expel hal.",
                "action": {"act": "expel", "person": "hal"},
            },
        )
    )
    coop.apply(Act("cai", "second-motion", start, {"motion": "out"}))
    opened = coop.apply(Act("ana", "open-vote", day(2026, 2, 15), {"motion": "out"}))
    assert opened.outcome.basis == "offices.chair.powers[0]"
    for voter, choice in zip(
        ["ana", "ben", "cai", "dee", "eve", "fay"], ["yes"] * 5 + ["no"], strict=True
    ):
        assert coop.apply(
            Act(voter, "cast-ballot", day(2026, 2, 15), {"motion": "out", "choice": choice})
        ).outcome.granted
    result = coop.apply(Act("ana", "declare-result", day(2026, 2, 16), {"motion": "out"}))
    assert result.outcome.result is not None
    assert result.outcome.result.carried
    assert "hal expelled" in result.outcome.effects
    assert "hal" not in coop.state.members
