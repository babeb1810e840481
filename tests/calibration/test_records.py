"""``run --records``: the per-chat tables agree with the engine's own counters and leave
the results untouched."""

from __future__ import annotations

import pandas as pd

from policysim.calibration.scenario import calibrate
from policysim.config.schema import Scenario
from policysim.config.validate import validate_data
from policysim.experiment.runner import Job, run_job

from .conftest import SMALL


def test_recording_changes_no_result(tmp_path):
    scn = validate_data(Scenario, SMALL, "small")
    plain = run_job(Job(scn, 0, scn.sim.seed, scn.sim.days))
    recorded = run_job(Job(scn, 0, scn.sim.seed, scn.sim.days, records=str(tmp_path)))
    assert plain.summary == recorded.summary
    pd.testing.assert_frame_equal(plain.daily, recorded.daily)


def test_records_match_the_engine_counters(tmp_path):
    scn = validate_data(Scenario, SMALL, "small")
    out = run_job(Job(scn, 0, scn.sim.seed, scn.sim.days, records=str(tmp_path)))
    chats = pd.read_csv(tmp_path / "rep000" / "chats.csv", keep_default_na=False, dtype=str)
    d = out.daily
    assert len(chats) == d["inquiries"].sum()
    assert (chats["abandoned"] == "true").sum() == d["abandoned"].sum()
    assert (chats["first_reply_at"] != "").sum() == d["answered"].sum()
    left_queue = (chats["abandoned"] == "true") & (chats["agent_id"] == "")
    assert left_queue.sum() == d["abandoned_queue"].sum()
    orders = pd.to_numeric(chats["order_value"].replace("", "0")) > 0
    assert orders.sum() == d["orders"].sum()
    roster = pd.read_csv(tmp_path / "rep000" / "roster.csv", keep_default_na=False, dtype=str)
    assert len(roster) == scn.n_agents
    assert set(chats["agent_id"]) - {""} <= set(roster["agent_id"])


def test_open_chats_derived_from_the_table_respect_the_cap(small_records):
    cal = calibrate(small_records / "chats.csv", small_records / "roster.csv")
    k = pd.Series(cal.info["open_chats"]).dropna()
    assert k.min() >= 1
    assert k.max() <= Scenario().agents.cap_expert


def test_records_folder_that_is_a_file_is_refused_before_running(tmp_path, cli):
    """It used to end in an internal error (exit 1) after every replication had run."""
    from pathlib import Path

    from .conftest import check_user_error

    blocker = tmp_path / "afile"
    blocker.write_text("x")
    scn = Path(__file__).resolve().parents[2] / "scenarios" / "new_store.yaml"
    for target in (blocker, blocker / "sub"):
        code, stdout, err = cli(["run", scn, "--days", "1", "--reps", "1", "--records", target])
        check_user_error(code, stdout, err, ["--records", str(target)], "--records")
