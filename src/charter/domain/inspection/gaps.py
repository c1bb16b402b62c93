"""Who holds power disproportionate to office: each person in the body where their
effective power most exceeds their formal power, the widest gaps first.

One list for every view of it (the CLI's chart, the web's dashboard), so they rank
the same people the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from charter.domain.inspection.report import Inspection

__all__ = ["PowerGap", "power_gaps"]


@dataclass(frozen=True, slots=True)
class PowerGap:
    """One person in the body where effective power exceeds formal power the most."""

    person: str
    body: str
    formal: float
    now: float
    next: float

    @property
    def ratio(self) -> float:
        return self.next / self.formal if self.formal else 0.0


def power_gaps(inspection: Inspection, top: int = 12) -> list[PowerGap]:
    """The `top` people whose effective power at the next filling most exceeds their formal
    power (normalised Banzhaf), by that ratio, then by name."""
    rows = []
    for name, power in inspection.people.items():
        bodies = [b for b in power.bodies if b.formal > 0]
        if not bodies:
            continue
        worst = max(bodies, key=lambda b: (b.effective_next / b.formal, b.body))
        rows.append(
            PowerGap(
                name,
                worst.body,
                float(worst.formal),
                float(worst.effective_now),
                float(worst.effective_next),
            )
        )
    rows.sort(key=lambda row: (-row.ratio, row.person))
    return rows[:top]
