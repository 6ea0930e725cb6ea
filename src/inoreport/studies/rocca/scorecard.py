"""The ROCCA chapter's scorecard: every published number it compared, ours beside it and
its role (exact, calibrated, held out), with the summaries its prose states."""

from __future__ import annotations

import html
import json
from dataclasses import asdict, replace

import pandas as pd

from inoreport.book.page import LEFT_OUT_HEADER, left_out_cell
from inoreport.book.results import scorecard_frame
from inoreport.studies.rocca.report import STUDY, RoccaCohort
from inoreport.studies.rocca.tables import breakable

ROLE_ORDER = ["exact", "calibrated", "held_out"]


def with_sources(rows: list, is_synthetic: bool) -> list:
    """Every row says where our number comes from: exact rows from published counts, the
    others from the cohort (synthetic or not)."""
    return [
        replace(r, synthetic=False if r.role == "exact" else bool(is_synthetic))
        if r.synthetic is None else r for r in rows
    ]  # fmt: skip


def generator_record() -> list[dict]:
    """The synthetic generator's own scorecard of its targets (statistic, published,
    reproduced, role, match), as ``make book`` writes it; rebuilt if missing."""
    from inoreport.paths import results_dir

    record = results_dir() / f"synthetic_{STUDY}.json"
    if record.exists():
        return json.loads(record.read_text(encoding="utf-8"))
    from inoreport.studies import build_cohort

    return [asdict(r) for r in build_cohort(STUDY).targets]


def _counts(card: pd.DataFrame) -> pd.DataFrame:
    return card.groupby("role")["match"].agg(["sum", "count"]).reindex(ROLE_ORDER).fillna(0)


def summary_texts(rc: RoccaCohort, rows: list, same_model: bool) -> dict[str, str]:
    """Misses by role, the calibrated numbers met, the generator's own counts, and which
    agreements carry weight."""
    card = scorecard_frame(rows)
    counts = _counts(card)
    missed = card[~card["match"].astype(bool)]
    texts = {
        f"missed_{role}": "; ".join(
            f"{r.statistic} (published {r.published}, here {r.reproduced})"
            for r in missed.loc[missed["role"] == role].itertuples()
        ) or "none"
        for role in ROLE_ORDER
    }  # fmt: skip
    met, total = int(counts.loc["calibrated", "sum"]), int(counts.loc["calibrated", "count"])
    texts["card_calibrated"] = f"all {total}" if met == total else f"{met} of {total}"
    if rc.is_synthetic:
        gen = pd.DataFrame(generator_record())
        gen_counts = gen.groupby("role")["match"].agg(["sum", "count"])
        # the chapter names its rows as the generator does, so the shared rows are found by name
        shared = int(gen["statistic"].isin(set(card["statistic"])).sum())
        texts["generator_counts"] = (
            f"{int(gen_counts.loc['calibrated', 'sum'])} of "
            f"{int(gen_counts.loc['calibrated', 'count'])} calibrated and "
            f"{int(gen_counts.loc['held_out', 'sum'])} of "
            f"{int(gen_counts.loc['held_out', 'count'])} held-out numbers met, most of them "
            "Table 1 and 2 counts that this chapter shows as tables rather than as rows. "
            f"{shared} of those targets are rows here, recomputed from the cohort as this "
            "chapter reads it, with the generator's role. The other rows here are the exact "
            "recomputations from published counts"
            + ("" if same_model else " and the held-out refits of the paper's selection rule, "
               "which the generator never saw")
            + ", and the p-values of the medians in Tables 1 and 2; hence the different counts"
        )  # fmt: skip
    else:
        texts["generator_counts"] = "none here, since this cohort is not synthetic"
    texts["paper_rule_miss"] = "" if same_model else (
        ", or (for the paper's selection rule) a different model gives different hazard ratios"
    )  # fmt: skip
    p_keys = [(f"{e}_p", "ino_exposed_vs_ino_naive") for e in ("pfs", "os")]
    p_fitted = rc.is_synthetic and all(rc.roles.get(k) == "calibrated" for k in p_keys)
    if p_fitted:
        texts["weighty_checks"] = (
            "On the synthetic cohort the landmarks, hazard ratios and p-values between groups "
            "were all fitted, so their agreement is by construction"
            + (" and the paper's selection rule picks the generator's model, adding no second "
               "check" if same_model else "; the hazard ratios of the paper's rule (within "
               "10%) are the genuine check")
        )  # fmt: skip
    elif rc.is_synthetic and same_model:
        texts["weighty_checks"] = (
            "The agreements that carry weight are the log-rank p-values (same side of 0.05 and "
            "within a factor of two): the hazard ratios themselves were calibrated, and the "
            "paper's selection rule picks the generator's model on this cohort, so it adds no "
            "second check"
        )
    else:
        texts["weighty_checks"] = (
            "The agreements that carry weight are the hazard ratios of the paper's rule (within "
            "10%) and the log-rank p-values (same side of 0.05 and within a factor of two)"
        )
    return texts


def summary_table(rc: RoccaCohort, rows: list) -> pd.DataFrame:
    """Numbers compared and agreeing, by role."""
    counts = _counts(scorecard_frame(rows))
    return pd.DataFrame({
        "Role": ["exact", "calibrated", "held out"],
        "Source of our number": [
            "published counts", f"the cohort{rc.syn}, fitted to the number",
            f"the cohort{rc.syn}, not fitted to the number",
        ],
        "Numbers compared": counts["count"].astype(int).to_numpy(),
        "Agree": counts["sum"].astype(int).to_numpy(),
    })  # fmt: skip


def _shown(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return "—" if v is None else str(v)


def full_table(rc: RoccaCohort, rows: list) -> pd.DataFrame:
    """Every row with its tolerance (HTML cells: escape when displaying is off)."""
    card = scorecard_frame(rows)
    table = pd.DataFrame({
        "Statistic": card["statistic"].map(breakable),
        "Published": card["published"].map(_shown).map(html.escape),
        f"Ours{rc.syn}": card["reproduced"].map(_shown).map(html.escape),
        "Role": card["role"].str.replace("_", " "),
        "Agrees (tolerance)": [
            f"{'yes' if ok else '<b>no</b>'}<br><small>{html.escape(str(tol))}</small>"
            for ok, tol in zip(card["match"], card["tolerance"], strict=True)
        ],
    })  # fmt: skip
    if card["left_out_match"].notna().any():
        table[LEFT_OUT_HEADER] = [
            html.escape(left_out_cell(v, m))
            for v, m in zip(card["left_out"], card["left_out_match"], strict=True)
        ]
    return table
