"""``--out DIR`` of ``run``, ``compare`` and ``report``: one home for creating it
(``results.runstore.make_out_dir``), one message when it cannot be a directory.

An ``--out`` that names an existing file must stop the command with exit 2 and the message
``--out PATH: expected a directory, found a file`` before anything runs, and leave the file
as it was; a directory that cannot be created (its parent is a file) says so.
"""

from __future__ import annotations

import pytest

from policysim.errors import UserError
from policysim.results.runstore import make_out_dir


def test_make_out_dir_creates_parents_and_accepts_an_existing_directory(tmp_path):
    target = tmp_path / "a" / "b"
    assert make_out_dir(target) == target and target.is_dir()
    (target / "kept.txt").write_text("x")
    assert make_out_dir(target) == target
    assert (target / "kept.txt").read_text() == "x"  # an existing directory is left alone


def test_make_out_dir_refuses_a_file_and_an_impossible_directory(tmp_path):
    file = tmp_path / "f.txt"
    file.write_text("keep me")
    with pytest.raises(UserError, match="expected a directory, found a file"):
        make_out_dir(file)
    with pytest.raises(UserError, match="cannot create the directory"):
        make_out_dir(file / "sub")
    assert file.read_text() == "keep me"


@pytest.mark.parametrize("command", ["run", "compare", "report"])
def test_out_naming_a_file_is_a_user_error(command, ok_file, tmp_path, cli, user_error):
    file = tmp_path / "taken.txt"
    file.write_text("keep me")
    extra = ["-p", "workers", "1"] if command == "report" else ["--workers", "1"]
    code, out, err = cli([command, str(ok_file), *extra, "--out", str(file)])
    user_error(code, out, err, [f"--out {file}: expected a directory, found a file"], "--out")
    assert file.read_text() == "keep me"


def test_a_second_command_into_the_same_out_leaves_no_parts_of_the_first(ok_file, tmp_path,
                                                                           cli):
    out = tmp_path / "res"
    code, _, err = cli(["run", str(ok_file), "--reps", "3", "--workers", "1", "--out", str(out)])
    assert code == 0 and "note:" not in err, err
    assert len(list((out / "parts").glob("*.runs.parquet"))) == 3
    code, _, err = cli(["run", str(ok_file), "--reps", "2", "--workers", "1", "--out", str(out)])
    assert code == 0, err
    assert f"note: --out {out}: replacing the tables an earlier command wrote there" in err
    # replication 2 of the first run used to stay beside the second run's 0 and 1
    assert sorted(p.name.rsplit("-", 1)[1] for p in (out / "parts").glob("*.runs.parquet")) == [
        "r0000.runs.parquet", "r0001.runs.parquet"]
    assert not list((out / "parts").glob("*r0002*"))
