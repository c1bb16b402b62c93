"""Signed tree heads ("checkpoints") in the C2SP tlog-checkpoint and signed-note formats.

A checkpoint commits a polity's ledger to its size and root:

    charter/polity/coop-harbour          <- origin: names this log
    1234                                 <- tree size, decimal
    P3qGm0x...base64 of the 32-byte root  <- RFC 9162 root hash
                                         <- blank line
    — charter/polity/coop-harbour AbCd...base64(key id || Ed25519 signature)

The signature covers the three body lines, each ending in a newline. The key
id is the first 4 bytes of SHA-256(name || "\\n" || 0x01 || public key), as the
signed-note format defines for Ed25519, so a verifier can tell which key signed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from charter.errors import CharterError

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "key_id",
    "origin_of",
    "parse_checkpoint",
    "public_key_bytes",
    "sign_checkpoint",
    "verify_checkpoint",
]

_DASH = "\u2014"


class CheckpointError(CharterError):
    """A checkpoint that cannot be parsed, or whose signature does not verify."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a checkpoint commits to, and its full signed text."""

    origin: str
    size: int
    root: bytes
    text: str

    @property
    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def origin_of(polity_id: str) -> str:
    """The origin line (and key name) of a polity's log."""
    return f"charter/polity/{polity_id}"


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public_key: bytes) -> bytes:
    """The signed-note key id: 4 bytes naming the key that signed."""
    return hashlib.sha256(name.encode() + b"\n" + b"\x01" + public_key).digest()[:4]


def sign_checkpoint(key: Ed25519PrivateKey, origin: str, size: int, root: bytes) -> Checkpoint:
    """A checkpoint for `size` and `root`, signed by `key` under the name `origin`."""
    if size < 0 or len(root) != 32:
        raise CheckpointError("a checkpoint needs a size >= 0 and a 32-byte root")
    body = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
    signature = key.sign(body.encode())
    stamp = base64.b64encode(key_id(origin, public_key_bytes(key)) + signature).decode()
    return Checkpoint(origin, size, root, f"{body}\n{_DASH} {origin} {stamp}\n")


def parse_checkpoint(text: str) -> tuple[Checkpoint, list[tuple[str, bytes]]]:
    """The checkpoint and its signature lines (name, key id + signature), without checking them."""
    body, separator, signatures = text.partition("\n\n")
    lines = body.split("\n")
    if not separator or len(lines) < 3:
        raise CheckpointError(
            "a checkpoint is an origin, a size and a root, a blank line, then signatures"
        )
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise CheckpointError(f"tree size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        raise CheckpointError(f"root {root_text!r} is not base64") from None
    if len(root) != 32:
        raise CheckpointError(f"root is {len(root)} bytes, not 32")
    stamps: list[tuple[str, bytes]] = []
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != _DASH:
            raise CheckpointError(f"malformed signature line {line!r}")
        try:
            stamps.append((parts[1], base64.b64decode(parts[2], validate=True)))
        except binascii.Error:
            raise CheckpointError(f"signature of {parts[1]} is not base64") from None
    checkpoint = Checkpoint(origin, int(size_text), root, text)
    if checkpoint.body != body + "\n":
        raise CheckpointError("the checkpoint body is not in canonical form")
    return checkpoint, stamps


def verify_checkpoint(text: str, public_key: bytes, name: str | None = None) -> Checkpoint:
    """The checkpoint, if `public_key` (under `name`, default its origin) signed it; else CheckpointError."""
    checkpoint, stamps = parse_checkpoint(text)
    signer = name or checkpoint.origin
    wanted = key_id(signer, public_key)
    verifier = Ed25519PublicKey.from_public_bytes(public_key)
    for stamp_name, stamp in stamps:
        if stamp_name != signer or stamp[:4] != wanted:
            continue
        try:
            verifier.verify(stamp[4:], checkpoint.body.encode())
        except InvalidSignature:
            raise CheckpointError(
                f"the signature of {signer} on checkpoint {checkpoint.size} does not verify"
            ) from None
        return checkpoint
    raise CheckpointError(f"checkpoint {checkpoint.size} carries no signature by {signer}")
