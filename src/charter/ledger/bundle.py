"""The export bundle: everything needed to verify a polity's ledger offline, in one file.

Format `charter-bundle: 1`, JSON Lines (documented in docs/ledger.md):

    line 1      header: {"charter-bundle": 1, "polity": ..., "name": ..., "origin": ...,
                         "public_key": base64, "constitutions": [{"version": 1, "document": {...}}, ...],
                         "checkpoints": ["<checkpoint text>", ...], "entries": N}
    lines 2..   the N entries, each exactly its canonical bytes (canonical JSON has no newline)

Entries are kept byte for byte, so a verifier hashes exactly what the ledger hashed.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from charter.errors import CharterError

__all__ = ["BUNDLE_FORMAT", "Bundle", "BundleError", "read_bundle", "write_bundle"]

BUNDLE_FORMAT = 1


class BundleError(CharterError):
    """A file that is not a readable bundle; says which line is wrong."""


@dataclass(frozen=True, slots=True)
class Bundle:
    """A polity's ledger as exported: its entries, checkpoints, key and constitutions."""

    polity: str
    name: str
    origin: str
    public_key: bytes
    constitutions: tuple[tuple[int, Any], ...]
    checkpoints: tuple[str, ...]
    entries: tuple[bytes, ...]


def write_bundle(bundle: Bundle) -> bytes:
    """The bundle's bytes."""
    header = {
        "charter-bundle": BUNDLE_FORMAT,
        "polity": bundle.polity,
        "name": bundle.name,
        "origin": bundle.origin,
        "public_key": base64.b64encode(bundle.public_key).decode(),
        "constitutions": [{"version": v, "document": d} for v, d in bundle.constitutions],
        "checkpoints": list(bundle.checkpoints),
        "entries": len(bundle.entries),
    }
    lines = [
        json.dumps(header, sort_keys=True, ensure_ascii=False).encode("utf-8"),
        *bundle.entries,
    ]
    for number, line in enumerate(lines[1:], start=2):
        if b"\n" in line:
            raise BundleError(f"entry on line {number} contains a newline and is not canonical")
    return b"\n".join(lines) + b"\n"


def _header_field(header: dict[str, Any], name: str, kind: type) -> Any:
    value = header.get(name)
    if not isinstance(value, kind):
        raise BundleError(f"line 1: header field '{name}' is missing or not a {kind.__name__}")
    return value


def read_bundle(data: bytes) -> Bundle:
    """Parse bundle bytes; BundleError (with the line) if they are not a bundle."""
    if not data.endswith(b"\n"):
        raise BundleError("the bundle is truncated: it does not end with a newline")
    lines = data[:-1].split(b"\n")
    try:
        header = json.loads(lines[0].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"line 1: the header is not JSON ({error})") from None
    if not isinstance(header, dict) or header.get("charter-bundle") != BUNDLE_FORMAT:
        raise BundleError(f"line 1: not a charter-bundle {BUNDLE_FORMAT} header")
    count = _header_field(header, "entries", int)
    if count != len(lines) - 1:
        raise BundleError(
            f"the header announces {count} entries but the file holds {len(lines) - 1}"
        )
    try:
        public_key = base64.b64decode(_header_field(header, "public_key", str), validate=True)
    except binascii.Error:
        raise BundleError("line 1: public_key is not base64") from None
    constitutions = []
    for index, item in enumerate(_header_field(header, "constitutions", list)):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("version"), int)
            or "document" not in item
        ):
            raise BundleError(f"line 1: constitutions[{index}] needs a version and a document")
        constitutions.append((item["version"], item["document"]))
    checkpoints = _header_field(header, "checkpoints", list)
    if not all(isinstance(text, str) for text in checkpoints):
        raise BundleError("line 1: checkpoints must be texts")
    return Bundle(
        polity=_header_field(header, "polity", str),
        name=_header_field(header, "name", str),
        origin=_header_field(header, "origin", str),
        public_key=public_key,
        constitutions=tuple(constitutions),
        checkpoints=tuple(checkpoints),
        entries=tuple(lines[1:]),
    )
