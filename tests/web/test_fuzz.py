"""Schema-driven fuzzing of the JSON API (schemathesis over /openapi.json, in-process ASGI).

Requests generated from the OpenAPI schema, valid and invalid, are sent anonymously, with a
member's API token (scopes read and act), and with a member's session cookie and CSRF
token. Every response must be free of server errors and match the schema, and a rejected
request (4xx) must change nothing: every table of the database, ledger and accounts alike,
is compared before and after it. Generation is derandomised and bounded, so CI runs the
same cases every time in a few seconds per operation.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from web_support import FAST_HASHER, OTHER, POLITY, build_site, sign_in

from charter.scenario import Scenario, load_scenario
from charter.web import create_app
from charter.web.accounts import AccountStore
from charter.web.runtime import Settings

RCP = Path(__file__).resolve().parents[2] / "examples" / "rcp-1923"

EXAMPLES = 10
"""Examples per API operation and kind of caller: enough to reach past validation into
authorisation and the domain, few enough to keep the suite quick."""

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
"""What every answer must meet. Left out on purpose: `positive_data_acceptance` (a
schema-valid request may still be refused: an act whose arguments the domain finds
malformed is 422, a proof for entries the ledger lacks is 400 — the schema cannot say
"index < the ledger's size"), and `unsupported_method` and `allow_header_conformance`
(what an undeclared method gets is Starlette's routing: 405 with the Allow of the first
matching route, or the answer of another route whose path pattern matches)."""

WELL_FORMED_ACTS: list[dict[str, Any]] = [
    {"act": "table-motion", "args": {"body": "politburo", "motion": "fuzz", "text": "A motion."}},
    {"act": "second-motion", "args": {"motion": "fuzz"}},
    {"act": "open-vote", "args": {"motion": "fuzz"}},
    {"act": "cast-ballot", "args": {"motion": "fuzz", "choice": "yes"}},
    {"act": "appoint", "args": {"office": "regional-secretary", "person": "sapronov"}},
    {"act": "withdraw-motion", "args": {"motion": "release-general-secretary"}},
]
"""Acts the domain judges (granted or refused, status 200, recorded), mixed into the
generated bodies so the fuzzing also runs after the ledger has grown."""


class Fuzzed:
    """The app over a SQLite file holding the 1923 party (and a copy), with the credentials
    each kind of caller sends."""

    def __init__(self, folder: Path, scenario: Scenario) -> None:
        self.path = folder / "fuzz.db"
        site = build_site(f"sqlite:///{self.path}", folder, scenario, Settings())
        self.app = create_app(site.url, key_dir=site.key_dir, hasher=FAST_HASHER)
        runtime = self.app.state.runtime
        account = runtime.accounts.find(POLITY, "stalin")
        assert account is not None
        token, self.token_id = AccountStore(runtime.store.engine, FAST_HASHER).issue_token(
            account, "fuzz", ("read", "act")
        )
        self.client = TestClient(self.app, base_url="https://testserver")
        csrf = sign_in(self.client, "kamenev", site.passwords["kamenev"])
        self.callers: dict[str, dict[str, Any]] = {
            "anonymous": {},
            "token": {"headers": {"Authorization": f"Bearer {token}"}},
            "session": {"headers": {"X-CSRF-Token": csrf}, "cookies": dict(self.client.cookies)},
        }

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table: what a rejected request must leave as it found it."""
        with sqlite3.connect(self.path) as db:
            names = [
                row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            return {name: sorted(db.execute(f'SELECT * FROM "{name}"'), key=repr) for name in names}


def _target() -> Fuzzed:
    """Built when the module is collected, since the cases are generated from its schema;
    its folder is removed when the process ends."""
    folder = Path(tempfile.mkdtemp(prefix="charter-fuzz-"))
    atexit.register(shutil.rmtree, folder, True)
    return Fuzzed(folder, load_scenario(RCP))


TARGET = _target()
schema = schemathesis.openapi.from_asgi("/openapi.json", TARGET.app)


@schema.hook
def flatmap_path_parameters(_context: Any, parameters: dict[str, Any]) -> Any:
    """Mostly a polity that exists (else nearly every case would stop at 404)."""
    if not isinstance(parameters, dict) or "polity_id" not in parameters:
        return st.just(parameters)
    choices = st.sampled_from([POLITY, POLITY, OTHER, parameters["polity_id"]])
    return choices.map(lambda polity: {**parameters, "polity_id": polity})


@schema.hook
def flatmap_case(_context: Any, case: Case[Any]) -> Any:
    """A valid act is often one the domain judges (well-formed, or a known kind with generated
    arguments), so requests get past the schema; invalid (negative) cases stay as generated."""
    body = case.body
    meta = case.meta
    if not isinstance(body, dict) or "act" not in body or meta is None:
        return st.just(case)
    if meta.generation.mode.is_negative:
        return st.just(case)
    known = [{**body, "act": act["act"]} for act in WELL_FORMED_ACTS]
    bodies = st.sampled_from([body, *known, *WELL_FORMED_ACTS, *WELL_FORMED_ACTS])
    return bodies.map(lambda chosen: _with_body(case, chosen))


def _with_body(case: Case[Any], body: dict[str, Any]) -> Case[Any]:
    """A copy of `case` with `body` (schemathesis revalidates which parts are negative)."""
    derived = case.derive(keep_auth=True)
    derived.body = body
    return derived


@schema.hook
def filter_path_parameters(_context: Any, parameters: dict[str, Any] | None) -> bool:
    """Leave out the callers' own token: revoking it would leave every later case at 401."""
    token = (parameters or {}).get("token_id")
    return token != TARGET.token_id


@pytest.fixture(scope="module")
def fuzzed() -> Fuzzed:
    return TARGET


def check(case: Case[Any], fuzzed: Fuzzed, caller: str) -> None:
    before = fuzzed.snapshot()
    response = case.call(**fuzzed.callers[caller])
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
    case.validate_response(response, checks=CHECKS)
    if 400 <= response.status_code < 500:
        after = fuzzed.snapshot()
        changed = sorted(name for name in before if before[name] != after.get(name))
        assert not changed, (
            f"{case.method} {case.formatted_path} was refused ({response.status_code}) but changed {changed}"
        )


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_answers_anonymous_callers_without_server_errors_or_changes(
    case: Case[Any], fuzzed: Fuzzed
) -> None:
    check(case, fuzzed, "anonymous")


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_answers_a_members_token_without_server_errors_or_changes_when_refused(
    case: Case[Any], fuzzed: Fuzzed
) -> None:
    check(case, fuzzed, "token")


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_answers_a_members_session_without_server_errors_or_changes_when_refused(
    case: Case[Any], fuzzed: Fuzzed
) -> None:
    check(case, fuzzed, "session")


@pytest.mark.parametrize("token_id", [2**31, 2**63, 2**64, -(2**63) - 1, 0])
def test_revoking_a_token_id_no_column_can_hold_is_not_found_rather_than_a_server_error(
    fuzzed: Fuzzed, token_id: int
) -> None:
    before = fuzzed.snapshot()
    headers = fuzzed.callers["session"]["headers"]
    response = fuzzed.client.delete(f"/api/tokens/{token_id}", headers=headers)
    assert response.status_code == 404
    assert response.json()["where"] == "token_id"
    assert fuzzed.snapshot() == before


def test_the_snapshot_sees_a_refused_act_recorded(fuzzed: Fuzzed) -> None:
    """The no-change check can fail: a refused act is still recorded (200), and shows."""
    before = fuzzed.snapshot()
    response = fuzzed.client.post(
        f"/api/polities/{POLITY}/acts",
        json={"act": "withdraw-motion", "args": {"motion": "release-general-secretary"}},
        headers=fuzzed.callers["token"]["headers"],
    )
    assert (response.status_code, response.json()["verdict"]) == (200, "refused")
    changed = {name for name in before if before[name] != fuzzed.snapshot()[name]}
    assert changed, "a recorded act left every table as it was"
