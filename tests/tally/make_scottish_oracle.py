"""Write tests/tally/data/scottish_oracle.json: votekit's STV winners for every Scottish ward.

The oracle is an independent count of the same ballots: votekit's reference
`STV` class (votekit 3.x, `votekit.elections.STV`) with the Droop quota
(floor(valid / (seats + 1)) + 1, as rule 46), fractional (Weighted Inclusive
Gregory) surplus transfer, and `simultaneous=True` (everyone at or above the
quota is elected at once, as rule 47 deems them). It differs from the Order
in two ways that can matter only in a near tie: it keeps full float
precision (no five-decimal truncation, rule 48(3)) and it transfers
simultaneous surpluses together instead of one at a time, largest first
(rule 49). Candidates are passed as c0, c1, ... (votekit trims names).

Run once from the repository root (a few minutes; two processes):

    .venv/bin/python tests/tally/make_scottish_oracle.py
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from pathlib import Path

from charter.formats.blt import read_blt

try:  # under pytest, tests/ is importable; run as a script, it may not be
    from conftest import SHARED_DATA
except ImportError:  # pragma: no cover - script use
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from conftest import SHARED_DATA

DATA = SHARED_DATA / "scottish-stv"
OUT = Path(__file__).resolve().parent / "data" / "scottish_oracle.json"
SETTINGS = "votekit.elections.STV(n_seats=seats, quota='droop', simultaneous=True)"


def oracle_winners(path: Path) -> list[str]:
    """votekit's elected set for one BLT file, as candidate names from the file."""
    from votekit.ballot import RankBallot
    from votekit.elections import STV
    from votekit.pref_profile import RankProfile

    election = read_blt(path)
    profile = election.profile
    ids = [f"c{i}" for i in range(len(profile.candidates))]
    ballots = [
        RankBallot(ranking=tuple(frozenset([ids[c]]) for c in row if c >= 0), weight=float(count))
        for row, count in zip(profile.orders, profile.counts, strict=True)
        if row[0] >= 0
    ]
    count = STV(
        RankProfile(ballots=ballots, candidates=tuple(ids)),
        n_seats=election.seats,
        quota="droop",
        simultaneous=True,
    )
    return [profile.candidates[int(c[1:])] for group in count.get_elected() for c in group]


def main() -> None:
    files = sorted(DATA.glob("*/*.blt"))
    keys = [str(path.relative_to(DATA)) for path in files]
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(oracle_winners, files, chunksize=8))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "oracle": f"votekit {version('votekit')}: {SETTINGS}",
        "data": str(DATA),
        "wards": dict(zip(keys, results, strict=True)),
    }
    OUT.write_text(json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(keys)} wards -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
