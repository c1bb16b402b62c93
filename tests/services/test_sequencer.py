"""Group commit: concurrent submissions become batched appends; a malformed act fails alone."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from charter import Act, ActError
from charter.keys import KeyRing
from charter.ledger.verify import verify
from charter.services.polities import PolityService
from charter.services.sequencer import Sequencer
from charter.storage import open_store
from conftest import cooperative_founding, day


@pytest.fixture
def sequencer(database, tmp_path, monkeypatch, coop_constitution):
    monkeypatch.delenv("CHARTER_SIGNING_KEY", raising=False)
    store = open_store(database)
    service = PolityService(store, KeyRing(tmp_path / "keys"))
    service.create("coop", coop_constitution, cooperative_founding())
    running = Sequencer(service)
    yield running
    running.close()
    store.close()


def inspect(number: int) -> Act:
    return Act(
        "fay", "inspect", day(2026, 2, 1), {"office": "treasurer", "report": f"check {number}"}
    )


def test_concurrent_submissions_are_all_stored_once_in_order(sequencer):
    with ThreadPoolExecutor(max_workers=16) as pool:
        entries = list(pool.map(lambda n: sequencer.perform("coop", inspect(n)), range(200)))
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
    assert first.result(10).index == 0
    assert [future.result(10).index for future in rest] == list(range(1, 50))
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
    assert good.result(10).outcome.granted
    with pytest.raises(ActError, match="unknown office 'nowhere'"):
        bad.result(10)
    assert later.result(10).index == good.result(10).index + 1
    assert sequencer.service.store.head("coop").size == 4
