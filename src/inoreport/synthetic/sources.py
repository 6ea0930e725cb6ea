"""Published numbers for the synthetic cohorts, read from ``data/published`` only.

A study spec names quantities by id (``Ref("pfs_12mo", "naive")``); this module looks them
up through :mod:`inoreport.published` so that no number is typed twice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ref:
    """A published quantity: id (and group) in ``data/published/<study>.csv``."""

    quantity: str
    group: str | None = None

    def label(self) -> str:
        return self.quantity if self.group is None else f"{self.quantity} [{self.group}]"


class PublishedValues:
    """Value lookup for one study; remembers every quantity it was asked for."""

    def __init__(self, study: str):
        self.study = study
        self.used: list[Ref] = []
        self._rows: dict[Ref, object] = {}

    def __call__(self, ref: Ref) -> float:
        return float(self.row(ref)["value"])

    def row(self, ref: Ref):
        """The full published row (value, ci_low, ci_high, printed, note, ...): the
        preferred one (see :func:`inoreport.published.get`)."""
        from inoreport import published

        self.used.append(ref)
        if ref not in self._rows:
            self._rows[ref] = published.get(self.study, ref.quantity, ref.group)
        return self._rows[ref]

    def text(self, ref: Ref) -> str:
        """A non-numeric published value (a date, a label)."""
        row = self.row(ref)
        return str(row["value_text"] if row["unit"] == "date" else row["value"])
