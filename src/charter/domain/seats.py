"""Who holds a post, and what a person holds, at a moment: read once per tenure list and window.

`PolityState.holders` and `PolityState.posts_of` scan every current tenure, and
judging one act asks them several times (the actor's offices for the authority
check and again for the act's own checks; a body's seat holders for every
ballot), though the tenures change only when someone takes or leaves a post.
Both answers depend only on the tenure vector (immutable) and on which tenures'
terms have run out by the moment asked about. So each answer is kept with the
*window* of moments for which it holds: from the latest end of term among the
tenures scanned that had run out (inclusive), to the earliest that had not
(exclusive). Any moment in that window sees exactly the same tenures active, so
the same answer; a moment outside it is scanned afresh.

The memo is keyed on the identity of the tenure vector, which it keeps alive
(so the identity cannot be reused); it holds a few vectors and a bounded number
of answers for each, and is cleared rather than grown past that. A moment of
None (the state has no time yet) is never memoised.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from charter.domain.state import Tenure

__all__ = ["active_holder_set", "active_holders", "active_offices", "active_posts", "clear"]

_VECTORS = 8
"""Tenure vectors remembered at once (states of several polities judged in turn)."""
_ANSWERS = 4096
"""Answers remembered for one vector before they are forgotten and gathered again."""


class _Memo:
    __slots__ = ("holders", "posts", "tenures")

    def __init__(self, tenures: object) -> None:
        self.tenures = tenures
        self.holders: dict[
            str, tuple[datetime | None, datetime | None, tuple[str, ...], frozenset[str]]
        ] = {}
        self.posts: dict[
            str, tuple[datetime | None, datetime | None, tuple[Tenure, ...], frozenset[str]]
        ] = {}


_memos: dict[int, _Memo] = {}


def clear() -> None:
    """Forget every answer (for tests; answers never go stale)."""
    _memos.clear()


def _memo(tenures: object) -> _Memo:
    memo = _memos.get(id(tenures))
    if memo is not None and memo.tenures is tenures:
        return memo
    memo = _Memo(tenures)
    if len(_memos) >= _VECTORS:
        _memos.clear()  # not one by one: another thread may be judging too
    _memos[id(tenures)] = memo
    return memo


def _scan(
    tenures: Iterable[Tenure], at: datetime, post: str | None, person: str | None
) -> tuple[datetime | None, datetime | None, list[Tenure]]:
    """The current tenures of `post` (or of `person`) active at `at`, in order, and the window
    [lo, hi) of moments at which exactly these are active (None: unbounded)."""
    lo: datetime | None = None
    hi: datetime | None = None
    found: list[Tenure] = []
    for tenure in tenures:
        if tenure.ended is not None:
            continue
        if (post is not None and tenure.post != post) or (
            person is not None and tenure.person != person
        ):
            continue
        until = tenure.until
        if until is None:
            found.append(tenure)
        elif at < until:
            found.append(tenure)
            if hi is None or until < hi:
                hi = until
        elif lo is None or until > lo:
            lo = until
    return lo, hi, found


def _holders(
    tenures: Any, post: str, at: datetime
) -> tuple[datetime | None, datetime | None, tuple[str, ...], frozenset[str]]:
    memo = _memos.get(id(tenures))
    if memo is None or memo.tenures is not tenures:
        memo = _memo(tenures)
    known = memo.holders.get(post)
    if (
        known is not None
        and (known[0] is None or known[0] <= at)
        and (known[1] is None or at < known[1])
    ):
        return known
    lo, hi, found = _scan(tenures, at, post, None)
    people = tuple([tenure.person for tenure in found])
    if len(memo.holders) >= _ANSWERS:
        memo.holders.clear()
    answer = (lo, hi, people, frozenset(people))
    memo.holders[post] = answer
    return answer


def active_holders(tenures: Any, post: str, at: datetime) -> tuple[str, ...]:
    """The people of the current tenures of `post` whose term has not run out at `at`, in order."""
    return _holders(tenures, post, at)[2]


def active_holder_set(tenures: Any, post: str, at: datetime) -> frozenset[str]:
    """`frozenset(active_holders(tenures, post, at))`, made once per window."""
    return _holders(tenures, post, at)[3]


def _posts(
    tenures: Any, person: str, at: datetime
) -> tuple[datetime | None, datetime | None, tuple[Tenure, ...], frozenset[str]]:
    memo = _memos.get(id(tenures))
    if memo is None or memo.tenures is not tenures:
        memo = _memo(tenures)
    known = memo.posts.get(person)
    if (
        known is not None
        and (known[0] is None or known[0] <= at)
        and (known[1] is None or at < known[1])
    ):
        return known
    lo, hi, found = _scan(tenures, at, None, person)
    posts = tuple(found)
    offices = frozenset([tenure.post for tenure in posts if tenure.kind == "office"])
    if len(memo.posts) >= _ANSWERS:
        memo.posts.clear()
    answer = (lo, hi, posts, offices)
    memo.posts[person] = answer
    return answer


def active_posts(tenures: Any, person: str, at: datetime) -> tuple[Tenure, ...]:
    """The current tenures of `person` whose term has not run out at `at`, in order."""
    return _posts(tenures, person, at)[2]


def active_offices(tenures: Any, person: str, at: datetime) -> frozenset[str]:
    """The offices (not bodies) among `active_posts(tenures, person, at)`, made once per window."""
    return _posts(tenures, person, at)[3]
