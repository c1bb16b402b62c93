"""The tally engine: profiles of ballots, registered counting methods, winners with evidence.

Importing this package registers every method (each module registers its own).
"""

import charter.domain.tally.approval  # registers approval
import charter.domain.tally.condorcet  # registers condorcet, copeland, smith-set
import charter.domain.tally.irv  # registers irv
import charter.domain.tally.positional  # registers plurality, borda
import charter.domain.tally.ranked_pairs  # registers ranked-pairs
import charter.domain.tally.schulze  # registers schulze
import charter.domain.tally.stv_ers97  # registers stv-ers97
import charter.domain.tally.stv_meek  # registers stv-meek
import charter.domain.tally.stv_scottish  # noqa: F401  (the last import binds nothing used) registers stv-scottish
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
