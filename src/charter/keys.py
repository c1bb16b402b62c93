"""Signing keys of polities: one Ed25519 key per polity, in an owner-only file or the environment.

Where a key comes from, in order:

1. `CHARTER_SIGNING_KEY_<POLITY>` (the polity id upper-cased, `-` as `_`),
   then `CHARTER_SIGNING_KEY`: the 32-byte private key, base64;
2. the file `<key directory>/<polity>.key` (PKCS#8 PEM), created with mode
   0600 when the polity is created. The key directory is `CHARTER_KEY_DIR`, or
   `keys/` in the user's data directory.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

import platformdirs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from charter.errors import CharterError

__all__ = ["KeyRing", "SigningKeyError", "default_key_dir"]


class SigningKeyError(CharterError):
    """A signing key that is missing, unreadable or not Ed25519."""


def default_key_dir() -> Path:
    configured = os.environ.get("CHARTER_KEY_DIR")
    return Path(configured) if configured else Path(platformdirs.user_data_dir("charter")) / "keys"


def _env_name(polity_id: str) -> str:
    return "CHARTER_SIGNING_KEY_" + polity_id.upper().replace("-", "_")


class KeyRing:
    """Finds, creates and loads polities' signing keys."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or default_key_dir()
        self._parsed: dict[Path, tuple[tuple[int, int, int], Ed25519PrivateKey]] = {}

    def path(self, polity_id: str) -> Path:
        return self.directory / f"{polity_id}.key"

    def create(self, polity_id: str) -> Ed25519PrivateKey:
        """A new key for a new polity, written with owner-only permissions (unless given by env)."""
        supplied = self._from_environment(polity_id)
        if supplied is not None:
            return supplied
        key = Ed25519PrivateKey.generate()
        self.store(polity_id, key)
        return key

    def has(self, polity_id: str) -> bool:
        """Whether a key for the polity is in the environment or the key directory."""
        return self._from_environment(polity_id) is not None or self.path(polity_id).exists()

    def store(self, polity_id: str, key: Ed25519PrivateKey) -> None:
        """Keep `key` as the polity's, owner-only; refuses to overwrite a key already kept."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.path(polity_id)
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)

    @staticmethod
    def read_file(path: Path) -> Ed25519PrivateKey:
        """An Ed25519 private key from a PKCS#8 PEM file; SigningKeyError if it is not one."""
        try:
            key = load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError) as error:
            raise SigningKeyError(f"{path}: not a readable PEM private key ({error})") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(f"{path} does not hold an Ed25519 key")
        return key

    def load(self, polity_id: str) -> Ed25519PrivateKey:
        """The polity's key; SigningKeyError saying where it was looked for if there is none."""
        supplied = self._from_environment(polity_id)
        if supplied is not None:
            return supplied
        path = self.path(polity_id)
        missing = SigningKeyError(
            f"no signing key for polity '{polity_id}': set {_env_name(polity_id)} or put it in {path}"
        )
        try:
            status = path.stat()
        except OSError:
            raise missing from None
        if status.st_mode & 0o077:
            raise SigningKeyError(f"{path} is readable by others; make it owner-only (chmod 600)")
        # Each batch of web acts signs a checkpoint: parse the file again only if it changed.
        version = (status.st_ino, status.st_size, status.st_mtime_ns)
        known = self._parsed.get(path)
        if known is not None and known[0] == version:
            return known[1]
        try:
            data = path.read_bytes()
        except OSError:
            raise missing from None
        key = load_pem_private_key(data, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(f"{path} does not hold an Ed25519 key")
        self._parsed[path] = (version, key)
        return key

    @staticmethod
    def _from_environment(polity_id: str) -> Ed25519PrivateKey | None:
        text = os.environ.get(_env_name(polity_id)) or os.environ.get("CHARTER_SIGNING_KEY")
        if not text:
            return None
        try:
            raw = base64.b64decode(text, validate=True)
            return Ed25519PrivateKey.from_private_bytes(raw)
        except (binascii.Error, ValueError):
            raise SigningKeyError(
                "the signing key in the environment is not a base64 32-byte Ed25519 key"
            ) from None
