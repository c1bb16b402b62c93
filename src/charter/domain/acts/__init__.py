"""Acts and their outcomes; `step` judges one act against the polity's state."""

from charter.domain.acts.model import DEFAULT_POWERS, Act, Entry, Outcome
from charter.domain.acts.step import ACT_KINDS, step

__all__ = ["ACT_KINDS", "DEFAULT_POWERS", "Act", "Entry", "Outcome", "step"]
