"""Tests for inoreport.flow: validation messages, the add-up checks, layout geometry and the
drawn figure (boxes, counts, arrows, labels)."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

from inoreport import flow

# A made-up trial flow with two ways of dividing one arm and a nested split.
ROWS = [
    {"key": "all", "label": "Randomised", "n": 120},
    {"key": "a", "label": "Arm A", "n": 50, "parent": "all"},
    {"key": "b", "label": "Arm B", "n": 70, "parent": "all"},
    {"key": "b_early", "label": "Early", "n": 30, "parent": "b", "split": "by timing"},
    {"key": "b_late", "label": "Late", "n": 40, "parent": "b", "split": "by timing"},
    {"key": "b_r", "label": "Responded", "n": 45, "parent": "b", "split": "by response"},
    {"key": "b_nr", "label": "Did not", "n": 20, "parent": "b", "split": "by response"},
    {"key": "b_na", "label": "Unknown", "n": 5, "parent": "b", "split": "by response"},
    {"key": "late_1", "label": "Late, dose 1", "n": 25, "parent": "b_late"},
    {"key": "late_2", "label": "Late, dose 2", "n": 15, "parent": "b_late"},
]


def test_module_docstring_example():
    result = doctest.testmod(flow, verbose=False)
    assert result.failed == 0 and result.attempted > 0


def test_checks_every_split_adds_up():
    checks = flow.flow_checks(flow.flow_nodes(ROWS))
    assert len(checks) == 4
    assert checks["consistent"].all()
    row = checks[(checks.parent == "b") & (checks.split == "by response")].iloc[0]
    assert row["children"] == "45 + 20 + 5"
    assert row["children_n"] == 70


def test_checks_flag_a_split_that_does_not_add_up():
    rows = [dict(r) for r in ROWS]
    rows[3]["n"] = 29  # Early: 29 + 40 = 69, not 70
    checks = flow.flow_checks(flow.flow_nodes(rows))
    bad = checks[~checks["consistent"]]
    assert bad[["parent", "split"]].values.tolist() == [["b", "by timing"]]
    # a partial split is allowed not to add up
    rows[3]["partial"] = True
    assert flow.flow_checks(flow.flow_nodes(rows))["consistent"].all()


def test_dataframe_input_with_empty_cells():
    frame = pd.DataFrame(ROWS)  # parent / split columns hold NaN for some rows
    nodes = flow.flow_nodes(frame)
    assert nodes[0].parent is None and nodes[1].split is None
    assert nodes[3].split == "by timing"


@pytest.mark.parametrize(
    "change,message",
    [
        ({"index": 1, "n": 130}, "row 2, column 'n': 130 patients in 'a' but its parent"),
        ({"index": 1, "n": 2.5}, "row 2, column 'n': value 2.5; expected a whole number"),
        ({"index": 1, "n": "many"}, "row 2, column 'n': value 'many'; expected a whole number"),
        ({"index": 2, "parent": "zzz"}, "row 3, column 'parent': 'zzz' is not a key"),
        ({"index": 2, "key": "a"}, "row 3, column 'key': 'a' appears twice"),
        ({"index": 2, "label": ""}, "row 3: column 'label' is empty"),
        ({"index": 2, "parent": None}, "2 rows without a parent"),
    ],
)
def test_validation_messages_name_the_row(change, message):
    rows = [dict(r) for r in ROWS]
    index = change.pop("index")
    rows[index].update(change)
    with pytest.raises(flow.FlowError, match=message.replace("(", r"\(")):
        flow.flow_nodes(rows)


def test_cycle_is_rejected():
    rows = [
        {"key": "root", "label": "R", "n": 10},
        {"key": "x", "label": "X", "n": 5, "parent": "y"},
        {"key": "y", "label": "Y", "n": 5, "parent": "x"},
    ]
    with pytest.raises(flow.FlowError, match="cycle"):
        flow.flow_nodes(rows)


def test_layout_geometry():
    layout = flow.flow_layout(ROWS).set_index("key")
    # one row per generation, root on top
    assert layout.loc["all", "y"] == 0 and layout.loc["late_1", "y"] == -3
    # parents sit over the middle of their children
    assert layout.loc["b_late", "x"] == pytest.approx(
        (layout.loc["late_1", "x"] + layout.loc["late_2", "x"]) / 2
    )
    # boxes in the same generation never overlap (at least one leaf width apart)
    for _, level in layout.groupby("depth"):
        xs = sorted(level["x"])
        assert all(b - a >= 1.0 - 1e-9 for a, b in zip(xs, xs[1:], strict=False))
    # splits of one parent are kept apart and in input order
    assert layout.loc["b_late", "x"] < layout.loc["b_r", "x"]
    assert layout.loc["b_r", "x"] - layout.loc["late_2", "x"] >= 1 + flow.SPLIT_GAP - 1e-9


def test_diagram_shows_every_box_and_count():
    fig = flow.flow_diagram(ROWS, title="A made-up flow")
    ax = fig.axes[0]
    text = "\n".join(t.get_text() for t in ax.texts)
    for row in ROWS:
        assert f"n = {row['n']}" in text
    assert "n = 45 (64%)" in text  # share of the parent, 45 / 70
    assert "by timing" in text and "by response" in text
    assert len(ax.patches) == len(ROWS)  # one box per row
    arrows = [child for child in ax.get_children() if type(child).__name__ == "Annotation"]
    assert len([a for a in arrows if a.arrow_patch is not None]) == len(ROWS) - 1
    assert "SYNTHETIC" not in text
    # alt text travels with the figure, as inoreport.plots.show expects
    assert fig._inoreport_alt.startswith("Flow diagram. Patient flow: Randomised, 120")


def test_diagram_synthetic_stamp_and_no_percent():
    fig = flow.flow_diagram(ROWS, show_percent=False, synthetic=True)
    text = "\n".join(t.get_text() for t in fig.axes[0].texts)
    assert "SYNTHETIC DATA" in text
    assert "%" not in text
    assert fig._inoreport_alt.startswith("Synthetic data, not real patients.")


def test_alt_text_lists_each_split():
    alt = flow.flow_alt_text(ROWS, subject="Trial flow")
    assert alt.startswith("Trial flow: Randomised, 120 patients.")
    assert "Arm B (by response): Responded 45, Did not 20, Unknown 5." in alt
    assert "Late: Late, dose 1 25, Late, dose 2 15." in alt
