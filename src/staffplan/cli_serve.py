"""``staffplan serve``: the HTTP API and the dashboard over a plan store, with uvicorn.

Registered in :mod:`staffplan.cli` as ``app.command("serve")(serve)``; also runnable alone as
``python -m staffplan.cli_serve --store DIR``.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["serve"]


def serve(
    store: Annotated[
        Path, typer.Option("--store", help="The plan store's folder (created if missing).")
    ],
    host: Annotated[
        str, typer.Option(help="Address to listen on; the default serves this machine only.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            exists=True,
            dir_okay=False,
            help="File holding the bearer token writes need (default: $STAFFPLAN_TOKEN).",
        ),
    ] = None,
) -> None:
    """Serve the plans of a store as JSON, what-if jobs and the dashboard over HTTP.

    Reads need no token. Writes (start a what-if, delete a plan) need
    ``Authorization: Bearer <token>``; without a token they are disabled. There is no TLS:
    keep the default host, or put a TLS proxy in front.
    """
    import uvicorn

    from staffplan.api import create_app
    from staffplan.api.security import TOKEN_ENV, load_token
    from staffplan.store import PlanStore

    try:
        token = load_token(token_file)
    except (OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    plan_store = PlanStore(store)
    app = create_app(plan_store, token=token)
    typer.echo(f"staffplan API and dashboard on {_url(host, port)}")
    typer.echo(f"store: {plan_store.root} ({plan_store.count()} plans)")
    if token is None:
        typer.echo(f"writes disabled: no token (set {TOKEN_ENV} or pass --token-file)")
    else:
        typer.echo("writes need 'Authorization: Bearer <token>'")
    if not _is_loopback(host):
        typer.echo(f"warning: {host} is reachable from other machines and there is no TLS")
    uvicorn.run(app, host=host, port=port, log_level="info")


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


if __name__ == "__main__":
    typer.run(serve)
