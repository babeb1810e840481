"""The what-if page: a store, the scheme paid today, the one proposed, and what would change.

One :class:`Page` per browser tab (Panel calls :func:`page` for every new session), so two
tabs hold two questions and two runs. The manager picks a store (or uploads a scenario
file), edits both schemes in forms generated from the schema (:mod:`policysim.app.forms`),
sets the switch day, horizon and replications, and presses Run. The question is written as
a scenario file and validated as the command line would (:mod:`policysim.app.whatif`); a
problem is shown beside the input it belongs to. A valid question runs in worker processes
(:mod:`policysim.app.runs`) while a progress bar moves; Cancel stops them. Each finished run
is added on top of the results, earlier ones stay below, each with its scenario file and
the full HTML report (``policysim report --notebook policy_switch``) to download.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import panel as pn

from policysim.app import forms, whatif
from policysim.app.results import Finding, build
from policysim.config.pay import SchemeSpec
from policysim.errors import ConfigError, UserError
from policysim.results.measures import plural
from policysim.report.switch import Plan

POLL_MS = 300


class SchemeForm:
    """A scheme to edit: which of the store's schemes it starts from, and its fields."""

    def __init__(self, side: str, title: str):
        self.side = side
        self.start = pn.widgets.Select(label="start from the store's scheme", options=[],
                                       css_classes=[f"f-{side}-start"], width=240)
        self.editor = forms.ModelEditor((side,), SchemeSpec, None)
        self.view = pn.Column(f"### {title}", self.start, self.editor.view, width=560)

    def load(self, store: whatif.Store, name: str) -> None:
        self.start.options = store.schemes
        self.start.value = name
        self.editor.set(whatif.scheme_data(store, name))

    def spec(self) -> dict:
        return self.editor.get()[1]


class Page:
    """One tab's page."""

    def __init__(self, scenarios: dict[str, Path], first: Path | None, runs_dir: Path):
        self.runs_dir = runs_dir
        self.store: whatif.Store | None = None
        self.run = None
        self.pending: dict | None = None
        self.count = 0
        self.uploads = 0
        self.builtin = pn.widgets.Select(label="built-in store", options=list(scenarios),
                                         css_classes=["f-store"], width=240)
        self.scenarios = dict(scenarios)
        self.upload = pn.widgets.FileInput(accept=".yaml,.yml", css_classes=["f-upload"])
        self.store_info = pn.pane.Markdown("", css_classes=["store-info"])
        self.store_error = forms.Messages(("store",))
        self.current = SchemeForm("current", "Current scheme (paid today)")
        self.proposed = SchemeForm("proposed", "Proposed scheme")
        self.day = forms.NumberEditor(("switch_day",), "switch day", int, 1)
        self.days = forms.NumberEditor(("sim", "days"), "horizon (days)", int, 365)
        self.reps = forms.RepsEditor(("sim", "reps"))
        self.general = forms.Messages(("general",))
        self.run_button = pn.widgets.Button(label="Run", button_type="primary",
                                            css_classes=["run"], width=120)
        self.cancel_button = pn.widgets.Button(label="Cancel", button_type="warning",
                                               css_classes=["cancel"], width=120, disabled=True)
        self.bar = pn.indicators.Progress(value=0, max=1, width=400, visible=False,
                                          css_classes=["run-progress"])
        self.status = pn.pane.Markdown("", css_classes=["status"])
        self.results = pn.Column(css_classes=["results"], sizing_mode="stretch_width")
        self.builtin.param.watch(lambda e: self.open(self.scenarios[e.new]), "value")
        self.upload.param.watch(self._uploaded, "value")
        self.current.start.param.watch(lambda e: self._restart(self.current, e.new), "value")
        self.proposed.start.param.watch(lambda e: self._restart(self.proposed, e.new), "value")
        self.run_button.on_click(lambda e: self.start())
        self.cancel_button.on_click(lambda e: self.cancel())
        self._poller = None
        if pn.state.curdoc is not None:  # a tab closed mid-run leaves no processes behind
            pn.state.on_session_destroyed(lambda context: self.cancel())
        self.view = self._layout()
        if first is not None:
            self.open(first)
        elif scenarios:
            self.open(next(iter(scenarios.values())))

    def _layout(self):
        question = pn.Column(
            "## 1. The store",
            pn.Row(self.builtin, pn.Column("or upload a scenario file", self.upload)),
            self.store_error.view, self.store_info,
            "## 2. The schemes",
            pn.Row(self.current.view, self.proposed.view),
            "## 3. The switch",
            pn.Row(self.day.view, self.days.view, self.reps.view),
            pn.Row(self.run_button, self.cancel_button, self.bar),
            self.status, self.general.view,
        )
        return pn.Column(
            "# What if we change how we pay the chat team?",
            "Compare paying the proposed scheme from the switch day with staying on the "
            "current one: the same buyers, hires and luck on both paths (common random "
            "numbers), differences with 95% confidence intervals across replications.",
            question, "## 4. Results", self.results, sizing_mode="stretch_width",
        )

    # ------------------------------------------------------------------ the question
    def open(self, path: Path) -> None:
        """Load a store's scenario file into the forms (a bad file: its message, forms kept)."""
        self.store_error.clear()
        try:
            store = whatif.open_store(path)
            q = whatif.first_question(store)
        except UserError as err:
            self.store_error.show(err.message)
            return
        self.store = store
        scn = store.scenario
        self.store_info.object = (
            f"**{scn.name}** ({path.name}): {scn.n_agents} agents in {len(scn.teams)} teams, "
            f"about {scn.demand.daily_volume:,.0f} inquiries a day. {scn.description.strip()}"
        )
        self.current.load(store, q.current)
        self.proposed.load(store, self.proposed_start(store, q))
        self.day.set(q.switch_day)
        self.days.set(q.days)
        self.reps.set("auto")  # the page's default: replicate until precise enough

    @staticmethod
    def proposed_start(store: whatif.Store, q: whatif.Question) -> str:
        return q.proposed if q.proposed in store.schemes else q.current

    def _uploaded(self, event) -> None:
        if event.new is None:  # cleared; an empty file (b"") is read and refused
            return
        name = Path(self.upload.filename or "upload.yaml").name
        if not name.endswith((".yaml", ".yml")):
            self.store_error.show(f"{name}: expected a .yaml scenario file")
            return
        # a folder per upload: two tabs may upload files of one name
        self.uploads += 1
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder = self.runs_dir / "uploads" / f"{stamp}-{id(self):x}-{self.uploads}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(event.new)
        self.open(path)

    def _restart(self, form: SchemeForm, name: str | None) -> None:
        if self.store is not None and name in self.store.schemes:
            form.editor.set(whatif.scheme_data(self.store, name))

    def question(self) -> whatif.Question:
        """The question as the forms say; a blank switch/horizon/replications box is refused
        beside it."""
        values = {}
        for key, editor in (("switch_day", self.day), ("days", self.days), ("reps", self.reps)):
            given, v = editor.get()
            if not given:
                editor.show(f"{key}: expected a whole number, found nothing")
                raise _Shown()
            values[key] = v
        if values["switch_day"] < 1:
            self.day.show(f"switch day: expected a day of at least 1 (day 0 is the first day "
                          f"simulated: a switch on it is no switch), found {values['switch_day']}")
            raise _Shown()
        reps = values["reps"]
        if not (reps == "auto" or isinstance(reps, int) and reps >= 1):
            self.reps.show(f"sim.reps: expected auto or a whole number of at least 1, "
                           f"found {reps!r}")
            raise _Shown()
        cur = self.current.start.value
        return whatif.Question(
            cur, self.current.spec(),
            whatif.proposed_name(cur, self.proposed.start.value), self.proposed.spec(),
            values["switch_day"], values["days"], values["reps"],
        )

    def _clear(self) -> None:
        for editor in (self.current.editor, self.proposed.editor, self.day, self.days,
                       self.reps, self.general):
            editor.clear()

    def place(self, q: whatif.Question, err: UserError) -> None:
        """Show each problem beside its input (the rest under the Run button)."""
        problems = err.problems if isinstance(err, ConfigError) else []
        if not problems:
            self.general.show(err.message)
        for p in problems:
            keys = tuple(p.key.split(".")) if p.key else ()
            self.editor_for(q, keys).show(str(p))

    def editor_for(self, q: whatif.Question, keys: tuple[str, ...]) -> forms.Messages:
        if keys[:2] == ("sim", "days"):
            return self.days
        if keys[:2] == ("sim", "reps"):
            return self.reps
        if keys[:1] == ("schemes",) and len(keys) > 1:
            if keys[1] == q.path_name:
                return self.day
            if keys[1] == q.current:
                return self.current.editor.find(keys[2:])
            if keys[1] == q.proposed:
                return self.proposed.editor.find(keys[2:])
        return self.general

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        """Validate the question and start it in worker processes."""
        from policysim.app.runs import Run
        from policysim.experiment.auto import AutoSpec

        if self.run is not None and not self.run.over or self.store is None:
            return
        self._clear()
        try:
            q = self.question()
        except _Shown:
            return
        self.count += 1
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder = self.runs_dir / f"{self.store.scenario.name}-{stamp}-{self.count}"
        path = whatif.write(self.store, q, folder)
        try:
            scn = whatif.check(path)
        except UserError as err:
            self.place(q, err)
            return
        plan = Plan(q.current, q.proposed, q.switch_day, q.path_name)
        self.run = Run(scn, [q.current, q.path_name],
                       auto=AutoSpec() if q.reps == "auto" else None)
        self.pending = {"plan": plan, "path": path, "folder": folder, "finding": None,
                        "store": self.store, "question": q,
                        "title": f"Run {self.count}: {scn.name}, {q.current} -> {q.proposed} "
                                 f"on day {q.switch_day}, {q.days} days, "
                                 + ("replications until precise (--reps auto)"
                                    if q.reps == "auto" else plural(q.reps, "replication"))}
        self.bar.max, self.bar.value, self.bar.visible = self.run.total, 0, True
        self.run_button.disabled, self.cancel_button.disabled = True, False
        self.status.object = "Starting the worker processes..."
        self._poller = pn.state.add_periodic_callback(self.poll, period=POLL_MS)

    def cancel(self) -> None:
        if self.run is not None and not self.run.over:
            self.run.cancel()

    def poll(self) -> None:
        """Move the bar; when the run is over, show its results or why it stopped."""
        run, pending = self.run, self.pending
        if run is None or pending is None:
            return
        self.bar.max, self.bar.value = max(1, run.total), run.done
        self.status.object = "Replications done: " + ", ".join(
            f"{n} {d}/{t}" for n, (d, t) in run.progress().items())
        if not run.over:
            return
        if run.cancelled or run.error:
            self._stop("Cancelled: earlier results are kept below." if run.cancelled
                       else f"The run failed: {run.error}")
            return
        if pending["finding"] is None:
            pending["finding"] = "building"
            self.status.object = "All replications done; building the tables and figures..."
            threading.Thread(target=self._build, args=(run, pending), daemon=True).start()
            return
        if isinstance(pending["finding"], Finding):
            self.results.insert(0, self.card(pending["finding"], pending))
            self._stop(f"Done: {pending['title']}.")
        elif isinstance(pending["finding"], str) and pending["finding"] != "building":
            self._stop(pending["finding"])

    def _build(self, run, pending: dict) -> None:
        try:
            q = pending["question"]
            if q.reps == "auto":  # the file offered is the one that ran: its replications
                whatif.write(pending["store"], dataclasses.replace(q, reps=run.reps),
                             pending["folder"], auto=run.auto_result.text())
                pending["title"] += f" ({run.auto_result.text()})"
            pending["finding"] = build(run.results(), pending["plan"], pending["title"],
                                       pending["folder"])
        except Exception as err:  # noqa: BLE001 - shown on the page, not a traceback
            pending["finding"] = f"Building the results failed: {type(err).__name__}: {err}"

    def _stop(self, text: str) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None
        self.run.close()
        self.bar.visible = False
        self.run_button.disabled, self.cancel_button.disabled = False, True
        self.status.object = text

    def card(self, finding: Finding, pending: dict):
        from policysim.app.downloads import downloads

        for old in self.results.objects:
            old.collapsed = True
        body = [
            pn.pane.Markdown("\n\n".join(f"**{t}**" for t in finding.verdicts),
                             css_classes=["verdict"]),
            "#### Paired differences (95% confidence intervals across replications)",
            pn.pane.DataFrame(finding.differences, css_classes=["differences"]),
            "#### The team month by month through the switch (mean [95% CI])",
            pn.pane.PNG(finding.figures["team"], width=900),
            pn.pane.DataFrame(finding.team, css_classes=["team"]),
            "#### Service by hour of day",
            pn.pane.PNG(finding.figures["hours"], width=900),
            downloads(pending["path"], pending["plan"], pending["folder"]),
        ]
        return pn.Card(*body, title=finding.title, sizing_mode="stretch_width",
                       css_classes=["finding"])


class _Shown(Exception):
    """A problem already shown beside its input."""


def page(scenarios: dict[str, Path], first: Path | None, runs_dir: Path):
    """A new page (one per browser tab)."""
    return Page(scenarios, first, runs_dir).view
