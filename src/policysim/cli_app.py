"""``policysim app``: the what-if page for managers (docs/app.md).

Kept apart from cli.py so Panel is imported only when the page is asked for; cli.py adds
the command with ``register(app)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def app_command(
    scenario: Annotated[
        Optional[Path],
        typer.Argument(help="Scenario YAML file to open first (default: a built-in store).",
                       show_default=False),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8765,
) -> None:
    """Serve a local what-if page: edit the current and a proposed scheme, run, compare."""
    from policysim.app.server import serve

    serve(scenario, host, port)


def register(app: typer.Typer) -> None:
    """Add the ``app`` command to the policysim app."""
    app.command("app")(app_command)
