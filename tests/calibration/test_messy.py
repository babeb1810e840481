"""Messy records are repaired and counted; broken ones stop with one located message.

Each repair test injects a known number of defects into clean synthetic records and checks
the calibration reports exactly that count and still writes a scenario that loads. Each
error test checks the issue-7 contract (exit 2, one ``error: FILE:ROW: column: ...``
line, no traceback) and that nothing was written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from policysim.calibration.scenario import calibrate, scenario_yaml
from policysim.config.schema import Scenario
from policysim.config.validate import load_model

from .conftest import check_user_error


def _tables(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    chats = pd.read_csv(folder / "chats.csv", dtype=str, keep_default_na=False)
    roster = pd.read_csv(folder / "roster.csv", dtype=str, keep_default_na=False)
    return chats, roster


def _write(tmp: Path, chats: pd.DataFrame, roster: pd.DataFrame) -> tuple[Path, Path]:
    c, r = tmp / "chats.csv", tmp / "roster.csv"
    chats.to_csv(c, index=False)
    roster.to_csv(r, index=False)
    return c, r


def test_clean_records_need_no_repair(small_records):
    cal = calibrate(small_records / "chats.csv", small_records / "roster.csv")
    assert dict(cal.records.notes) == {}
    assert cal.records.missing == []


def test_abandoned_with_a_first_reply_is_answered(small_records, tmp_path):
    """A buyer who got a first reply did not leave before it: such a chat is counted as a
    repair and read as answered, so patience sees the same buyers as in the clean file."""
    chats, roster = _tables(small_records)
    replied = (chats["abandoned"].str.lower() == "false") & (chats["first_reply_at"] != "")
    rows = chats.index[replied][:9]
    chats.loc[rows, "abandoned"] = "true"
    c, r = _write(tmp_path, chats, roster)
    cal = calibrate(c, r)
    assert cal.records.notes["chats: marked abandoned but with a first reply (treated as "
                             "answered)"] == 9
    clean = calibrate(small_records / "chats.csv", small_records / "roster.csv")
    assert cal.records.chats["abandoned"].sum() == clean.records.chats["abandoned"].sum()


def test_repairs_are_counted(small_records, tmp_path):
    chats, roster = _tables(small_records)
    day1 = chats["arrived_at"].str.startswith("2026-01-02")
    n_day1 = int(day1.sum())
    chats = chats[~day1]  # a day with no data (export gap)
    dups = chats.iloc[[10, 20, 30]]
    bots = chats.iloc[:5].assign(chat_id=["b1", "b2", "b3", "b4", "b5"], agent_id="bot")
    chats = pd.concat([chats, dups, bots]).sample(frac=1.0, random_state=3)  # unsorted
    # time zones: every arrival in store time +08:00, and 7 of them written in UTC instead
    local = chats["arrived_at"] + "+08:00"
    utc = (pd.to_datetime(chats["arrived_at"]) - pd.Timedelta(hours=8)).dt.strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")
    chats["arrived_at"] = local.where(~chats["chat_id"].isin(chats["chat_id"].iloc[:7]), utc)
    stranger = roster["agent_id"].iloc[-1]
    roster = roster.iloc[:-1]  # an agent who chats but is not on the roster
    chats = chats.drop(columns=["rating", "kind"])  # optional columns missing
    c, r = _write(tmp_path, chats, roster)
    cal = calibrate(c, r)
    notes = cal.records.notes
    assert notes["chats: duplicate chat ids (first kept)"] == 3
    assert notes["chats: bot-handled (left out)"] == 5
    assert notes["chats: rows out of time order (sorted)"] > 0
    assert notes["arrived_at: timestamps with a time zone, read as store time"] == len(chats)
    assert notes["days with no chats inside the period (left out of demand)"] == 1
    assert notes["agents in chats but not on the roster (no tenure or team)"] == 1
    assert set(cal.records.missing) == {"chats.kind", "chats.rating"}
    assert {k.key for k in cal.kept} >= {"demand.pre_sales_share", "rating"}
    # the UTC rows were converted back to store time: same arrivals as the clean file
    clean = calibrate(small_records / "chats.csv", small_records / "roster.csv")
    kept_ids = set(clean.records.chats["chat_id"]) - set(
        pd.read_csv(small_records / "chats.csv", dtype=str)
        .loc[lambda d: d["arrived_at"].str.startswith("2026-01-02"), "chat_id"])
    a = clean.records.chats.set_index("chat_id").loc[sorted(kept_ids), "arrived"]
    b = cal.records.chats.set_index("chat_id").loc[sorted(kept_ids), "arrived"]
    assert (a - b).abs().max() < 1e-3
    assert len(cal.records.chats) == len(clean.records.chats) - n_day1
    assert stranger not in set(cal.records.roster["agent"])
    out = tmp_path / "s.yaml"
    out.write_text(scenario_yaml(cal, "messy"))
    load_model(Scenario, out)


@pytest.mark.parametrize("defect,expected,line", [
    ("missing_column", ["abandoned", "expected a column"], 1),
    ("bad_time", ["arrived_at", "ISO 8601", "yesterday"], 5),
    ("bad_flag", ["abandoned", "true or false", "maybe"], 8),
    ("bad_number", ["rating", "a number", "five"], 3),
    # values outside what docs/data.md allows used to be fitted silently
    ("rating_range", ["rating", "from 1 to 5", "7"], 3),
    ("negative_order", ["order_value", "at least 0", "-50"], 4),
    ("infinite_order", ["order_value", "inf"], 4),
    # a name given twice (here after case and spaces) used to end in an internal error
    ("twice_named", ["chat_id", "expected one column named 'chat_id', found 2"], 1),
])
def test_broken_chats_give_one_located_message(small_records, tmp_path, cli, defect, expected,
                                               line):
    chats, roster = _tables(small_records)
    if defect == "missing_column":
        chats = chats.drop(columns=["abandoned"])
    elif defect == "bad_time":
        chats.loc[3, "arrived_at"] = "yesterday"
    elif defect == "bad_flag":
        chats.loc[6, "abandoned"] = "maybe"
    elif defect == "rating_range":
        chats.loc[1, "rating"] = "7"
    elif defect == "negative_order":
        chats.loc[2, "order_value"] = "-50"
    elif defect == "infinite_order":
        chats.loc[2, "order_value"] = "inf"
    elif defect == "twice_named":
        chats[" CHAT_ID "] = "x" + chats["chat_id"]
    else:
        chats.loc[1, "rating"] = "five"
    c, r = _write(tmp_path, chats, roster)
    out = tmp_path / "out.yaml"
    code, stdout, err = cli(["calibrate", "--chats", c, "--roster", r, "--out", out])
    message = check_user_error(code, stdout, err, expected, str(c))
    assert message.startswith(f"{c}:{line}:"), message
    assert not out.exists()


def test_not_a_table(small_records, tmp_path, cli):
    bad = tmp_path / "chats.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    out = tmp_path / "out.yaml"
    code, stdout, err = cli(["calibrate", "--chats", bad, "--roster",
                             small_records / "roster.csv", "--out", out])
    check_user_error(code, stdout, err, ["expected a table"], str(bad))
    assert not out.exists()


def test_roster_missing_column(small_records, tmp_path, cli):
    chats, roster = _tables(small_records)
    c, r = _write(tmp_path, chats, roster.drop(columns=["hired_on"]))
    out = tmp_path / "out.yaml"
    code, stdout, err = cli(["calibrate", "--chats", c, "--roster", r, "--out", out])
    check_user_error(code, stdout, err, ["hired_on"], f"{r}:1")
    assert not out.exists()


@pytest.mark.parametrize("table,defect,expected,line", [
    # an empty roster used to fail on the scenario written to a temporary file
    ("roster", "empty", ["agent_id", "at least one agent"], 2),
    ("roster", "reason", ["leave_reason", "quit or dismissed", "fired"], 3),
    ("payroll", "negative", ["pay", "at least 0", "-100"], 3),
    # a negative event length used to fail on the temporary scenario file
    ("events", "negative", ["days", "whole number from 1 to 366", "-2"], 2),
    ("events", "half", ["days", "whole number", "1.5"], 2),
    # these three used to be accepted: a roster row that ends before it starts; an event
    # longer than a scenario's event may be, or one leaving no ordinary day (both ended in a
    # message of many lines on the scenario, not naming the events file)
    ("roster", "left_before_hired", ["left_on", "on or after hired_on", "2020-01-01"], 3),
    ("events", "long", ["days", "from 1 to 366", "1000"], 2),
    ("events", "every_day", ["date", "ordinary"], 2),
])
def test_broken_roster_payroll_events_name_their_file(small_records, tmp_path, cli, table,
                                                      defect, expected, line):
    chats, roster = _tables(small_records)
    c, r = _write(tmp_path, chats, roster)
    args = ["calibrate", "--chats", c, "--roster", r]
    bad = tmp_path / f"{table}_bad.csv"
    if table == "roster":
        if defect == "empty":
            roster = roster.iloc[:0]
        elif defect == "left_before_hired":
            roster.loc[1, "left_on"] = "2020-01-01"
        else:
            roster.loc[1, "left_on"] = roster.loc[1, "hired_on"]
            roster.loc[1, "leave_reason"] = "fired"
        roster.to_csv(bad, index=False)
        args[4] = bad
    elif table == "payroll":
        bad.write_text(f"agent_id,period_start,pay\n{roster.agent_id[0]},2026-01-01,3000\n"
                       f"{roster.agent_id[1]},2026-01-01,-100\n")
        args += ["--payroll", bad]
    else:
        days = {"negative": "-2", "half": "1.5", "long": "1000", "every_day": "4"}[defect]
        bad.write_text(f"name,date,days\npromo,2026-01-0{1 if defect == 'every_day' else 5},"
                       f"{days}\n")
        args += ["--events", bad]
    out = tmp_path / "out.yaml"
    code, stdout, err = cli([*args, "--out", out])
    message = check_user_error(code, stdout, err, expected, str(bad))
    assert message.startswith(f"{bad}:{line}:"), message
    assert not out.exists()


def test_cli_writes_a_scenario_that_runs(small_records, tmp_path, cli):
    out = tmp_path / "store.yaml"
    code, stdout, err = cli(["calibrate", "--chats", small_records / "chats.csv", "--roster",
                             small_records / "roster.csv", "--out", out])
    assert code == 0, err
    assert "demand.daily_volume" in stdout and "defaults kept" in stdout
    text = out.read_text()
    assert "95% CI" in text
    code, stdout, err = cli(["run", out, "--days", "1", "--reps", "1", "--workers", "1"])
    assert code == 0, err


@pytest.mark.parametrize("option", ["--out", "--report"])
def test_an_output_place_under_a_file_is_refused_before_the_fit(small_records, tmp_path, cli,
                                                                option):
    """It used to end in an internal error (exit 1) after the whole fit (--out), or after the
    scenario was written with the report's message naming --out (--report)."""
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    out, report = tmp_path / "store.yaml", tmp_path / "fit"
    if option == "--out":
        out = blocker / "store.yaml"
    else:
        report = blocker / "fit"
    code, stdout, err = cli(["calibrate", "--chats", small_records / "chats.csv", "--roster",
                             small_records / "roster.csv", "--out", out, "--report", report])
    check_user_error(code, stdout, err, ["found a file at", str(blocker)], option)
    assert not out.exists() and not (tmp_path / "store.yaml").exists()


@pytest.mark.parametrize("defect,expected", [
    # both used to end in an internal error (exit 1)
    ("all_bot", ["agent_id", "handled by 'bot'"]),
    ("nobody_answered", ["assigned_at", "taken by an agent"]),
    # used to name the temporary file the scenario was checked in
    ("dates_only", ["the records give no valid scenario", "demand.hour_profile"]),
])
def test_records_that_give_no_model_are_one_message(small_records, tmp_path, cli, defect,
                                                    expected):
    chats, roster = _tables(small_records)
    if defect == "all_bot":
        chats["agent_id"] = "bot"
    elif defect == "nobody_answered":
        chats[["agent_id", "assigned_at", "first_reply_at", "order_value", "rating"]] = ""
        chats["abandoned"] = "true"
    else:
        chats["arrived_at"] = chats["arrived_at"].str[:10]
    c, r = _write(tmp_path, chats, roster)
    out = tmp_path / "out.yaml"
    code, stdout, err = cli(["calibrate", "--chats", c, "--roster", r, "--out", out])
    message = check_user_error(code, stdout, err, expected, str(c))
    assert "calibrated.yaml" not in message
    assert not out.exists()


EXAMPLE = Path(__file__).parents[2] / "scenarios" / "records_example"


def test_chats_before_a_hire_and_a_team_that_all_quit_are_fitted(tmp_path, cli):
    """A chat three years before the rest (before its agent's hire date) used to end in an
    internal error (a log of a negative learning curve); so did a roster where every agent
    quit (the quit hazard has no finite estimate); an event outside the records was written
    with a multiplier of 1 and the interval [1, 1]."""
    chats = pd.read_csv(EXAMPLE / "chats.csv", dtype=str, keep_default_na=False)
    roster = pd.read_csv(EXAMPLE / "roster.csv", dtype=str, keep_default_na=False)
    chats.loc[0, ["arrived_at", "assigned_at", "first_reply_at", "ended_at"]] = [
        "2023-03-02T08:00:00", "2023-03-02T08:00:01", "2023-03-02T08:00:02",
        "2023-03-02T08:05:00"]
    c, r = _write(tmp_path, chats, roster)
    events = tmp_path / "events.csv"
    events.write_text("name,date,days\nlong_ago,2020-01-01,3\n")
    out = tmp_path / "store.yaml"
    code, stdout, err = cli(["calibrate", "--chats", c, "--roster", r, "--events", events,
                             "--out", out])
    assert code == 0, err
    assert "chats before their agent's hire date (no tenure: left out of learning): 1" in stdout
    assert "events: no day of chats inside them (left out): 1" in stdout
    assert "long_ago" not in out.read_text()
    load_model(Scenario, out)
    roster["left_on"], roster["leave_reason"] = "2026-03-05", "quit"
    roster.to_csv(r, index=False)
    code, stdout, err = cli(["calibrate", "--chats", EXAMPLE / "chats.csv", "--roster", r,
                             "--out", out])
    assert code == 0, err
    assert "attrition: the quit hazard has no finite estimate" in stdout
    load_model(Scenario, out)


def test_records_longer_than_a_run_give_a_scenario_that_loads(tmp_path, cli):
    """Records spanning more than 3650 days (the longest run) used to stop with 'the records
    give no valid scenario: sim.days'; the scenario now runs the longest run allowed."""
    chats = pd.read_csv(EXAMPLE / "chats.csv", dtype=str, keep_default_na=False)
    chats.loc[0, ["arrived_at", "assigned_at", "first_reply_at", "ended_at"]] = [
        "2015-01-05T08:00:00", "2015-01-05T08:00:01", "2015-01-05T08:00:02",
        "2015-01-05T08:05:00"]
    c = tmp_path / "chats.csv"
    chats.to_csv(c, index=False)
    out = tmp_path / "store.yaml"
    code, stdout, err = cli(["calibrate", "--chats", c, "--roster", EXAMPLE / "roster.csv",
                             "--out", out])
    assert code == 0, err
    assert load_model(Scenario, out).sim.days == 3650
