"""`charter serve --demo`: the 1923 example replayed into a database, with demo accounts.

The database and its signing key live in their own folder (by default
`demo/` in the user's data directory), so the demo never touches a real
installation's keys. Each start gives the demo accounts fresh passwords.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

from charter.errors import ActError, ScenarioError
from charter.keys import KeyRing
from charter.scenario import load_scenario
from charter.services.polities import PolityService
from charter.storage import open_store
from charter.web.accounts import AccountStore

__all__ = ["DEMO_PEOPLE", "DEMO_POLITY", "Demo", "demo_dir", "prepare_demo", "rcp_example"]

DEMO_POLITY = "rcp-1923"
DEMO_PEOPLE: dict[str, str] = {
    "stalin": "the General Secretary",
    "trotsky": "a member of the Central Committee and the Politburo",
    "kamenev": "a member of the Central Committee and the Politburo",
    "sapronov": "an ordinary member",
}


@dataclass(frozen=True, slots=True)
class Demo:
    db_url: str
    key_dir: Path
    passwords: dict[str, str]


def demo_dir() -> Path:
    return Path(platformdirs.user_data_dir("charter")) / "demo"


def rcp_example() -> Path:
    """The bundled 1923 example: beside the source tree, or under the working directory."""
    here = Path(__file__).resolve()
    for candidate in (
        here.parents[3] / "examples" / "rcp-1923",
        Path.cwd() / "examples" / "rcp-1923",
    ):
        if (candidate / "scenario.yaml").is_file():
            return candidate
    raise ScenarioError(
        [], "the 1923 example (examples/rcp-1923) is not found; run from the repository"
    )


def prepare_demo(db_url: str | None = None, key_dir: Path | None = None) -> Demo:
    """Replay the 1923 example into the demo database (once) and give its accounts new passwords."""
    folder = demo_dir()
    url = db_url or f"sqlite:///{folder / 'charter.db'}"
    keys = KeyRing(key_dir or folder / "keys")
    store = open_store(url)
    try:
        service = PolityService(store, keys)
        if DEMO_POLITY not in {record.id for record in store.polities()}:
            scenario = load_scenario(rcp_example())
            service.create(DEMO_POLITY, scenario.constitution, scenario.founding)
            for step in scenario.steps:
                try:
                    service.perform(DEMO_POLITY, step.act)
                except ActError as error:
                    raise ScenarioError([step.problem(error.message, error.path)]) from None
            service.checkpoint(DEMO_POLITY)
        accounts = AccountStore(store.engine)
        passwords = {}
        for person in DEMO_PEOPLE:
            if accounts.find(DEMO_POLITY, person) is None:
                passwords[person] = accounts.add(DEMO_POLITY, person)
            else:
                passwords[person] = accounts.reset(DEMO_POLITY, person)
    finally:
        store.close()
    return Demo(url, keys.directory, passwords)
