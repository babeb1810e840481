"""Downloads of a finished run: its scenario file, and the full HTML report on request.

The scenario file is the one that ran (:func:`policysim.app.whatif.write`). The HTML report
is what ``policysim report FILE --notebook policy_switch -p switch_scheme PATH`` writes: the
page runs :func:`policysim.report.render.render` on a thread (the notebook itself runs in a
Jupyter kernel process) and shows its progress lines; the same seed gives the same numbers
as the page.
"""

from __future__ import annotations

import threading
from pathlib import Path

import panel as pn

from policysim.errors import UserError
from policysim.report.switch import Plan


def report_values(path_name: str) -> dict:
    """The notebook parameters of a run's report: read the switch from the path scheme."""
    return {"switch_scheme": path_name}


def downloads(scenario: Path, plan: Plan, folder: Path):
    """A row: download the scenario file; build, then download, the HTML report."""
    file_button = pn.widgets.FileDownload(
        file=str(scenario), filename=scenario.name,
        label=f"Download the scenario ({scenario.name})",
        button_type="success", css_classes=["download-scenario"], embed=False,
    )
    report = ReportButton(scenario, plan, folder)
    return pn.Column(pn.Row(file_button, report.button, report.download), report.status)


class ReportButton:
    """Build the HTML report of a run in the background, then offer it for download."""

    def __init__(self, scenario: Path, plan: Plan, folder: Path):
        self.scenario, self.plan, self.folder = scenario, plan, folder
        self.button = pn.widgets.Button(label="Build the full HTML report",
                                        css_classes=["build-report"])
        self.download = pn.widgets.FileDownload(label="Download the HTML report", visible=False,
                                                button_type="success", embed=False,
                                                css_classes=["download-report"])
        self.status = pn.pane.Markdown("", css_classes=["report-status"])
        self.lines: list[str] = []
        self.html: Path | None = None
        self.failure: str | None = None
        self.poller = None
        self.button.on_click(lambda e: self.start())

    def start(self) -> None:
        self.button.disabled = True
        self.lines = ["starting the report notebook..."]
        threading.Thread(target=self._render, daemon=True).start()
        self.poller = pn.state.add_periodic_callback(self.poll, period=500)

    def _render(self) -> None:
        from policysim.report.render import render

        try:
            self.html = render("policy_switch", self.scenario, self.folder / "report",
                               report_values(self.plan.scheme), log=self.lines.append)
        except UserError as err:
            self.failure = err.message
        except Exception as err:  # noqa: BLE001 - shown on the page, not a traceback
            self.failure = f"{type(err).__name__}: {err}"

    def poll(self) -> None:
        self.status.object = self.lines[-1] if self.lines else ""
        if self.html is None and self.failure is None:
            return
        self.poller.stop()
        self.button.disabled = False
        if self.failure is not None:
            self.status.object = f"The report failed: {self.failure}"
            return
        self.download.file = str(self.html)
        self.download.filename = self.html.name
        self.download.visible = True
        self.status.object = f"Report written to {self.html}"
