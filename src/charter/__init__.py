"""Charter: constitution-as-code for self-governing organisations and their federations.

    >>> from charter import load_constitution, Polity
    >>> constitution = load_constitution("examples/rcp-1923/constitution.yaml")

The public API is listed in `__all__`; everything else may change.
"""

from charter.domain.acts import Act, Entry, Outcome
from charter.domain.constitution import Constitution, parse_constitution
from charter.domain.polity import Founding, Polity, replay
from charter.domain.state import PolityState
from charter.errors import ActError, CharterError, ConstitutionError, Problem, ScenarioError
from charter.ledger.bundle import Bundle, read_bundle
from charter.ledger.verify import Report, verify
from charter.scenario import Scenario, ScenarioRun, load_constitution, load_scenario, run_scenario

__version__ = "0.1.0"

__all__ = [
    "Act",
    "ActError",
    "Bundle",
    "CharterError",
    "Constitution",
    "ConstitutionError",
    "Entry",
    "Founding",
    "Outcome",
    "Polity",
    "PolityState",
    "Problem",
    "Report",
    "Scenario",
    "ScenarioError",
    "ScenarioRun",
    "__version__",
    "load_constitution",
    "load_scenario",
    "parse_constitution",
    "read_bundle",
    "replay",
    "run_scenario",
    "verify",
]
