"""The one figure base: every figure module makes its figures with base.new_figure, marks
synthetic data with the one base.stamp_synthetic badge and stores alt text with base.set_alt."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import inoreport
from inoreport.figures import base, flow, plots, transitions
from inoreport.figures import causal as cf
from inoreport.stats import causal as c
from inoreport.stats.survival import kaplan_meier

SRC = Path(inoreport.__file__).resolve().parent


def test_new_figure_has_a_canvas_the_size_and_layout_asked():
    fig = base.new_figure(5.0, 3.0)
    assert isinstance(fig.canvas, FigureCanvasAgg)
    assert tuple(fig.get_size_inches()) == (5.0, 3.0)
    assert type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"
    assert base.new_figure(5.0, 3.0, layout=None).get_layout_engine() is None


def test_alt_text_round_trip_and_refusal():
    fig = base.new_figure(2.0, 2.0)
    with pytest.raises(base.PlotInputError, match="no alt text"):
        base.alt_text(fig)
    base.set_alt(fig, "A dot.", synthetic=True, kind="dot")
    assert base.alt_text(fig) == "Synthetic data, not real patients. A dot."
    assert fig._inoreport_info == {"kind": "dot"}
    shown = base.show(fig)
    assert shown.alt == base.alt_text(fig) and shown.png.startswith(b"\x89PNG")


def _stamps(fig) -> list:
    return [
        t for t in fig.findobj() if getattr(t, "get_gid", None) and t.get_gid() == "synthetic-label"
    ]


def _look(text) -> tuple:
    box = text.get_bbox_patch()
    return (
        text.get_fontsize(),
        text.get_fontweight(),
        text.get_color(),
        box.get_facecolor(),
        box.get_edgecolor(),
        box.get_linewidth(),
    )


def _synthetic_figures():
    km_table = c.weighted_kaplan_meier(
        pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 0, 1, 1], "g": [0, 0, 1, 1]}), "t", "e", by="g"
    )
    balance = pd.DataFrame({"label": ["a", "b"], "abs_smd_unweighted": [0.3, 0.05]})
    summary = pd.DataFrame({"label": ["a"], "median": [0.7], "low": [0.5], "high": [0.9]})
    km = kaplan_meier(
        pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6], "e": [1, 0, 1, 1, 0, 1], "g": list("aabbab")}),
        "t",
        "e",
        by="g",
    )
    composition = pd.DataFrame({"group": ["A", "B"], "category": ["x", "x"], "n": [3, 1]})
    flow_rows = [
        {"key": "all", "label": "All", "n": 10},
        {"key": "a", "label": "A", "n": 6, "parent": "all"},
        {"key": "b", "label": "B", "n": 4, "parent": "all"},
    ]
    return {
        "plots.km_plot": plots.km_plot(km, synthetic=True),
        "transitions.composition_plot": transitions.composition_plot(
            {"Status": composition}, groups=["A", "B"], synthetic=True
        ),
        "flow.flow_diagram": flow.flow_diagram(flow_rows, synthetic=True),
        "causal.love_plot": cf.love_plot(balance, synthetic=True),
        "causal.km_panels_figure": cf.km_panels_figure([{"table": km_table}], synthetic=True),
        "causal.interval_figure": cf.interval_figure(summary, synthetic=True),
    }


def test_every_synthetic_figure_carries_the_one_stamp():
    reference = base.stamp_synthetic(base.new_figure(2.0, 2.0).add_subplot())
    for name, fig in _synthetic_figures().items():
        stamps = _stamps(fig)
        assert [s.get_text() for s in stamps] == [base.SYNTHETIC_LABEL], name
        assert _look(stamps[0]) == _look(reference), name
        assert base.alt_text(fig).startswith("Synthetic data, not real patients."), name


def test_the_stamp_can_name_which_curves_are_synthetic():
    ax = base.new_figure(2.0, 2.0).add_subplot()
    assert base.stamp_synthetic(ax, note="dashed").get_text() == "SYNTHETIC DATA (dashed)"


def _calls(path: Path, names: set[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in names:
                found.append(f"{path.relative_to(SRC)}:{node.lineno} {name}")
        if isinstance(node, ast.ImportFrom) and node.module == "inoreport.figures.plots":
            private = [a.name for a in node.names if a.name.startswith("_")]
            found += [f"{path.relative_to(SRC)}:{node.lineno} imports plots.{p}" for p in private]
    return found


def test_figures_are_made_and_stamped_only_through_the_base():
    """No module but figures/base.py builds a Figure or a canvas itself, and none imports
    plots' private helpers: one new_figure, one stamp, one alt-text store."""
    files = [p for p in SRC.rglob("*.py") if p != SRC / "figures" / "base.py"]
    assert len(files) > 50
    found = [hit for path in files for hit in _calls(path, {"Figure", "FigureCanvasAgg"})]
    assert found == []
