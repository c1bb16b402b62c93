"""Group commit: one sequencer thread per polity turns concurrent acts into batched appends.

Callers on many threads (a web worker's requests, say) submit acts and wait
for their entries. The polity's sequencer takes whatever has queued up, judges
the acts one after another against the growing state, appends them to the
store in one transaction, and only then answers each caller. Under light load
a batch is one act; under heavy load one durable commit serves many. A
malformed act fails alone; an act judged against a state another process has
since extended is judged again (the store's optimistic check still applies
between processes).
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from charter.domain.acts import Act, Entry
from charter.domain.polity import Judgement, Polity
from charter.errors import ActError
from charter.services.polities import PolityService

__all__ = ["Sequencer"]


@dataclass
class _Request:
    act: Act
    future: Future[Entry] = field(default_factory=Future)


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
    """Serialises and batches the acts submitted for each polity of one service."""

    def __init__(self, service: PolityService, max_batch: int = 256) -> None:
        self.service = service
        self.max_batch = max_batch
        self.batches: list[int] = []
        self._lanes: dict[str, _Lane] = {}
        self._lock = threading.Lock()
        self._service_lock = threading.Lock()

    def submit(self, polity_id: str, act: Act) -> Future[Entry]:
        """Queue `act`; the future gives its entry once durably stored (or its ActError)."""
        request = _Request(act)
        with self._lock:
            lane = self._lanes.get(polity_id)
            if lane is None:
                lane = self._lanes[polity_id] = _Lane(self, polity_id)
        lane.pending.put(request)
        return request.future

    def perform(self, polity_id: str, act: Act, timeout: float | None = None) -> Entry:
        """Submit and wait: the entry, once it is durably stored."""
        return self.submit(polity_id, act).result(timeout)

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
        stopping = False
        while not stopping:
            first = pending.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    more = pending.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self._commit(polity_id, batch)

    def _commit(self, polity_id: str, batch: list[_Request]) -> None:
        try:
            with self._service_lock:
                results = self._append(polity_id, batch)
        except BaseException as error:  # the store failed: nobody's act was acknowledged
            for request in batch:
                request.future.set_exception(error)
            return
        self.batches.append(sum(1 for result in results if isinstance(result, Entry)))
        for request, result in zip(batch, results, strict=True):
            if isinstance(result, Entry):
                request.future.set_result(result)
            else:
                request.future.set_exception(result)

    def _append(self, polity_id: str, batch: list[_Request]) -> list[Entry | ActError]:
        results: list[Judgement | ActError] = []

        def judge(polity: Polity) -> list[Judgement]:
            results.clear()
            judged: list[Judgement] = []
            for request in batch:
                try:
                    judgement = polity.judge(request.act, judged[-1] if judged else None)
                except ActError as error:
                    results.append(error)
                    continue
                judged.append(judgement)
                results.append(judgement)
            return judged

        self.service.commit(polity_id, judge)
        return [r.entry if isinstance(r, Judgement) else r for r in results]
