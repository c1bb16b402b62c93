"""Group commit: one sequencer thread per polity turns concurrent acts into batched appends.

Callers on many threads (a web worker's requests, say) submit acts and wait
for their outcome. The polity's sequencer takes whatever has queued up,
performs it as one batch (`PolityService.perform_each`: judged one after
another against the growing state, appended in one durable transaction, a
malformed act failing alone), signs one checkpoint covering the batch, makes
the inclusion proofs asked for against it, and only then answers each caller.
Under light load a batch is one act; under heavy load one commit, one
signature and one proof query serve many. Between processes the store's own
checks still apply (see `PolityService.perform_all`).

A request that may change who is a member is submitted `alone`: it is
performed in a batch of its own, so the members it admitted are exactly the
difference around it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Set as AbstractSet
from concurrent.futures import Future
from dataclasses import dataclass, field

from charter.domain.acts import Act, Entry
from charter.errors import ActError
from charter.services.polities import InclusionProof, PolityService
from charter.storage import Checkpoint

__all__ = ["Performed", "Sequencer"]


@dataclass(frozen=True, slots=True)
class Performed:
    """An act durably stored: its entry, the checkpoint signed after its batch, and what
    its submitter asked for besides."""

    entry: Entry
    checkpoint: Checkpoint | None
    """Covers the entry (None when the sequencer signs no checkpoints)."""
    admitted: tuple[str, ...] = ()
    """For an act submitted alone: the people it made members."""
    proof: InclusionProof | None = None
    """When asked for: the entry's inclusion proof against `checkpoint`."""
    data: bytes = b""
    """With `proof`: the entry's stored bytes."""


@dataclass
class _Request:
    act: Act
    alone: bool
    prove: bool
    future: Future[Performed] = field(default_factory=Future)


class _Lane:
    """The queue and thread of one polity."""

    def __init__(self, sequencer: Sequencer, polity_id: str) -> None:
        self.pending: queue.Queue[_Request | None] = queue.Queue()
        self.thread = threading.Thread(
            target=sequencer._run,
            args=(polity_id, self.pending),
            name=f"sequencer-{polity_id}",
            daemon=True,
        )
        self.thread.start()


class Sequencer:
    """Serialises and batches the acts submitted for each polity of one service.

    `lock` guards the service: whoever else uses the service holds it too (the
    web's runtime lock); the sequencer holds it for each batch. With `restamp`
    the acts are dated by the server (see `PolityService.perform_all`); with
    `checkpoints` each batch is covered by a signed checkpoint before anyone
    is answered.
    """

    def __init__(
        self,
        service: PolityService,
        max_batch: int = 256,
        *,
        lock: threading.RLock | None = None,
        restamp: bool = False,
        checkpoints: bool = False,
    ) -> None:
        self.service = service
        self.max_batch = max_batch
        self.restamp = restamp
        self.checkpoints = checkpoints
        self.batches: list[int] = []
        """The number of acts stored by each batch, in order (for tests and benchmarks)."""
        self._lanes: dict[str, _Lane] = {}
        self._lock = threading.Lock()
        self._service_lock = lock if lock is not None else threading.RLock()

    def submit(
        self, polity_id: str, act: Act, *, alone: bool = False, prove: bool = False
    ) -> Future[Performed]:
        """Queue `act`; the future gives its outcome once durably stored (or its ActError).

        `alone`: perform it in a batch of its own (and report whom it admitted).
        `prove`: if granted, with its inclusion proof (needs `checkpoints`).
        """
        request = _Request(act, alone, prove)
        with self._lock:
            lane = self._lanes.get(polity_id)
            if lane is None:
                lane = self._lanes[polity_id] = _Lane(self, polity_id)
        lane.pending.put(request)
        return request.future

    def perform(
        self,
        polity_id: str,
        act: Act,
        timeout: float | None = None,
        *,
        alone: bool = False,
        prove: bool = False,
    ) -> Performed:
        """Submit and wait: the outcome, once it is durably stored."""
        return self.submit(polity_id, act, alone=alone, prove=prove).result(timeout)

    def close(self) -> None:
        """Finish what is queued, then stop every sequencer thread."""
        with self._lock:
            lanes = list(self._lanes.values())
            self._lanes.clear()
        for lane in lanes:
            lane.pending.put(None)
        for lane in lanes:
            lane.thread.join()

    def _run(self, polity_id: str, pending: queue.Queue[_Request | None]) -> None:
        carried: _Request | None = None  # an act that goes alone, taken while filling a batch
        stopping = False
        while carried is not None or not stopping:
            first = carried if carried is not None else pending.get()
            carried = None
            if first is None:
                return
            batch = [first]
            while not first.alone and len(batch) < self.max_batch:
                try:
                    more = pending.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                if more.alone:
                    carried = more  # it goes in a batch of its own, next
                    break
                batch.append(more)
            self._commit(polity_id, batch)

    def _commit(self, polity_id: str, batch: list[_Request]) -> None:
        # A request cancelled while queued is not performed; the rest can no longer be cancelled.
        batch = [request for request in batch if request.future.set_running_or_notify_cancel()]
        if not batch:
            return
        try:
            with self._service_lock:
                answers = self._perform(polity_id, batch)
        except BaseException as error:  # the store failed: nobody is told their act is stored
            for request in batch:
                request.future.set_exception(error)
            return
        self.batches.append(sum(1 for answer in answers if isinstance(answer, Performed)))
        for request, answer in zip(batch, answers, strict=True):
            if isinstance(answer, Performed):
                request.future.set_result(answer)
            else:
                request.future.set_exception(answer)

    def _perform(self, polity_id: str, batch: list[_Request]) -> list[Performed | ActError]:
        service = self.service
        if self.checkpoints:
            service.keys.load(polity_id)  # no key, no checkpoint: refuse before anything is stored
        alone = len(batch) == 1 and batch[0].alone
        before: AbstractSet[str] = service.polity(polity_id).state.members if alone else set()
        results = service.perform_each(
            polity_id, [r.act for r in batch], restamp=self.restamp, checkpoint=self.checkpoints
        )
        admitted: tuple[str, ...] = ()
        if alone and isinstance(results[0], Entry):
            admitted = tuple(sorted(service.polity(polity_id).state.members - before))
        stored = [result for result in results if isinstance(result, Entry)]
        checkpoint: Checkpoint | None = None
        if self.checkpoints and stored:
            # entry i is the ledger's leaf i + 1 (leaf 0 is the founding)
            checkpoint = service.checkpoint(polity_id, covering=stored[-1].index + 2)
        proven: dict[int, tuple[InclusionProof, bytes]] = {}
        if checkpoint is not None:
            wanted = [
                result.index + 1
                for request, result in zip(batch, results, strict=True)
                if request.prove and isinstance(result, Entry) and result.outcome.granted
            ]
            made = service.prove_inclusions(polity_id, wanted, checkpoint.size)
            proven = dict(zip(wanted, made, strict=True))
        answers: list[Performed | ActError] = []
        for result in results:
            if isinstance(result, ActError):
                answers.append(result)
                continue
            proof, data = proven.get(result.index + 1, (None, b""))
            answers.append(Performed(result, checkpoint, admitted, proof, data))
        return answers
