"""Tests for inoreport.figures.flow: validation messages, the add-up checks, layout geometry and the
drawn figure (boxes, counts, arrows, labels)."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

from inoreport.figures import flow

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
    # alt text travels with the figure, as inoreport.figures.plots.show expects
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


# The book's text column is about 680 px wide; a figure is shown at 96 px per inch, scaled
# down when it is wider than the column.
COLUMN_PX = 680


def _shown_px(fig, fontsize_pt: float) -> float:
    scale = min(1.0, COLUMN_PX / (fig.get_figwidth() * 96))
    return fontsize_pt * 96 / 72 * scale


def _boxes_and_texts(fig):
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = {p.get_gid().removeprefix("flow-box-"): p for p in ax.patches}
    texts = {
        t.get_gid().removeprefix("flow-text-"): t
        for t in ax.texts
        if (t.get_gid() or "").startswith("flow-text-")
    }
    return ax, renderer, boxes, texts


@pytest.mark.parametrize("orientation", ["auto", "vertical", "horizontal"])
def test_text_is_legible_at_column_width_and_stays_in_its_box(orientation):
    long_rows = [dict(r) for r in ROWS]
    long_rows[5]["label"] = "Responded to the first course (complete remission)"
    fig = flow.flow_diagram(long_rows, title="A made-up flow", orientation=orientation)
    ax, renderer, boxes, texts = _boxes_and_texts(fig)
    assert set(boxes) == set(texts) == {r["key"] for r in ROWS}
    for text in ax.texts:
        assert _shown_px(fig, text.get_fontsize()) >= 11, text.get_text()
    for key, box in boxes.items():
        outer = box.get_window_extent(renderer)
        inner = texts[key].get_window_extent(renderer)
        assert outer.x0 <= inner.x0 and inner.x1 <= outer.x1, key
        assert outer.y0 <= inner.y0 and inner.y1 <= outer.y1, key
    extents = [b.get_window_extent(renderer) for b in boxes.values()]
    for i, a in enumerate(extents):
        for b in extents[i + 1 :]:
            assert not a.overlaps(b)


def test_auto_orientation_turns_a_wide_tree_sideways():
    wide = flow.flow_diagram(ROWS)  # 7 leaves side by side would be too narrow
    _, renderer, boxes, _ = _boxes_and_texts(wide)
    root, child = (boxes[k].get_window_extent(renderer) for k in ("all", "b"))
    assert child.x0 > root.x1  # generations run from left to right
    small = flow.flow_diagram(ROWS[:3])
    _, renderer, boxes, _ = _boxes_and_texts(small)
    root, child = (boxes[k].get_window_extent(renderer) for k in ("all", "a"))
    assert child.y1 < root.y0  # root on top (display y grows upwards)
    assert small.get_figwidth() <= flow.COLUMN_WIDTH_IN


def test_split_that_does_not_add_up_has_dashed_arrows():
    rows = [dict(r) for r in ROWS]
    rows[3]["n"] = 29  # by timing: 29 + 40 = 69, not 70
    fig = flow.flow_diagram(rows, orientation="horizontal")
    arrows = [c for c in fig.axes[0].get_children() if type(c).__name__ == "Annotation"]
    styles = [a.arrow_patch.get_linestyle() for a in arrows]
    assert sum(s == "--" for s in styles) == 2  # Early and Late, nothing else
    assert "by timing" in "\n".join(t.get_text() for t in fig.axes[0].texts)


def test_unknown_orientation_is_refused():
    with pytest.raises(flow.FlowError, match="orientation='diagonal'"):
        flow.flow_diagram(ROWS, orientation="diagonal")
