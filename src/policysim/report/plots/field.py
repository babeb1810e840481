"""Forest plot of the field studies: the model's effect beside the published one.

One row per study (``validation.field`` rows): the model's relative effect as a dot with its
95% Fieller interval across paired replications, the published point as a diamond, a
published interval or bound as a grey bar (an arrow where it is open-ended), and a published
direction without a number as a triangle at the axis edge pointing the way the effect went
(a ring for "no reaction"). In-sample studies (used to fit the behaviour defaults) are
labelled as such.
"""

from __future__ import annotations

import math

from matplotlib.figure import Figure

from policysim.report.plots.common import figure


def _ok(x) -> bool:
    return x is not None and math.isfinite(x)


def forest(rows: list[dict]) -> Figure:
    """Model against published effect, in percent, one row per study (first row at the top)."""
    fig, axes = figure(1, 1, height=0.45 * len(rows) + 1.8)
    ax = axes[0, 0]
    n = len(rows)
    values = [0.0]
    for r in rows:
        m, p = r["model"], r["published"]
        values += [100 * v for v in (m["mean"], m["ci_low"], m["ci_high"], p["value"], p["low"],
                                     p["high"]) if _ok(v)]
    lo, hi = min(values), max(values)
    pad = 0.08 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    seen: set[str] = set()

    def once(label: str) -> str | None:
        """The legend label the first time it is drawn, then None."""
        if label in seen:
            return None
        seen.add(label)
        return label

    for i, r in enumerate(rows):
        y = n - 1 - i
        m, p = r["model"], r["published"]
        if _ok(p["low"]) or _ok(p["high"]):
            a = 100 * p["low"] if _ok(p["low"]) else lo
            b = 100 * p["high"] if _ok(p["high"]) else hi
            ax.plot([a, b], [y + 0.15] * 2, color="0.6", lw=5, alpha=0.6, solid_capstyle="butt",
                    label=once("published interval or bound"))
        if _ok(p["value"]):
            ax.plot(100 * p["value"], y + 0.15, "D", color="#d62728", ms=7,
                    label=once("published"))
        elif p["direction"]:
            edge = hi if p["direction"] > 0 else lo
            ax.plot(edge, y + 0.15, ">" if p["direction"] > 0 else "<", color="#d62728", ms=8,
                    label=once("published direction only"))
        else:
            ax.plot(0.0, y + 0.15, "o", mfc="none", color="#d62728", ms=9,
                    label=once("published: no reaction"))
        if _ok(m["mean"]):
            if _ok(m["ci_low"]) and _ok(m["ci_high"]):
                ax.plot([100 * m["ci_low"], 100 * m["ci_high"]], [y - 0.15] * 2,
                        color="#1f77b4", lw=2)
            ax.plot(100 * m["mean"], y - 0.15, "o", color="#1f77b4",
                    label=once("model (95% CI)"))
    ax.axvline(0.0, color="0.3", lw=1)
    ax.set_xlim(lo, hi)
    ax.set_yticks(range(n))
    ax.set_yticklabels([f"{r['id']} ({'in' if r['in_sample'] else 'out'}): {r['outcome']}"
                        for r in reversed(rows)])
    ax.set_xlabel("effect of the change (% relative to the baseline arm)")
    fig.legend(loc="outside lower center", ncol=5, fontsize=8)
    return fig
