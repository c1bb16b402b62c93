"""The benchmark's fast paths compute exactly what the plain definitions do."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from charter.ledger import encoding, verify
from charter.ledger.build import root_of
from charter.ledger.encoding import LedgerFormatError, canonical


@pytest.mark.parametrize("chunk_level", [0, 1, 2, 3])
def test_tree_roots_match_the_rfc_root_at_every_size(
    monkeypatch: pytest.MonkeyPatch, chunk_level: int
) -> None:
    monkeypatch.setattr(verify, "_CHUNK_LEVEL", chunk_level)
    entries = [f"entry {n}".encode() for n in range(37)]
    root, roots = verify.tree_roots(entries, range(0, 40))
    assert root == root_of(entries)
    assert set(roots) == set(range(0, 38))
    for size, digest in roots.items():
        assert digest == root_of(entries[:size]), size


plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text() | st.integers(), inner, max_size=4)
        | st.dictionaries(st.text(), inner, max_size=3).map(MappingProxyType)
    ),
    max_leaves=12,
)


def _slow(value: Any) -> bytes | str:
    """canonical() as it was: the path-building walk, then json.dumps."""
    import json

    try:
        converted = encoding._plain(value, "$")
    except LedgerFormatError as error:
        return str(error)
    try:
        text = json.dumps(
            converted, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as error:
        return type(error).__name__
    return text.encode("utf-8")


def _fast(value: Any) -> bytes | str:
    try:
        return canonical(value)
    except LedgerFormatError as error:
        return str(error)
    except (TypeError, ValueError) as error:
        return type(error).__name__


@given(plain)
def test_canonical_is_the_path_building_walk(value: Any) -> None:
    assert _fast(value) == _slow(value)


def test_canonical_converts_times_dates_and_refuses_the_rest() -> None:
    value = {"at": datetime(2026, 1, 1, 12, tzinfo=UTC), "on": date(2026, 1, 2), "x": [1.5]}
    assert _fast(value) == _slow(value)
    assert _fast({"a": [object()]}) == _slow({"a": [object()]})
    assert "$.a[0]" in str(_fast({"a": [float("inf")]}))
