"""A polity: its constitution, its founding, and the fold of its acts into state and record."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from charter.domain.acts import Act, Entry, Outcome, step
from charter.domain.acts.federation import criteria_values
from charter.domain.acts.model import as_utc
from charter.domain.authority import incompatibility
from charter.domain.constitution import Constitution
from charter.domain.constitution.model import ExOfficio, Joint
from charter.domain.state import MemberPolity, PolityState, PostKind, Tenure
from charter.errors import ActError

__all__ = ["Founding", "Judgement", "Polity", "found", "replay"]


@dataclass(frozen=True, slots=True)
class Founding:
    """Who the polity starts with: its members and who holds which office or seat, as of `time`."""

    time: datetime | None = None
    members: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.time is not None:
            object.__setattr__(self, "time", as_utc(self.time))

    posts: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    votes: Mapping[str, Mapping[str, int]] = field(default_factory=lambda: MappingProxyType({}))
    """Votes carried by founding seats of weighted bodies, by body and person (others carry one)."""
    polities: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    """A federation's founding member polities: {id: {name, criteria: {population: ...}}}."""


def found(constitution: Constitution, founding: Founding) -> PolityState:
    """The founding state; ActError (path `founding...`) if it breaks the constitution."""
    state = PolityState(
        constitution=constitution,
        versions=(constitution,),
        time=founding.time,
        members=frozenset(founding.members),
    )
    if founding.polities:
        state = _found_polities(state, founding)
    for post, people in founding.posts.items():
        path = f"founding.posts.{post}"
        definition = constitution.offices.get(post) or constitution.bodies.get(post)
        if definition is None:
            raise ActError(f"unknown office or body '{post}'", path=path)
        if isinstance(getattr(definition, "filled_by", None), ExOfficio | Joint):
            raise ActError(
                f"{post} is filled ex officio or as a joint sitting; list the holders of its offices or bodies instead",
                path=path,
            )
        seats = definition.seats
        if seats is not None and len(people) > seats:
            raise ActError(f"{len(people)} holders for {seats} seats", path=path)
        kind: PostKind = "office" if post in constitution.offices else "body"
        if founding.time is None:
            raise ActError("a founding that fills posts must give its time", path="founding.time")
        until = definition.term.after(founding.time) if definition.term is not None else None
        for index, person in enumerate(people):
            if person not in state.members:
                raise ActError(
                    f"{person} holds a post but is not a member", path=f"{path}[{index}]"
                )
            if person in state.holders(post, founding.time):
                raise ActError(f"{person} is listed twice", path=f"{path}[{index}]")
            if (problem := incompatibility(state, person, post, founding.time)) is not None:
                raise ActError(problem, path=f"{path}[{index}]")
            votes = founding.votes.get(post, {}).get(person, 1)
            if votes != 1 and not getattr(definition, "weighted", False):
                raise ActError(
                    f"{post} does not carry weighted votes (only a body with weighted: true does)",
                    path=f"{path}.{person}",
                )
            tenure = Tenure(
                person, post, kind, founding.time, until, "founding", "founding", votes=votes
            )
            state = state.evolve(tenures=state.tenures.append(tenure))
    return state


def _found_polities(state: PolityState, founding: Founding) -> PolityState:
    """The founding member polities of a federation, each with its criteria."""
    federation = state.constitution.federation
    if federation is None:
        raise ActError(
            "only a federation has member polities (its constitution has no federation clause)",
            path="founding.polities",
        )
    polities = state.polities
    for polity, details in founding.polities.items():
        path = f"founding.polities.{polity}"
        if not isinstance(details, Mapping):
            raise ActError("expected {name, criteria}", path=path)
        unknown = sorted(set(details) - {"name", "criteria"})
        if unknown:
            raise ActError(f"unknown field '{unknown[0]}'", path=f"{path}.{unknown[0]}")
        criteria = details.get("criteria") or {}
        if not isinstance(criteria, Mapping):
            raise ActError("expected a mapping of criteria", path=f"{path}.criteria")
        values = criteria_values(federation, criteria, f"{path}.criteria")
        name = str(details.get("name") or polity)
        polities = polities.set(
            polity, MemberPolity(polity, name, founding.time, values, "founding")
        )
    return state.evolve(polities=polities)


@dataclass(frozen=True, slots=True)
class Judgement:
    """An act judged against one state: its entry, and the state before and after it."""

    entry: Entry
    before: PolityState
    state: PolityState


class Polity:
    """A running polity: apply acts one by one; every act's outcome joins the record."""

    def __init__(self, constitution: Constitution, founding: Founding | None = None) -> None:
        self.founding = founding or Founding()
        self._state = found(constitution, self.founding)
        self._record: list[Entry] = []

    @property
    def state(self) -> PolityState:
        return self._state

    @property
    def constitution(self) -> Constitution:
        return self._state.constitution

    @property
    def record(self) -> tuple[Entry, ...]:
        return tuple(self._record)

    def apply(self, act: Act) -> Entry:
        """Judge and record `act`. A malformed act raises ActError and is neither applied nor recorded."""
        return self.accept(self.judge(act))

    def judge(self, act: Act, after: Judgement | None = None) -> Judgement:
        """Judge `act` without recording it: against the current state, or after `after`.

        Lets a caller do the work first and record it only once it is durably
        stored (and judge again if another writer got there first).
        """
        state = after.state if after is not None else self._state
        try:
            new_state, outcome = step(state, act)
        except ActError as error:
            error.act_index = state.next_index
            raise
        return Judgement(Entry(state.next_index, act, outcome), state, new_state)

    def accept(self, judgement: Judgement) -> Entry:
        """Record a judgement made against the current state; ValueError if the state has moved."""
        if judgement.before is not self._state:
            raise ValueError("the judgement was made against another state; judge the act again")
        self._state = judgement.state
        self._record.append(judgement.entry)
        return judgement.entry

    def apply_all(self, acts: Iterable[Act]) -> list[Entry]:
        return [self.apply(act) for act in acts]

    def outcomes(self) -> Sequence[Outcome]:
        return [entry.outcome for entry in self._record]


def replay(constitution: Constitution, founding: Founding | None, acts: Iterable[Act]) -> Polity:
    """A fresh polity with every act applied in order: the same acts always give the same state."""
    polity = Polity(constitution, founding)
    polity.apply_all(acts)
    return polity
