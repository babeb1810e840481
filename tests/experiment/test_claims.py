"""The claims analysis on a runs table with effects planted where we know them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from policysim.experiment.claims import CLAIMS, analyze_claims, claims_table


def planted_runs(reps: int = 6) -> pd.DataFrame:
    """Four design points along ``rate``. Under kpi the pay Gini is 0.1 lower than under
    commission at rate <= 0.01 and 0.1 higher above; transfers are equal (C5 unclear);
    commission's luck correlation beats its skill correlation everywhere (C1 holds)."""
    rng = np.random.default_rng(1)
    rows = []
    for point, rate in enumerate([0.005, 0.01, 0.015, 0.02]):
        for rep in range(reps):
            noise = rng.normal(0, 0.01, 8)
            gini_gap = -0.1 if rate <= 0.01 else 0.1
            common = {"point": point, "rep": rep, "rate": rate, "annual_turnover_rate": 0.3}
            rows += [
                {**common, "scheme": "commission", "pay_gini": 0.3 + noise[0],
                 "pay_luck_corr": 0.5 + noise[1], "pay_skill_corr": 0.2 + noise[2],
                 "transfers": 10 + noise[3], "reply_within_30s": 0.8 + noise[4],
                 "new_hire_90d_quit_rate": np.nan},
                {**common, "scheme": "kpi", "pay_gini": 0.3 + gini_gap + noise[5],
                 "pay_luck_corr": 0.1, "pay_skill_corr": 0.4, "transfers": 10 + noise[6],
                 "reply_within_30s": 0.8 + noise[7], "new_hire_90d_quit_rate": np.nan},
            ]
    return pd.DataFrame(rows)


def test_claims_hold_and_flip_where_planted():
    res = analyze_claims(planted_runs(), ["rate"])
    v = res.points.set_index(["claim", "point"])["verdict"]
    assert [v["C1", p] for p in range(4)] == ["holds"] * 4
    # C4 = gini lower under kpi AND turnover lower; turnover is equal -> never "holds";
    # the gini test flips at the two high rates, so the claim flips there
    assert [v["C4", p] for p in range(4)] == ["unclear", "unclear", "flips", "flips"]
    gini = res.tests[res.tests["says"] == "KPI pay narrows the pay gap"]
    assert gini["verdict"].tolist() == ["holds", "holds", "flips", "flips"]
    assert gini["n"].tolist() == [6] * 4 and (gini["ci_low"] <= gini["mean"]).all()
    c3 = res.tests[res.tests["claim"] == "C3"]
    assert set(c3["verdict"]) == {"no data"}  # an undefined metric gives no verdict
    s = res.summary.set_index("claim")
    assert s.loc["C4", ["points", "holds", "flips", "unclear", "no data"]].tolist() == [4, 0, 2, 2, 0]
    # C3's only metric is undefined: "no data" at every point, never "unclear" (the issue's
    # "C3 unclear at 4" where the CSV said "no data")
    assert s.loc["C3", ["unclear", "no data"]].tolist() == [0, 4]
    assert "C3: holds at 0 of 4 points, flips at 0, unclear at 0, no data at 4" in res.render()
    assert s.loc["C4", "flips_at"] == "(rate=0.015); (rate=0.02)"
    by = res.by_factor[(res.by_factor["claim"] == "C4")].set_index("value")
    assert by.loc["0.02", "flips"] == 1 and by.loc["0.005", "unclear"] == 1


def test_missing_schemes_and_metrics_are_skipped_cleanly():
    res = analyze_claims(planted_runs(), ["rate"])
    skipped = res.skipped.set_index("says")["reason"]
    # group_contest is not in this sweep: C2 and C5 have nothing to compare
    assert {c for c in res.skipped["claim"]} == {"C2", "C5"}
    assert skipped["group pay makes agents pass chats on"] == \
        "the sweep has no scheme 'group_contest'"
    assert "C5 (group pay gives faster first replies): skipped" in res.render()
    only = analyze_claims(planted_runs().drop(columns="pay_luck_corr"), ["rate"])
    assert "the runs have no metric 'pay_luck_corr'" in only.skipped["reason"].tolist()


def test_claims_are_an_editable_table():
    table = claims_table()
    assert list(table.columns) == ["claim", "says", "scheme_a", "metric_a", "sign", "scheme_b",
                                   "metric_b"]
    assert sorted(set(table["claim"])) == ["C1", "C2", "C3", "C4", "C5"]
    assert set(table["sign"]) == {">", "<"}
    mine = [("X1", "kpi pays more evenly", "kpi", "pay_gini", "<", "commission", "pay_gini")]
    res = analyze_claims(planted_runs(), ["rate"], claims=mine)
    assert res.summary["claim"].tolist() == ["X1"] and len(CLAIMS) == 8


def test_one_replication_gives_no_verdict():
    res = analyze_claims(planted_runs(reps=1), ["rate"])
    assert set(res.tests["verdict"]) <= {"unclear", "no data"}
    assert "every verdict is unclear" in res.render()


def test_a_single_point_without_factors():
    runs = planted_runs()
    res = analyze_claims(runs[runs.point == 0].drop(columns="rate"), [])
    assert res.summary.set_index("claim").loc["C1", "holds"] == 1
    assert res.by_factor.empty and "C1: holds at 1 of 1 point," in res.render()


def test_counts_per_test_as_well_as_per_claim():
    """The issue's "C5 holds at 0/4" while its transfers test held at 3 of 4: each test is
    counted too. C4's gini test holds at 2 and flips at 2; its turnover test is unclear."""
    res = analyze_claims(planted_runs(), ["rate"])
    t = res.by_test.set_index(["claim", "says"])
    assert t.loc[("C4", "KPI pay narrows the pay gap"), ["holds", "flips"]].tolist() == [2, 2]
    assert t.loc[("C4", "KPI pay lowers turnover"), "unclear"] == 4
    text = res.render()
    assert "C4: holds at 0 of 4 points, flips at 2, unclear at 2, no data at 0" in text
    assert "    test 'KPI pay narrows the pay gap': holds at 2 of 4 points, flips at 2" in text
    # a test that holds at some points and flips at others says where
    assert ("; holds where (rate=0.005); (rate=0.01); flips where (rate=0.015); (rate=0.02)"
            in text)
    assert t.loc[("C4", "KPI pay narrows the pay gap"), "holds_at"] == "(rate=0.005); (rate=0.01)"


def test_one_vocabulary_and_parameter_names_written_in_full():
    from policysim.experiment.claims import VERDICTS

    name = "behaviour.load_coupling_strength_of_agents"
    runs = planted_runs().rename(columns={"rate": name})
    res = analyze_claims(runs, [name])
    for table in (res.tests, res.points):
        assert set(table["verdict"]) <= set(VERDICTS)
    for table in (res.by_factor, res.summary, res.by_test):
        assert set(VERDICTS) <= set(table.columns)
    flips_at = res.summary.set_index("claim").loc["C4", "flips_at"]
    assert flips_at == f"({name}=0.015); ({name}=0.02)"
