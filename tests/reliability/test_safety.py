"""Scenario files are data only (issue 7, point 6).

- YAML tags that would build Python objects (``!!python/...``) or anything else (``!foo``,
  verbatim ``!<...>``, ``%TAG`` shorthands) are refused with a located error, in files and in
  ``--set``, and nothing they name is ever run: each payload would ``touch PWNED`` in the
  working directory, which is the test's own temporary directory;
- a scenario name is used as a directory name by the report layer, so the schema refuses
  names with path separators, '.', '..' and a leading dot;
- a file of a few hundred bytes cannot make policysim spend minutes and gigabytes
  (aliases expanded exponentially, "billion laughs"), nor can an endless file such as
  /dev/zero (refused: only regular files of at most 16 MiB are read).

tests/config/test_yamlio.py already checks ``read_yaml`` on four tags; here the whole CLI
path is checked, with the payloads placed where a scenario would hold them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from policysim.config.schema import Scenario
from policysim.config.validate import load_model

OK = """\
name: ok
sim: {days: 1, reps: 1, seed: 1}
demand: {daily_volume: 20}
teams:
  - {name: A, agents: 1}
"""

PAYLOAD = '["touch PWNED"]'
REFUSED = "expected plain YAML values without tags, found the tag"

TAGGED_FILES = [
    ("apply_os_system", f"name: !!python/object/apply:os.system {PAYLOAD}\n",
     ["{f}:1: name: " + REFUSED + " !!python/object/apply:os.system"]),
    ("apply_in_list_item", f"name: x\nteams:\n  - !!python/object/apply:os.system {PAYLOAD}\n",
     ["{f}:3: teams.0: " + REFUSED + " !!python/object/apply:os.system"]),
    ("apply_subprocess", ("sim:\n  seed: !!python/object/apply:subprocess.check_call "
                          "[[touch, PWNED]]\n"),
     ["{f}:2: sim.seed: " + REFUSED + " !!python/object/apply:subprocess.check_call"]),
    ("object_new", f"demand:\n  daily_volume: !!python/object/new:os.system {PAYLOAD}\n",
     ["{f}:2: demand.daily_volume: " + REFUSED + " !!python/object/new:os.system"]),
    ("python_name", "demand:\n  daily_volume: !!python/name:os.system\n",
     ["{f}:2: demand.daily_volume: " + REFUSED + " !!python/name:os.system"]),
    ("python_module", "description: !!python/module:os\n",
     ["{f}:1: description: " + REFUSED + " !!python/module:os"]),
    ("python_object_state", "agents: !!python/object:builtins.object {x: 1}\n",
     ["{f}:1: agents: " + REFUSED + " !!python/object:builtins.object"]),
    ("verbatim_tag", f"name: !<tag:yaml.org,2002:python/object/apply:os.system> {PAYLOAD}\n",
     ["{f}:1: name: " + REFUSED + " !!python/object/apply:os.system"]),
    ("tag_directive_shorthand",
     f"%TAG !py! tag:yaml.org,2002:python/\n---\nname: !py!object/apply:os.system {PAYLOAD}\n",
     ["{f}:3: name: " + REFUSED + " !!python/object/apply:os.system"]),
    ("anchored_then_aliased",
     f"description: &x !!python/object/apply:os.system {PAYLOAD}\nname: *x\n",
     ["{f}:1: description: " + REFUSED]),
    ("as_a_key", f"? !!python/object/apply:os.system {PAYLOAD}\n: 1\n", ["{f}:1: "]),
    ("tagged_scalar_key", "name: x\n? !!python/name:os.system\n: 1\n", ["{f}:2: ", REFUSED]),
    ("merged_in", f"sim:\n  <<: !!python/object/apply:os.system {PAYLOAD}\n",
     ["{f}:2: sim.<<: " + REFUSED + " !!python/object/apply:os.system"]),
    ("local_tag", "name: !pwn x\n", ["{f}:1: name: " + REFUSED + " !pwn"]),
    ("binary_tag", "description: !!binary aGk=\n", ["{f}:1: description: " + REFUSED]),
]


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    """Work in the test's temporary directory, where a payload would leave PWNED."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("name", "text", "expected"), TAGGED_FILES, ids=[t[0] for t in TAGGED_FILES])
def test_tags_in_a_file_are_refused_and_never_run(name, text, expected, in_tmp, cli, user_error):
    path = in_tmp / "scenario.yaml"
    path.write_text(text)
    code, out, err = cli(["run", path, "--workers", "1"])
    user_error(code, out, err, [e.replace("{f}", str(path)) for e in expected], str(path))
    assert not (in_tmp / "PWNED").exists()
    assert sorted(p.name for p in in_tmp.iterdir()) == ["scenario.yaml"]


@pytest.mark.parametrize("value", [
    f"!!python/object/apply:os.system {PAYLOAD}",
    f"[!!python/object/apply:os.system {PAYLOAD}]",
    f"{{a: !!python/object/apply:os.system {PAYLOAD}}}",
    "!!python/name:os.system",
])
def test_tags_in_set_are_refused_and_never_run(value, in_tmp, cli, user_error):
    path = in_tmp / "scenario.yaml"
    path.write_text(OK)
    code, out, err = cli(["run", path, "--workers", "1", "--set", f"description={value}"])
    user_error(code, out, err, [f"--set description={value}: description", REFUSED], "--set ")
    assert not (in_tmp / "PWNED").exists()


@pytest.mark.parametrize("name", ["../../etc", "a/b", "/etc/passwd", "x/..", "..\\..\\x", "..",
                                  ".", ".hidden", "~root", "$HOME"])
def test_names_that_could_leave_their_directory_are_refused(name, tmp_path, cli, user_error):
    path = tmp_path / "scenario.yaml"
    path.write_text(OK.replace("name: ok", f"name: '{name}'"))
    code, out, err = cli(["run", path, "--workers", "1"])
    user_error(code, out, err, [f"{path}:1: name: expected", repr(name)], str(path))


def test_name_with_separators_from_set_is_refused(ok_file, cli, user_error):
    code, out, err = cli(["run", ok_file, "--workers", "1", "--set", "name=../../etc"])
    user_error(code, out, err, ["--set name=../../etc: name: expected", "'../../etc'"], "--set ")


def _alias_bomb(levels: int) -> str:
    """``levels`` lines, each list holding the previous one ten times: 10**levels leaves."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(sys.platform != "linux", reason="needs RLIMIT_AS")
def test_alias_bomb_is_refused_quickly(tmp_path):
    """Nine lines, 10**9 values once expanded (it used to take minutes and gigabytes; 10**6
    values already took 2 s). Run in a subprocess under a 2 GB address-space limit, so that a
    regression fails (out of memory, exit 1) instead of hanging or filling the machine; the
    120 s bound is only a backstop against a hang, generous for a loaded machine."""
    path = tmp_path / "scenario.yaml"
    path.write_text(_alias_bomb(9))
    assert path.stat().st_size < 600
    limited = ("import resource, runpy, sys; "
               "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
               f"sys.argv = ['policysim', 'run', {str(path)!r}]; "
               "runpy.run_module('policysim.cli', run_name='__main__')")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        proc = subprocess.run([sys.executable, "-c", limited], cwd=tmp_path, capture_output=True,
                              text=True, env=env, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("policysim was still expanding aliases after 120 s")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith(f"error: {path}:")
    assert "values once aliases are expanded" in proc.stderr


def test_alias_bomb_in_set_is_refused(ok_file, cli, user_error):
    lists = "[&a [x, x, x, x, x, x, x, x, x, x], " + ", ".join(
        f"&{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]" for i in range(6)) + "]"
    code, out, err = cli(["run", ok_file, "--workers", "1", "--set", f"description={lists}"])
    user_error(code, out, err, ["values once aliases are expanded"], "--set ")


@pytest.mark.skipif(not Path("/dev/zero").exists() or sys.platform != "linux",
                    reason="needs /dev/zero and RLIMIT_AS")
def test_endless_file_is_refused(tmp_path):
    """``policysim run /dev/zero`` under a 2 GB address-space limit, so the machine is safe."""
    limited = ("import resource, runpy, sys; "
               "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
               "sys.argv = ['policysim', 'run', '/dev/zero']; "
               "runpy.run_module('policysim.cli', run_name='__main__')")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, "-c", limited], cwd=tmp_path, capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: /dev/zero: expected"), proc.stderr


def test_modest_aliases_still_work(tmp_path, cli):
    """Anchors and merge keys are ordinary YAML and stay allowed."""
    path = tmp_path / "scenario.yaml"
    path.write_text(OK + "schemes:\n  a: &a {base_salary: 3000, commission: {rate: 0.01}}\n"
                         "  b: {<<: *a, base_salary: 2000}\n")
    scn = load_model(Scenario, path)
    assert scn.schemes["b"].commission == scn.schemes["a"].commission
    assert scn.schemes["b"].base_salary == 2000
