"""Scorecards and machine-readable results.

Every chapter ends with a scorecard: one row per published statistic, what we
reproduced, and whether the statistic was *exact* (recomputed from published counts),
*calibrated* (used to fit a synthetic cohort) or *held_out* (not used to fit, so a
genuine check). Rows are written to ``_build/results/<name>.json``.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from inoreport.paths import results_dir

ROLES = ("exact", "calibrated", "held_out")


@dataclass(frozen=True)
class ScorecardRow:
    """One published statistic against its reproduction.

    ``published`` and ``reproduced`` are numbers in the unit given (or None when the
    paper gives none / we cannot estimate one); ``match`` is decided by the caller with
    a stated tolerance, never tuned after the fact. ``synthetic`` says whether our number
    comes from a synthetic cohort (True), from published numbers only (False), or was not
    stated (None, the default, for chapters that predate the field). ``quantity`` and
    ``group`` are the statistic's key in ``data/published`` (the ``quantity`` and ``group``
    columns of the study's file), so a chapter finds a row by key, never by its label; None
    for a row that reproduces no single published number. ``left_out`` and
    ``left_out_match``: for a calibrated synthetic number, the value the generator predicted
    for it when it was left out of the calibration (cross-validation) and whether that
    prediction was within the same tolerance; None where the row was not cross-validated.
    """

    statistic: str
    published: float | str | None
    reproduced: float | str | None
    role: str
    match: bool | None
    tolerance: str = ""
    unit: str = ""
    source: str = ""
    note: str = ""
    synthetic: bool | None = None
    quantity: str | None = None
    group: str | None = None
    left_out: float | str | None = None
    left_out_match: bool | None = None

    @property
    def key(self) -> tuple[str, str | None] | None:
        """``(quantity, group)`` in ``data/published``, or None."""
        return None if self.quantity is None else (self.quantity, self.group)

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(
                f"scorecard row {self.statistic!r}: role {self.role!r}; expected one of {ROLES}"
            )
        if self.synthetic not in (None, True, False):
            raise ValueError(
                f"scorecard row {self.statistic!r}: synthetic {self.synthetic!r}; expected "
                "True, False or None"
            )


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf become null, numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(name: str, payload: Any, directory: Path | None = None) -> Path:
    """Write ``payload`` to ``<results dir>/<name>.json`` atomically; return the path."""
    target_dir = Path(directory) if directory is not None else results_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{name}.json"
    fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=f".{name}.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(_clean(payload), fh, indent=2, sort_keys=False, allow_nan=False)
        fh.write("\n")
    os.replace(tmp, target)
    return target


def with_left_out(rows: list[ScorecardRow], predictions: dict) -> list[ScorecardRow]:
    """``rows`` with the cross-validation prediction of every calibrated row whose key is in
    ``predictions`` (``(quantity, group)`` -> a dict with ``predicted`` and ``within``, as
    the committed cross-validation result holds them). Other rows are returned unchanged."""
    from dataclasses import replace

    out = []
    for row in rows:
        found = predictions.get(row.key) if row.role == "calibrated" else None
        if found is not None and row.synthetic is not False:
            row = replace(row, left_out=found["predicted"], left_out_match=bool(found["within"]))
        out.append(row)
    return out


def write_scorecard(name: str, rows: list[ScorecardRow], directory: Path | None = None) -> Path:
    """Write a chapter's scorecard rows to ``<results dir>/<name>.json``."""
    return write_json(name, [asdict(r) for r in rows], directory)


def scorecard_frame(rows: list[ScorecardRow]):
    """Scorecard rows as a DataFrame (for display in a chapter)."""
    import pandas as pd

    return pd.DataFrame([asdict(r) for r in rows])


def _as_bool(value) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().lower())
    return bool(value)


#: Audit kinds in which one published p-value is recomputed under several candidate tests.
_MULTI_TEST_KINDS = ("p_value", "p_value_inferred")


def _collapse_audit(rows: list[dict]) -> list[dict]:
    """One audit row per published statistic, so a scorecard counts statistics, not tests.

    The audit recomputes each p-value under every candidate test (and each candidate
    count table where counts were not printed). For the book-wide count a p-value counts
    once: under the test that reproduces most of that study's p-values (the test the
    authors must have used), matched if any of its rows match. The candidate tables of
    one unprinted comparison likewise count once, matched if any table under any test
    reproduces the published value.
    """
    kept: list[dict] = []
    grouped: dict[tuple, list[dict]] = {}
    for row in rows:
        kind = row.get("kind")
        if kind in _MULTI_TEST_KINDS:
            grouped.setdefault(("p", row.get("study"), kind, row.get("statistic")), []).append(row)
        elif kind == "table":
            label = str(row.get("statistic", "")).split(" ")[0]
            grouped.setdefault(("t", row.get("study"), kind, label), []).append(row)
        else:
            kept.append(row)
    best_test: dict[str, str] = {}
    for study in {key[1] for key in grouped if key[0] == "p"}:
        score: dict[str, int] = {}
        for key, members in grouped.items():
            if key[0] == "p" and key[1] == study:
                for test in {m.get("test") for m in members if _as_bool(m.get("match"))}:
                    score[test] = score.get(test, 0) + 1
        if score:
            best_test[study] = max(sorted(score), key=lambda t: score[t])
    for key, members in grouped.items():
        if key[0] == "p" and key[1] in best_test:
            members = [m for m in members if m.get("test") == best_test[key[1]]] or members
        first = dict(members[0])
        first["match"] = any(_as_bool(m.get("match")) for m in members)
        if key[0] == "t":
            first["statistic"] = f"{key[3]} (every consistent count table, every test)"
        kept.append(first)
    return kept


def collect_scorecards(
    directory: Path | None = None,
    chapter_titles: dict[str, str] | None = None,
    audit_titles: dict[str, str] | None = None,
):
    """Every chapter's scorecard rows and the audit's rows, as one long DataFrame.

    Columns: source (results file stem), study, role, statistic, match. Chapters'
    files are lists of :class:`ScorecardRow` dicts; the audit's rows (``audit.json``)
    are exact recomputations from published counts, collapsed to one row per published
    statistic (see :func:`_collapse_audit`). Files that do not exist yet are
    simply absent, so the caller can say which chapters have not run.

    ``chapter_titles``: results-file stem -> study title, for every chapter to collect
    (``inoreport.studies.CHAPTER_TITLES``); ``audit_titles``: the audit's study keys ->
    titles (``inoreport.studies.TITLES``).
    """
    import pandas as pd

    folder = Path(directory) if directory is not None else results_dir()
    records = []
    audit_titles = audit_titles or {}
    for stem, study in (chapter_titles or {}).items():
        path = folder / f"{stem}.json"
        if not path.exists():
            continue
        for row in json.loads(path.read_text(encoding="utf-8")):
            records.append(
                {
                    "source": stem,
                    "study": study,
                    "role": row.get("role"),
                    "statistic": row.get("statistic"),
                    "match": _as_bool(row.get("match")),
                    "left_out_match": _as_bool(row.get("left_out_match")),
                }
            )
    audit = folder / "audit.json"
    if audit.exists():
        for row in _collapse_audit(json.loads(audit.read_text(encoding="utf-8"))):
            records.append(
                {
                    "source": "audit",
                    "study": audit_titles.get(row.get("study"), row.get("study")),
                    "role": "exact",
                    "statistic": row.get("statistic"),
                    "match": _as_bool(row.get("match")),
                }
            )
    columns = ["source", "study", "role", "statistic", "match", "left_out_match"]
    return pd.DataFrame.from_records(records, columns=columns)


def scorecard_summary(rows):
    """Counts per study and role: 'matched / assessed' (rows with match None not assessed),
    and ``left_out``: calibrated rows predicted within tolerance when left out of the
    calibration / rows cross-validated."""
    import pandas as pd

    columns = ["study", *ROLES, "left_out"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    assessed = rows[rows["match"].notna()]
    out = []
    for study, part in assessed.groupby("study", sort=True):
        entry = {"study": study}
        for role in ROLES:
            sub = part[part["role"] == role]
            entry[role] = f"{int(sub['match'].sum())} / {len(sub)}" if len(sub) else "–"
        crossed = part["left_out_match"].dropna() if "left_out_match" in part else []
        entry["left_out"] = (
            f"{int(sum(bool(v) for v in crossed))} / {len(crossed)}" if len(crossed) else "–"
        )
        out.append(entry)
    return pd.DataFrame(out, columns=columns)
