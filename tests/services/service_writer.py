"""A writer process for the concurrency test: performs acts on one polity through its own service."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from charter import Act
from charter.services.polities import PolityService
from charter.storage import open_store


def main() -> None:
    url, polity, actor, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    store = open_store(url, create=False)
    service = PolityService(store)
    for number in range(count):
        act = Act(
            actor=actor,
            kind="exercise",
            time=datetime(2026, 3, 1, tzinfo=UTC),
            power="spend",
            args={"matter": "finance", "text": f"{actor}-{number}"},
        )
        entry = service.perform(polity, act)
        print(entry.index + 1, flush=True)
    store.close()


if __name__ == "__main__":
    main()
