"""Figures of inoreport.figures.causal: what is drawn and said is what the results say, and
the text is legible at the page's column width. The results come from
inoreport.stats.causal (tested against R in tests/stats/test_causal.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inoreport.figures import base
from inoreport.figures import causal as cf
from inoreport.paths import DATA
from inoreport.stats import causal as c

ROCCA_LIKE = c.ConfoundingScenario(
    prevalence=0.5, p_treated=0.54, prognostic_hr=3.0, baseline_rate=0.03, followup=(2.0, 25.0)
)


@pytest.fixture(scope="module")
def weighted_lung() -> pd.DataFrame:
    d = pd.read_csv(DATA / "examples" / "lung.csv")
    d = d[d["ph.ecog"].notna()].reset_index(drop=True)
    d["female"] = (d["sex"] == 2).astype(int)
    model = c.propensity_scores(d, "female", ["age", "ph.ecog"])
    d["w"] = c.iptw_weights(model.scores, d["female"], stabilized=False)
    return d


def test_love_plot_draws_both_series(weighted_lung):
    table = c.balance_table(weighted_lung, "female", ["age", "ph.ecog"], weights=weighted_lung["w"])
    fig = cf.love_plot(table, synthetic=True, title="t")
    ax = fig.axes[0]
    assert len(ax.collections) == 2
    assert {t.get_text() for t in ax.get_yticklabels()} == {"age", "ph.ecog"}
    stamps = [t for t in ax.texts if t.get_gid() == "synthetic-label"]
    assert [t.get_text() for t in stamps] == [base.SYNTHETIC_LABEL]  # the one house stamp
    assert fig._inoreport_alt.startswith("Synthetic data, not real patients. Love plot of 2")


def test_figures_carry_alt_text():
    gap = c.selection_gap(ROCCA_LIKE, [1, 3, 9], prognostic_hrs=[2, 4], n=80, n_rep=30)
    fig = cf.selection_gap_figure(gap, target_hr=1.5, observed_or=2.0)
    assert "adjusted hazard ratio stays at 1" in fig._inoreport_alt
    summary = pd.DataFrame(
        {"label": ["a", "b"], "median": [0.7, 1.0], "low": [0.5, 0.8], "high": [0.9, 1.3]}
    )
    fig = cf.interval_figure(summary, published={"a": 0.3}, synthetic=True)
    assert "a: median 0.70 (95% range 0.50–0.90)" in fig._inoreport_alt
    fig = cf.power_figure(
        np.arange(20, 201, 10), 0.5, marks=[{"events": 65.35, "hr": 2.0, "label": "x"}]
    )
    assert "x: HR 2.00 at 65 events" in fig._inoreport_alt
    km = c.weighted_kaplan_meier(
        pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 0, 1, 1], "g": [0, 0, 1, 1]}), "t", "e", by="g"
    )
    fig = cf.km_panels_figure(
        [{"table": km, "title": "A", "note": "HR 1"}], labels={0: "no", 1: "yes"}
    )
    assert fig._inoreport_alt.startswith(
        "Kaplan–Meier survival curves for no, yes in 1 panels. A: HR 1."
    )


# The page's text column is about 680 px; figures are shown at 96 px per inch, scaled down
# when wider than the column.
COLUMN_PX = 680


def _smallest_text_px(fig) -> tuple[float, str]:
    from matplotlib.text import Text

    fig.canvas.draw()
    scale = min(1.0, COLUMN_PX / (fig.get_figwidth() * 96))
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    smallest = min(texts, key=lambda t: t.get_fontsize())
    return smallest.get_fontsize() * 96 / 72 * scale, smallest.get_text()


def test_figure_text_is_legible_at_column_width(weighted_lung):
    """Every visible text (ticks, legends, notes, titles) reads at 11 px or more on the page."""
    table = c.balance_table(weighted_lung, "female", ["age", "ph.ecog"], weights=weighted_lung["w"])
    gap = c.selection_gap(ROCCA_LIKE, [1, 3, 9], prognostic_hrs=[2, 4], n=80, n_rep=30)
    summary = pd.DataFrame(
        {"label": ["a", "b"], "median": [0.7, 1.0], "low": [0.5, 0.8], "high": [0.9, 1.3]}
    )
    km = c.weighted_kaplan_meier(
        pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 0, 1, 1], "g": [0, 0, 1, 1]}), "t", "e", by="g"
    )
    figures = {
        "love": cf.love_plot(table, synthetic=True, title="t"),
        "gap": cf.selection_gap_figure(gap, target_hr=1.5, observed_or=2.0),
        "interval": cf.interval_figure(summary, published={"a": 0.3}, synthetic=True, title="t"),
        "power": cf.power_figure(
            np.arange(20, 201, 10), 0.5, marks=[{"events": 65.35, "hr": 2.0, "label": "x"}]
        ),
        "km": cf.km_panels_figure(
            [{"table": km, "title": "A", "note": "HR 1"}, {"table": km, "title": "B"}],
            labels={0: "no", 1: "yes"},
            synthetic=True,
        ),
    }
    for name, fig in figures.items():
        px, text = _smallest_text_px(fig)
        assert px >= 11, (name, text, px)
        assert fig.get_figwidth() <= cf.FIGURE_WIDTH_IN, name
