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

from .paths import results_dir

ROLES = ("exact", "calibrated", "held_out")


@dataclass(frozen=True)
class ScorecardRow:
    """One published statistic against its reproduction.

    ``published`` and ``reproduced`` are numbers in the unit given (or None when the
    paper gives none / we cannot estimate one); ``match`` is decided by the caller with
    a stated tolerance, never tuned after the fact.
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

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(
                f"scorecard row {self.statistic!r}: role {self.role!r}; expected one of {ROLES}"
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


def write_scorecard(name: str, rows: list[ScorecardRow], directory: Path | None = None) -> Path:
    """Write a chapter's scorecard rows to ``<results dir>/<name>.json``."""
    return write_json(name, [asdict(r) for r in rows], directory)


def scorecard_frame(rows: list[ScorecardRow]):
    """Scorecard rows as a DataFrame (for display in a chapter)."""
    import pandas as pd

    return pd.DataFrame([asdict(r) for r in rows])
