"""`pmap_set` and `pmap_get`: pyrsistent's `PMap.set` and `PMap.get`, minus their overhead.

`PMap.set(key, value)` creates an evolver over the map's bucket vector, sets one
bucket through it, and turns it back into a map: three Python objects and a
dozen Python calls to change one bucket, on the hot path of every act (a use of
power filed under its clause, a ballot added to its motion, a motion replaced in
the state). `pmap_set` does what the evolver does, directly on the (C) bucket
vector: the same buckets, in the same order, so the result is the same map,
structure and all, sharing everything but one path with the original.

Where the evolver would grow the bucket vector (the map has outgrown it), or
where the installed pyrsistent does not lay out its maps as this module expects
(checked once, at import), it leaves the work to `PMap.set` itself.

`PMap.get` is `Mapping.get`, which goes through `__getitem__` and two static
helpers (four Python calls) to read one bucket; `pmap_get` reads it directly.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pyrsistent import PMap as _PMap
from pyrsistent import pmap
from pyrsistent.typing import PMap

__all__ = ["pmap_get", "pmap_set"]

K = TypeVar("K")
V = TypeVar("V")
D = TypeVar("D")

_new_map: Any = _PMap


def _fast_set(mapping: PMap[K, V], key: K, value: V) -> PMap[K, V]:
    plain: Any = mapping
    if type(plain) is not _new_map:  # a checked map, say: its own `set` knows its rules
        return mapping.set(key, value)
    buckets = plain._buckets
    size = plain._size
    index = hash(key) % len(buckets)
    bucket = buckets[index]
    if bucket:
        for k, v in bucket:
            if k == key:
                if v is value:
                    return mapping
                # As the evolver does: `==`, never `!=`, and the bucket's order kept.
                changed = [(k2, value) if k2 == k else (k2, v2) for k2, v2 in bucket]
                result: PMap[K, V] = _new_map(size, buckets.set(index, changed))
                return result
        if len(buckets) < 0.67 * size:
            return mapping.set(key, value)
        grown = [(key, value)]
        grown.extend(bucket)
        result = _new_map(size + 1, buckets.set(index, grown))
        return result
    if len(buckets) < 0.67 * size:
        return mapping.set(key, value)
    result = _new_map(size + 1, buckets.set(index, [(key, value)]))
    return result


def _fast_get(mapping: PMap[K, V], key: K, default: D) -> V | D:
    plain: Any = mapping
    if type(plain) is not _new_map:
        return mapping.get(key, default)
    buckets = plain._buckets
    bucket = buckets[hash(key) % len(buckets)]
    if bucket:
        for k, v in bucket:
            if k == key:
                found: V = v
                return found
    return default


def _slow_get(mapping: PMap[K, V], key: K, default: D) -> V | D:
    return mapping.get(key, default)


def _slow_set(mapping: PMap[K, V], key: K, value: V) -> PMap[K, V]:
    return mapping.set(key, value)


def _layout_as_expected() -> bool:
    """Whether `_fast_set` gives what `PMap.set` gives, bucket for bucket, on this pyrsistent."""
    try:
        fast: PMap[Any, Any] = pmap()
        slow: PMap[Any, Any] = pmap()
        for number in range(40):
            for key in (number, f"k{number % 7}", (number % 3, "t")):
                fast, slow = _fast_set(fast, key, number), slow.set(key, number)
                if _fast_get(fast, key, None) != number or _fast_get(fast, "absent", 0) != 0:
                    return False
        same: bool = (
            fast == slow
            and list(fast.items()) == list(slow.items())
            and list(_any(fast)._buckets) == list(_any(slow)._buckets)
            and _any(fast)._size == _any(slow)._size
        )
        return same
    except Exception:  # any other layout: leave it to PMap.set
        return False


def _any(value: object) -> Any:
    return value


FAST = _layout_as_expected()
"""Whether `pmap_set` takes the direct path (pyrsistent lays out maps as it expects)."""

pmap_set = _fast_set if FAST else _slow_set
"""`mapping.set(key, value)`: the same new map, without building an evolver."""

pmap_get = _fast_get if FAST else _slow_get
"""`mapping.get(key, default)`, reading the key's bucket directly."""
