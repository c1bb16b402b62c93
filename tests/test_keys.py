"""Signing keys: loaded from owner-only files, parsed again whenever the file changes."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from charter.keys import KeyRing, SigningKeyError
from charter.ledger.checkpoint import public_key_bytes


@pytest.fixture
def ring(tmp_path, monkeypatch) -> KeyRing:
    monkeypatch.delenv("CHARTER_SIGNING_KEY", raising=False)
    monkeypatch.delenv("CHARTER_SIGNING_KEY_COOP", raising=False)
    return KeyRing(tmp_path / "keys")


def test_a_replaced_key_file_is_read_again(ring: KeyRing) -> None:
    first = ring.create("coop")
    assert public_key_bytes(ring.load("coop")) == public_key_bytes(first)
    ring.path("coop").unlink()
    second = Ed25519PrivateKey.generate()
    ring.store("coop", second)
    assert public_key_bytes(ring.load("coop")) == public_key_bytes(second)


def test_a_key_made_readable_by_others_is_refused_even_after_loading(ring: KeyRing) -> None:
    ring.create("coop")
    ring.load("coop")
    os.chmod(ring.path("coop"), 0o644)
    with pytest.raises(SigningKeyError, match="readable by others"):
        ring.load("coop")


def test_a_removed_key_file_is_no_key(ring: KeyRing) -> None:
    ring.create("coop")
    ring.load("coop")
    ring.path("coop").unlink()
    with pytest.raises(SigningKeyError, match="no signing key"):
        ring.load("coop")
