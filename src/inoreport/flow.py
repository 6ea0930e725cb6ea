"""Cohort flow diagrams drawn from a table of counts.

A flow is a tree of boxes: each box has a key, a label, a count ``n`` and (except the
root) a parent. A parent's children are grouped into *splits* — different ways of dividing
the same patients (e.g. exposed patients by timing of exposure, and again by response) —
and each split is drawn as its own branch, optionally labelled. Nothing here knows about
any study: a chapter builds the table from its published counts and calls
:func:`flow_diagram`.

>>> nodes = flow_nodes([
...     {"key": "all", "label": "Infused", "n": 100},
...     {"key": "a", "label": "Arm A", "n": 60, "parent": "all"},
...     {"key": "b", "label": "Arm B", "n": 40, "parent": "all"},
... ])
>>> flow_checks(nodes)["consistent"].tolist()
[True]

:func:`flow_checks` says whether the children of every split add up to their parent,
:func:`flow_layout` places the boxes (leaves side by side, parents centred over their
children), and :func:`flow_diagram` draws boxes and arrows with matplotlib.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "FlowError",
    "FlowNode",
    "flow_alt_text",
    "flow_checks",
    "flow_diagram",
    "flow_layout",
    "flow_nodes",
]

#: Horizontal gap (in leaf widths) between two splits of the same parent.
SPLIT_GAP = 0.35


class FlowError(ValueError):
    """A flow table that cannot be drawn; the message names the row and what to fix."""


@dataclass(frozen=True)
class FlowNode:
    """One box. ``split`` names the way its parent was divided (children sharing a split
    are drawn together under that label; None = the parent's unnamed split). ``partial``
    marks a split that is not meant to add up to the parent (e.g. a subset)."""

    key: str
    label: str
    n: int
    parent: str | None = None
    split: str | None = None
    note: str = ""
    partial: bool = False


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    text = str(value).strip()
    return text or None


def flow_nodes(rows: Iterable[Mapping] | pd.DataFrame) -> list[FlowNode]:
    """Validate a flow table (list of dicts or DataFrame with columns key, label, n,
    parent, and optional split, note, partial) and return its nodes in input order.

    Exactly one row has no parent (the root); every parent must be a key of an earlier or
    later row; counts are whole numbers >= 0 and no child exceeds its parent.
    """
    if isinstance(rows, pd.DataFrame):
        records = rows.to_dict("records")
    else:
        records = [dict(r) for r in rows]
    if not records:
        raise FlowError("flow table is empty; expected one row per box")
    nodes: list[FlowNode] = []
    for i, rec in enumerate(records, start=1):
        for column in ("key", "label", "n"):
            if _clean(rec.get(column)) is None:
                raise FlowError(f"flow table row {i}: column '{column}' is empty; expected a value")
        try:
            n_value = float(rec["n"])
        except (TypeError, ValueError):
            raise FlowError(
                f"flow table row {i}, column 'n': value {rec['n']!r}; expected a whole number"
            ) from None
        if n_value < 0 or n_value != int(n_value):
            raise FlowError(
                f"flow table row {i}, column 'n': value {rec['n']!r}; expected a whole number >= 0"
            )
        nodes.append(
            FlowNode(
                key=str(rec["key"]).strip(),
                label=str(rec["label"]).strip(),
                n=int(n_value),
                parent=_clean(rec.get("parent")),
                split=_clean(rec.get("split")),
                note=_clean(rec.get("note")) or "",
                partial=bool(rec.get("partial", False)) and not pd.isna(rec.get("partial")),
            )
        )
    keys = [node.key for node in nodes]
    by_key: dict[str, FlowNode] = {}
    for i, node in enumerate(nodes, start=1):
        if node.key in by_key:
            raise FlowError(
                f"flow table row {i}, column 'key': '{node.key}' appears twice; expected "
                "unique keys"
            )
        by_key[node.key] = node
    roots = [node for node in nodes if node.parent is None]
    if len(roots) != 1:
        found = ", ".join(f"'{r.key}'" for r in roots) or "none"
        raise FlowError(f"flow table has {len(roots)} rows without a parent ({found}); expected 1")
    for i, node in enumerate(nodes, start=1):
        if node.parent is not None and node.parent not in by_key:
            raise FlowError(
                f"flow table row {i}, column 'parent': '{node.parent}' is not a key; expected "
                f"one of {keys}"
            )
        if node.parent is not None and node.n > by_key[node.parent].n:
            raise FlowError(
                f"flow table row {i}, column 'n': {node.n} patients in '{node.key}' but its "
                f"parent '{node.parent}' has {by_key[node.parent].n}; expected at most that"
            )
    # Every node must reach the root without a cycle.
    for node in nodes:
        seen = {node.key}
        current = node
        while current.parent is not None:
            if current.parent in seen:
                raise FlowError(
                    f"flow table: the parents of '{node.key}' form a cycle; expected a tree"
                )
            seen.add(current.parent)
            current = by_key[current.parent]
    return nodes


def _as_nodes(nodes) -> list[FlowNode]:
    if isinstance(nodes, pd.DataFrame) or (nodes and not isinstance(next(iter(nodes)), FlowNode)):
        return flow_nodes(nodes)
    return list(nodes)


def _children(nodes: list[FlowNode]) -> dict[str, list[tuple[str | None, list[FlowNode]]]]:
    """parent key -> [(split name, [children in input order]), ...] in order of appearance."""
    out: dict[str, list[tuple[str | None, list[FlowNode]]]] = {}
    for node in nodes:
        if node.parent is None:
            continue
        splits = out.setdefault(node.parent, [])
        for name, members in splits:
            if name == node.split:
                members.append(node)
                break
        else:
            splits.append((node.split, [node]))
    return out


def flow_checks(nodes) -> pd.DataFrame:
    """Does each split add up to its parent?

    One row per (parent, split): parent, split, parent_n, children ("a + b + c"),
    children_n, consistent (True when the counts add up, or the split is marked partial).
    """
    nodes = _as_nodes(nodes)
    by_key = {node.key: node for node in nodes}
    rows = []
    for parent, splits in _children(nodes).items():
        for name, members in splits:
            total = sum(m.n for m in members)
            partial = any(m.partial for m in members)
            rows.append(
                {
                    "parent": parent,
                    "split": name or "",
                    "parent_n": by_key[parent].n,
                    "children": " + ".join(str(m.n) for m in members),
                    "children_n": total,
                    "partial": partial,
                    "consistent": partial or total == by_key[parent].n,
                }
            )
    return pd.DataFrame(
        rows,
        columns=["parent", "split", "parent_n", "children", "children_n", "partial", "consistent"],
    )


def flow_layout(nodes) -> pd.DataFrame:
    """Box centres: one column per leaf, parents centred over their children, one row per
    generation (y = 0 at the root, −1, −2 ... below). Returns a DataFrame
    [key, label, n, parent, split, depth, x, y]."""
    nodes = _as_nodes(nodes)
    children = _children(nodes)
    root = next(node for node in nodes if node.parent is None)
    x_of: dict[str, float] = {}
    depth_of: dict[str, int] = {}

    def place(node: FlowNode, left: float, depth: int) -> float:
        """Lay out the subtree of ``node`` starting at ``left``; return its right edge."""
        depth_of[node.key] = depth
        splits = children.get(node.key, [])
        if not splits:
            x_of[node.key] = left + 0.5
            return left + 1.0
        cursor = left
        for j, (_, members) in enumerate(splits):
            if j:
                cursor += SPLIT_GAP
            for member in members:
                cursor = place(member, cursor, depth + 1)
        first = splits[0][1][0].key
        last = splits[-1][1][-1].key
        x_of[node.key] = (x_of[first] + x_of[last]) / 2
        return cursor

    place(root, 0.0, 0)
    return pd.DataFrame(
        [
            {
                "key": node.key,
                "label": node.label,
                "n": node.n,
                "parent": node.parent,
                "split": node.split,
                "depth": depth_of[node.key],
                "x": x_of[node.key],
                "y": -float(depth_of[node.key]),
            }
            for node in nodes
        ]
    )


def _box_text(node: FlowNode, parent_n: int | None, show_percent: bool, wrap: int) -> str:
    label = "\n".join(textwrap.wrap(node.label, wrap)) or node.label
    count = f"n = {node.n}"
    if show_percent and parent_n:
        count += f" ({100 * node.n / parent_n:.0f}%)"
    text = f"{label}\n{count}"
    if node.note:
        text += "\n" + "\n".join(textwrap.wrap(node.note, wrap + 4))
    return text


def flow_diagram(
    nodes,
    title: str | None = None,
    show_percent: bool = True,
    synthetic: bool = False,
    wrap: int = 15,
    width_per_leaf: float = 1.12,
    height_per_level: float = 1.3,
    fontsize: float = 7.5,
    box_fill: str = "#EEF3F8",
    box_edge: str = "#1F4E79",
    ax=None,
):
    """Draw the flow as boxes and arrows; returns the matplotlib Figure.

    Each box shows its label, ``n = ...`` and (``show_percent``) the share of its parent.
    Several splits of one parent are drawn as separate labelled branches. A split whose
    children do not add up to the parent (see :func:`flow_checks`) is drawn with a dashed
    connector. ``synthetic`` adds a visible "SYNTHETIC DATA" stamp (a flow built only from
    published counts needs none).
    """
    from matplotlib.patches import FancyBboxPatch

    from .causal import new_figure, set_alt

    nodes = _as_nodes(nodes)
    by_key = {node.key: node for node in nodes}
    layout = flow_layout(nodes).set_index("key")
    children = _children(nodes)
    checks = flow_checks(nodes)
    inconsistent = {
        (row.parent, row.split) for row in checks.itertuples() if not bool(row.consistent)
    }
    n_leaves = layout["x"].max() + 0.5
    depth = int(layout["depth"].max())
    if ax is None:
        fig = new_figure(max(6.0, width_per_leaf * n_leaves), height_per_level * (depth + 1) + 0.4)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    box_w, box_h = 0.9, 0.58
    level = 1.0  # data units between generations (y = -depth)

    for node in nodes:
        x, y = layout.loc[node.key, ["x", "y"]]
        parent_n = by_key[node.parent].n if node.parent else None
        ax.add_patch(
            FancyBboxPatch(
                (x - box_w / 2, y - box_h / 2),
                box_w,
                box_h,
                boxstyle="round,pad=0.02,rounding_size=0.05",
                fc=box_fill,
                ec=box_edge,
                lw=1.1,
                zorder=3,
            )
        )
        ax.text(
            x,
            y,
            _box_text(node, parent_n, show_percent, wrap),
            ha="center",
            va="center",
            fontsize=fontsize,
            zorder=4,
            linespacing=1.1,
        )

    line = {"color": "0.35", "lw": 1.0, "zorder": 1}
    for parent_key, splits in children.items():
        px, py = layout.loc[parent_key, ["x", "y"]]
        top_of_children = py - level + box_h / 2
        bottom_of_parent = py - box_h / 2
        named = any(name for name, _ in splits)
        bus = bottom_of_parent - 0.3 * (bottom_of_parent - top_of_children)
        centres = []
        for _, members in splits:
            xs = [layout.loc[m.key, "x"] for m in members]
            centres.append((min(xs) + max(xs)) / 2)
        ax.plot([px, px], [bottom_of_parent, bus], **line)
        if len(splits) > 1 or abs(centres[0] - px) > 1e-9:
            ax.plot([min(centres + [px]), max(centres + [px])], [bus, bus], **line)
        child_bus = bus - 0.45 * (bus - top_of_children) if named else bus
        for (name, members), centre in zip(splits, centres, strict=True):
            style = dict(line)
            if (parent_key, name or "") in inconsistent:
                style["ls"] = "--"
            xs = [layout.loc[m.key, "x"] for m in members]
            if named:
                ax.plot([centre, centre], [bus, child_bus], **style)
                if name:
                    ax.text(
                        centre,
                        (bus + child_bus) / 2,
                        name,
                        ha="center",
                        va="center",
                        fontsize=fontsize,
                        style="italic",
                        color="0.25",
                        zorder=2,
                        bbox={"fc": "white", "ec": "none", "pad": 1.0},
                    )
            if len(xs) > 1:
                ax.plot([min(xs), max(xs)], [child_bus, child_bus], **style)
            for cx in xs:
                ax.annotate(
                    "",
                    xy=(cx, top_of_children),
                    xytext=(cx, child_bus),
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": "0.35",
                        "lw": 1.0,
                        "shrinkA": 0,
                        "shrinkB": 0,
                        "ls": style.get("ls", "-"),
                    },
                    zorder=1,
                )

    ax.set_xlim(-0.05, n_leaves + 0.05)
    ax.set_ylim(-depth - box_h / 2 - 0.08, box_h / 2 + (0.35 if title else 0.08))
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=fontsize + 2, loc="left")
    if synthetic:
        ax.text(
            0.99,
            0.99,
            "SYNTHETIC DATA",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=9,
            color="#B00020",
            fontweight="bold",
        )
    fig.tight_layout()
    set_alt(fig, "Flow diagram. " + flow_alt_text(nodes), synthetic)
    return fig


def flow_alt_text(nodes, subject: str = "Patient flow") -> str:
    """A sentence-per-split description of the flow, for an image's alt attribute."""
    nodes = _as_nodes(nodes)
    by_key = {node.key: node for node in nodes}
    root = next(node for node in nodes if node.parent is None)
    parts = [f"{subject}: {root.label}, {root.n} patients."]
    for parent, splits in _children(nodes).items():
        for name, members in splits:
            divided = ", ".join(f"{m.label} {m.n}" for m in members)
            how = f" ({name})" if name else ""
            parts.append(f"{by_key[parent].label}{how}: {divided}.")
    return " ".join(parts)
