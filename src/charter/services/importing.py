"""Importing a polity's exported bundle into another installation, where it verifies and goes on.

A member that leaves a federation takes its records with it: its bundle holds
every entry, checkpoint and constitution version. Importing it replays and
checks everything first (the same `verify` anyone can run offline); only a
bundle that verifies is written, entry for entry and checkpoint for
checkpoint, so the imported ledger has exactly the roots the old one signed.
With the polity's signing key the new installation signs its later
checkpoints under the same key, so its history stays one verifiable chain.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from charter.errors import CharterError
from charter.keys import KeyRing
from charter.ledger import merkle
from charter.ledger.bundle import Bundle
from charter.ledger.checkpoint import parse_checkpoint, public_key_bytes
from charter.ledger.encoding import canonical
from charter.ledger.verify import Report, verify
from charter.storage import LedgerStore

__all__ = ["ImportRefusedError", "import_bundle"]

CHUNK = 4096
"""Entries appended per transaction while importing."""


class ImportRefusedError(CharterError):
    """A bundle that cannot be imported: it does not verify, or the polity or key conflicts."""


def import_bundle(
    store: LedgerStore, keys: KeyRing, bundle: Bundle, key: Ed25519PrivateKey | None = None
) -> Report:
    """Verify `bundle`, then write it into `store` as the same polity; the verification report."""
    report = verify(bundle)
    if not report.ok:
        raise ImportRefusedError(f"{bundle.polity}: the bundle does not verify: {report.summary()}")
    existing = next((record for record in store.polities() if record.id == bundle.polity), None)
    size = 0
    if existing is not None:
        # an import cut short (the process killed, say) resumes; anything else is refused
        size = existing.head.size
        stored = store.entries(bundle.polity, 0, size)
        if existing.public_key != bundle.public_key or tuple(stored) != bundle.entries[:size]:
            raise ImportRefusedError(f"a polity '{bundle.polity}' already exists in this database")
    if key is not None:
        if public_key_bytes(key) != bundle.public_key:
            raise ImportRefusedError(
                f"the key given is not {bundle.polity}'s: its checkpoints are signed by another key"
            )
        if not keys.has(bundle.polity):
            keys.store(bundle.polity, key)
    elif (
        keys.has(bundle.polity) and public_key_bytes(keys.load(bundle.polity)) != bundle.public_key
    ):
        raise ImportRefusedError(
            f"the key kept here for '{bundle.polity}' is not the one its checkpoints are signed by"
        )
    if existing is None:
        store.create_polity(
            bundle.polity, bundle.name, bundle.public_key, datetime.now(UTC).isoformat()
        )
    for start in range(size, len(bundle.entries), CHUNK):
        chunk = bundle.entries[start : start + CHUNK]
        store.append(bundle.polity, size, [(data, merkle.leaf_hash(data)) for data in chunk])
        size += len(chunk)
    kept = {version for version, _ in store.constitutions(bundle.polity)}
    for version, document in bundle.constitutions:
        if version not in kept:
            store.add_constitution(bundle.polity, version, canonical(document).decode("utf-8"))
    signed = {checkpoint.size for checkpoint in store.checkpoints(bundle.polity)}
    for text in bundle.checkpoints:
        checkpoint, _ = parse_checkpoint(text)
        if checkpoint.size not in signed:
            store.add_checkpoint(bundle.polity, checkpoint.size, checkpoint.root, text)
    head = store.head(bundle.polity)
    if head.root != report.root or head.size != report.entries:
        raise ImportRefusedError(
            "the imported log's root differs from the bundle's"
        )  # pragma: no cover
    return report
