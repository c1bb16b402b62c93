"""API tokens of concurrent requests, looked up together: one query for a batch of them.

Like the sequencer for acts, a request's token waits only for the lookup in
progress, then goes into the next one with every other token that arrived in
the meantime. The act endpoint awaits the answer on the event loop, so a
ballot's credential costs neither a thread of its own nor a query of its own.
Nothing is cached: every request is looked up in the database, so a token
revoked in any worker is refused by the next lookup.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from charter.web.accounts import Token

__all__ = ["MOST_AT_ONCE", "TokenLookups"]

MOST_AT_ONCE = 100
"""Tokens looked up by one query at most."""


_Pending = queue.Queue[tuple[str, "Future[Token | None]"] | None]


class TokenLookups:
    """Batches `lookup(value)` calls onto one thread that runs `find(values)` for many.

    The thread starts with the first lookup and stops at `close` (after answering what
    is queued); a lookup after that starts another, as the sequencer's lanes do.
    """

    def __init__(
        self, find: Callable[[Sequence[str]], dict[str, Token]], most: int = MOST_AT_ONCE
    ) -> None:
        self._find = find
        self._most = most
        self._lock = threading.Lock()
        self._lane: tuple[_Pending, threading.Thread] | None = None

    def lookup(self, value: str) -> Future[Token | None]:
        """The live token with this value (None if unknown or revoked), once looked up."""
        future: Future[Token | None] = Future()
        with self._lock:
            if self._lane is None:
                pending: _Pending = queue.Queue()
                thread = threading.Thread(
                    target=self._run, args=(pending,), name="token-lookups", daemon=True
                )
                thread.start()
                self._lane = (pending, thread)
            self._lane[0].put((value, future))
        return future

    def close(self) -> None:
        """Answer what is queued, then stop the thread."""
        with self._lock:
            lane, self._lane = self._lane, None
        if lane is not None:
            lane[0].put(None)
            lane[1].join()

    def _run(self, pending: _Pending) -> None:
        stopping = False
        while not stopping:
            first = pending.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._most:
                try:
                    more = pending.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self._answer(batch)

    def _answer(self, batch: list[tuple[str, Future[Token | None]]]) -> None:
        batch = [(value, f) for value, f in batch if f.set_running_or_notify_cancel()]
        if not batch:
            return
        try:
            found = self._find(list(dict.fromkeys(value for value, _ in batch)))
        except BaseException as error:  # the database failed: every request hears of it
            for _, future in batch:
                future.set_exception(error)
            return
        for value, future in batch:
            future.set_result(found.get(value))
