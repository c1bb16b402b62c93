"""`charter tally`: count a ballot file by a registered method, with its rounds and a chart."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from charter.cli.app import emit_json, main, reports_errors
from charter.domain.tally import TallyResult, methods, run_tally
from charter.formats.ballots import read_ballots

__all__ = ["tally"]


class _Progress:
    """Progress lines on stderr, each with the seconds since the command started.

    On with --progress, off with --no-progress, and otherwise on only where someone is
    watching (stderr is a terminal). The count reports each round or stage as it ends.
    """

    def __init__(self, enabled: bool | None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self.started
            click.echo(f"[{elapsed:8.2f} s] {message}", err=True)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.5f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


def _rounds_table(result: TallyResult, candidates: tuple[str, ...]) -> str:
    width = max((len(name) for name in candidates), default=10) + 2
    lines: list[str] = []
    for index, round_ in enumerate(result.rounds, start=1):
        number = round_.get("round", round_.get("stage", index))
        head = f"round {number}"
        if "quota" in round_:
            head += f" (quota {_number(round_['quota'])})"
        lines.append(head)
        tallies = round_.get("tallies")
        if isinstance(tallies, dict):
            for name in candidates:
                if name in tallies:
                    lines.append(f"  {name:<{width}} {_number(tallies[name]):>14}")
        for key, value in round_.items():
            if key not in ("round", "stage", "tallies", "quota"):
                shown = value if isinstance(value, (dict, list)) else _number(value)
                lines.append(f"  {key}: {shown}")
    return "\n".join(lines)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--method", "method_name", required=True, help="A registered method (see --list).")
@click.option(
    "--seats", type=int, default=None, help="Seats to fill (default: the file's, else 1)."
)
@click.option(
    "--seed", default=None, help="Break ties by this recorded seed instead of candidate order."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--rounds", "show_rounds", is_flag=True, help="Show the count round by round.")
@click.option(
    "--plot", type=click.Path(dir_okay=False), default=None, help="Draw the count (PNG or SVG)."
)
@click.option(
    "--progress/--no-progress",
    "show_progress",
    default=None,
    help="Report reading and each round of the count on stderr (default: when it is a terminal).",
)
@reports_errors
def tally(
    file: str,
    method_name: str,
    seats: int | None,
    seed: str | None,
    as_json: bool,
    show_rounds: bool,
    plot: str | None,
    show_progress: bool | None,
) -> None:
    """Count the ballots in FILE (.blt, .soc/.soi/.toc/.toi, .csv) by METHOD.

    Methods:"""
    say = _Progress(show_progress)
    started = time.perf_counter()
    say(f"reading {file}")
    ballots = read_ballots(file)
    profile = ballots.profile
    read_seconds = time.perf_counter() - started
    chosen = seats if seats is not None else (ballots.seats or 1)
    say(f"read {_number(profile.total)} ballots ({len(profile.counts):,} distinct)")
    counted = time.perf_counter()
    result = run_tally(method_name, profile, chosen, seed, listener=say)
    count_seconds = time.perf_counter() - counted
    if plot:
        from charter.plots import plot_count

        plot_count(result, profile.candidates, plot, ballots.title)
    if as_json:
        emit_json(
            {
                **result.as_dict(),
                "seats": chosen,
                "ballots": profile.total,
                "title": ballots.title,
                "seconds": {"read": round(read_seconds, 6), "count": round(count_seconds, 6)},
            }
        )
        return
    title = f"{ballots.title}: " if ballots.title else ""
    click.echo(
        f"{title}{result.method}, {chosen} seat{'s' if chosen != 1 else ''}, {_number(profile.total)} ballots"
    )
    click.echo(f"elected: {', '.join(result.winners) if result.winners else 'nobody'}")
    for tie in result.tie_breaks:
        click.echo(
            f"tie among {', '.join(tie.among)} ({tie.purpose}) broken by {tie.rule}: {tie.chose}"
        )
    if show_rounds and result.rounds:
        click.echo(_rounds_table(result, profile.candidates))
    if plot:
        click.echo(f"chart written to {plot}")


tally.help = (tally.help or "") + ", ".join(sorted(methods())) + "."
