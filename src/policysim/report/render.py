"""Run a report notebook with papermill and export it as a self-contained HTML page.

``render("scenario_report", "scenarios/baseline.yaml")`` does what ``policysim report``
does:

1. checks the notebook name and the parameters against the notebook's declared spec
   (:mod:`policysim.report.params`) and validates the scenario with them applied, so every
   mistake a user can fix is reported before a kernel starts;
2. executes ``notebooks/<name>.ipynb`` with papermill in the project's own Jupyter kernel
   (``policysim``, installed into the venv by ``make``; when it is not installed, as after a
   plain ``pip install '.[notebooks]'``, a kernel of the running interpreter, see
   :mod:`policysim.report.kernel`) with a per-cell timeout, writing ``<out>/<name>.ipynb``
   and the notebook's parquet tables to ``<out>/<name>/``, and printing the replications
   done per scheme as they finish (:mod:`policysim.report.progress`);
3. exports ``<out>/<name>.html`` with nbconvert, code hidden, images embedded (base64).

``<out>`` is ``reports/<scenario name>/`` unless given. A notebook that fails mid-way
leaves the executed notebook (the error beside the cell that raised it, papermill's banner
at the top) and its HTML, and :func:`render` raises a ``UserError`` naming both.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from policysim.errors import UserError
from policysim.report import params as P

_REMOTE_SCRIPT = re.compile(r'<script[^>]*\ssrc="https?://[^"]*"[^>]*>\s*</script>\s*')
KERNEL = "policysim"
TIMEOUT_S: int | None = None  # no per-cell limit unless asked (--timeout)


def notebooks_dir() -> Path:
    """The project's notebooks/ (beside src/ in a checkout), else ./notebooks."""
    here = Path(__file__).resolve().parents[3] / "notebooks"
    return here if here.is_dir() else Path.cwd() / "notebooks"


def notebook_path(name: str) -> Path:
    P.spec(name)
    path = notebooks_dir() / f"{name}.ipynb"
    if not path.is_file():
        raise UserError(f"--notebook {name}: {path} is missing")
    return path


def prepare(notebook: str, values: dict[str, Any]):
    """Validate the scenario as the notebook will load it; return the Scenario."""
    if notebook == "policy_switch":
        from policysim.report.switch import load

        return load(values)[0]
    from policysim.report.data import load_scenario

    scn = load_scenario(values)
    if notebook == "validation":
        from policysim.report.validation import parse_loads

        parse_loads(values.get("loads", ""))
    if notebook == "field_claims":
        from policysim.report.claims import check_roles

        check_roles(scn, values)
    if scn.schemes and (values.get("schemes") or values.get("baseline")):
        from policysim.experiment.compare import pick_schemes

        pick_schemes(scn, values.get("schemes") or None, values.get("baseline") or None,
                     ("-p schemes", "-p baseline"))
    return scn


def to_html(nb_path: Path, html_path: Path, title: str) -> Path:
    """Export an executed notebook to HTML without code cells (images embedded)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(nb_path, as_version=4)
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    # self-contained: no script fetched from the network (the report needs neither MathJax
    # nor require.js; figures are embedded PNGs)
    body = _REMOTE_SCRIPT.sub("", body)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def _kernel_manager(log_path: Path, progress_path: Path, spec_manager=None):
    """A kernel manager class whose kernel writes its stderr (start-up chatter, warnings)
    to ``log_path`` instead of the terminal, reports progress to ``progress_path`` and, given
    ``spec_manager``, finds its kernelspec there."""
    from jupyter_client.manager import AsyncKernelManager

    from policysim.report.progress import ENV

    class LoggedKernelManager(AsyncKernelManager):
        def __init__(self, **kw):
            super().__init__(**kw)
            if spec_manager is not None:
                self.kernel_spec_manager = spec_manager

        async def start_kernel(self, **kw):  # type: ignore[override]
            self._log_file = open(log_path, "ab")  # noqa: SIM115 - closed in cleanup
            kw.setdefault("stderr", self._log_file)
            kw["env"] = {**(kw.get("env") or os.environ), ENV: str(progress_path)}
            return await super().start_kernel(**kw)

        async def shutdown_kernel(self, *args, **kw):  # type: ignore[override]
            try:
                return await super().shutdown_kernel(*args, **kw)
            finally:
                log = getattr(self, "_log_file", None)
                if log is not None:
                    log.close()

    return LoggedKernelManager


def _failure(nb_path: Path) -> str:
    """'cell N: Kind: message' of the first error output of an executed notebook."""
    import nbformat

    try:
        nb = nbformat.read(nb_path, as_version=4)
    except Exception:  # noqa: BLE001 - the notebook may not have been written at all
        return "unknown error"
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"cell {cell.get('execution_count')}: {out['ename']}: {out['evalue']}"
    return "unknown error"


def render(
    notebook: str,
    scenario: str | Path,
    out: str | Path | None = None,
    values: dict[str, Any] | None = None,
    kernel: str = KERNEL,
    timeout: int | None = TIMEOUT_S,
    log=None,
) -> Path:
    """Execute ``notebook`` on ``scenario``; return the path of the HTML report.

    Args:
        notebook: One of :data:`policysim.report.params.NOTEBOOKS`.
        scenario: Scenario YAML file.
        out: Output directory (default reports/<scenario name>/).
        values: Typed notebook parameters (besides scenario and out_dir).
        kernel: Jupyter kernel to run in.
        timeout: Per-cell timeout in seconds (None: no limit).
        log: Callable taking a line of progress text (default: stderr).

    Raises:
        UserError: Unknown notebook or parameter, ill-typed value, invalid scenario, missing
            kernel, or a notebook that failed (naming the executed notebook).
    """
    import papermill as pm

    log = log or (lambda text: print(text, file=sys.stderr))
    spec = P.spec(notebook)
    given = dict(values or {})
    for name in given:
        if name in P.SET_BY_COMMAND:
            raise UserError(f"-p {name}: set by {P.SET_BY_COMMAND[name]}, not by -p")
        if name not in spec:
            raise UserError(f"-p {name}: unknown parameter of notebook {notebook}")
        given[name] = P.coerce(spec[name], given[name], f"-p {name}")
    src = notebook_path(notebook)
    scenario = Path(scenario).resolve() if Path(scenario).exists() else Path(scenario)
    full = {**P.defaults(notebook), **given, "scenario": str(scenario), "out_dir": ""}
    scn = prepare(notebook, full)
    from policysim.report.data import safe_name

    from policysim.results.runstore import make_out_dir

    base = make_out_dir(Path(out) if out is not None else Path("reports") / safe_name(scn.name))
    base = base.resolve()
    results = base / notebook
    nb_path, html_path = base / f"{notebook}.ipynb", base / f"{notebook}.html"
    log_path = base / f"{notebook}.kernel.log"
    for path in (results, nb_path, html_path):  # fixed names; a symlink could still point out
        if path.resolve().parent != base:
            raise UserError(f"--out {base}: {path.name} resolves outside it ({path.resolve()})")
    # refused now rather than after the simulations, when the notebook writes them
    if results.exists() and not results.is_dir():
        raise UserError(f"--out {base}: {results.name}: expected a directory for the results "
                        "(or nothing), found a file")
    for path in (nb_path, html_path, log_path):
        if path.is_dir():
            raise UserError(f"--out {base}: {path.name}: expected a file (or nothing), found a "
                            "directory")
    import tempfile

    from policysim.report.kernel import resolve
    from policysim.report.progress import Follower

    scratch = Path(tempfile.mkdtemp(prefix="policysim-report-"))
    try:
        spec_manager = resolve(kernel, scratch, log)
    except BaseException:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
        raise
    progress_path = scratch / "progress.txt"
    parameters = {**given, "scenario": str(scenario), "out_dir": str(results)}
    log(f"running notebook {notebook} on {scn.name} -> {base}/")
    error = None
    try:
        with Follower(progress_path, log):
            pm.execute_notebook(
                str(src),
                str(nb_path),
                parameters=parameters,
                kernel_name=kernel,
                execution_timeout=timeout,
                cwd=os.getcwd(),
                progress_bar=False,
                log_output=False,
                report_mode=False,
                kernel_manager_class=_kernel_manager(log_path, progress_path, spec_manager),
            )
    except pm.PapermillExecutionError as err:
        error = f"cell {err.exec_count}: {err.ename}: {err.evalue}"
    except Exception as err:  # noqa: BLE001 - timeouts, dead kernels: keep what was written
        if not nb_path.exists():
            raise
        error = (
            f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
        )
        if "Timeout" in type(err).__name__:
            error += f" (per-cell timeout {timeout} s; raise it with --timeout)"
    finally:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
    title = f"{scn.name}: {notebook.replace('_', ' ')}"
    if nb_path.exists():
        to_html(nb_path, html_path, title)
    if error is not None:
        first = error.splitlines()[0] if error.strip() else _failure(nb_path)
        raise UserError(
            f"notebook {notebook} failed at {first}\n"
            f"the executed notebook, with the error beside the cell: {nb_path}\n"
            f"its HTML: {html_path}"
        )
    return html_path
