"""Group commit: concurrent submissions become batched appends; a malformed act fails alone."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

from charter import Act, ActError
from charter.keys import KeyRing, SigningKeyError
from charter.ledger.checkpoint import public_key_bytes, verify_checkpoint
from charter.ledger.merkle import leaf_hash
from charter.ledger.proofs import verify_inclusion
from charter.ledger.verify import verify
from charter.services.polities import PolityService
from charter.services.sequencer import Sequencer
from charter.storage import open_store
from conftest import cooperative_founding, day


@contextmanager
def running_sequencer(database, key_dir, constitution, **options):
    """A sequencer over a new cooperative's service, closed (and its store) afterwards."""
    store = open_store(database)
    service = PolityService(store, KeyRing(key_dir))
    service.create("coop", constitution, cooperative_founding())
    running = Sequencer(service, **options)
    try:
        yield running
    finally:
        running.close()
        store.close()


@pytest.fixture
def sequencer(database, tmp_path, monkeypatch, coop_constitution):
    monkeypatch.delenv("CHARTER_SIGNING_KEY", raising=False)
    with running_sequencer(database, tmp_path / "keys", coop_constitution) as running:
        yield running


def inspect(number: int) -> Act:
    return Act(
        "fay", "inspect", day(2026, 2, 1), {"office": "treasurer", "report": f"check {number}"}
    )


def test_concurrent_submissions_are_all_stored_once_in_order(sequencer):
    with ThreadPoolExecutor(max_workers=16) as pool:
        entries = [
            performed.entry
            for performed in pool.map(lambda n: sequencer.perform("coop", inspect(n)), range(200))
        ]
    assert sorted(entry.index for entry in entries) == list(range(200))
    service = sequencer.service
    assert service.store.head("coop").size == 201
    service.checkpoint("coop")
    assert verify(service.export("coop")).ok


def test_acts_queued_while_a_commit_runs_share_the_next_commit(sequencer):
    with sequencer._service_lock:
        first = sequencer.submit("coop", inspect(0))
        deadline = time.monotonic() + 5
        while sequencer._lanes["coop"].pending.qsize() and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(0.05)  # the sequencer now holds `first` and waits for the lock
        rest = [sequencer.submit("coop", inspect(n)) for n in range(1, 50)]
    assert first.result(10).entry.index == 0
    assert [future.result(10).entry.index for future in rest] == list(range(1, 50))
    assert sequencer.batches == [1, 49]


def test_a_malformed_act_in_a_batch_fails_alone(sequencer):
    with sequencer._service_lock:
        sequencer.submit("coop", inspect(0))
        time.sleep(0.05)
        good = sequencer.submit("coop", inspect(1))
        bad = sequencer.submit(
            "coop", Act("fay", "inspect", day(2026, 2, 1), {"office": "nowhere"})
        )
        later = sequencer.submit("coop", inspect(2))
    assert good.result(10).entry.outcome.granted
    with pytest.raises(ActError, match="unknown office 'nowhere'"):
        bad.result(10)
    assert later.result(10).entry.index == good.result(10).entry.index + 1
    assert sequencer.service.store.head("coop").size == 4


def test_an_act_submitted_alone_gets_a_batch_of_its_own_in_queue_order(sequencer):
    with sequencer._service_lock:
        sequencer.submit("coop", inspect(0))
        time.sleep(0.05)  # the sequencer holds the first act and waits for the lock
        before = [sequencer.submit("coop", inspect(n)) for n in (1, 2)]
        alone = sequencer.submit("coop", inspect(3), alone=True)
        after = [sequencer.submit("coop", inspect(n)) for n in (4, 5)]
    indices = [future.result(10).entry.index for future in [*before, alone, *after]]
    assert indices == list(range(1, 6))
    assert sequencer.batches == [1, 2, 1, 2]
    assert alone.result(10).admitted == ()


@pytest.fixture
def checkpointing(database, tmp_path, monkeypatch, coop_constitution):
    monkeypatch.delenv("CHARTER_SIGNING_KEY", raising=False)
    options = {"checkpoints": True, "restamp": True}
    with running_sequencer(database, tmp_path / "keys", coop_constitution, **options) as running:
        yield running


def test_each_batch_is_answered_with_a_checkpoint_covering_it_and_the_proofs_asked_for(
    checkpointing,
):
    service = checkpointing.service
    with checkpointing._service_lock:
        checkpointing.submit("coop", inspect(0))
        time.sleep(0.05)
        futures = [checkpointing.submit("coop", inspect(n), prove=n % 2 == 0) for n in range(8)]
    answers = [future.result(10) for future in futures]
    assert checkpointing.batches == [1, 8]
    checkpoint = answers[0].checkpoint
    assert checkpoint is not None
    assert checkpoint.size == service.store.head("coop").size == 10
    assert all(answer.checkpoint == checkpoint for answer in answers)
    assert (
        verify_checkpoint(checkpoint.text, public_key_bytes(service.keys.load("coop"))).size == 10
    )
    for n, answer in enumerate(answers):
        seq = answer.entry.index + 1
        if n % 2:
            assert answer.proof is None
            assert answer.data == b""
            continue
        assert answer.proof is not None
        assert answer.data == service.store.entries("coop", seq, seq + 1)[0]
        assert answer.proof.leaf_hash == leaf_hash(answer.data)
        verify_inclusion(seq, 10, answer.proof.leaf_hash, answer.proof.path, checkpoint.root)
        assert answer.proof.as_dict() == service.prove_inclusion("coop", seq, 10).as_dict()


def test_without_a_signing_key_nothing_is_stored(checkpointing, tmp_path):
    checkpointing.service.keys.path("coop").unlink()
    with pytest.raises(SigningKeyError):
        checkpointing.perform("coop", inspect(0), 10)
    assert checkpointing.service.store.head("coop").size == 1


def test_an_act_cancelled_while_queued_is_not_performed_and_the_rest_are(sequencer):
    with sequencer._service_lock:
        sequencer.submit("coop", inspect(0))
        time.sleep(0.05)
        cancelled = sequencer.submit("coop", inspect(1))
        kept = sequencer.submit("coop", inspect(2))
        assert cancelled.cancel()
    assert kept.result(10).entry.index == 1
    assert sequencer.service.store.head("coop").size == 3
