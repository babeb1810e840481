"""Sensitivity indices through the sweep's pipeline: experiment -> design -> runs table ->
indices, checked on test functions whose indices are known.

Ishigami, f = sin x1 + 7 sin^2 x2 + 0.1 x3^4 sin x1 with x_i ~ U(-pi, pi), has (a = 7,
b = 0.1) first-order indices S1 = (0.3139, 0.4424, 0) and total-order indices
ST = (0.5576, 0.4424, 0.2437) (Saltelli et al. 2008, Global Sensitivity Analysis, ch. 4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from policysim.config.experiment import Experiment
from policysim.errors import UserError
from policysim.experiment.design import build_design
from policysim.experiment.sensitivity import (
    indices,
    load_design,
    morris_indices,
    sobol_indices,
)
from policysim.report.plots.sensitivity import plot_indices

S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def _design(name: str, samples: int, factors: dict, **extra):
    exp = Experiment.model_validate({"scenario": "unused.yaml", "uncertainties": factors,
                                     "design": {"name": name, "samples": samples, **extra},
                                     "seed": 20240101})
    return build_design(exp)


def _runs(design, y: np.ndarray, reps: int = 1, noise: float = 0.0) -> pd.DataFrame:
    """A runs table like a sweep's: point, scheme, rep, the factors, an outcome ``y``."""
    rng = np.random.default_rng(0)
    frames = [design.points.assign(scheme="", rep=r, y=y + noise * rng.standard_normal(len(y)))
              for r in range(reps)]
    return pd.concat(frames, ignore_index=True)


def test_ishigami_sobol_indices_within_their_bootstrap_cis():
    pi = float(np.pi)
    d = _design("sobol", 2048, {k: {"low": -pi, "high": pi} for k in ("x1", "x2", "x3")})
    assert len(d) == 2048 * 5
    y = ishigami(d.points[["x1", "x2", "x3"]].to_numpy())
    table = sobol_indices(d, _runs(d, y)).set_index("factor")
    for f in ("x1", "x2", "x3"):
        row = table.loc[f]
        # the CIs are informative (narrow) and cover the exact value; 2x the 95% half-width
        # keeps this a check of the pipeline, not of one bootstrap draw (the seed is fixed)
        assert row["S1_conf"] < 0.1 and row["ST_conf"] < 0.1, row
        assert abs(row["S1"] - S1[f]) <= 2 * row["S1_conf"], (f, row)
        assert abs(row["ST"] - ST[f]) <= 2 * row["ST_conf"], (f, row)
    assert table.loc["x2", "S1"] > table.loc["x1", "S1"] > table.loc["x3", "S1"]


def test_replications_are_averaged_per_point():
    pi = float(np.pi)
    d = _design("sobol", 512, {k: {"low": -pi, "high": pi} for k in ("x1", "x2", "x3")})
    y = ishigami(d.points[["x1", "x2", "x3"]].to_numpy())
    one = sobol_indices(d, _runs(d, y), num_resamples=100)
    three = sobol_indices(d, _runs(d, y, reps=3), num_resamples=100)
    pd.testing.assert_frame_equal(one, three)


def test_morris_ranks_a_linear_function_by_slope():
    d = _design("morris", 20, {"a": {"low": 0, "high": 1}, "b": {"low": 0, "high": 1},
                               "c": {"low": 0, "high": 1}}, levels=4)
    x = d.points[["a", "b", "c"]].to_numpy()
    table = morris_indices(d, _runs(d, 10 * x[:, 0] + 2 * x[:, 1])).set_index("factor")
    assert table.loc["a", "mu_star"] == pytest.approx(10)  # effect over the full range
    assert table.loc["b", "mu_star"] == pytest.approx(2)
    assert table.loc["c", "mu_star"] == pytest.approx(0) and table["sigma"].max() < 1e-9


def test_constant_outcomes_are_skipped_and_missing_points_refused():
    d = _design("sobol", 8, {"a": {"low": 0, "high": 1}, "b": {"low": 0, "high": 1}})
    runs = _runs(d, d.points["a"].to_numpy()).assign(flat=1.0)
    table = sobol_indices(d, runs, num_resamples=10)
    assert set(table["outcome"]) == {"y"} and "flat" in table.attrs["skipped"]
    with pytest.raises(UserError, match="every design point needs a finished run"):
        sobol_indices(d, runs[runs.point != 3])
    with pytest.raises(UserError, match="need a sobol or morris design"):
        indices(build_design(Experiment(scenario="x", levers={"a.b": [1, 2]})), runs)


def test_indices_of_a_real_sweep_and_the_plot(put, tiny, tmp_path):
    from policysim.experiment.plan import load_plan
    from policysim.experiment.sweep import analyze, run_sweep

    exp = put("sens.yaml", "scenario: tiny.yaml\nuncertainties:\n"
              "  demand.daily_volume: {low: 150, high: 450}\n"
              "  service.handle_base_s: {low: 150, high: 330}\n"
              "design: {name: morris, samples: 3}\nreps: 1\ndays: 1\n")
    out = tmp_path / "out"
    run_sweep(load_plan(exp), out)
    design = load_design(out)
    assert design.name == "morris" and design.unit.shape == (9, 2)
    result = analyze(out)
    t = result.sensitivity.set_index(["outcome", "factor"])
    # more buyers -> more inquiries (300 more a day over the range); handle time does not
    # change who comes: buyer-side streams are common to every design point (docs/model.md
    # section 8), so a step in handle time alone leaves the inquiries exactly as they were
    vol = t.loc[("inquiries", "demand.daily_volume"), "mu_star"]
    assert 200 < vol < 400 and t.loc[("inquiries", "service.handle_base_s"), "mu_star"] == 0
    assert result.claims is None and [p.name for p in result.files] == ["sensitivity.csv"]
    drawn = analyze(out, plot=plot_indices)  # the CLI's call: the figure beside the table
    assert [p.name for p in drawn.files] == ["sensitivity.csv", "sensitivity.png"]
    png = plot_indices(result.sensitivity, tmp_path / "plot.png",
                       outcomes=["inquiries", "abandon_rate"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_indices_outside_0_1_with_few_samples_get_a_note():
    """Ishigami with 8 samples gives estimates outside [0, 1] (true indices lie inside): the
    table says so, naming the sample count; with 2048 samples (the test above) no note."""
    pi = float(np.pi)
    factors = {k: {"low": -pi, "high": pi} for k in ("x1", "x2", "x3")}
    few = _design("sobol", 8, factors)
    table = sobol_indices(few, _runs(few, ishigami(few.points[["x1", "x2", "x3"]].to_numpy())),
                          num_resamples=50)
    lo, hi = -0.05, 1.05  # SOBOL_SLACK beyond [0, 1]
    outside = ((table["ST"] > hi) | (table["S1"] < lo) | (table["S1"] > hi) | (table["ST"] < lo))
    assert outside.any()  # the premise: 8 samples are too few for Ishigami
    assert f"{int(outside.sum())} of 3 factor-outcome rows" in table.attrs["note"]
    assert "with 8 samples" in table.attrs["note"]
    many = _design("sobol", 2048, factors)
    table = sobol_indices(many, _runs(many, ishigami(many.points[["x1", "x2", "x3"]].to_numpy())),
                          num_resamples=50)
    assert table.attrs["note"] is None


def test_the_sweep_analysis_prints_the_note():
    from policysim.experiment.sweep import Analysis

    table = pd.DataFrame([{"scheme": "", "outcome": "y", "factor": "a", "S1": -0.4,
                           "S1_conf": 0.9, "ST": 1.7, "ST_conf": 1.2}])
    table.attrs["note"] = "1 of 1 factor-outcome rows have an index outside [0, 1]"
    assert "  note: 1 of 1 factor-outcome rows" in Analysis(table, None, []).render()
    table.attrs["note"] = None
    assert "note" not in Analysis(table, None, []).render()
