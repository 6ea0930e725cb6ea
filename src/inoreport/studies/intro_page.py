"""The numbers and the book-wide scorecard of the introduction (``book/intro.md``).

:func:`glue_values` reads every number the short answers quote from ``data/published``
and :mod:`inoreport.studies.synthesis`; :func:`scorecard` gathers every chapter's results
file. Percentages are printed as published (``g`` format) unless stated.
"""

from __future__ import annotations

import pandas as pd

from inoreport import published, studies
from inoreport.book.results import collect_scorecards, scorecard_summary
from inoreport.paths import results_dir
from inoreport.studies import synthesis

#: Chapter result files in the words of the scorecard's 'gathered from' sentence.
CHAPTER_WORDS = {
    "audit": "the audit of the published numbers",
    "rocca": "ROCCA",
    "alcalde_bridging": "Alcalde-Mellado bridging",
    "alcalde_tumour_burden": "Alcalde-Mellado tumour burden",
    "aertgeerts": "the Aertgeerts case series",
    "jabbour": "Jabbour",
}


def glue_values() -> dict[str, object]:
    """Every number the introduction's short answers quote, keyed by its glue name."""
    out: dict[str, object] = {
        # published percentages, as printed
        "intro_alc_efs_ino": published.value("alcalde_mellado", "efs_12mo", "ino_arm"),
        "intro_alc_efs_chemo": published.value("alcalde_mellado", "efs_12mo", "chemo_arm"),
        "intro_alc_efs_ltb": published.value("alcalde_mellado", "efs_12mo", "ltb_at_infusion"),
        "intro_alc_efs_htb": published.value("alcalde_mellado", "efs_12mo", "htb_at_infusion"),
        "intro_alc_conv_ino": published.value(
            "alcalde_mellado", "htb_to_ltb_conversion_pct", "ino_arm"
        ),
        "intro_alc_conv_chemo": published.value(
            "alcalde_mellado", "htb_to_ltb_conversion_pct", "chemo_arm"
        ),
        "intro_jab_pfs5": published.value("jabbour", "pfs_5y", "all"),
        "intro_jab_os5": published.value("jabbour", "os_5y", "all"),
    }
    out = {key: f"{value:g}%" for key, value in out.items()}
    counts = {
        "intro_rocca_n": published.value("rocca", "n_patients", "all"),
        "intro_alc_n": published.value("alcalde_mellado", "n_patients", "all"),
        "intro_aert_n": published.value("aertgeerts", "n_patients", "all"),
        "intro_jab_n": published.value("jabbour", "n_patients", "all"),
        "intro_sos": published.value("rocca", "sos_deaths_count", "all"),
        "intro_sos_exposed": published.value("rocca", "sos_deaths_count", "ino_exposed"),
    }
    out.update({key: f"{value:.0f}" for key, value in counts.items()})
    hr = published.get("rocca", "hr_pfs_ino_exposed", "model_1")
    out["intro_rocca_hr"] = f"{hr['value']:.2f} ({hr['ci_low']:.2f}–{hr['ci_high']:.2f})"
    pfs_p = published.value("rocca", "pfs_p", "ino_exposed_vs_ino_naive")
    out["intro_rocca_pfs_p"] = f"{pfs_p:.3f}".lstrip("0")
    # The Jabbour paper itself was not available: say where its numbers come from.
    sources = dict.fromkeys(
        label
        for q in ("n_patients", "pfs_5y", "os_5y")
        for label in (published.provenance("jabbour", q, "all") or "").split("; ")
        if label
    )
    out["intro_jab_source"] = "; ".join(sources)
    # Bridging vs prior exposure: ROCCA's timing and the only direct bridging comparison.
    timing = synthesis.prior_exposure_and_bridging()
    for key in ("n_exposed", "preapheresis_only", "bridging", "days_to_apheresis_median",
                "days_to_infusion_median"):  # fmt: skip
        out[f"intro_t_{key}"] = f"{timing[key]:.0f}"
    out["intro_t_preapheresis_pct"] = f"{timing['preapheresis_only_pct']:.0f}%"
    power = synthesis.alcalde_bridging_power()
    out["intro_alc_n_ino"] = f"{power['n_ino']}"
    out["intro_alc_n_chemo"] = f"{power['n_chemo']}"
    out["intro_alc_detect"] = f"{round(100 * power['detectable_below']):g}%"
    out["intro_alc_power20"] = f"{round(100 * power['power_at_20_point_deficit']):g}%"
    # One safety line (ROCCA, published counts).
    safety = synthesis.safety_comparisons().set_index(["outcome", "basis"])
    icans = safety.loc[("Grade 3–4 ICANS", "patients with ICANS")]
    out["intro_icans"] = f"{icans['exposed_pct']:.0f}% against {icans['naive_pct']:.0f}%"
    out["intro_icans_p"] = icans["published_p_text"].lstrip("0")
    early = safety.loc[("Death within 30 days of infusion", "all infused patients")]
    out["intro_early"] = (
        f"{early['exposed_events']}/{early['exposed_n']} against "
        f"{early['naive_events']}/{early['naive_n']}"
    )
    out["intro_early_p"] = early["published_p_text"].lstrip("0")
    return out


def scorecard(directory=None) -> tuple[pd.DataFrame, dict[str, object]]:
    """The book-wide scorecard (every chapter's results file) as a table for the page, and
    the glue values of the sentences about it."""
    rows = collect_scorecards(directory or results_dir(), studies.CHAPTER_TITLES, studies.TITLES)
    sources = [CHAPTER_WORDS.get(s, s) for s in sorted(rows["source"].unique())]
    held_out_missed = (rows["role"] == "held_out") & (rows["match"] == False)  # noqa: E712
    values = {
        "intro_scorecard_sources": "; ".join(sources) or "no chapter yet",
        "intro_heldout_miss": int(held_out_missed.sum()),
    }
    table = scorecard_summary(rows).rename(
        columns={
            "study": "Study",
            "exact": "Exact (matched / checked)",
            "calibrated": "Calibrated (met / targets)",
            "held_out": "Held out (matched / checked)",
            "left_out": "Calibrated, predicted when left out (within / cross-validated)",
        }
    )
    return table, values
