"""Compare two replays of one history: which acts changed outcome, and who ends up holding what.

This is how a counterfactual answers "which amendment would have prevented
it": replay the history with the amendment inserted, and list every act whose
outcome is different, beside the steps only one of the two replays has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from charter.domain.acts import Entry
from charter.scenario import ScenarioRun, Step

__all__ = ["Comparison", "StepChange", "compare_runs"]


@dataclass(frozen=True, slots=True)
class StepChange:
    """One step present in both replays whose outcome differs."""

    step: Step
    before: Entry
    after: Entry


@dataclass(frozen=True, slots=True)
class Comparison:
    """What differs between a base replay and a variant of it."""

    base: ScenarioRun
    variant: ScenarioRun
    changed: tuple[StepChange, ...]
    only_in_base: tuple[Entry, ...]
    only_in_variant: tuple[Entry, ...]
    holders: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "base": self.base.scenario.title,
            "variant": self.variant.scenario.title,
            "changed": [
                {
                    "id": change.step.id,
                    "base": change.before.as_dict(),
                    "variant": change.after.as_dict(),
                }
                for change in self.changed
            ],
            "only_in_base": [entry.as_dict() for entry in self.only_in_base],
            "only_in_variant": [entry.as_dict() for entry in self.only_in_variant],
            "holders": {
                post: {"base": list(before), "variant": list(after)}
                for post, (before, after) in self.holders.items()
            },
            "constitution_version": {
                "base": self.base.polity.state.version,
                "variant": self.variant.polity.state.version,
            },
        }


def _key(step: Step) -> tuple[str | None, tuple[str | int, ...]]:
    """A step is the same step in both replays when it was written in the same place."""
    return (step.document.file, step.path)


def _same(before: Entry, after: Entry) -> bool:
    """Same verdict and same effects. The clause cited may be renumbered by an amendment
    (powers[1] becoming powers[0]) without the act meaning anything different."""
    if before.outcome.granted != after.outcome.granted:
        return False
    if before.outcome.granted:
        return before.outcome.effects == after.outcome.effects
    return before.outcome.basis == after.outcome.basis


def compare_runs(base: ScenarioRun, variant: ScenarioRun) -> Comparison:
    """Every difference between `base` and `variant`, in the variant's order."""
    base_entries = {
        _key(step): entry for step, entry in zip(base.scenario.steps, base.entries, strict=True)
    }
    variant_keys = set()
    changed: list[StepChange] = []
    only_in_variant: list[Entry] = []
    for step, entry in zip(variant.scenario.steps, variant.entries, strict=True):
        key = _key(step)
        variant_keys.add(key)
        before = base_entries.get(key)
        if before is None:
            only_in_variant.append(entry)
        elif not _same(before, entry):
            changed.append(StepChange(step, before, entry))
    only_in_base = [entry for key, entry in base_entries.items() if key not in variant_keys]
    posts = dict.fromkeys([*base.polity.constitution.offices, *variant.polity.constitution.offices])
    holders = {}
    for post in posts:
        before_holders = base.polity.state.holders(post)
        after_holders = variant.polity.state.holders(post)
        if before_holders != after_holders:
            holders[post] = (before_holders, after_holders)
    return Comparison(
        base, variant, tuple(changed), tuple(only_in_base), tuple(only_in_variant), holders
    )
