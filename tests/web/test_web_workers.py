"""Two web workers over one database, their requests interleaved the way the bench found them:
a valid act is never refused for the order the workers reached the log in, and an act
durably appended is never answered as failed because the other worker signed the head first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient
from web_support import FAST_HASHER, POLITY, Site, sign_in, size

from charter.web import create_app

ADDRESS = {"act": "exercise", "power": "address-congress", "args": {"text": "Comrades"}}


class HeldClock:
    """A worker's clock that, once armed, stamps a request and then waits until released:
    the moment between the web stamping an act and appending it, held open."""

    def __init__(self) -> None:
        self.armed = False
        self.stamped = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> datetime:
        now = datetime.now(UTC)
        if self.armed:
            self.armed = False
            self.stamped.set()
            assert self.release.wait(60), "never released"
        return now


def in_thread(call: Callable[[], httpx.Response]) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as error:  # reported by the test, not lost in the thread
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_an_act_stamped_before_another_workers_later_act_is_still_performed(
    site: Site, client: TestClient
) -> None:
    clock = HeldClock()
    second = create_app(site.url, key_dir=site.key_dir, hasher=FAST_HASHER, clock=clock)
    with TestClient(second, base_url="https://testserver") as other:
        csrf = sign_in(client, "sapronov", site.passwords["sapronov"])
        other_csrf = sign_in(other, "sapronov", site.passwords["sapronov"])
        before = size(client)
        clock.armed = True
        thread, outcome = in_thread(
            lambda: other.post(
                f"/api/polities/{POLITY}/acts", json=ADDRESS, headers={"X-CSRF-Token": other_csrf}
            )
        )
        assert clock.stamped.wait(60)
        first = client.post(
            f"/api/polities/{POLITY}/acts", json=ADDRESS, headers={"X-CSRF-Token": csrf}
        )
        clock.release.set()
        thread.join()
        assert first.status_code == 200, first.text
        late = outcome[0]
        assert isinstance(late, httpx.Response), late
        assert late.status_code == 200, late.text
        assert late.json()["granted"]
        assert late.json()["seq"] == first.json()["seq"] + 1
        assert late.json()["entry"]["time"] >= first.json()["entry"]["time"]
        assert size(client) == before + 2
