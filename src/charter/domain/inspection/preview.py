"""Amendment previews: the Inspection before and after a proposed amendment, side by side.

The amendment is applied exactly as adopting it would apply it (the domain's own
`amend` act: the same checks, abolished posts vacated), to the polity as it
stands, so a body sees what it is voting on: which circles of selection it
breaks or makes, whose power it cuts, and which findings it clears or raises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from charter.domain.acts import Entry
from charter.domain.acts.args import Args
from charter.domain.acts.powers import POWER_ACTS
from charter.domain.constitution import Grant, grants_of
from charter.domain.inspection.report import Finding, Inspection, inspect
from charter.domain.state import PolityState
from charter.errors import ActError

__all__ = ["Preview", "preview"]


@dataclass(frozen=True)
class Preview:
    """The Inspection before and after, and what changed between them."""

    before: Inspection
    after: Inspection
    summary: str

    @property
    def cleared(self) -> tuple[Finding, ...]:
        kept = {(f.kind, f.subject, f.summary) for f in self.after.findings}
        return tuple(f for f in self.before.findings if (f.kind, f.subject, f.summary) not in kept)

    @property
    def raised(self) -> tuple[Finding, ...]:
        had = {(f.kind, f.subject, f.summary) for f in self.before.findings}
        return tuple(f for f in self.after.findings if (f.kind, f.subject, f.summary) not in had)

    def ratios(self) -> dict[str, tuple[float | None, float | None]]:
        names = sorted(set(self.before.people) | set(self.after.people))
        return {
            name: (
                self.before.people[name].ratio if name in self.before.people else None,
                self.after.people[name].ratio if name in self.after.people else None,
            )
            for name in names
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "amendment": self.summary,
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
            "cleared": [finding.as_dict() for finding in self.cleared],
            "raised": [finding.as_dict() for finding in self.raised],
            "ratios": {name: {"before": b, "after": a} for name, (b, a) in self.ratios().items()},
            "circular_flows": {
                "before": [flow.post for flow in self.before.flows],
                "after": [flow.post for flow in self.after.flows],
            },
        }


def amended_state(state: PolityState, amendment: Mapping[str, Any]) -> PolityState:
    """`state` with the amendment (`{changes: [...], summary}`) applied as adoption would apply it.

    ActError (with the path of the faulty edit) if the amendment is malformed or
    could not take effect (an entrenched clause, an invalid result, a sitting
    holder left in breach).
    """
    spec = POWER_ACTS["amend"]
    args = Args(amendment, "amendment")
    parsed = spec.parse(state, args)
    args.finish()
    at = state.time
    if at is None:
        raise ActError(
            "the polity has no acts yet to preview an amendment against", path="amendment"
        )
    problem = spec.check(state, parsed, at)
    if problem is not None:
        raise ActError(f"the amendment could not take effect: {problem}", path="amendment.changes")
    grant = next(
        (g for g in grants_of(state.constitution) if g.power == "amend"),
        Grant("amendment", "amend", "members", "members"),
    )
    changed, _ = spec.effect(state, parsed, grant, grant.holder, at)
    return changed


def preview(
    state: PolityState, amendment: Mapping[str, Any], record: Sequence[Entry] = (), polity: str = ""
) -> Preview:
    """The Inspection of `state` now, and as it would be with `amendment` adopted."""
    after_state = amended_state(state, amendment)
    summary = str(
        amendment.get("summary") or "; ".join(str(c) for c in amendment.get("changes", ()))
    )
    return Preview(inspect(state, record, polity), inspect(after_state, record, polity), summary)
