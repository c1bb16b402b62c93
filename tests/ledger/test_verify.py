"""Offline verification of a bundle: valid ledgers verify; every kind of tampering is caught and located."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from charter import load_scenario, run_scenario
from charter.ledger.build import bundle_of, root_of
from charter.ledger.bundle import Bundle, BundleError, read_bundle, write_bundle
from charter.ledger.checkpoint import sign_checkpoint
from charter.ledger.encoding import canonical, decode_entry
from charter.ledger.verify import verify
from conftest import RCP

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    run = run_scenario(load_scenario(RCP / "counterfactual.yaml"))
    return bundle_of("rcp-1923", "RCP(b)", run.polity, KEY, checkpoint_sizes=[1, 6, 12, 20])


def with_entries(bundle: Bundle, entries: list[bytes]) -> Bundle:
    return Bundle(
        bundle.polity,
        bundle.name,
        bundle.origin,
        bundle.public_key,
        bundle.constitutions,
        bundle.checkpoints,
        tuple(entries),
    )


def edit_entry(data: bytes, change) -> bytes:
    value = json.loads(data)
    change(value)
    return canonical(value)


def test_a_faithful_bundle_verifies_with_a_one_line_summary(bundle):
    report = verify(read_bundle(write_bundle(bundle)))
    assert report.ok
    assert report.entries == 25
    assert report.checkpoints == 5
    assert report.root == root_of(list(bundle.entries))
    assert report.summary() == f"verified 25 entries, 5 checkpoints, root {report.root.hex()[:8]}…"


def test_an_altered_act_body_is_caught_at_its_entry(bundle):
    entries = list(bundle.entries)
    entries[5] = edit_entry(entries[5], lambda v: v["act"]["args"].update(person="gubsec-6"))
    report = verify(with_entries(bundle, entries))
    assert not report.ok
    assert report.discrepancy.where == "entry 5"
    assert report.discrepancy.field == "outcome.effects[0]"


def test_an_altered_act_with_a_matching_outcome_is_caught_by_the_checkpoint_root(bundle):
    entries = list(bundle.entries)

    def forge(value):
        value["act"]["args"]["person"] = "gubsec-6"
        value["outcome"]["effects"] = ["gubsec-6 appointed to Guberniya committee secretary"]

    entries[5] = edit_entry(entries[5], forge)
    report = verify(with_entries(bundle, entries))
    assert report.discrepancy.where == "checkpoint 1 (size 6)"
    assert report.discrepancy.field == "root"


def test_a_flipped_outcome_is_caught(bundle):
    entries = list(bundle.entries)
    target = next(
        i
        for i, data in enumerate(entries)
        if decode_entry(data).fields.get("outcome", {}).get("verdict") == "refused"
    )
    entries[target] = edit_entry(entries[target], lambda v: v["outcome"].update(verdict="granted"))
    report = verify(with_entries(bundle, entries))
    assert report.discrepancy.where == f"entry {target}"
    assert report.discrepancy.field == "outcome.verdict"
    assert report.discrepancy.expected == "'refused'"
    assert report.discrepancy.found == "'granted'"


def test_two_swapped_entries_are_caught(bundle):
    entries = list(bundle.entries)
    entries[7], entries[8] = entries[8], entries[7]
    report = verify(with_entries(bundle, entries))
    assert (report.discrepancy.where, report.discrepancy.field) == ("entry 7", "seq")


def test_swapped_and_renumbered_entries_are_caught(bundle):
    entries = list(bundle.entries)
    first = edit_entry(entries[8], lambda v: v.update(seq=7))
    second = edit_entry(entries[7], lambda v: v.update(seq=8))
    entries[7], entries[8] = first, second
    report = verify(with_entries(bundle, entries))
    assert not report.ok
    assert report.discrepancy.where in ("entry 7", "entry 8", "checkpoint 3 (size 12)")


def test_a_deleted_entry_is_caught(bundle):
    entries = list(bundle.entries)
    del entries[9]
    report = verify(with_entries(bundle, entries))
    assert (report.discrepancy.where, report.discrepancy.field) == ("entry 9", "seq")
    assert report.discrepancy.expected == "9"


def test_an_inserted_entry_is_caught(bundle):
    entries = list(bundle.entries)
    entries.insert(4, entries[4])
    report = verify(with_entries(bundle, entries))
    assert (report.discrepancy.where, report.discrepancy.field) == ("entry 5", "seq")


def test_a_truncated_tail_contradicts_the_last_checkpoint(bundle):
    report = verify(with_entries(bundle, list(bundle.entries)[:-2]))
    assert report.discrepancy.field == "size"


def test_an_altered_checkpoint_fails_its_signature(bundle):
    checkpoints = list(bundle.checkpoints)
    lines = checkpoints[2].split("\n")
    lines[1] = "7"
    checkpoints[2] = "\n".join(lines)
    forged = Bundle(
        *[getattr(bundle, f) for f in ("polity", "name", "origin", "public_key", "constitutions")],
        tuple(checkpoints),
        bundle.entries,
    )
    report = verify(forged)
    assert report.discrepancy.where == "checkpoint 2 (size 7)"
    assert report.discrepancy.field == "signature"


def test_a_damaged_signature_is_caught(bundle):
    checkpoints = list(bundle.checkpoints)
    body, stamp = checkpoints[1].rsplit(" ", 1)
    raw = bytearray(base64.b64decode(stamp))
    raw[10] ^= 1
    checkpoints[1] = f"{body} {base64.b64encode(bytes(raw)).decode()}\n"
    forged = Bundle(
        *[getattr(bundle, f) for f in ("polity", "name", "origin", "public_key", "constitutions")],
        tuple(checkpoints),
        bundle.entries,
    )
    assert verify(forged).discrepancy.field == "signature"


def test_a_checkpoint_signed_by_another_key_is_caught(bundle):
    other = Ed25519PrivateKey.generate()
    checkpoints = list(bundle.checkpoints)
    checkpoints[0] = sign_checkpoint(
        other, bundle.origin, 1, root_of(list(bundle.entries[:1]))
    ).text
    forged = Bundle(
        *[getattr(bundle, f) for f in ("polity", "name", "origin", "public_key", "constitutions")],
        tuple(checkpoints),
        bundle.entries,
    )
    assert "carries no signature" in verify(forged).discrepancy.found


def test_an_altered_constitution_version_is_caught(bundle):
    version, document = bundle.constitutions[1]
    altered = json.loads(json.dumps(document))
    altered["factions"]["allowed"] = True
    forged = Bundle(
        bundle.polity,
        bundle.name,
        bundle.origin,
        bundle.public_key,
        (bundle.constitutions[0], (version, altered)),
        bundle.checkpoints,
        bundle.entries,
    )
    report = verify(forged)
    assert report.discrepancy.where == "constitution version 2"


def test_non_canonical_bytes_are_refused(bundle):
    entries = list(bundle.entries)
    entries[3] = json.dumps(json.loads(entries[3]), indent=1).replace("\n", " ").encode()
    report = verify(with_entries(bundle, entries))
    assert (report.discrepancy.where, report.discrepancy.field) == ("entry 3", "bytes")


def test_a_bundle_with_a_wrong_entry_count_is_refused(bundle):
    data = write_bundle(bundle)
    with pytest.raises(BundleError, match="announces 25 entries but the file holds 24"):
        read_bundle(data.rsplit(b"\n", 2)[0] + b"\n")
