"""Build ledger entries and bundles from a polity held in memory (scenarios, tests, exports)."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from charter.domain.polity import Polity
from charter.ledger import merkle
from charter.ledger.bundle import Bundle
from charter.ledger.checkpoint import origin_of, public_key_bytes, sign_checkpoint
from charter.ledger.encoding import act_entry, genesis_entry

__all__ = ["bundle_of", "ledger_entries", "root_of"]


def ledger_entries(polity_id: str, polity: Polity) -> list[bytes]:
    """The genesis entry and one entry per recorded act, in order."""
    first = polity.state.versions[0]
    entries = [genesis_entry(polity_id, first.document.data, polity.founding)]
    entries.extend(act_entry(entry.index + 1, entry) for entry in polity.record)
    return entries


def root_of(entries: Sequence[bytes]) -> bytes:
    """The RFC 9162 root of `entries`, built in memory."""
    nodes: dict[merkle.NodeKey, bytes] = {}
    nodes.update(merkle.completed_nodes(0, [merkle.leaf_hash(data) for data in entries], {}))
    return merkle.root_from(merkle.perfect_ranges(0, len(entries)), nodes)


def bundle_of(
    polity_id: str,
    name: str,
    polity: Polity,
    key: Ed25519PrivateKey,
    checkpoint_sizes: Sequence[int] = (),
) -> Bundle:
    """A signed bundle of `polity`'s ledger, with checkpoints at the given sizes (and at its end)."""
    entries = ledger_entries(polity_id, polity)
    origin = origin_of(polity_id)
    sizes = sorted({*checkpoint_sizes, len(entries)})
    checkpoints = tuple(
        sign_checkpoint(key, origin, size, root_of(entries[:size])).text for size in sizes
    )
    versions = tuple(
        (number, c.document.data) for number, c in enumerate(polity.state.versions, start=1)
    )
    return Bundle(
        polity_id, name, origin, public_key_bytes(key), versions, checkpoints, tuple(entries)
    )
