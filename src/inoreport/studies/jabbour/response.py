"""Response and MRD of the Jabbour trial from published counts, with exact (Clopper–Pearson)
95% intervals. Where only a percentage and its denominator are printed, the count is the one
whole number whose share rounds to the printed percentage.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from inoreport.book.page import Table
from inoreport.book.results import ScorecardRow
from inoreport.stats.contingency import clopper_pearson, consistent_counts
from inoreport.stats.tables import format_number
from inoreport.studies.jabbour.report import pub, pub_row, source_of


def count_from(quantity: str, group: str, n: int) -> tuple[int | None, pd.Series]:
    """The unique count whose share of ``n`` rounds to the printed percentage (None when no
    count or several fit), and the published row."""
    row = pub_row(quantity, group)
    counts = consistent_counts(float(row["value"]), int(row["decimals"]), n)
    return (counts[0] if len(counts) == 1 else None), row


@dataclass
class Response:
    """Patient counts of the response section (published or recovered from a %)."""

    n_eval: int
    n_cr_start: int
    n_cr: int
    n_crp: int
    n_nonresp: int
    n_resp: int
    orr_row: pd.Series
    n_mrd_eligible: int
    n_mrd: int
    mrd_row: pd.Series
    n_early_eval: int
    n_early: int
    early_row: pd.Series
    n_mrd_pos_start: int
    n_mrd_converted: int

    @property
    def itemised(self) -> int:
        """Responders itemised as CR or CRp."""
        return self.n_cr + self.n_crp


def response_counts() -> Response:
    """The published response and MRD counts; ORR and MRD counts recovered from the %."""
    n_eval = int(pub("n_evaluable_response", "all"))
    n_resp, orr_row = count_from("orr_pct", "all", n_eval)
    n_mrd_eligible = int(pub("n_mrd_eligible", "all"))
    n_mrd, mrd_row = count_from("mrd_negative_pct", "all", n_mrd_eligible)
    n_early_eval = int(pub("n_mrd_early_evaluated", "all"))
    n_early, early_row = count_from("mrd_negative_early_pct", "all", n_early_eval)
    return Response(
        n_eval, int(pub("n_cr_at_enrolment", "all")), int(pub("n_cr", "all")),
        int(pub("n_crp", "all")), int(pub("n_nonresponder", "all")), n_resp, orr_row,
        n_mrd_eligible, n_mrd, mrd_row, n_early_eval, n_early, early_row,
        int(pub("n_mrd_positive_at_enrolment", "all")),
        int(pub("n_mrd_converted_from_positive", "all")),
    )  # fmt: skip


def response_table(r: Response) -> Table:
    """Each outcome as n / N, the printed %, the share (%) and its exact 95% CI (%)."""
    rows = [
        ("Overall response (CR, CRp or CRi)", r.n_resp, r.n_eval, r.orr_row, "from the %"),
        ("Complete remission (CR)", r.n_cr, r.n_eval, pub_row("n_cr", "all"), ""),
        ("CR without platelet recovery (CRp)", r.n_crp, r.n_eval, pub_row("n_crp", "all"), ""),
        ("CR + CRp (itemised)", r.itemised, r.n_eval, pub_row("n_crp", "all"),
         "sum of the two above"),
        ("No response", r.n_nonresp, r.n_eval, pub_row("n_nonresponder", "all"), ""),
        ("Flow MRD negativity, overall", r.n_mrd, r.n_mrd_eligible, r.mrd_row, "from the %"),
        ("Flow MRD negativity, early assessment", r.n_early, r.n_early_eval, r.early_row,
         "from the %"),
        ("MRD-positive at enrolment → MRD-negative", r.n_mrd_converted, r.n_mrd_pos_start,
         pub_row("n_mrd_converted_from_positive", "all"), ""),
    ]  # fmt: skip
    table = []
    for label, k, n, row, how in rows:
        lo, hi = clopper_pearson(k, n)
        table.append({
            "Outcome": label, "n / N": f"{k}/{n}",
            "Printed": f"{row['printed']}%" if row["unit"] == "percent" else "—",
            "Share, %": format_number(100 * k / n, 1),
            "95% CI, %": f"{format_number(100 * lo, 1)}–{format_number(100 * hi, 1)}",
            "Source": source_of(row), "Count": how,
        })  # fmt: skip
    return Table(
        pd.DataFrame(table),
        caption="Response and MRD (published counts; exact Clopper–Pearson intervals)",
        widths=[28, 10, 11, 10, 16, 13, 12],
    )


def response_scorecard(r: Response) -> list[ScorecardRow]:
    """Exact rows: each recovered count rounds to its printed %, and the itemised CR + CRp
    counts against the printed overall response rate."""
    rows = []
    for label, k, n, row in [
        ("ORR among evaluable (%)", r.n_resp, r.n_eval, r.orr_row),
        ("MRD negativity (%)", r.n_mrd, r.n_mrd_eligible, r.mrd_row),
        ("early MRD negativity (%)", r.n_early, r.n_early_eval, r.early_row),
    ]:
        shown = float(format_number(100 * k / n, int(row["decimals"])))
        rows.append(ScorecardRow(
            f"{label}: count consistent with the printed %", float(row["value"]),
            round(100 * k / n, 2), "exact", bool(abs(shown - float(row["value"])) < 1e-9),
            tolerance="rounds to the printed value", unit="%", source=source_of(row),
            note=f"{k}/{n}", quantity=row["quantity"], group=row["group"],
        ))  # fmt: skip
    itemised, missing = r.itemised, r.n_resp - r.itemised
    rows.append(ScorecardRow(
        "ORR from the itemised CR + CRp counts (%)", float(r.orr_row["value"]),
        round(100 * itemised / r.n_eval, 2), "exact",
        float(format_number(100 * itemised / r.n_eval)) == float(r.orr_row["value"]),
        tolerance="rounds to the printed value", unit="%", source="news report",
        note=(f"{r.n_cr} CR + {r.n_crp} CRp = {itemised} of {r.n_eval}; {missing} "
              f"responder{'s' if missing != 1 else ''} not itemised"),
        quantity="orr_pct", group="all",
    ))  # fmt: skip
    return rows


def response_text(r: Response) -> dict[str, object]:
    """Glue values of the response paragraph (counts; intervals in %)."""
    orr_lo, orr_hi = clopper_pearson(r.n_resp, r.n_eval)
    mrd_lo, mrd_hi = clopper_pearson(r.n_mrd, r.n_mrd_eligible)
    gap = r.n_resp - r.itemised
    cri, cr = int(pub("n_cri", "all", "eha2022")), int(pub("n_cr", "all", "eha2022"))
    return {
        "n_eval": r.n_eval,
        "n_cr_start": r.n_cr_start,
        "n_resp": f"{r.n_resp} of {r.n_eval}",
        "orr_ci": f"{100 * orr_lo:.0f}–{100 * orr_hi:.0f}%",
        "itemised": f"{r.n_cr} + {r.n_crp} = {r.itemised}",
        "itemised_pct": f"{format_number(100 * r.itemised / r.n_eval)}%",
        "n_unitemised": f"{gap} responder{'s' if gap != 1 else ''}",
        "cri_related": cri,
        "cr_related": cr,
        "cri_report": source_of(pub_row("n_cri", "all", "eha2022")),
        "related_sum": cr + cri,
        "mrd": f"{r.n_mrd} of {r.n_mrd_eligible}",
        "mrd_ci": f"{100 * mrd_lo:.0f}–{100 * mrd_hi:.0f}%",
        "after_c1": f"{pub_row('mrd_negative_after_cycle1_pct', 'all')['printed']}%",
    }
