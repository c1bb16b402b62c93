"""A small club for the web tests of secret votes, receipts, co-signatures and admission.

Its constitution (club.yaml) puts the Board's votes by secret ballot, the
Jury's by a secret ranked ballot and the Panel's by an open ranked one; the
Secretary appoints the Clerk with the Treasurer's co-signature and admits
members. ana chairs, ben is Secretary, cy Treasurer; dee and eve are members.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from web_support import FAST_HASHER, Site

from charter.domain.constitution.parse import parse_constitution
from charter.domain.polity import Founding
from charter.keys import KeyRing
from charter.services.polities import PolityService
from charter.storage import open_store
from charter.web.accounts import AccountStore
from charter.web.runtime import Settings

CLUB = "river-club"
MEMBERS = ("ana", "ben", "cy", "dee", "eve")
HERE = Path(__file__).parent


def build_club(url: str, tmp_path: Path, settings: Settings | None = None) -> Site:
    constitution = parse_constitution((HERE / "club.yaml").read_text(), "club.yaml")
    founding = Founding(
        time=datetime(2026, 1, 1, tzinfo=UTC),
        members=MEMBERS,
        posts={
            "chair": ("ana",),
            "secretary": ("ben",),
            "treasurer": ("cy",),
            "board": ("ana", "ben", "cy", "dee"),
            "jury": ("ana", "ben", "cy"),
            "panel": ("ana", "ben", "cy"),
        },
    )
    keys = KeyRing(tmp_path / "club-keys")
    with open_store(url) as store:
        PolityService(store, keys).create(CLUB, constitution, founding)
        accounts = AccountStore(store.engine, FAST_HASHER)
        passwords = {person: accounts.add(CLUB, person) for person in MEMBERS[:4]}
    return Site(url, keys.directory, passwords, settings or Settings())


def act(client: TestClient, csrf: str, kind: str, **args: Any) -> dict[str, Any]:
    """Perform an act through the API as the signed-in person; its result (status 200)."""
    response = client.post(
        f"/api/polities/{CLUB}/acts",
        json={"act": kind, "args": args},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def table_and_open(client: TestClient, csrf: str, body: str, motion: str, **extra: Any) -> None:
    """As the chair (ana): table `motion` before `body` and open its vote."""
    tabled = act(client, csrf, "table-motion", body=body, motion=motion, text=motion, **extra)
    assert tabled["granted"], tabled
    opened = act(client, csrf, "open-vote", motion=motion)
    assert opened["granted"], opened
