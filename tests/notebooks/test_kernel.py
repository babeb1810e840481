"""Reports after a plain install (issue 16): the kernel fallback, a relocatable kernelspec, and
progress lines while the notebook runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import SimpleNamespace

import pytest

from policysim.report import kernel, progress


def test_installed_kernel_names_no_folder_so_it_survives_a_move(tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    folder = kernel.install("policysim", prefix=str(tmp_path / "env"))
    spec = json.loads((Path(folder) / "kernel.json").read_text())
    assert spec["argv"][:3] == ["python", "-m", "ipykernel_launcher"]
    assert str(tmp_path) not in json.dumps(spec)
    # jupyter_client runs a bare "python" as the interpreter that starts the kernel
    ksm = KernelSpecManager(kernel_dirs=[str(Path(folder).parent)])
    km = KernelManager(kernel_name="policysim", kernel_spec_manager=ksm)
    assert km.format_kernel_cmd()[0] == sys.executable


def test_a_missing_kernel_other_than_the_projects_is_the_users_to_fix(tmp_path):
    from policysim.errors import UserError

    with pytest.raises(UserError, match="--kernel no-such-kernel-here: expected an installed"):
        kernel.resolve("no-such-kernel-here", tmp_path, print)


def test_progress_lines_reach_the_log_as_replications_finish(tmp_path):
    path = tmp_path / "progress.txt"
    on_done = progress.reporter(["commission", "kpi"], 2, path)
    seen: list[str] = []
    with progress.Follower(path, seen.append, every_s=0.05):
        for scheme in ("commission", "kpi", "kpi", "commission"):
            on_done(SimpleNamespace(job=SimpleNamespace(scheme=scheme)))
    assert seen == [
        "replications done: commission 1/2, kpi 0/2",
        "replications done: commission 1/2, kpi 1/2",
        "replications done: commission 1/2, kpi 2/2",
        "replications done: commission 2/2, kpi 2/2",
    ]


def test_no_progress_file_no_reporter(monkeypatch):
    monkeypatch.delenv(progress.ENV, raising=False)
    assert progress.reporter(["commission"], 3) is None


def _bare_env(tmp_path: Path) -> Path:
    """A new virtual environment that sees this one's packages (as a plain
    ``pip install '.[notebooks]'`` would give) but has no Jupyter kernel installed."""
    env = tmp_path / "plain"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    site = next((env / "lib").glob("python3*/site-packages"))
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # pip would also install nbconvert's templates into the environment's share/; the
    # kernels folder beside them stays absent
    share = env / "share" / "jupyter"
    share.mkdir(parents=True)
    (share / "nbconvert").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    return env / "bin" / "python"


@pytest.mark.slow
def test_report_after_a_plain_install_uses_this_interpreter(tiny, tmp_path):
    import policysim

    python = _bare_env(tmp_path)
    empty = tmp_path / "no-kernels"
    empty.mkdir()
    src = str(Path(policysim.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src, "JUPYTER_PATH": str(empty),
           "JUPYTER_DATA_DIR": str(empty), "JUPYTER_CONFIG_DIR": str(empty)}
    probe = subprocess.run(
        [str(python), "-c",
         "from policysim.report.kernel import installed; print(installed('policysim'))"],
        env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "False"  # really no 'policysim' kernel in sight

    out = tmp_path / "rep"
    done = subprocess.run(
        [str(python), "-m", "policysim.cli", "report", str(tiny), "--out", str(out),
         "-p", "workers", "1", "-p", "days", "6", "-p", "reps", "2"],
        env=env, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str((out / "scenario_report.html").resolve())
    assert "the Jupyter kernel 'policysim' is not installed: running the notebook in this " \
           f"interpreter ({python})" in done.stderr
    lines = [x for x in done.stderr.splitlines() if x.startswith("replications done:")]
    # tiny.yaml: 4 schemes x 2 replications, one progress line per finished replication
    assert len(lines) == 8, done.stderr
    assert lines[-1] == ("replications done: commission 2/2, kpi 2/2, group_contest 2/2, "
                         "switch 2/2")
