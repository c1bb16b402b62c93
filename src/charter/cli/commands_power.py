"""`charter power`: exact Banzhaf and Shapley–Shubik indices of a game file."""

from __future__ import annotations

import time
from fractions import Fraction

import click

from charter.cli.app import emit_json, main, reports_errors
from charter.domain.power import power_report
from charter.power_games import load_game

__all__ = ["power"]


def _exact(values: dict[str, Fraction]) -> dict[str, str]:
    return {name: str(value) for name, value in values.items()}


def _floats(values: dict[str, Fraction]) -> dict[str, float]:
    return {name: float(value) for name, value in values.items()}


@main.command()
@click.argument("rule_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the indices as JSON.")
@click.option(
    "--no-shapley",
    "no_shapley",
    is_flag=True,
    help="Banzhaf only (Shapley–Shubik counts by coalition size: slower on large games).",
)
@reports_errors
def power(rule_file: str, as_json: bool, no_shapley: bool) -> None:
    """Voting power of the members of the game in RULE_FILE (YAML or JSON).

    The file gives members with weights (one criterion, or several by name)
    and a quota, rules that must all be met, or alternatives of rule sets, and
    optionally vetoes; see docs/power.md. Indices are exact (fractions); the
    table shows them as decimals and --json gives both.
    """
    loaded = load_game(rule_file)
    game = loaded.game
    started = time.perf_counter()
    report = power_report(game, shapley=not no_shapley)
    seconds = time.perf_counter() - started
    shapley = dict(report.shapley_shubik) if report.shapley_shubik is not None else None
    if as_json:
        data: dict[str, object] = {
            "title": game.title,
            "file": rule_file,
            "members": list(game.players),
            "criteria": list(loaded.criteria),
            "weights": loaded.weights,
            "rule": game.describe(),
            "swings": dict(report.swings),
            "banzhaf": _floats(dict(report.banzhaf)),
            "banzhaf_exact": _exact(dict(report.banzhaf)),
            "banzhaf_absolute": _floats(dict(report.banzhaf_absolute)),
            "banzhaf_absolute_exact": _exact(dict(report.banzhaf_absolute)),
        }
        if shapley is not None:
            data["shapley_shubik"] = _floats(shapley)
            data["shapley_shubik_exact"] = _exact(shapley)
        data["seconds"] = round(seconds, 6)
        emit_json(data)
        return
    if game.title:
        click.echo(game.title)
    click.echo(f"{game.n} members; wins: {game.describe()}")
    criteria = loaded.criteria
    width = max(len("member"), *(len(name) for name in game.players))
    widths = [max(len(c), *(len(w.get(c, "")) for w in loaded.weights.values())) for c in criteria]
    head = f"{'member':<{width}}  " + "  ".join(
        f"{c:>{w}}" for c, w in zip(criteria, widths, strict=True)
    )
    head += f"  {'Banzhaf':>9}" + (f"  {'Shapley–Shubik':>14}" if shapley is not None else "")
    click.echo(head)
    for name in game.players:
        line = f"{name:<{width}}  " + "  ".join(
            f"{loaded.weights[name].get(c, ''):>{w}}" for c, w in zip(criteria, widths, strict=True)
        )
        line += f"  {float(report.banzhaf[name]):>9.5f}"
        if shapley is not None:
            line += f"  {float(shapley[name]):>14.5f}"
        click.echo(line)
    click.echo(f"exact fractions: charter power {rule_file} --json ({seconds:.3f} s)")
