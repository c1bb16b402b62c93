"""`charter.__all__` is the curated public API: short, sorted, and every name real."""

from __future__ import annotations

import charter


def test_public_names_are_sorted_and_exist():
    assert list(charter.__all__) == sorted(charter.__all__)
    for name in charter.__all__:
        assert hasattr(charter, name), name


def test_public_api_is_exactly_the_documented_set():
    assert set(charter.__all__) == {
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
    }


def test_every_error_descends_from_the_one_root():
    for error in (charter.ConstitutionError, charter.ActError, charter.ScenarioError):
        assert issubclass(error, charter.CharterError)
