"""Safety of brexu-cel by prior InO in ROCCA (Aldoss 2024), from the published counts only.

Every count is read from ``data/published/rocca.csv``; nothing here is synthetic. The
tables set InO-exposed patients against InO-naïve ones (exposed minus naïve):

* :func:`severe_toxicity_table` — grade 3–4 CRS and ICANS, once among the patients who had
  the event (Table 2's denominator) and once among all infused patients (the text's), with
  the risk difference and Newcombe's hybrid score interval;
* :func:`early_and_sos_deaths` — deaths within 30 days of infusion and deaths from
  sinusoidal obstruction syndrome (SOS);
* :func:`what_the_tests_can_exclude` — for each of those comparisons, the power of the test
  at these group sizes and how many patients' outcomes would have to change to move the
  comparison across p = 0.05 (fragility and reverse fragility).

Percentages are percent of the denominator; differences and their limits are percentage
points. The paper does not name its test; Pearson's chi-square without continuity
correction reproduces its printed p-values (see the audit), so it is the test recomputed
here, with Fisher's exact test beside it.
"""

from __future__ import annotations

import math

import pandas as pd

from inoreport import published
from inoreport.stats import evidence
from inoreport.stats import small_cohorts as burden
from inoreport.stats.contingency import pearson_chi2
from inoreport.stats.tables import format_percent

__all__ = [
    "detection_shown",
    "early_and_sos_deaths",
    "points_text",
    "safety_rows",
    "safety_texts",
    "shown_table",
    "severe_toxicity_table",
    "what_the_tests_can_exclude",
]

STUDY = "rocca"
EXPOSED, NAIVE = "ino_exposed", "ino_naive"
VERSUS = f"{EXPOSED}_vs_{NAIVE}"

#: Column order shared by both tables (units in the names: pct = percent, pp = points).
COLUMNS = [
    "outcome", "basis", "exposed_events", "exposed_n", "naive_events", "naive_n",
    "exposed_pct", "naive_pct", "difference_pp", "ci_low_pp", "ci_high_pp",
    "published_p", "published_p_text", "published_p_tests", "chi2_p", "fisher_p", "source",
]  # fmt: skip


def _count(quantity: str, group: str) -> int:
    return int(published.value(STUDY, quantity, group))


def _denominator(quantity: str, group: str) -> int:
    """The printed denominator (column ``n``) of a published row."""
    n = published.get(STUDY, quantity, group)["n"]
    if pd.isna(n):
        raise KeyError(f"{STUDY}.csv, {quantity} [{group}]: no denominator in column 'n'")
    return int(n)


def _row(outcome, basis, exposed, naive, p_quantity=None, p_tests="", source="") -> dict:
    """One comparison: counts, percentages, Newcombe difference, published and recomputed p."""
    (k1, n1), (k0, n0) = exposed, naive
    rd = evidence.risk_difference(k1, n1, k0, n0)
    table = [[k1, n1 - k1], [k0, n0 - k0]]
    p_row = published.get(STUDY, p_quantity, VERSUS) if p_quantity else None
    return {
        "outcome": outcome,
        "basis": basis,
        "exposed_events": k1,
        "exposed_n": n1,
        "naive_events": k0,
        "naive_n": n0,
        "exposed_pct": 100 * k1 / n1,
        "naive_pct": 100 * k0 / n0,
        "difference_pp": 100 * rd.difference,
        "ci_low_pp": 100 * rd.ci_low,
        "ci_high_pp": 100 * rd.ci_high,
        "published_p": math.nan if p_row is None else float(p_row["value"]),
        "published_p_text": "" if p_row is None else str(p_row["printed"]),
        "published_p_tests": p_tests if p_row is not None else "",
        "chi2_p": pearson_chi2(table).p,
        "fisher_p": evidence.fisher_p(table),
        "source": source,
    }


def severe_toxicity_table() -> pd.DataFrame:
    """Grade 3–4 CRS and ICANS, InO-exposed vs InO-naïve, on both published denominators.

    One row per outcome and denominator basis: "patients with the event" (Table 2: grade 3–4
    among patients with any-grade CRS or ICANS) and "all infused patients" (the Results
    text: grade 3–4 among the whole arm, 102 exposed and 87 naïve). Counts in patients;
    ``*_pct`` in percent; ``difference_pp`` and its Newcombe 95% limits in percentage points
    (exposed minus naïve). ``published_p`` is the paper's p for the grade 1–2 vs 3–4 split
    among patients with the event; the paper prints none for the whole-arm comparison, so
    that row has NaN there and only the recomputed ``chi2_p`` / ``fisher_p``.
    """
    rows = []
    for event, words in (("crs", "CRS"), ("icans", "ICANS")):
        severe = f"{event}_grade_3_4_count"
        with_event = (
            (_count(severe, EXPOSED), _denominator(severe, EXPOSED)),
            (_count(severe, NAIVE), _denominator(severe, NAIVE)),
        )
        all_patients = (
            (_count(severe, EXPOSED), _denominator(f"{event}_grade_3_4_pct_of_arm", EXPOSED)),
            (_count(severe, NAIVE), _denominator(f"{event}_grade_3_4_pct_of_arm", NAIVE)),
        )
        rows.append(_row(
            f"Grade 3–4 {words}", f"patients with {words}", *with_event,
            p_quantity=f"{event}_grade_p",
            p_tests=f"grade 1–2 vs grade 3–4 among patients with {words}",
            source="Aldoss 2024, Table 2",
        ))  # fmt: skip
        rows.append(_row(
            f"Grade 3–4 {words}", "all infused patients", *all_patients,
            source="Aldoss 2024, Results (safety and toxicity)",
        ))  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def early_and_sos_deaths() -> pd.DataFrame:
    """Deaths within 30 days of infusion and deaths from SOS, InO-exposed vs InO-naïve.

    Denominators are the whole arms (102 exposed, 87 naïve). The paper gives 4 SOS deaths in
    all, 3 of them InO-exposed, so the naïve count (1) is the difference of two published
    numbers; all 4 followed a haematopoietic stem-cell transplant, and the paper does not give
    how many patients in each arm were transplanted after brexu-cel, so no rate per
    transplant can be formed. Same columns and units as :func:`severe_toxicity_table`;
    ``published_p`` is the text's p for 30-day deaths and NaN for SOS (none printed).
    """
    n1, n0 = _count("n_patients", EXPOSED), _count("n_patients", NAIVE)
    early = _row(
        "Death within 30 days of infusion", "all infused patients",
        (_count("early_death_30d_count", EXPOSED), n1),
        (_count("early_death_30d_count", NAIVE), n0),
        p_quantity="early_death_30d_p", p_tests="deaths within 30 days, exposed vs naïve",
        source="Aldoss 2024, Table 2 and Results (safety and toxicity)",
    )  # fmt: skip
    sos_all = _count("sos_deaths_count", "all")
    sos_exposed = _count("sos_deaths_count", EXPOSED)
    sos = _row(
        "Death from SOS (all after a stem-cell transplant)", "all infused patients",
        (sos_exposed, n1), (sos_all - sos_exposed, n0),
        source="Aldoss 2024, Results (safety and toxicity); naïve count = 4 − 3",
    )  # fmt: skip
    return pd.DataFrame([early, sos], columns=COLUMNS)


def what_the_tests_can_exclude(power: float = 0.8, alpha: float = 0.05) -> pd.DataFrame:
    """What the safety comparisons could and could not detect at ROCCA's group sizes.

    For every row of :func:`severe_toxicity_table` and :func:`early_and_sos_deaths`:

    * ``power_observed``: power of Fisher's exact test (two-sided ``alpha``, exact
      enumeration) if the true risks were the observed ones;
    * ``detectable_exposed_pct``: the risk in exposed patients (percent) that Fisher's test
      would detect with probability ``power``, the naïve risk held at its observed value;
    * ``fragility`` (chi-square, the paper's test): for a comparison with p < ``alpha``, how
      many exposed patients' outcomes would have to change for p to reach ``alpha`` or more
      (Walsh); for p >= ``alpha``, how many patients in one arm would have to change for p
      to fall below it (reverse fragility). ``fragility_kind`` says which,
      ``fragility_arm`` ("InO-exposed" or "InO-naïve") in which arm the patients change and
      ``fragility_change`` ("more events" or "fewer events") how.
    """
    frame = pd.concat([severe_toxicity_table(), early_and_sos_deaths()], ignore_index=True)
    out = []
    for r in frame.itertuples():
        p1, p0 = r.exposed_events / r.exposed_n, r.naive_events / r.naive_n
        table = [[r.exposed_events, r.exposed_n - r.exposed_events],
                 [r.naive_events, r.naive_n - r.naive_events]]  # fmt: skip
        test = evidence.chi2_p()
        significant = test(table) < alpha
        fragility = (evidence.fragility_index(table, test, alpha) if significant
                     else evidence.reverse_fragility_index(table, test, alpha))  # fmt: skip
        out.append({
            "outcome": r.outcome,
            "basis": r.basis,
            "power_observed": burden.power_fisher(p1, p0, r.exposed_n, r.naive_n, alpha),
            "detectable_exposed_pct": 100 * burden.detectable_proportion(
                p0, r.naive_n, r.exposed_n, power=power, alpha=alpha, test="fisher"
            ),
            "fragility_kind": "fragility" if significant else "reverse fragility",
            "fragility": fragility.index,
            "fragility_arm": {1: "InO-exposed", 0: "InO-naïve"}.get(fragility.group),
            "fragility_change": {1: "more events", -1: "fewer events"}.get(fragility.direction),
        })  # fmt: skip
    return pd.DataFrame(out)


def points_text(x: float, sign: bool = False) -> str:
    """Percentage points to one decimal (two when one would show 0.0), with a true minus."""
    text = f"{x:+.1f}" if sign else f"{x:.1f}"
    if x != 0 and round(x, 1) == 0:
        text = f"{x:+.2f}" if sign else f"{x:.2f}"
    return text.replace("-", "\u2212")


def _p_text(p: float) -> str:
    return "<.001" if p < 0.001 else f"{p:.3f}".lstrip("0")


def shown_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`severe_toxicity_table` / :func:`early_and_sos_deaths` as a reader sees them.

    Text columns: outcome with its denominator, "k/n (x%)" per arm, the difference in
    percentage points with its Newcombe 95% CI, the published p of that same comparison
    ("none" where the paper prints none; what it tests is in ``published_p_tests`` of the
    input) and the recomputed chi-square and Fisher p-values.
    """

    def arm(k, n):
        return f"{k}/{n} ({100 * k / n:.1f}%)"

    out = pd.DataFrame({
        "Outcome (denominator)": [
            f"{o} ({'of patients with the syndrome' if b.startswith('patients with') else 'of all'})"
            for o, b in zip(frame["outcome"], frame["basis"], strict=True)
        ],
        "InO-exposed": [arm(k, n) for k, n in zip(frame["exposed_events"], frame["exposed_n"],
                                                   strict=True)],
        "InO-naïve": [arm(k, n) for k, n in zip(frame["naive_events"], frame["naive_n"],
                                                strict=True)],
        "Difference, points (95% CI)": [
            f"{points_text(d, sign=True)} ({points_text(lo)} to {points_text(hi)})"
            for d, lo, hi in zip(frame["difference_pp"], frame["ci_low_pp"], frame["ci_high_pp"],
                                 strict=True)
        ],
        "Published p": [text or "none" for text in frame["published_p_text"]],
        "χ² p / Fisher p": [f"{_p_text(c)} / {_p_text(f)}"
                            for c, f in zip(frame["chi2_p"], frame["fisher_p"], strict=True)],
    })  # fmt: skip
    return out.reset_index(drop=True)


_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _number_word(n, capital: bool = False) -> str:
    word = _WORDS.get(int(n), str(int(n)))
    return word[0].upper() + word[1:] if capital else word


def _pct(x: float) -> str:
    return f"{format_percent(x, digits=0)}%"


def _fragility_words(x, events: tuple[str, str], patients_with: str) -> str:
    """'one fewer death among InO-naïve patients' / 'three more InO-exposed patients with ...'."""
    n, more = int(x["fragility"]), x["fragility_change"] == "more events"
    if more:
        return (f"{_number_word(n)} more {x['fragility_arm']} patient{'s' if n != 1 else ''} "
                f"with {patients_with}")  # fmt: skip
    return (f"{_number_word(n)} fewer {events[0] if n == 1 else events[1]} among "
            f"{x['fragility_arm']} patients")  # fmt: skip


def safety_rows() -> pd.DataFrame:
    """Every safety comparison: :func:`severe_toxicity_table` then :func:`early_and_sos_deaths`."""
    return pd.concat([severe_toxicity_table(), early_and_sos_deaths()], ignore_index=True)


def safety_texts() -> dict[str, str]:
    """Glue texts of the safety section: direction of every difference, upper limits (per
    100 exposed patients), power, detectable risk, fragility, Fisher's p of early deaths,
    deaths from SOS, and the ZUMA-3 statement (a related study, for contrast)."""
    rows = safety_rows()
    severe = severe_toxicity_table().set_index(["outcome", "basis"])
    deaths = early_and_sos_deaths().set_index("outcome")
    early, sos = deaths.loc["Death within 30 days of infusion"], deaths.iloc[1]
    icans_all = severe.loc[("Grade 3–4 ICANS", "all infused patients")]
    crs_all = severe.loc[("Grade 3–4 CRS", "all infused patients")]
    exclude = what_the_tests_can_exclude().set_index(["outcome", "basis"])
    early_x = exclude.loc[("Death within 30 days of infusion", "all infused patients")]
    icans_x = exclude.loc[("Grade 3–4 ICANS", "patients with ICANS")]
    n_above = int((rows["difference_pp"] > 0).sum())
    below_05 = rows[rows["chi2_p"] < 0.05]

    def power_of(outcome):
        return _pct(exclude.loc[(outcome, "all infused patients"), "power_observed"])

    hct = (int(_count("consolidation_hct_count", "ino_exposed")),
           int(_count("consolidation_hct_count", "ino_naive")))  # fmt: skip
    zuma = published.related_get("zuma3_prior_therapy", "severe_toxicity_across_subgroups")
    zuma_n = published.related_get("zuma3_prior_therapy", "n_patients")
    zuma_ino = published.related_get("zuma3_prior_therapy", "cr_cri_pct", "prior_ino")
    return {
        "safety_direction": (
            ("All" if n_above == len(rows) else f"{_number_word(n_above, True)} of the")
            + f" {_number_word(len(rows))} differences are above zero (more events in exposed "
            f"patients). {_number_word(len(below_05), True)} reach p < 0.05 on the chi-square "
            "test that reproduces the paper's p-values: "
            + "; ".join(
                f"{r.outcome.replace('Grade', 'grade')} among {r.basis} ({r.exposed_pct:.0f}% "
                f"vs {r.naive_pct:.0f}%, difference {points_text(r.difference_pp)} points, "
                f"95% CI {points_text(r.ci_low_pp)} to {points_text(r.ci_high_pp)}; χ² p = "
                f"{r.chi2_p:.3f}, Fisher p = {r.fisher_p:.3f}"
                + (
                    ", a p the paper does not print"
                    if not r.published_p_text
                    else f", printed p = {r.published_p_text}"
                )
                + ")"
                for r in below_05.itertuples()
            )
        ),
        "safety_upper": (
            f"{early.ci_high_pp:.0f} more deaths within 30 days, {icans_all.ci_high_pp:.0f} "
            f"more patients with severe ICANS and {crs_all.ci_high_pp:.0f} more with severe "
            "CRS per 100 exposed patients"
        ),
        "safety_power": (
            "if the true risks were the observed ones, Fisher's test at these group sizes "
            "would detect the difference in 30-day deaths with probability "
            f"{power_of('Death within 30 days of infusion')}, in severe ICANS among all "
            f"patients {power_of('Grade 3–4 ICANS')} and in severe CRS among all patients "
            f"{power_of('Grade 3–4 CRS')}"
        ),
        "safety_detectable": (
            f"with {early.naive_events} of {early.naive_n} naïve patients dying within 30 "
            f"days, the exposed rate would have had to be about "
            f"{early_x['detectable_exposed_pct']:.0f}% for an 80% chance of a significant result"
        ),
        "safety_fragility": (
            f"{_fragility_words(early_x, ('death', 'deaths'), 'an early death')} within 30 "
            "days would have taken the early-death comparison below 0.05 on the paper's test, "
            "and "
            + _fragility_words(
                icans_x,
                ("case of severe ICANS", "cases of severe ICANS"),
                "severe rather than milder ICANS",
            )
            + " would have taken the ICANS comparison above it"
        ),  # fmt: skip
        "safety_early_fisher": (
            f"With only {early.naive_events} early deaths among naïve patients the chi-square "
            f"approximation behind the printed p = {early.published_p_text} is rough; Fisher's "
            f"exact test gives p = {early.fisher_p:.2f}."
        ),
        "safety_sos": (
            f"{sos.exposed_events} of the {sos.exposed_events + sos.naive_events} deaths from "
            "sinusoidal obstruction syndrome (SOS) after brexu-cel were in exposed patients "
            f"({sos.exposed_pct:.1f}% vs {sos.naive_pct:.1f}% of all patients), and all four "
            "followed a haematopoietic stem-cell transplant. Transplant as consolidation after "
            f"response was given to {hct[0]} exposed and {hct[1]} naïve patients, but the "
            "paper does not say whether the deaths followed those transplants or later ones, "
            "so no SOS death rate per transplant can be formed"
        ),
        "zuma_statement": (
            f"In a post hoc analysis of the ZUMA-3 trial of brexu-cel ({int(zuma_n['value'])} "
            f"adults, {int(zuma_ino['n'])} of them with prior InO), the authors described "
            "grade ≥3 CRS, neurological events and treatment-related grade 5 events as "
            f'"{zuma["printed"]}" across prior-therapy subgroups. The abstract gives no '
            "numbers for these events, so they cannot be set against ROCCA's counts"
        ),
    }


def detection_shown() -> pd.DataFrame:
    """:func:`what_the_tests_can_exclude` as the chapter shows it."""
    x = what_the_tests_can_exclude()
    return pd.DataFrame({
        "Outcome": x["outcome"], "Denominator": x["basis"],
        "Power at the observed risks (Fisher)": x["power_observed"].map(_pct),
        "Exposed risk detectable with 80% power": x["detectable_exposed_pct"].map(
            lambda v: f"{v:.0f}%"),
        "Patients to change (χ² test, p crosses 0.05)": [
            f"{int(n)} ({kind})"
            for n, kind in zip(x["fragility"], x["fragility_kind"], strict=True)],
    })  # fmt: skip
