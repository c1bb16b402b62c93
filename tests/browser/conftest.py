"""Fixtures for the browser tests: Playwright driving Debian's Chromium against a real
`charter serve` on a loopback port.

- `live_site` (session): the server over a temporary SQLite database holding the 1923
  party, with accounts for `browser_support.ACCOUNTS`; `live_site.passwords[person]`,
  `.url(path)`, `.state()`, `.motion(id)`, `.ledger_size()`, `.unique(prefix)`.
- `browser` (session): Chromium launched by Playwright from `chromium_path()` (Playwright
  cannot download its own browser here). Missing Chromium skips these tests with the way
  to install it, except under CI=true, where it fails: CI installs it (`make test`).
- `pages` (per test): `pages.signed_in("kamenev")` and `pages.anonymous()` open pages in
  separate contexts; `pages.shot(page, "label")` saves a screenshot mid-test. Every page
  is screenshotted when the test ends, and marked FAILED when it failed, under
  `test-artifacts/screenshots/` (git-ignored; $CHARTER_TEST_ARTIFACTS moves it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from browser_support import (
    INSTALL_HINT,
    LiveSite,
    Pages,
    artifacts_dir,
    chromium_path,
    prepare_database,
    safe_name,
    start_server,
    stop_server,
)
from playwright.sync_api import Browser, sync_playwright

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


def pytest_collectstart(collector: pytest.Collector) -> None:
    """Hand the module name `conftest` back to the suite's root conftest.

    Test modules elsewhere do `from conftest import RCP`; pytest imports each conftest
    outside a package as module `conftest`, so this one, collected early (browser < ledger),
    would otherwise answer those imports. Runs as soon as this folder's collection starts.
    """
    if getattr(sys.modules.get("conftest"), "__file__", None) == str(ROOT_CONFTEST):
        return
    for plugin in collector.config.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", None) == str(ROOT_CONFTEST):
            sys.modules["conftest"] = plugin
            return


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test item, so `pages` knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{INSTALL_HINT} — and CI must have it")
        pytest.skip(INSTALL_HINT)
    return str(path)


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    folder = tmp_path_factory.mktemp("live-site")
    db_url, key_dir, passwords = prepare_database(folder)
    log = artifacts_dir() / "charter-serve.log"
    process, base_url = start_server(db_url, key_dir, log)
    try:
        yield LiveSite(base_url, db_url, key_dir, passwords, log=log)
    finally:
        stop_server(process)


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def pages(request: pytest.FixtureRequest, browser: Browser, live_site: LiveSite) -> Iterator[Pages]:
    screenshots = artifacts_dir() / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    opened = Pages(browser, live_site, safe_name(request.node.name), screenshots)
    yield opened
    report = getattr(request.node, "report_call", None)
    opened.close(failed=report is None or report.failed)
