"""`charter serve` (the web app) and `charter account` (sign-in for members)."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import click

from charter.cli.app import db_option, main, reports_errors

__all__ = ["account", "serve"]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@main.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--demo",
    is_flag=True,
    help="Serve the 1923 example with demo accounts (their passwords are printed once).",
)
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1), help="Worker processes."
)
@click.option(
    "--insecure-cookies",
    is_flag=True,
    help="Send cookies over plain HTTP (local use only; the default is Secure cookies, for HTTPS).",
)
@reports_errors
def serve(
    db: str | None, host: str, port: int, demo: bool, workers: int, insecure_cookies: bool
) -> None:
    """Start the web application (JSON API at /api, schema at /openapi.json, pages at /)."""
    import uvicorn

    from charter.web.app import ENV_DB, ENV_INSECURE, ENV_KEYS

    key_dir: Path | None = None
    if demo:
        from charter.web.demo import DEMO_PEOPLE, DEMO_POLITY, prepare_demo

        prepared = prepare_demo(db)
        db, key_dir = prepared.db_url, prepared.key_dir
        insecure_cookies = insecure_cookies or _loopback(host)
        click.echo(f"demo: {DEMO_POLITY} replayed into {db}")
        click.echo("demo accounts (passwords shown once, new at every start):")
        for person, password in prepared.passwords.items():
            click.echo(f"  {person:<10} {password}   ({DEMO_PEOPLE[person]})")
    scheme = "http" if insecure_cookies else "https (behind your TLS proxy)"
    click.echo(f"open http://{host}:{port}/  [{scheme}]", err=False)
    if db is not None:
        os.environ[ENV_DB] = db
    if key_dir is not None:
        os.environ[ENV_KEYS] = str(key_dir)
    if insecure_cookies:
        os.environ[ENV_INSECURE] = "1"
    uvicorn.run(
        "charter.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
    )


@main.group()
def account() -> None:
    """Accounts for members to sign in to the web application."""


@account.command("add")
@click.argument("polity")
@click.argument("person")
@db_option
@reports_errors
def account_add(polity: str, person: str, db: str | None) -> None:
    """Give PERSON, a member of POLITY, an account; prints a one-time password."""
    from charter.cli.ledger_access import service
    from charter.web.accounts import AccountError, AccountStore

    with service(db) as polities:
        if person not in polities.polity(polity).state.members:
            raise AccountError(f"{person} is not a member of {polity}: admit them first")
        password = AccountStore(polities.store.engine).add(polity, person)
    click.echo(f"account for {person} in {polity}; one-time password: {password}")
