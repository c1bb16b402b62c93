"""Helpers for the browser tests: a real `charter serve` over the 1923 party, and Chromium.

The fixtures in `conftest.py` build on these; tests import the types from here
(`from browser_support import LiveSite, Pages`).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page

from charter.keys import KeyRing
from charter.scenario import load_scenario
from charter.services.polities import PolityService
from charter.storage import open_store
from charter.web.accounts import AccountStore, ensure_tables

ROOT = Path(__file__).resolve().parents[2]
RCP = ROOT / "examples" / "rcp-1923"
POLITY = "rcp-1923"

ACCOUNTS = ("stalin", "trotsky", "kamenev", "zinoviev", "molotov", "sapronov")
"""Who can sign in: the General Secretary; three more of the Politburo's seven (with him, its
quorum of four); Molotov of the Secretariat and Orgburo; Sapronov, an ordinary member who
holds no seat."""

CHROMIUM_ENV = "CHARTER_CHROMIUM"
ARTIFACTS_ENV = "CHARTER_TEST_ARTIFACTS"
INSTALL_HINT = (
    "Chromium is not installed: `make test` installs Debian's chromium package when run as"
    " root; otherwise run `sudo apt-get install chromium` (or set CHARTER_CHROMIUM to a"
    " Chromium binary)"
)


def chromium_path() -> Path | None:
    """The Chromium binary Playwright drives: $CHARTER_CHROMIUM, else Debian's /usr/bin/chromium."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def artifacts_dir() -> Path:
    """Where screenshots and the server's log go (git-ignored): $CHARTER_TEST_ARTIFACTS or
    test-artifacts/ in the repository."""
    return Path(os.environ.get(ARTIFACTS_ENV) or ROOT / "test-artifacts")


def free_port() -> int:
    """A TCP port on the loopback nobody listens on now (the server binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveSite:
    """A `charter serve` subprocess on a loopback port over a temporary SQLite database
    holding the 1923 party (its whole scenario replayed and checkpointed).

    State accumulates over the test session: a test that acts should use its own motion
    ids (`unique`). Sign-in failures count towards the rate limit (5 per person per
    15 minutes), so a test of a wrong password should use a person nobody else signs in as.
    """

    base_url: str
    db_url: str
    key_dir: Path
    passwords: dict[str, str]
    polity: str = POLITY
    log: Path = field(default_factory=Path)
    _counter: list[int] = field(default_factory=lambda: [0])

    def url(self, path: str) -> str:
        return self.base_url + path

    def unique(self, prefix: str) -> str:
        """An id no other test of this session uses (for motions)."""
        self._counter[0] += 1
        return f"{prefix}-{self._counter[0]}"

    def api(self, path: str) -> Any:
        """GET a JSON API path anonymously (reads are public)."""
        response = httpx.get(self.url(path), timeout=10)
        response.raise_for_status()
        return response.json()

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.api(f"/api/polities/{self.polity}")
        return state

    def motion(self, motion_id: str) -> dict[str, Any]:
        motions: list[dict[str, Any]] = self.state()["motions"]
        return next(m for m in motions if m["id"] == motion_id)

    def ledger_size(self) -> int:
        sizes = {p["id"]: p["size"] for p in self.api("/api/polities")}
        return int(sizes[self.polity])


def prepare_database(
    folder: Path, people: tuple[str, ...] = ACCOUNTS
) -> tuple[str, Path, dict[str, str]]:
    """The 1923 party replayed into a fresh SQLite file under `folder`, with accounts for
    `people`: (database URL, key folder, passwords)."""
    url = f"sqlite:///{folder / 'charter.db'}"
    keys = KeyRing(folder / "keys")
    scenario = load_scenario(RCP)
    with open_store(url) as store:
        service = PolityService(store, keys)
        service.create(POLITY, scenario.constitution, scenario.founding)
        service.perform_all(POLITY, [step.act for step in scenario.steps])
        service.checkpoint(POLITY)
        ensure_tables(store.engine)
        accounts = AccountStore(store.engine)
        passwords = {person: accounts.add(POLITY, person) for person in people}
    return url, keys.directory, passwords


def start_server(db_url: str, key_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`charter serve` on a free loopback port, as a user would start it; waits until it answers."""
    port = free_port()
    env = {**os.environ, "CHARTER_WEB_KEY_DIR": str(key_dir)}
    command = [sys.executable, "-m", "charter.cli", "serve", "--db", db_url]
    command += ["--host", "127.0.0.1", "--port", str(port), "--insecure-cookies"]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"charter serve exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(base_url + "/api/polities", timeout=2).status_code == 200:
                return process, base_url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"charter serve did not answer within 60 s:\n{log.read_text()}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


@dataclass
class Pages:
    """Browser pages for one test, each in its own context (its own cookies), so several
    people can be signed in at once. Every page is screenshotted when the test ends
    (`<test>__<label>.png`, or `...-FAILED.png` when the test failed); `shot` takes one
    mid-test."""

    browser: Browser
    site: LiveSite
    test_name: str
    screenshots: Path
    opened: list[tuple[str, BrowserContext, Page]] = field(default_factory=list)
    _shots: list[int] = field(default_factory=lambda: [0])

    def anonymous(self, label: str = "anonymous") -> Page:
        """A page nobody is signed in on."""
        context = self.browser.new_context(base_url=self.site.base_url)
        context.set_default_timeout(15_000)
        page = context.new_page()
        self.opened.append((label, context, page))
        return page

    def signed_in(self, person: str) -> Page:
        """A page on which `person` signed in through the /login form (it lands on My powers)."""
        page = self.anonymous(person)
        sign_in(page, self.site, person)
        return page

    def shot(self, page: Page, label: str) -> Path:
        """Save a screenshot of `page` now, numbered in the order taken."""
        self._shots[0] += 1
        path = self.screenshots / f"{self.test_name}__{self._shots[0]:02d}-{safe_name(label)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self, failed: bool) -> list[Path]:
        """Screenshot every page as it was at the end, then close them."""
        saved = []
        suffix = "-FAILED" if failed else ""
        for label, context, page in self.opened:
            path = self.screenshots / f"{self.test_name}__{safe_name(label)}{suffix}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                saved.append(path)
            except Exception as error:  # a crashed page must not hide the test's own failure
                print(f"no screenshot of {label}: {error}")
            context.close()
        self.opened.clear()
        return saved


def sign_in(page: Page, site: LiveSite, person: str) -> None:
    """Fill and send the /login form as a person would."""
    page.goto("/login")
    page.get_by_label("Polity").select_option(site.polity)
    page.get_by_label("Member").fill(person)
    page.get_by_label("Password").fill(site.passwords[person])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/p/{site.polity}/powers")
