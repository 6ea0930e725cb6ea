"""Tables and a figure for the methods page on synthetic cohorts (plumbing kept out of the
notebook). Functions take builds or validation results and return data or figures."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from inoreport.synthetic import fastsurv


def number(value) -> str:
    """A value for a table cell: integers as integers, others to 3 significant digits."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, str):
        return value
    value = float(value)
    if value == int(value) and abs(value) < 1e6:
        return f"{int(value)}"
    if abs(value) < 0.001:
        return f"{value:.2g}"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.1f}"


#: Words and symbols for reading the ASCII machine names of targets (the names in the
#: results files stay as they are: chapters look roles up by them).
_DISPLAY = {
    "cells/uL": "cells/µL",
    ">=": "≥",
    "age 60 64": "age 60–64",
    "age 65 69": "age 65–69",
    "age 70 plus": "age ≥70",
    "age under 70": "age <70",
    "ctg not high risk": "no high-risk cytogenetics",
    "ctg high risk": "high-risk cytogenetics",
    "CTG-HR vs not": "high-risk cytogenetics vs not",
    "tp53 mutated": "TP53 mutated",
    "tp53 wild type": "TP53 wild type",
    "pre amendment": "pre-amendment",
    "post amendment": "post-amendment",
    "pre vs post amendment": "pre- vs post-amendment",
}
#: The standard note of a held-out p-value (the Role column says it already).
_HELD_OUT_NOTE = "held out: never used to fit; "


def display_name(statistic: str) -> str:
    """A target's name for reading ('cells/uL' -> 'cells/µL', '>=' -> '≥'); the machine
    name in the results files stays ASCII."""
    for raw, shown in _DISPLAY.items():
        statistic = statistic.replace(raw, shown)
    return statistic


def target_frame(build) -> pd.DataFrame:
    """One row per target: statistic, role, published, synthetic, met, and the tolerance
    with any note."""
    rows = []
    for r in build.targets:
        rows.append(
            {
                "Statistic": display_name(r.statistic),
                "Role": "calibrated" if r.role == "calibrated" else "held out",
                "Published": number(r.published),
                "Synthetic": number(r.reproduced),
                "Met": "yes" if r.match else "no",
                "Tolerance; note": "; ".join(
                    x for x in (r.tolerance, r.note.removeprefix(_HELD_OUT_NOTE)) if x
                ),
            }
        )
    return pd.DataFrame(rows)


def summary(builds: dict, titles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per study: targets fitted and met, held-out statistics and how many came close.

    ``titles``: study key -> display title (default: the key).
    """
    titles = titles or {}
    rows = []
    for study, b in builds.items():
        cal = [r for r in b.targets if r.role == "calibrated"]
        held = [r for r in b.targets if r.role == "held_out"]
        rows.append(
            {
                "Study": titles.get(study, study),
                "Patients": len(b.cohort),
                "Calibrated targets": len(cal),
                "Met": sum(bool(r.match) for r in cal),
                "Held-out statistics": len(held),
                "Close": sum(bool(r.match) for r in held),
            }
        )
    return pd.DataFrame(rows)


def misses(
    builds: dict, role: str | None = None, titles: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Every target not met (of ``role`` if given: 'calibrated' or 'held_out'), with the
    study and a short reason: Study, Statistic, Published, Synthetic, Reason.
    ``titles``: study key -> short display title (default: the key)."""
    titles = titles or {}
    frames = []
    for study, b in builds.items():
        rows = [r for r in b.targets if not r.match and (role is None or r.role == role)]
        frames.append(
            pd.DataFrame(
                {
                    "Study": titles.get(study, study),
                    "Statistic": [display_name(r.statistic) for r in rows],
                    "Published": [number(r.published) for r in rows],
                    "Synthetic": [number(r.reproduced) for r in rows],
                    "Reason": [_short_reason(r.note, r) for r in rows],
                },
                columns=["Study", "Statistic", "Published", "Synthetic", "Reason"],
            )
        )
    return pd.concat(frames, ignore_index=True)


def p_direction(published, reproduced) -> str | None:
    """'smaller' or 'larger': how a synthetic p-value lies against the printed one ('.002',
    '<.0001', 0.77); None when either is not a number or they are equal."""
    try:
        printed = float(str(published).strip().lstrip("<>=≤≥ ").strip())
        ours = float(reproduced)
    except (TypeError, ValueError):
        return None
    if ours == printed:
        return None
    return "smaller" if ours < printed else "larger"


def held_out_p_values(builds: dict, titles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Every held-out p-value target: Study, Statistic, Published, Synthetic, Close, and
    Direction ('smaller' / 'larger' than published, or None). ``titles`` as in
    :func:`misses`."""
    titles = titles or {}
    rows = []
    for study, b in builds.items():
        for r in b.targets:
            if r.role != "held_out" or not _is_p_target(r):
                continue
            rows.append(
                {
                    "Study": titles.get(study, study),
                    "Statistic": display_name(r.statistic),
                    "Published": number(r.published),
                    "Synthetic": number(r.reproduced),
                    "Close": bool(r.match),
                    "Direction": p_direction(r.published, r.reproduced),
                }
            )
    return pd.DataFrame(
        rows, columns=["Study", "Statistic", "Published", "Synthetic", "Close", "Direction"]
    )


def _is_p_target(r) -> bool:
    """A p-value target: its statistic names a p-value or its tolerance is the p-value one."""
    return " log-rank p" in f" {r.statistic}" or "same side of" in str(r.tolerance)


def _p_reason(r) -> str:
    """A short reason for a p-value that misses: which way it misses."""
    direction = p_direction(r.published, r.reproduced)
    if direction == "larger":
        return "p larger: the curves separate less; see third finding"
    if direction == "smaller":
        return "p smaller: the curves separate more; see third finding"
    return "see third finding"


def _short_reason(note: str, target=None) -> str:
    """The first clause of a target's note (two when the first only says 'not fitted'); for
    the standard held-out p-value note, which way the p-value misses."""
    if note.startswith("held out: never used to fit"):
        return _p_reason(target) if target is not None and _is_p_target(target) else ""
    parts = [p.strip() for p in note.split(";")]
    if parts[0] == "not fitted" and len(parts) > 1:
        return f"{parts[0]}: {parts[1]}"
    return parts[0]


def assumptions(build) -> pd.DataFrame:
    """One study's stated assumptions, one row per setting: what it means (in words), its
    value with the unit, and its basis (assumed, or a related report's number)."""
    notes = getattr(build, "assumption_notes", {}) or {}
    rows = []
    for key, value in build.assumptions.items():
        meaning, unit, basis = notes.get(key, (key.replace("_", " "), "", "assumed"))
        shown = _fmt(value)
        # Machine values in words: "('any')" goes from the meaning, the value gets its words;
        # an unset value takes the words its meaning gives "(not set: ...)".
        if isinstance(value, str) and value in _VALUE_WORDS:
            shown = _VALUE_WORDS[value]
        meaning = display_name(re.sub(r"\s*\('[A-Za-z_]+'\)", "", meaning))
        unset = re.search(r"\s*\(not set: ([^)]*)\)", meaning)
        if unset:
            meaning = meaning.replace(unset.group(0), "")
            if value is None:
                shown = f"none named: {unset.group(1)}"
        rows.append(
            {
                "Assumption": meaning,
                "Value": shown + unit if unit.startswith("%") else f"{shown} {unit}".strip(),
                "Basis": basis,
            }
        )
    return pd.DataFrame(rows)


#: Machine values of generator settings, in words.
_VALUE_WORDS = {
    "any": "every relapse or progression",
    "after_response": "relapses after CR/CRi only",
}


def _fmt(value) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{k} {_fmt(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return (
            "–".join(_fmt(v) for v in value)
            if len(value) == 2
            else ", ".join(_fmt(v) for v in value)
        )
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def competing_risks(build) -> pd.DataFrame:
    """A cohort's deaths in remission and relapses by age band (from the build's
    ``competing_risks_5y`` diagnostics): patients in remission, 5-year cumulative incidences, counts."""
    table = build.diagnostics.get("competing_risks_5y", {})
    headers = {
        "patients in remission": "Patients in remission",
        "death in remission, 5-year cumulative incidence (%)": "Death in remission by 5 years, %",
        "relapse, 5-year cumulative incidence (%)": "Relapse by 5 years, %",
        "died in remission": "Died in remission (all follow-up)",
        "relapsed": "Relapsed (all follow-up)",
    }
    return pd.DataFrame(
        [
            {"Age, years": display_name(band), **{headers.get(k, k): v for k, v in values.items()}}
            for band, values in table.items()
        ]
    )


def guyot_noise_table(study: pd.DataFrame) -> pd.DataFrame:
    """:func:`~.validation.guyot_noise_study` rounded for reading."""

    def pair(a, b, digits):
        return f"{a:.{digits}f} ({b:.{digits}f})"

    return pd.DataFrame(
        {
            "Reading error (SD, % of axis)": [
                "none (exact corners)" if x == 0 else f"{100 * x:g}%" for x in study["noise"]
            ],
            "Readings": study["replicates"],
            "Largest KM gap, points": [
                pair(a, b, 1) for a, b in zip(study["gap_median"], study["gap_p95"], strict=True)
            ],
            "Events off by": [
                pair(a, b, 0)
                for a, b in zip(study["events_median"], study["events_p95"], strict=True)
            ],
            "HR error, %": [
                pair(a, b, 1)
                for a, b in zip(study["hr_error_median"], study["hr_error_p95"], strict=True)
            ],
        }
    )


def validation_table(result) -> pd.DataFrame:
    """The validation comparison, rounded for reading."""
    t = result.comparison.copy()
    t["role"] = t["role"].map({"calibrated": "calibrated", "held_out": "held out"})
    for col in ("real", "published", "rebuilt"):
        t[col] = t[col].map(number)
    return t.rename(
        columns={
            "statistic": "Statistic",
            "role": "Role",
            "real": "Real",
            "published": "As printed",
            "rebuilt": "Rebuilt (synthetic)",
        }
    )


def validation_figure(result):
    """Kaplan–Meier curves of the real lung cohort and of its rebuild, one panel per sex."""
    from inoreport.figures import base
    from inoreport.synthetic.validation import LANDMARKS, SEXES

    with base.style():
        fig = base.new_figure(7.2, 4.6)
        axes = fig.subplots(1, 2, sharey=True)
        gaps = {}
        for ax, sex in zip(axes, SEXES, strict=True):
            for frame, label, colour, ls in (
                (result.real, "real (R survival::lung)", base.PALETTE[0], "-"),
                (result.rebuilt, "rebuilt from aggregates (synthetic)", base.PALETTE[1], "--"),
            ):
                sub = frame[frame["sex"] == sex]
                grid = np.linspace(0, 30, 601)
                surv = fastsurv.km_at(sub["os_months"], sub["os_event"], grid)
                ax.step(grid, surv, where="post", color=colour, ls=ls, lw=2.0, label=label)
            for t in LANDMARKS:
                ax.axvline(t, color="0.75", lw=0.9, zorder=0)
            ax.set_title(f"{sex.capitalize()} patients", loc="left")
            ax.set_xlabel("Months")
            ax.set_xlim(0, 30)
            ax.set_xticks([0, 6, 12, 18, 24, 30])
            ax.set_ylim(0, 1.02)
            gaps[sex] = 100 * _max_gap(result, sex)
        axes[0].set_ylabel("Overall survival")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=1, frameon=False)
        base.stamp_synthetic(axes[1], 0.97, 0.97, va="top", note="dashed")
    base.set_alt(
        fig,
        "Kaplan–Meier overall survival over 30 months for male and female patients of R's lung "
        "data set (solid) and for the synthetic cohort rebuilt from its published-style "
        "aggregates (dashed). The curves cross at the 6- and 12-month landmarks used for "
        f"calibration; the largest gap is {gaps['male']:.0f} points for men and "
        f"{gaps['female']:.0f} for women, mostly after 12 months, where no target constrains "
        "the rebuild. The dashed curves are synthetic data.",
    )
    return fig


def _max_gap(result, sex) -> float:
    from inoreport.synthetic.validation import max_km_distance

    return max_km_distance(result.real, result.rebuilt, sex, horizon=30.0)
