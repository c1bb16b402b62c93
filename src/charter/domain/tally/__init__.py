"""The tally engine: profiles of ballots, registered counting methods, winners with evidence.

Importing this package registers every method (each module registers its own).
"""

from charter.domain.tally.profile import Profile, TallyError
from charter.domain.tally.registry import (
    MethodInfo,
    TallyResult,
    TieBreak,
    TieBreaker,
    methods,
    run_tally,
    tally_method,
)

__all__ = [
    "MethodInfo",
    "Profile",
    "TallyError",
    "TallyResult",
    "TieBreak",
    "TieBreaker",
    "methods",
    "run_tally",
    "tally_method",
]
