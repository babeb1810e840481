"""Fixtures of the browser tests: the page served by ``policysim app``, and Debian's chromium.

The server is started by the test on a free loopback port, in a temporary folder (the page
writes its runs to reports/app/ there), and is ready when its URL answers: the fixture polls
the URL, with a deadline, instead of sleeping. Chromium is the system's (``/usr/bin/chromium``
or ``chromium`` on PATH), driven by Playwright without any browser download; without it the
tests are skipped with that reason (``make test`` says so, ``.ci/run`` installs it).

Screenshots go to tests/artefacts/ (ignored by git): look at them after a run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SERVER_START_S = 90  # a cold start imports panel, bokeh, pandas and the model on 2 busy cores


def chromium() -> str | None:
    """Path of the system's chromium, or None."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if chromium() is None:
        return "no chromium binary (apt-get install chromium; .ci/run does)"
    for module, extra in (("playwright", "dev"), ("panel", "app")):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (pip install '.[{extra}]')"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log if it dies or is late."""
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"policysim app exited with {proc.returncode}:\n{log.read_text()}")
        try:
            # the first page takes seconds to build on a busy machine: wait for it whole
            with urllib.request.urlopen(url, timeout=max(1.0, deadline - time.monotonic())) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling interval, not a wait for something to happen
    pytest.fail(f"policysim app did not answer {url} within {SERVER_START_S} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """URL of a running ``policysim app`` and the folder it runs in."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    import policysim

    folder = tmp_path_factory.mktemp("app")
    port = free_port()
    src = str(Path(policysim.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    log = folder / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "policysim.cli", "app", "--host", "127.0.0.1",
             "--port", str(port)],
            cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url, proc, log)
        yield url, folder
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser_context():
    """A headless chromium with a fresh profile."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    ARTEFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=chromium(), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1300, "height": 1000}, accept_downloads=True,
        )
        ctx.set_default_timeout(60_000)
        yield ctx
        ctx.close()


@pytest.fixture
def page(server, browser_context):
    """A new tab on the what-if page, loaded (the forms are there)."""
    url, _ = server
    tab = browser_context.new_page()
    tab.goto(url)
    tab.locator(".f-current-base_salary input").wait_for()
    tab.get_by_text("30 agents in 3 teams").first.wait_for()  # text panes draw after inputs
    yield tab
    tab.close()


@pytest.fixture
def shot():
    """``shot(tab, name)`` saves a full-page screenshot to tests/artefacts/<name>.png."""

    def save(tab, name: str) -> Path:
        path = ARTEFACTS / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return save
