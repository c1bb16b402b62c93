"""Helpers for the web tests: the 1923 party in a real database, accounts for its roles."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from charter.keys import KeyRing
from charter.scenario import Scenario
from charter.services.polities import PolityService
from charter.storage import open_store
from charter.web import create_app
from charter.web.accounts import AccountStore
from charter.web.runtime import Settings

POLITY = "rcp-1923"
OTHER = "rcp-copy"
PEOPLE = ("stalin", "kamenev", "sapronov")
"""The General Secretary, a Central Committee member, an ordinary member."""

FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # still argon2id


@dataclass
class Site:
    """A running app with the 1923 party in it, and the passwords of its demo members."""

    url: str
    key_dir: Path
    passwords: dict[str, str]
    settings: Settings = field(default_factory=Settings)

    def client(self) -> TestClient:
        app = create_app(self.url, key_dir=self.key_dir, hasher=FAST_HASHER, settings=self.settings)
        return TestClient(app, base_url="https://testserver")


def build_site(url: str, tmp_path: Path, scenario: Scenario, settings: Settings) -> Site:
    keys = KeyRing(tmp_path / "keys")
    with open_store(url) as store:
        service = PolityService(store, keys)
        service.create(POLITY, scenario.constitution, scenario.founding)
        service.perform_all(POLITY, [step.act for step in scenario.steps])
        service.checkpoint(POLITY)
        service.create(OTHER, scenario.constitution, scenario.founding)
        accounts = AccountStore(store.engine, FAST_HASHER)
        passwords = {person: accounts.add(POLITY, person) for person in PEOPLE}
        passwords["other:stalin"] = accounts.add(OTHER, "stalin")
    return Site(url, keys.directory, passwords, settings)


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "no CSRF token in the form"
    return found.group(1)


def sign_in(client: TestClient, person: str, password: str, polity: str = POLITY) -> str:
    """Sign in through the form; the session's CSRF token."""
    token = form_token(client.get("/login").text)
    response = client.post(
        "/login",
        data={"polity": polity, "person": person, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    csrf = client.get("/api/me").json()["csrf_token"]
    assert isinstance(csrf, str)
    return csrf


def size(client: TestClient, polity: str = POLITY) -> int:
    sizes = {p["id"]: p["size"] for p in client.get("/api/polities").json()}
    return int(sizes[polity])
