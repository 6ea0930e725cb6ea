"""Figure structure: what is drawn must be what the data say.

Reference numbers come from R 4.2.2 with ``library(survival)`` on ``lung`` (the same data as
lifelines' ``load_lung()``, sex 1 = male, 2 = female); the R command is next to each value.
"""

from __future__ import annotations

import base64
import re

import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_lung
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from inoreport.figures import plots
from inoreport.stats.survival import cox, kaplan_meier, logrank

# summary(survfit(Surv(time, status) ~ sex, lung), times = c(0,200,400,600,800,1000),
#         extend = TRUE)$n.risk
R_RISK = {
    "Male": [138, 78, 31, 13, 6, 2],
    "Female": [90, 66, 26, 11, 2, 0],
}
R_RISK_TIMES = [0, 200, 400, 600, 800, 1000]
# print(survfit(Surv(time, status) ~ sex, lung))  -> medians 270 (sex=1) and 426 (sex=2)
R_MEDIANS = {"Male": 270, "Female": 426}


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    data = load_lung()
    data["sex"] = data["sex"].map({1: "Male", 2: "Female"})
    return data


@pytest.fixture(scope="module")
def km(lung):
    return kaplan_meier(lung, "time", "status", by="sex", order=["Male", "Female"])


def _by_gid(fig: Figure, prefix: str):
    return [a for a in fig.findobj() if (a.get_gid() or "").startswith(prefix)]


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def _risk_axes(fig: Figure):
    return next(ax for ax in fig.axes if ax.get_gid() == "risk-table")


# ----------------------------------------------------------------- Kaplan–Meier


def test_km_curves_risk_table_and_alignment(km, lung):
    fig = plots.km_plot(km, logrank=logrank(lung, "time", "status", "sex"), risk_times=R_RISK_TIMES,
                        xlabel="Days")  # fmt: skip
    main = fig.axes[0]
    curves = [ln for ln in main.get_lines() if ln.get_gid() in ("km-Male", "km-Female")]
    assert len(curves) == 2
    rax = _risk_axes(fig)
    fig.canvas.draw()
    assert list(main.get_xticks()) == R_RISK_TIMES
    for group, expected in R_RISK.items():
        for t, n_risk in zip(R_RISK_TIMES, expected, strict=True):
            (text,) = [a for a in rax.texts if a.get_gid() == f"risk-{group}-{t}"]
            assert text.get_text() == str(n_risk)
            # the number sits under the tick: same pixel column as the tick on the main axis
            box = text.get_window_extent()
            tick_px = main.transData.transform((t, 0))[0]
            assert abs((box.x0 + box.x1) / 2 - tick_px) < 1.0
            assert text.get_color() == curves[0 if group == "Male" else 1].get_color()
    # each risk row is labelled with its group, in the curve's colour
    labels = {lab.get_text(): lab.get_color() for lab in rax.get_yticklabels()}
    assert labels == {"Male": curves[0].get_color(), "Female": curves[1].get_color()}


def test_km_default_ticks_show_the_fit_risk_counts(km):
    fig = plots.km_plot(km)
    ticks = list(fig.axes[0].get_xticks())
    assert 5 <= len(ticks) <= 8 and ticks[0] == 0
    expected = km.risk_table(ticks)
    rax = _risk_axes(fig)
    for g in km.groups:
        shown = [int(a.get_text()) for a in rax.texts if a.get_gid().startswith(f"risk-{g}-")]
        assert shown == expected.loc[g].tolist()


def test_km_censor_marks_median_lines_and_p(km, lung):
    fig = plots.km_plot(km, logrank=logrank(lung, "time", "status", "sex"))
    main = fig.axes[0]
    for g in ("Male", "Female"):
        (marks,) = [ln for ln in main.get_lines() if ln.get_gid() == f"km-censor-{g}"]
        # one mark per distinct censoring time, counted from the raw data
        censored = lung[(lung["sex"] == g) & (lung["status"] == 0)]["time"].nunique()
        assert len(marks.get_xdata()) == censored
        (median,) = [ln for ln in main.get_lines() if ln.get_gid() == f"km-median-{g}"]
        assert list(median.get_xdata()) == [R_MEDIANS[g]] * 2
        assert list(median.get_ydata()) == [0, 0.5]
    (horizontal,) = [ln for ln in main.get_lines() if ln.get_gid() == "km-median-h"]
    assert max(horizontal.get_xdata()) == max(R_MEDIANS.values())
    # survdiff(Surv(time, status) ~ sex, lung)$chisq = 10.32674 -> p = 0.00131
    (ptext,) = [t for t in main.texts if t.get_gid() == "km-logrank"]
    assert ptext.get_text() == "Log-rank p = 0.001"
    alt = plots.alt_text(fig)
    assert "median 270" in alt and "median 426" in alt and "p = 0.001" in alt


def test_km_synthetic_label_ci_and_percent(km):
    plain = plots.km_plot(km)
    assert not _by_gid(plain, "synthetic-label")
    assert not plots.alt_text(plain).startswith("Synthetic")
    fig = plots.km_plot(km, synthetic=True, ci=True, percent=True)
    (label,) = _by_gid(fig, "synthetic-label")
    assert label.get_text() == "SYNTHETIC DATA" and label.get_visible()
    assert plots.alt_text(fig).startswith("Synthetic data")
    bands = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    assert {b.get_gid() for b in bands} == {"km-ci-Male", "km-ci-Female"}
    fig.canvas.draw()
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [
        "0%",
        "25%",
        "50%",
        "75%",
        "100%",
    ]


def test_km_edge_cases_do_not_fail():
    rng = np.random.default_rng(7)
    times = np.round(rng.exponential(10, 30), 1) + 0.1
    # one group, no censoring at all
    cohort = pd.DataFrame({"months": times, "dead": 1})
    fig = plots.km_plot(kaplan_meier(cohort, "months", "dead"))
    (marks,) = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "km-censor-all"]
    assert len(marks.get_xdata()) == 0
    assert "All patients" in [t.get_text() for t in _risk_axes(fig).get_yticklabels()]
    # a group where everyone has the event (curve reaches 0, CI not estimable at the end),
    # a group with no events at all (median not reached), and CI bands on
    cohort = pd.DataFrame(
        {
            "months": np.concatenate([times[:10], times[10:20]]),
            "dead": [1] * 10 + [0] * 10,
            "arm": ["A"] * 10 + ["B"] * 10,
        }
    )
    fit = kaplan_meier(cohort, "months", "dead", by="arm")
    fig = plots.km_plot(fit, ci=True, logrank=float("nan"), synthetic=True)
    assert "median not reached" in plots.alt_text(fig)
    assert not [t for t in fig.axes[0].texts if t.get_gid() == "km-logrank"]
    plots.show(fig)  # renders without error
    # a single patient
    fig = plots.km_plot(kaplan_meier(pd.DataFrame({"t": [5.0], "e": [1]}), "t", "e"))
    assert fig.axes


def test_km_rejects_something_that_is_not_a_fit(lung):
    with pytest.raises(plots.PlotInputError, match="kaplan_meier"):
        plots.km_plot(lung)


def test_km_into_existing_axes(km):
    fig = Figure(figsize=(8, 5))
    ax = fig.add_subplot()
    out = plots.km_plot(km, ax=ax, risk_times=R_RISK_TIMES)
    assert out is fig
    (rax,) = [a for a in ax.child_axes if a.get_gid() == "risk-table"]
    assert sorted(int(t.get_text()) for t in rax.texts) == sorted(sum(R_RISK.values(), []))


# ----------------------------------------------------------------- forest plot


def _forest_rows():
    return pd.DataFrame(
        {
            "label": ["Age, per 10 years", "Sex", "Male", "Female", "Stage", "I", "II", "III"],
            "hr": [1.12, None, None, 0.58, None, None, 1.55, float("inf")],
            "ci_low": [0.95, None, None, 0.42, None, None, 1.06, None],
            "ci_high": [1.31, None, None, 0.81, None, None, 250.0, None],
            "n": [228, None, 138, 90, None, 63, 113, 4],
            "events": [165, None, 112, 53, None, 37, 82, 0],
            "p": [0.17, None, None, 0.0015, None, None, 0.024, None],
            "reference": [False, False, True, False, False, True, False, False],
            "indent": [0, 0, 1, 1, 0, 1, 1, 1],
        }
    )


def test_forest_structure():
    fig = plots.forest_plot(_forest_rows(), synthetic=True, title="Cox model")
    ax = plots.alt_text(fig) and fig._inoreport_info["axes"]
    assert ax.get_xscale() == "log"
    (ref,) = [ln for ln in ax.get_lines() if ln.get_gid() == "forest-reference"]
    assert list(ref.get_xdata()) == [1, 1]
    texts = _texts(fig)
    for expected in ("HR (95% CI)", "N / events", "p", "1.12 (0.95–1.31)", "0.58 (0.42–0.81)",
                     "90 / 53", "0.002", "0.17", "Reference", "not estimable", "SYNTHETIC DATA"):  # fmt: skip
        assert expected in texts, expected
    # one filled marker per estimable row; none for the inestimable or heading rows
    markers = [ln for ln in ax.get_lines() if re.fullmatch(r"forest-ours-\d+", ln.get_gid() or "")]
    assert sorted(ln.get_gid() for ln in markers) == [
        "forest-ours-0",
        "forest-ours-3",
        "forest-ours-6",
    ]
    # the CI of row 6 runs past the axis: it is cut at the edge and ends in an arrow
    (ci6,) = [ln for ln in ax.get_lines() if ln.get_gid() == "forest-ours-6-ci"]
    assert max(ci6.get_xdata()) == pytest.approx(ax.get_xlim()[1])
    assert any(ln.get_marker() == ">" for ln in ax.get_lines())
    # rows sit at y = 0..n-1 from the top; texts share the marker's y
    assert ax.get_ylim()[0] > ax.get_ylim()[1]


def test_forest_published_beside_reproduced():
    rows = _forest_rows()
    published = pd.DataFrame({"label": ["Female", "II"], "hr": [0.6, 1.5], "ci_low": [0.43, 1.03],
                              "ci_high": [0.83, 2.2]})  # fmt: skip
    fig = plots.forest_plot(rows, compare=published, labels=("Reproduced (synthetic)", "Published"))
    ax = fig._inoreport_info["axes"]
    ours = {
        ln.get_gid(): ln
        for ln in ax.get_lines()
        if re.fullmatch(r"forest-ours-\d+", ln.get_gid() or "")
    }
    theirs = {
        ln.get_gid(): ln
        for ln in ax.get_lines()
        if re.fullmatch(r"forest-published-\d+", ln.get_gid() or "")
    }
    assert set(theirs) == {"forest-published-3", "forest-published-6"}
    for i in (3, 6):
        filled, hollow = ours[f"forest-ours-{i}"], theirs[f"forest-published-{i}"]
        assert filled.get_markerfacecolor() != "white" and hollow.get_markerfacecolor() == "white"
        assert filled.get_ydata()[0] != hollow.get_ydata()[0]  # two markers, one row
        assert abs(filled.get_ydata()[0] - hollow.get_ydata()[0]) < 1
    assert "0.60 (0.43–0.83)" in _texts(fig)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Reproduced (synthetic)",
        "Published",
    ]
    assert "published 0.60 (0.43–0.83)" in plots.alt_text(fig)
    with pytest.raises(plots.PlotInputError, match="'Stage IV'"):
        plots.forest_plot(rows, compare=published.assign(label=["Female", "Stage IV"]))


def test_forest_minimal_columns_and_errors():
    rows = pd.DataFrame({"label": ["A vs B"], "hr": [0.8], "ci_low": [0.6], "ci_high": [1.07]})
    fig = plots.forest_plot(rows, favours=("A better", "B better"))
    texts = _texts(fig)
    assert "0.80 (0.60–1.07)" in texts and "N / events" not in texts
    assert any("A better" in t for t in texts)
    with pytest.raises(plots.PlotInputError, match="'ci_high'"):
        plots.forest_plot(rows.drop(columns="ci_high"))


def test_forest_rows_from_a_cox_fit(lung):
    data = lung.assign(ecog=lung["ph.ecog"].map({0: "0", 1: "1", 2: "2+", 3: "2+"}))
    fit = cox(
        data, "time", "status", ["age", "sex", "ecog"], reference={"sex": "Male", "ecog": "0"}
    )
    rows = plots.forest_rows(fit, labels={"sex": "Sex"}, data=data, event="status")
    assert rows["label"].tolist() == ["age", "Sex", "Male", "Female", "ecog", "0", "1", "2+"]
    assert rows["reference"].tolist() == [False, False, True, False, False, True, False, False]
    counts = rows.set_index("label")[["n", "events"]]
    # coxph(Surv(time, status) ~ age + sex + factor(pmin(ph.ecog, 2)), lung): n = 227, nevent = 164
    assert tuple(counts.loc["age"]) == (227, 164)
    # with(subset(lung, !is.na(ph.ecog)), table(sex, status)): male 26 + 111, female 37 + 53
    assert tuple(counts.loc["Male"]) == (137, 111) and tuple(counts.loc["Female"]) == (90, 53)
    # with(subset(lung, !is.na(ph.ecog)), table(pmin(ph.ecog, 2), status))
    assert tuple(counts.loc["1"]) == (113, 82) and tuple(counts.loc["2+"]) == (51, 45)
    # summary(<same fit>)$conf.int: sex 0.5761877 (0.4145468-0.800856)
    female = rows.set_index("label").loc["Female"]
    assert female["hr"] == pytest.approx(0.5761877, rel=1e-6)
    assert female["ci_high"] == pytest.approx(0.800856, rel=1e-6)
    # the same counts come from the fit itself when no data are passed
    from_fit = plots.forest_rows(fit, labels={"sex": "Sex"})
    pd.testing.assert_frame_equal(from_fit, rows)
    fig = plots.forest_plot(rows)
    assert "0.58 (0.41–0.80)" in _texts(fig) and "137 / 111" in _texts(fig)


# ----------------------------------------------------------------- swimmer plot


def _swimmer_frames():
    lanes = pd.DataFrame(
        [
            ("P1", -4, -2, "relapse to InO", True),
            ("P1", -2, -1, "InO cycle", False),
            ("P1", -1, 12, "after allo-HSCT", False),
            ("P2", -3, -1, "relapse to InO", False),
            ("P2", -1, 8, "after allo-HSCT", True),
        ],
        columns=["patient", "start", "end", "kind", "assumed"],
    )
    events = pd.DataFrame(
        [("P1", -4, "relapse", True), ("P1", 0, "allo-HSCT", False), ("P2", 0, "allo-HSCT", False),
         ("P2", 8, "death", False)],
        columns=["patient", "time", "event", "assumed"],
    )  # fmt: skip
    return lanes, events


def test_swimmer_structure():
    lanes, events = _swimmer_frames()
    fig = plots.swimmer_plot(
        lanes, events, synthetic=True, patient_labels={"P1": "Patient 1"}, legend="below"
    )
    ax = fig.axes[0]
    bars = [p for p in ax.patches if (p.get_gid() or "").startswith("lane")]
    assert len(bars) == len(lanes)
    hatched = [b for b in bars if b.get_hatch()]
    assert sorted(b.get_gid() for b in hatched) == ["lane-assumed-0", "lane-assumed-4"]
    markers = [c for c in ax.collections if re.fullmatch(r"event-\d+", c.get_gid() or "")]
    assert len(markers) == len(events)
    assert [c.get_gid() for c in ax.collections if "assumed" in (c.get_gid() or "")] == [
        "event-assumed-0"
    ]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "timing assumed (not published)" in legend
    assert "event time assumed (not published)" in legend
    assert {
        "relapse to InO",
        "InO cycle",
        "after allo-HSCT",
        "relapse",
        "allo-HSCT",
        "death",
    } <= set(legend)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Patient 1", "P2"]
    assert "2 segments are hatched" in plots.alt_text(fig)


def test_swimmer_errors():
    lanes, events = _swimmer_frames()
    bad = lanes.copy()
    bad.loc[1, "end"] = -3
    with pytest.raises(plots.PlotInputError, match="row 1 .*end -3 is before start -2"):
        plots.swimmer_plot(bad, events)
    with pytest.raises(plots.PlotInputError, match="'P2' is not in patient_order"):
        plots.swimmer_plot(lanes, events, patient_order=["P1"])
    fig = plots.swimmer_plot(lanes.drop(columns="assumed"))  # no events, nothing assumed
    assert "timing assumed (not published)" not in [
        t.get_text() for t in fig.axes[0].get_legend().get_texts()
    ]


# ----------------------------------------------------------------- cumulative incidence


def _cif_frame(group, times, values):
    return pd.DataFrame({"group": group, "time": times, "cif": values, "ci_low": np.array(values) * 0.7,
                         "ci_high": np.minimum(1, np.array(values) * 1.3)})  # fmt: skip


def test_cif_lines_and_stacked():
    relapse = pd.concat(
        [_cif_frame("A", [1, 3, 6], [0.1, 0.2, 0.35]), _cif_frame("B", [2, 5], [0.05, 0.15])]
    )
    death = pd.concat([_cif_frame("A", [2, 8], [0.05, 0.1]), _cif_frame("B", [4], [0.1])])
    fig = plots.cif_plot({"Relapse": relapse, "Death in remission": death}, ci=True, synthetic=True)
    lines = [ln for ln in fig.axes[0].get_lines() if (ln.get_gid() or "").startswith("cif-")]
    assert len(lines) == 4
    (a_relapse,) = [ln for ln in lines if ln.get_gid() == "cif-A-Relapse"]
    assert list(a_relapse.get_xdata()) == [0, 1, 3, 6] and list(a_relapse.get_ydata()) == [
        0,
        0.1,
        0.2,
        0.35,
    ]
    assert _by_gid(fig, "synthetic-label")
    assert "Relapse in A reaches 35%" in plots.alt_text(fig)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [
        "A – Relapse",
        "A – Death in remission",
        "B – Relapse",
        "B – Death in remission",
    ]
    stacked = plots.cif_plot({"Relapse": relapse, "Death in remission": death}, stacked=True)
    assert len(stacked.axes) == 2
    # stacked: the top of the last area at the end of follow-up is the sum of the causes
    top = [c for c in stacked.axes[0].collections if c.get_gid() == "cif-A-Death in remission"][0]
    assert np.max(top.get_paths()[0].vertices[:, 1]) == pytest.approx(0.35 + 0.1)
    single = plots.cif_plot(relapse[relapse["group"] == "A"])
    assert len(single.axes[0].get_lines()) == 1
    with pytest.raises(plots.PlotInputError, match="'cif'"):
        plots.cif_plot(relapse.drop(columns="cif"))


# ----------------------------------------------------------------- alt text and HTML


def test_show_puts_the_alt_text_on_the_img(km):
    fig = plots.km_plot(km, synthetic=True)
    out = plots.show(fig, caption="Figure 1. Example")._repr_html_()
    match = re.search(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)"', out)
    assert match
    assert base64.b64decode(match.group(1))[:8] == b"\x89PNG\r\n\x1a\n"
    assert match.group(2).startswith("Synthetic data, not real patients. Kaplan–Meier curves")
    assert "<figcaption>Figure 1. Example</figcaption>" in out
    custom = plots.show(fig, alt='Curves "A" & B')._repr_html_()
    assert 'alt="Curves &quot;A&quot; &amp; B"' in custom


def test_alt_text_required_for_foreign_figures():
    fig = Figure()
    fig.add_subplot().plot([0, 1], [0, 1])
    with pytest.raises(plots.PlotInputError, match="alt="):
        plots.alt_text(fig)
    assert plots.show(fig, alt="A straight line").alt == "A straight line"


def test_theme_and_palette():
    import matplotlib
    from matplotlib.colors import to_rgb

    assert len(set(plots.PALETTE)) == len(plots.PALETTE) >= 6
    plots.set_theme()
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [to_rgb(c) for c in cycle[:3]] == [to_rgb(c) for c in plots.PALETTE[:3]]


def _tick_label_boxes(fig):
    ax = fig._inoreport_info["axes"]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
    return ax, [t.get_window_extent(renderer) for t in labels], [t.get_text() for t in labels]


def test_forest_x_tick_labels_never_touch():
    """A wide HR range on an axis squeezed by long labels: the log ticks (0.05 ... 4) would
    crowd into one another ('0.050.1'); the plot keeps only ticks whose labels stand apart,
    always including the reference line."""
    rows = pd.DataFrame({
        "label": ["A rather long covariate label that takes room", "Another long label here",
                  "Prior treatment lines (per line)"],
        "hr": [0.09, 3.2, 1.1], "ci_low": [0.04, 1.9, 0.9], "ci_high": [0.2, 5.65, 1.3],
        "n": [120, 80, 200], "events": [60, 40, 100], "p": [0.001, 0.002, 0.3],
    })  # fmt: skip
    fig = plots.forest_plot(rows)
    ax, boxes, texts = _tick_label_boxes(fig)
    assert "1" in texts and len(texts) >= 3
    gap_px = 0.1 * fig.dpi  # about two spaces at the tick font size
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert right.x0 - left.x1 >= gap_px, texts
    # every label kept is at its own value on the axis
    assert [float(t) for t in texts] == pytest.approx(
        [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    )
