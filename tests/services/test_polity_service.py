"""The polity service on both backends: acts stored durably, folds that survive restarts,
concurrent writers that never fork the log, and tampering in the database found by verification."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from charter import Act, ActError
from charter.errors import CharterError
from charter.keys import KeyRing
from charter.ledger.encoding import act_record, canonical
from charter.ledger.verify import verify
from charter.services.polities import PolityService
from charter.storage import make_engine, open_store
from conftest import cooperative_founding, day

WRITER = Path(__file__).with_name("service_writer.py")


@pytest.fixture
def keys(tmp_path, monkeypatch):
    monkeypatch.delenv("CHARTER_SIGNING_KEY", raising=False)
    monkeypatch.setenv("CHARTER_KEY_DIR", str(tmp_path / "keys"))
    return KeyRing(tmp_path / "keys")


@pytest.fixture
def service(database, keys, coop_constitution):
    store = open_store(database)
    polities = PolityService(store, keys)
    polities.create("coop", coop_constitution, cooperative_founding())
    yield polities
    store.close()


def spend(actor: str, when, note: str = "", cosigned_by: tuple[str, ...] = ("ana",)) -> Act:
    args = {"matter": "finance", **({"text": note} if note else {})}
    return Act(actor, "exercise", when, args, power="spend", cosigned_by=cosigned_by)


def test_the_state_after_a_restart_is_the_fold_of_the_stored_ledger(service, database, keys):
    service.perform("coop", spend("ben", day(2026, 1, 15)))
    service.perform("coop", spend("ben", day(2026, 1, 16), cosigned_by=()))
    service.perform("coop", Act("fay", "inspect", day(2026, 1, 17), {"office": "treasurer"}))
    before = service.polity("coop").state
    reopened = PolityService(open_store(database, create=False), keys)
    after = reopened.polity("coop").state
    assert after == before
    assert [e.outcome.verdict for e in reopened.polity("coop").record] == [
        "granted",
        "refused",
        "granted",
    ]
    reopened.store.close()


def test_a_malformed_act_stores_nothing(service):
    with pytest.raises(ActError):
        service.perform(
            "coop", Act("ben", "appoint", day(2026, 2, 1), {"office": "nowhere", "person": "gus"})
        )
    assert service.store.head("coop").size == 1


def test_a_stale_service_judges_again_after_another_wrote(service, database, keys):
    other = PolityService(open_store(database, create=False), keys)
    service.perform("coop", spend("ben", day(2026, 1, 15)))
    service.perform("coop", spend("ben", day(2026, 1, 16)))
    # `other` last saw the genesis; the third spend in a month must still meet the quota as stored.
    other.perform("coop", spend("ben", day(2026, 1, 17)))
    fourth = other.perform("coop", spend("ben", day(2026, 1, 18)))
    assert fourth.outcome.verdict == "refused"
    assert "quota exhausted" in fourth.outcome.basis
    assert fourth.index == 3
    other.store.close()


def test_amendments_store_each_constitution_version(service):
    service.perform(
        "coop",
        Act(
            "cai",
            "table-motion",
            day(2026, 4, 1),
            {
                "body": "members",
                "motion": "q5",
                "text": "Five a month.",
                "action": {
                    "act": "amend",
                    "changes": [{"set": "offices.treasurer.powers[0].quota.max", "value": 5}],
                },
            },
        ),
    )
    service.perform("coop", Act("dee", "second-motion", day(2026, 4, 2), {"motion": "q5"}))
    service.perform("coop", Act("ana", "open-vote", day(2026, 4, 16), {"motion": "q5"}))
    for voter in ("ana", "ben", "cai", "dee"):
        service.perform(
            "coop", Act(voter, "cast-ballot", day(2026, 4, 16), {"motion": "q5", "choice": "yes"})
        )
    service.perform("coop", Act("ana", "declare-result", day(2026, 4, 17), {"motion": "q5"}))
    versions = service.store.constitutions("coop")
    assert [version for version, _ in versions] == [1, 2]
    assert json.loads(versions[1][1])["offices"]["treasurer"]["powers"][0]["quota"]["max"] == 5
    service.checkpoint("coop")
    assert verify(service.export("coop")).ok


def test_concurrent_writer_processes_never_fork_the_log(service, database):
    writers = [
        subprocess.Popen(
            [sys.executable, str(WRITER), database, "coop", actor, "6"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for actor in ("gus", "hal", "cai", "dee")
    ]
    acknowledged = []
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
        acknowledged.extend(int(line) for line in out.split())
    assert sorted(acknowledged) == list(range(1, 25))
    service.checkpoint("coop")
    report = verify(service.export("coop"))
    assert report.ok, report.summary()
    assert report.entries == 25


def tamper(database: str, statement: str, **values) -> None:
    engine = make_engine(database)
    with engine.begin() as connection:
        connection.execute(text(statement), values)
    engine.dispose()


def entry(service, seq: int) -> dict:
    return json.loads(service.store.entries("coop", seq, seq + 1)[0])


@pytest.fixture
def ledger(service):
    for number in range(1, 6):
        service.perform(
            "coop",
            spend("ben", day(2026, 1, 10 + number), cosigned_by=("ana",) if number % 2 else ()),
        )
        service.checkpoint("coop")
    return service


def found_at(service) -> tuple[str, str]:
    report = verify(service.export("coop"))
    assert not report.ok
    return report.discrepancy.where, report.discrepancy.field


def test_an_altered_act_in_the_database_is_found(ledger, database):
    value = entry(ledger, 3)
    value["act"]["actor"] = "gus"
    tamper(
        database,
        "UPDATE entries SET data = :data WHERE polity_id = 'coop' AND seq = 3",
        data=canonical(value),
    )
    assert found_at(ledger) == ("entry 3", "outcome.basis")


def test_a_batch_of_inclusion_proofs_matches_the_single_ones_and_refuses_an_altered_entry(
    ledger, database
):
    size = ledger.store.head("coop").size
    made = ledger.prove_inclusions("coop", [1, 3, 4], size)
    for seq, (proof, data) in zip([1, 3, 4], made, strict=True):
        assert proof.as_dict() == ledger.prove_inclusion("coop", seq, size).as_dict()
        assert data == ledger.store.entries("coop", seq, seq + 1)[0]
    value = entry(ledger, 3)
    value["act"]["actor"] = "gus"
    tamper(
        database,
        "UPDATE entries SET data = :data WHERE polity_id = 'coop' AND seq = 3",
        data=canonical(value),
    )
    with pytest.raises(CharterError, match="entry 3 does not hash to its stored leaf"):
        ledger.prove_inclusions("coop", [1, 3], size)


def test_an_altered_outcome_in_the_database_is_found(ledger, database):
    value = entry(ledger, 2)
    value["outcome"]["verdict"] = "granted"
    tamper(
        database,
        "UPDATE entries SET data = :data WHERE polity_id = 'coop' AND seq = 2",
        data=canonical(value),
    )
    assert found_at(ledger) == ("entry 2", "outcome.verdict")


def test_two_swapped_entries_in_the_database_are_found(ledger, database):
    tamper(database, "UPDATE entries SET seq = -1 WHERE polity_id = 'coop' AND seq = 2")
    tamper(database, "UPDATE entries SET seq = 2 WHERE polity_id = 'coop' AND seq = 3")
    tamper(database, "UPDATE entries SET seq = 3 WHERE polity_id = 'coop' AND seq = -1")
    assert found_at(ledger) == ("entry 2", "seq")


def test_a_deleted_entry_in_the_database_is_found(ledger, database):
    tamper(database, "DELETE FROM entries WHERE polity_id = 'coop' AND seq = 4")
    assert found_at(ledger) == ("entry 4", "seq")


def test_an_inserted_entry_in_the_database_is_found(ledger, database):
    forged = entry(ledger, 1)
    tamper(database, "UPDATE entries SET seq = seq + 100 WHERE polity_id = 'coop' AND seq >= 2")
    tamper(database, "UPDATE entries SET seq = seq - 99 WHERE polity_id = 'coop' AND seq >= 100")
    tamper(
        database,
        "INSERT INTO entries (polity_id, seq, data, leaf_hash) VALUES ('coop', 2, :data, :leaf)",
        data=canonical({**forged, "seq": 2}),
        leaf=b"\0" * 32,
    )
    tamper(database, "DELETE FROM entries WHERE polity_id = 'coop' AND seq = 6")
    # The forged entry replays like any lawful act; the first thing out of place is the
    # original entry it displaced, which still carries its own position.
    assert found_at(ledger) == ("entry 3", "seq")


def test_an_altered_checkpoint_in_the_database_is_found(ledger, database):
    checkpoint = ledger.store.checkpoints("coop")[2]
    forged = checkpoint.text.replace(f"\n{checkpoint.size}\n", f"\n{checkpoint.size + 1}\n")
    tamper(
        database,
        "UPDATE checkpoints SET text = :t WHERE polity_id = 'coop' AND size = :s",
        t=forged,
        s=checkpoint.size,
    )
    assert found_at(ledger) == (f"checkpoint 2 (size {checkpoint.size + 1})", "signature")


def test_a_damaged_signature_in_the_database_is_found(ledger, database):
    checkpoint = ledger.store.checkpoints("coop")[1]
    body, stamp = checkpoint.text.rstrip("\n").rsplit(" ", 1)
    forged = f"{body} {'A' if stamp[0] != 'A' else 'B'}{stamp[1:]}\n"
    tamper(
        database,
        "UPDATE checkpoints SET text = :t WHERE polity_id = 'coop' AND size = :s",
        t=forged,
        s=checkpoint.size,
    )
    assert found_at(ledger) == (f"checkpoint 1 (size {checkpoint.size})", "signature")


def test_an_altered_constitution_version_in_the_database_is_found(ledger, database):
    _, document = ledger.store.constitutions("coop")[0]
    altered = json.loads(document)
    altered["factions"]["allowed"] = False
    tamper(
        database,
        "UPDATE constitutions SET document = :d WHERE polity_id = 'coop' AND version = 1",
        d=json.dumps(altered),
    )
    assert found_at(ledger) == ("constitution version 1", "document")


def test_a_fold_left_behind_is_caught_up_on_the_refused_append_not_queued(service, database, keys):
    other = PolityService(open_store(database, create=False), keys)
    other.polity("coop")  # a fold at the genesis, which `other` judges against without a head read
    service.perform("coop", spend("ben", day(2026, 1, 15)))
    service.perform("coop", spend("ben", day(2026, 1, 16)))
    service.perform("coop", spend("ben", day(2026, 1, 17)))
    fourth = other.perform("coop", spend("ben", day(2026, 1, 18)))
    assert (fourth.index, fourth.outcome.verdict) == (3, "refused")
    assert "quota exhausted" in fourth.outcome.basis
    assert other._combining.get("coop", 0) == 0  # a stale fold is not contention
    assert [e.outcome.verdict for e in other.polity("coop").record] == [
        "granted",
        "granted",
        "granted",
        "refused",
    ]
    other.checkpoint("coop")
    assert verify(other.export("coop")).ok
    other.store.close()


def test_a_malformed_act_is_refused_only_once_judged_against_the_stored_head(
    service, database, keys
):
    other = PolityService(open_store(database, create=False), keys)
    other.polity("coop")  # a fold at the genesis
    service.perform("coop", spend("ben", day(2026, 1, 15)))
    with pytest.raises(ActError):
        other.perform(
            "coop", Act("ben", "appoint", day(2026, 2, 1), {"office": "nowhere", "person": "gus"})
        )
    # Refused against the log as stored (a newer constitution might have had the office),
    # not against the stale fold: the fold caught up before the error was raised.
    assert other._folds["coop"].size == 2
    assert other.store.head("coop").size == 2
    other.store.close()


def test_a_stale_writer_goes_through_the_queue_and_is_judged_once(service, database, keys):
    other = PolityService(open_store(database, create=False), keys)
    append = other.store.append

    def another_writer_appends_first(*args, **kwargs):
        service.perform("coop", spend("ben", day(2026, 1, 15)))
        return append(*args, **kwargs)

    other.store.append = another_writer_appends_first
    # `other` judges against the genesis and loses: its act is queued and judged under the lock.
    second = other.perform("coop", spend("ben", day(2026, 1, 16)))
    other.store.append = append
    assert second.index == 1
    assert other._combining["coop"] > 0
    assert other.perform("coop", spend("ben", day(2026, 1, 17))).outcome.granted
    assert "quota exhausted" in other.perform("coop", spend("ben", day(2026, 1, 18))).outcome.basis
    assert other.store.pending("coop") == []
    other.checkpoint("coop")
    assert verify(other.export("coop")).ok
    other.store.close()


def queue_request(service, acts) -> int:
    """What a writer in another process does before it takes the polity's lock."""
    return service.store.enqueue("coop", canonical([act_record(act) for act in acts]))


def test_a_combiner_judges_the_acts_other_writers_queued(service):
    inspect = Act("fay", "inspect", day(2026, 1, 12), {"office": "treasurer"})
    theirs = queue_request(service, [spend("ben", day(2026, 1, 11)), inspect])
    malformed = queue_request(service, [Act("fay", "inspect", day(2026, 1, 12), {"office": "x"})])
    unreadable = service.store.enqueue("coop", b"not a request")
    service._combining["coop"] = 1
    mine = service.perform("coop", spend("ben", day(2026, 1, 13)))
    assert mine.index == 2  # after the two acts queued before it; the failed requests add nothing
    assert service.store.head("coop").size == 4
    assert service.store.pending("coop") == []
    assert [entry.act.actor for entry in service.polity("coop").record] == ["ben", "fay", "ben"]

    def never(size, missed, pending):
        raise AssertionError("a settled request is not judged again")

    settled = service.store.combine("coop", theirs, 2, 0, never)
    assert (settled.seq, settled.combined, len(settled.entries)) == (1, False, 2)
    failed = service.store.combine("coop", malformed, 1, 0, never)
    assert failed.seq is None
    assert "unknown office 'x'" in failed.error
    assert service.store.combine("coop", unreadable, 1, 0, never).seq is None
    service.checkpoint("coop")
    assert verify(service.export("coop")).ok


def test_a_writer_whose_acts_another_combined_reads_them_back(service, database, keys):
    other = PolityService(open_store(database, create=False), keys)
    other.polity("coop")
    combine = other.store.combine

    def another_writer_combines_first(*args):
        other.store.combine = combine
        service._combining["coop"] = 1
        service.perform("coop", spend("ben", day(2026, 1, 20)))
        return combine(*args)

    other.store.combine = another_writer_combines_first
    other._combining["coop"] = 2
    mine = other.perform_all(
        "coop", [spend("ben", day(2026, 1, 15)), spend("ben", day(2026, 1, 16))]
    )
    assert [entry.index for entry in mine] == [0, 1]  # queued first, so judged first
    assert [entry.outcome.granted for entry in mine] == [True, True]
    refused = other.perform("coop", spend("ben", day(2026, 1, 21)))  # a fourth in the month
    assert not refused.outcome.granted
    assert refused == service.polity("coop").record[3]
    assert other.polity("coop").record == service.polity("coop").record
    other.store.close()


def test_a_vote_counted_by_another_writer_is_replayed_for_its_count(service, database, keys):
    motion = {"body": "members", "motion": "m1", "text": "Paint the hall."}
    service.perform("coop", Act("cai", "table-motion", day(2026, 4, 1), motion))
    service.perform("coop", Act("dee", "second-motion", day(2026, 4, 2), {"motion": "m1"}))
    service.perform("coop", Act("ana", "open-vote", day(2026, 4, 16), {"motion": "m1"}))
    for voter in ("ana", "ben", "cai"):
        ballot = {"motion": "m1", "choice": "yes"}
        service.perform("coop", Act(voter, "cast-ballot", day(2026, 4, 16), ballot))
    other = PolityService(open_store(database, create=False), keys)
    other.polity("coop")
    combine = other.store.combine

    def another_writer_combines_first(*args):
        other.store.combine = combine
        service._combining["coop"] = 1
        service.perform("coop", Act("fay", "inspect", day(2026, 4, 17), {"office": "treasurer"}))
        return combine(*args)

    other.store.combine = another_writer_combines_first
    other._combining["coop"] = 1
    declared = other.perform(
        "coop", Act("ana", "declare-result", day(2026, 4, 17), {"motion": "m1"})
    )
    assert declared.outcome.result is not None
    assert declared == service.polity("coop").record[declared.index]
    other.store.close()


def test_a_malformed_act_through_the_queue_stores_nothing(service):
    service._combining["coop"] = 1
    with pytest.raises(ActError, match="unknown office"):
        service.perform_all(
            "coop",
            [
                spend("ben", day(2026, 1, 15)),
                Act("fay", "inspect", day(2026, 2, 1), {"office": "x"}),
            ],
        )
    assert service.store.head("coop").size == 1
    assert service.store.pending("coop") == []
    assert service.perform("coop", spend("ben", day(2026, 1, 15))).index == 0


class HeldKeys(KeyRing):
    """A key ring whose `load` waits until released: a writer paused between reading the
    head it will sign and storing its checkpoint."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.reached = threading.Event()
        self.release = threading.Event()

    def load(self, polity_id: str) -> Any:
        self.reached.set()
        assert self.release.wait(60), "never released"
        return super().load(polity_id)


def test_a_checkpoint_another_writer_signed_first_counts_as_done(service, database, keys):
    service.perform("coop", spend("ben", day(2026, 1, 15)))
    held = HeldKeys(keys.directory)
    other = PolityService(open_store(database, create=False), held)
    outcome: list[Any] = []

    def sign() -> None:
        try:
            outcome.append(other.checkpoint("coop"))
        except BaseException as error:  # reported by the test, not lost in the thread
            outcome.append(error)

    thread = threading.Thread(target=sign)
    thread.start()
    assert held.reached.wait(60)
    first = service.checkpoint("coop")  # signed while the other writer is between read and store
    held.release.set()
    thread.join()
    other.store.close()
    assert not isinstance(outcome[0], BaseException), outcome[0]
    assert outcome[0] == first
    assert first.size == service.store.head("coop").size
    assert [c.size for c in service.store.checkpoints("coop")][-1] == first.size


def test_a_checkpoint_covering_an_entry_signs_the_writers_own_head_or_reads_a_newer_one(
    service, database, keys
):
    mine = service.perform("coop", spend("ben", day(2026, 1, 15)))
    own_size = mine.index + 2  # entry i is leaf i + 1: leaf 0 is the founding
    other = PolityService(open_store(database, create=False), keys)
    try:
        theirs = other.perform("coop", spend("ben", day(2026, 1, 16)))
    finally:
        other.store.close()
    covered = service.checkpoint("coop", covering=own_size)
    assert covered.size == own_size  # the head this writer committed: enough for its entry
    assert covered.root == service.store.committed_head("coop").root
    newer = service.checkpoint("coop", covering=theirs.index + 2)  # beyond it: read the head
    assert newer.size == theirs.index + 2 == service.store.head("coop").size
    assert [c.size for c in service.store.checkpoints("coop")][-2:] == [own_size, newer.size]


def test_a_server_dated_act_overtaken_by_another_writer_takes_the_later_time(
    service, database, keys
):
    other = PolityService(open_store(database, create=False), keys)
    other.polity("coop")  # its fold, read now, goes stale below
    early, late = spend("ben", day(2026, 1, 15)), spend("ben", day(2026, 1, 16))
    service.perform("coop", late)
    with pytest.raises(ActError, match="comes before the previous act"):
        other.perform("coop", early)  # the caller's own date: still refused
    entry = other.perform("coop", early, restamp=True)
    assert entry.act.time == late.time
    assert entry == service.polity("coop").record[-1]
    other.store.close()


def test_a_server_dated_act_combined_by_another_process_takes_the_later_time(
    service, database, keys
):
    other = PolityService(open_store(database, create=False), keys)
    other.polity("coop")
    early, late = spend("ben", day(2026, 1, 15)), spend("ben", day(2026, 1, 16))
    service.perform("coop", late)
    (entry,) = other.combine("coop", [early], restamp=True)  # judged through the queue
    assert entry.act.time == late.time
    assert entry == service.polity("coop").record[-1]
    other.store.close()
