"""Who holds what, remembered per tenure vector and window of moments (charter.domain.seats).

The remembered answers must always be the ones a fresh scan of the tenures gives:
after a change of tenures, at and across the end of a term, in any order of
moments, and for the derived questions (seat holders, offices, vote weights).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from pyrsistent import pvector

from charter import Act, Polity, load_constitution
from charter.domain import seats
from charter.domain.authority import offices_of, seat_holders, vote_weight
from charter.domain.polity import found
from charter.domain.state import PolityState, Tenure
from conftest import COOP, EXAMPLES, cooperative_founding

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _scan_holders(state: PolityState, post: str, at: datetime) -> tuple[str, ...]:
    return tuple(t.person for t in state.tenures if t.post == post and t.active(at))


def _scan_posts(state: PolityState, person: str, at: datetime) -> tuple[Tenure, ...]:
    return tuple(t for t in state.tenures if t.person == person and t.active(at))


def _coop_state() -> PolityState:
    return found(load_constitution(COOP), cooperative_founding())


def test_holders_follow_a_change_of_tenures():
    state = _coop_state()
    at = state.time + timedelta(days=1)
    assert state.holders("treasurer", at) == ("ben",)
    joined = Tenure("hal", "treasurer", "office", at, None, "test", "test")
    after = state.evolve(tenures=state.tenures.append(joined))
    assert after.holders("treasurer", at) == ("ben", "hal")
    assert state.holders("treasurer", at) == ("ben",)
    assert after.posts_of("hal", at) == (joined,)
    assert state.posts_of("hal", at) == ()
    left = after.with_tenures([joined], at, "resigned")
    assert left.holders("treasurer", at) == ("ben",)
    assert seat_holders(left, "board", at) == frozenset({"ana", "ben", "cai", "dee", "eve"})


def test_holders_follow_the_end_of_a_term_whichever_way_time_is_asked():
    state = _coop_state()
    (chair,) = (t for t in state.tenures if t.post == "chair")
    until = chair.until
    assert until is not None
    moments = [until - timedelta(seconds=1), until, until + timedelta(days=1)]
    moments += [until - timedelta(days=30), until, until - timedelta(microseconds=1)]
    for at in moments:
        for post in ("board", "chair", "treasurer", "auditor"):
            assert state.holders(post, at) == _scan_holders(state, post, at), (post, at)
        for person in ("ana", "ben", "fay", "hal"):
            assert state.posts_of(person, at) == _scan_posts(state, person, at)
    assert state.holders("chair", until) == ()
    assert state.holders("chair", until - timedelta(microseconds=1)) == ("ana",)


def test_remembered_answers_agree_with_a_fresh_scan_for_random_tenures():
    rng = random.Random(7)
    constitution = load_constitution(COOP)
    people = [f"p{n}" for n in range(12)]
    posts = [("board", "body"), ("chair", "office"), ("treasurer", "office"), ("auditor", "office")]
    tenures: list[Tenure] = []
    state = PolityState(constitution, (constitution,), T0, members=frozenset(people))
    for _ in range(400):
        if tenures and rng.random() < 0.2:
            tenures.pop(rng.randrange(len(tenures)))
        else:
            post, kind = rng.choice(posts)
            since = T0 + timedelta(days=rng.randrange(50))
            until = rng.choice([None, since + timedelta(days=rng.randrange(1, 60))])
            ended = rng.choice([None, None, None, since])
            tenures.append(
                Tenure(rng.choice(people), post, kind, since, until, "b", "c", ended=ended)
            )
        state = state.evolve(tenures=pvector(tenures))
        for _ in range(5):
            at = T0 + timedelta(days=rng.randrange(120), hours=rng.randrange(24))
            post, _kind = rng.choice(posts)
            person = rng.choice(people)
            assert state.holders(post, at) == _scan_holders(state, post, at)
            assert state.posts_of(person, at) == _scan_posts(state, person, at)
            assert seat_holders(state, "board", at) == frozenset(_scan_holders(state, "board", at))
            assert offices_of(state, person, at) == frozenset(
                t.post for t in _scan_posts(state, person, at) if t.kind == "office"
            )


def test_vote_weight_counts_the_mandates_of_the_seats_current_at_the_moment():
    constitution = load_constitution(EXAMPLES / "union" / "constitution.yaml")
    state = PolityState(constitution, (constitution,), T0, members=frozenset({"a", "b", "c"}))
    rng = random.Random(11)
    tenures = []
    for _ in range(30):
        since = T0 + timedelta(days=rng.randrange(20))
        until = rng.choice([None, since + timedelta(days=rng.randrange(1, 20))])
        post = rng.choice(["conference", "conference", "general-secretary"])
        kind = "body" if post == "conference" else "office"
        votes = rng.randrange(1, 500) if post == "conference" else 1
        person = rng.choice("abc")
        tenures.append(Tenure(person, post, kind, since, until, "b", "c", votes=votes))
        state = state.evolve(tenures=pvector(tenures))
        for _ in range(4):
            at = T0 + timedelta(days=rng.randrange(45))
            for who in "abc":
                straight = sum(
                    t.votes
                    for t in state.tenures
                    if t.post == "conference" and t.person == who and t.active(at)
                )
                assert vote_weight(state, "conference", who, at) == (straight or 1)


def test_seat_holders_of_the_members_follow_admissions():
    polity = Polity(load_constitution(COOP), cooperative_founding())
    at = polity.state.time
    assert "zoe" not in seat_holders(polity.state, "members", at)
    entry = polity.apply(Act("ana", "admit", at, args={"person": "zoe"}, cosigned_by=("ben",)))
    if entry.outcome.granted:
        assert "zoe" in seat_holders(polity.state, "members", at)
    assert seat_holders(polity.state, "members", at) == polity.state.members


def test_the_memo_stays_bounded():
    seats.clear()
    state = _coop_state()
    at = state.time
    for n in range(50):
        extra = Tenure(f"x{n}", "board", "body", at, None, "b", "c")
        changed = state.evolve(tenures=state.tenures.append(extra))
        changed.holders("board", at)
        assert len(seats._memos) <= seats._VECTORS
    for n in range(seats._ANSWERS + 10):
        state.posts_of(f"nobody{n}", at)
    memo = seats._memo(state.tenures)
    assert len(memo.posts) <= seats._ANSWERS
