"""Serve the what-if page on a local address until Ctrl-C.

Panel (on Bokeh's Tornado server) builds a fresh :class:`policysim.app.page.Page` for every
browser tab; the page's runs go to worker processes, so the server itself only moves
widgets.
"""

from __future__ import annotations

from pathlib import Path

from policysim.errors import UserError


def scenarios_dir() -> Path:
    """The project's scenarios/ (beside src/ in a checkout), else ./scenarios."""
    here = Path(__file__).resolve().parents[3] / "scenarios"
    return here if here.is_dir() else Path.cwd() / "scenarios"


def check_host(host: str) -> None:
    """Refuse a ``--host`` the page server cannot listen on: an empty one, or an IPv6
    address (Bokeh's list of allowed page origins takes only names and IPv4 addresses)."""
    if not host.strip():
        raise UserError(f"--host: expected a host name or address (127.0.0.1: this machine "
                        f"only), found {host!r}")
    if ":" in host:
        raise UserError(f"--host: expected a host name or IPv4 address (the page server "
                        f"cannot take an IPv6 address), found {host!r}")


def serve(scenario: Path | None, host: str, port: int, runs_dir: Path | None = None) -> None:
    """Serve the page at http://HOST:PORT/ (blocks).

    Args:
        scenario: Store to open first (default: the first built-in one).
        host: Address to listen on (127.0.0.1: this machine only).
        port: TCP port.
        runs_dir: Where runs are written (default reports/app/).

    Raises:
        UserError: Panel is not installed, or the scenario file is invalid.
    """
    check_host(host)
    try:
        import panel as pn
    except ImportError:
        raise UserError("policysim app needs Panel: pip install 'policysim[app]'") from None
    from policysim.app import whatif
    from policysim.app.page import page

    if scenario is not None:
        whatif.first_question(whatif.open_store(scenario))  # a bad file: its message, exit 2
    stores = whatif.builtin_stores(scenarios_dir())
    runs = runs_dir or whatif.RUNS_DIR
    origins = [f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    pn.extension(notifications=False)
    try:
        pn.serve({"/": lambda: page(stores, scenario, runs)}, address=host, port=port,
                 show=False, title="policysim: what if we change pay?",
                 websocket_origin=origins, print_url=False)
    except OSError as err:  # the port is taken, or the address is not this machine's
        raise UserError(f"--host {host} --port {port}: expected a free local address, found "
                        f"{err.strerror or err}") from None
