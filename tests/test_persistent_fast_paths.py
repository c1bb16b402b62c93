"""The fast paths under the fold: `pmap_set`, `PolityState.evolve`, `Motion.with_ballot`.

Each must give exactly what the straightforward computation gives (`PMap.set`,
`dataclasses.replace`), and leave what it started from untouched.
"""

from __future__ import annotations

import random
from dataclasses import fields, replace
from datetime import UTC, datetime

from pyrsistent import CheckedPMap, pmap, pvector

from charter import load_constitution
from charter.domain import persistent
from charter.domain.persistent import pmap_get, pmap_set
from charter.domain.polity import found
from charter.domain.state import Mark, Motion, PolityState, Tenure, history
from conftest import COOP, cooperative_founding

AT = datetime(2026, 2, 1, tzinfo=UTC)


class _Colliding:
    """A key whose hash collides with every other such key: they share one bucket."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __hash__(self) -> int:
        return 7

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Colliding) and other.name == self.name

    def __repr__(self) -> str:
        return f"_Colliding({self.name!r})"


def _buckets(mapping: object) -> list[object]:
    return list(mapping._buckets)  # type: ignore[attr-defined]


def test_the_installed_pyrsistent_takes_the_direct_path():
    assert persistent.FAST


def test_pmap_set_builds_the_same_map_as_pmap_set_bucket_for_bucket():
    rng = random.Random(1923)
    keys: list[object] = [f"k{n}" for n in range(300)] + [_Colliding(str(n)) for n in range(6)]
    fast = slow = pmap()
    for step in range(3000):
        key = rng.choice(keys)
        value = rng.choice((step, slow.get(key, step), "same"))
        before_fast, before_slow = fast, slow
        fast, slow = pmap_set(fast, key, value), slow.set(key, value)
        assert fast == slow
        assert len(fast) == len(slow)
        assert _buckets(fast) == _buckets(slow)
        assert (fast is before_fast) == (slow is before_slow)
    assert dict(fast) == dict(slow)


def test_pmap_get_reads_what_pmap_get_reads():
    rng = random.Random(5)
    keys: list[object] = [f"k{n}" for n in range(200)] + [_Colliding(str(n)) for n in range(5)]
    mapping = pmap()
    missing = object()
    for step in range(1500):
        mapping = pmap_set(mapping, rng.choice(keys), step)
        probe = rng.choice([*keys, "absent", _Colliding("absent")])
        assert pmap_get(mapping, probe, missing) is mapping.get(probe, missing)
    assert pmap_get(pmap(), "x", None) is None


def test_pmap_get_leaves_a_checked_map_to_its_own_get():
    class Names(CheckedPMap):  # type: ignore[misc]
        __key_type__ = str
        __value_type__ = int

    assert pmap_get(Names({"a": 1}), "a", 0) == 1
    assert pmap_get(Names({"a": 1}), "b", 0) == 0


def test_pmap_set_leaves_the_map_it_was_given_as_it_was():
    original = pmap({f"k{n}": n for n in range(50)})
    copy = dict(original)
    changed = pmap_set(original, "k3", "new")
    added = pmap_set(original, "fresh", 1)
    assert dict(original) == copy
    assert changed["k3"] == "new"
    assert original["k3"] == 3
    assert added["fresh"] == 1
    assert "fresh" not in original


def test_pmap_set_of_the_value_already_there_returns_the_same_map():
    value = ("a", "b")
    mapping = pmap({"x": value})
    assert pmap_set(mapping, "x", value) is mapping


def test_pmap_set_grows_a_map_past_its_buckets_as_pmap_set_does():
    fast = slow = pmap()
    for n in range(1000):
        fast, slow = pmap_set(fast, n, n), slow.set(n, n)
    assert _buckets(fast) == _buckets(slow)
    assert dict(fast) == {n: n for n in range(1000)}


def test_pmap_set_leaves_a_checked_map_to_its_own_set():
    class Names(CheckedPMap):  # type: ignore[misc]
        __key_type__ = str
        __value_type__ = int

    names = Names({"a": 1})
    again = pmap_set(names, "b", 2)
    assert type(again) is Names
    assert dict(again) == {"a": 1, "b": 2}


def _state() -> PolityState:
    return found(load_constitution(COOP), cooperative_founding())


def _other_value(state: PolityState, name: str) -> object:
    """A value for field `name` unlike the one `state` holds."""
    tenure = Tenure("zed", "chair", "office", AT, None, "test", "test")
    return {
        "constitution": state.constitution,
        "versions": (*state.versions, state.constitution),
        "time": AT,
        "next_index": state.next_index + 5,
        "members": state.members | {"zed"},
        "tenures": state.tenures.append(tenure),
        "past_tenures": state.past_tenures.append(tenure),
        "nominations": pvector(),
        "motions": pmap({"m": None}),
        "factions": pmap({"f": None}),
        "exercises": pmap({"c": history()}),
        "inspections": history().append("i"),
        "polities": pmap({"p": None}),
        "affiliations": pmap({"a": None}),
    }[name]


def test_evolve_changes_only_the_fields_given_as_replace_does():
    state = _state()
    names = [f.name for f in fields(PolityState)]
    for name in names:
        value = _other_value(state, name)
        evolved = state.evolve(**{name: value})
        assert evolved == replace(state, **{name: value})
        assert getattr(evolved, name) is value
        for other in names:
            if other != name:
                assert getattr(evolved, other) is getattr(state, other)
    both = state.evolve(time=AT, next_index=9)
    assert both == replace(state, time=AT, next_index=9)


def test_evolve_leaves_the_state_it_copies_as_it_was():
    state = _state()
    before = {f.name: getattr(state, f.name) for f in fields(PolityState)}
    evolved = state.evolve(time=AT, members=frozenset({"solo"}))
    assert evolved is not state
    assert {f.name: getattr(state, f.name) for f in fields(PolityState)} == before
    assert state.__dict__ is not evolved.__dict__
    assert set(evolved.__dict__) == set(before)


def test_with_ballot_gives_what_replace_gives():
    motion = Motion("m1", "members", "ana", "A motion.", AT, "ordinary", status="open")
    marks = (Mark(1, choice="yes"),)
    cast = motion.with_ballot("ben", marks)
    assert cast == replace(motion, ballots=motion.ballots.set("ben", marks))
    assert cast.ballots["ben"] is marks
    assert "ben" not in motion.ballots
    again = cast.with_ballot("cai", (Mark(2, choice="no"),))
    assert dict(again.ballots) == {"ben": marks, "cai": (Mark(2, choice="no"),)}
    assert {f.name for f in fields(Motion)} == set(again.__dict__)
    assert hash(again) == hash(replace(cast, ballots=again.ballots))
