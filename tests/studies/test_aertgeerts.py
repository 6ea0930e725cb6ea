"""The Aertgeerts et al. (2025) per-patient event table.

Reference values are read off the abstract (shared/papers/001_*.txt) and typed here on
purpose: they check both data/published/aertgeerts.csv and the table built from it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from inoreport import paths
from inoreport.studies.aertgeerts import cohort as ae

# From the abstract: "3/4 after second relapse, 1/4 refractory at first relapse"; "three ...
# CD19NEG/CD22POS, one CD19POS/CD22POS"; "all achieved CR, three without MRD"; "two or three
# InO cycles"; all went to allo-HSCT; eye relapses "six and nine months after allo-HSCT";
# "in CR at the last follow-up 25 months later"; others "mean 31.3 months".
ABSTRACT = dict(
    n_patients=4,
    cart_after_second_relapse=3,
    cart_refractory_first_relapse=1,
    relapse_cd19neg_cd22pos=3,
    relapse_cd19pos_cd22pos=1,
    cr_after_cycle1=4,
    mrd_negative_after_cycle1=3,
    ino_cycles_min=2,
    ino_cycles_max=3,
    allo_hsct=4,
    post_hsct_relapse=1,
    eye_relapse_first_months=6,
    eye_relapse_second_months=9,
    eye_patient_followup_months=25,
    others_followup_mean_months=31.3,
)


@pytest.fixture(scope="module")
def facts() -> ae.PublishedFacts:
    return ae.published_facts()


@pytest.fixture(scope="module")
def table(facts) -> pd.DataFrame:
    return ae.event_table(facts)


def values(table, item):
    return table.loc[table["item"] == item].set_index("patient")["value"]


def times(table, item):
    return table.loc[table["item"] == item].set_index("patient")["start_months"]


def test_published_file_holds_the_abstract_numbers(facts):
    for name, expected in ABSTRACT.items():
        assert getattr(facts, name) == pytest.approx(expected), name


def test_table_recounts_to_the_abstract(table):
    assert table["patient"].nunique() == 4
    assert (values(table, "cart_indication") == "second relapse").sum() == 3
    assert (values(table, "cart_indication") == "refractory first relapse").sum() == 1
    assert (values(table, "relapse_phenotype") == "CD19-/CD22+").sum() == 3
    assert (values(table, "relapse_phenotype") == "CD19+/CD22+").sum() == 1
    assert (values(table, "response_after_cycle1") == "CR").sum() == 4
    assert (values(table, "mrd_after_cycle1") == "MRD-negative").sum() == 3
    assert set(values(table, "ino_cycles").astype(int)) == {2, 3}
    assert (table["item"] == "allo_hsct").sum() == 4
    assert (values(table, "status_last_followup") == "CR").sum() == 4
    # the CR event after cycle 1 carries the same MRD status as the attribute
    assert (values(table, "cr_after_cycle1") == values(table, "mrd_after_cycle1")).all()
    # number of cycle intervals equals the stated number of cycles
    drawn = table.loc[table["item"].str.startswith("ino_cycle_")].groupby("patient").size()
    assert (drawn == values(table, "ino_cycles").astype(int)).all()


def test_follow_up_constraints_hold(table):
    eye = table.loc[table["item"].str.startswith("eye_relapse_"), ["patient", "start_months"]]
    assert eye["patient"].nunique() == 1
    patient = eye["patient"].iloc[0]
    assert sorted(eye["start_months"]) == [6, 9]
    last = times(table, "last_followup")
    assert last[patient] - 9 == pytest.approx(25)
    others = last.drop(patient)
    assert len(others) == 3
    assert round(others.mean(), 1) == 31.3
    # the follow-up bar ends where the last-follow-up event is
    bars = table.loc[table["item"] == "after_hsct"].set_index("patient")
    assert (bars["end_months"] == last).all() and (bars["start_months"] == 0).all()


def test_every_row_says_what_is_published(table):
    assert set(table["fact_status"]) <= set(ae.FACT_STATUSES)
    assert set(table["timing_status"]) <= set(ae.TIMING_STATUSES)
    assert (table.loc[table["kind"] == "attribute", "timing_status"] == "n/a").all()
    assert (table.loc[table["kind"] != "attribute", "timing_status"] != "n/a").all()
    assert set(table.loc[table["timing_status"] == "anchor", "item"]) == {"allo_hsct"}
    published_times = table.loc[table["timing_status"] == "published_patient"]
    assert set(published_times["item"]) == {"eye_relapse_1", "eye_relapse_2"}
    assert published_times["patient"].nunique() == 1
    # "in CR at the last follow-up 25 months later": the 25 is printed, but not from when,
    # so the eye-relapse child's last follow-up (9 + 25 = 34 months) is derived, not published
    derived = table.loc[table["timing_status"] == "derived"]
    assert set(derived["item"]) == {"after_hsct", "last_followup"}
    assert set(derived["patient"]) == set(published_times["patient"])
    assert derived["basis"].str.contains("derived").all()
    # everything before transplant is drawn with assumed times
    before = table.loc[(table["kind"] != "attribute") & (table["start_months"] < 0)]
    assert (before["timing_status"] == "assumed").all()
    # allocated attributes are marked as such
    for item in ("cart_indication", "relapse_phenotype", "mrd_after_cycle1"):
        assert (table.loc[table["item"] == item, "fact_status"] == "published_aggregate").all()
    assert (table.loc[table["item"] == "ino_cycles", "fact_status"] == "assumed").all()
    assert table["basis"].str.len().min() > 10


def test_chronology_and_contiguity(table):
    for patient, rows in table.groupby("patient"):
        t = rows.set_index("item")["start_months"]
        sequence = [t["tisagenlecleucel"], t["relapse_after_cart"], t["ino_cycle_1"]]
        sequence += [t["cr_after_cycle1"], t["allo_hsct"], t["last_followup"]]
        assert sequence == sorted(sequence) and len(set(sequence)) == len(sequence), patient
        assert t["allo_hsct"] == 0
        intervals = rows.loc[rows["kind"] == "interval"].sort_values("start_months")
        assert (intervals["end_months"] > intervals["start_months"]).all()
        ends, starts = intervals["end_months"].iloc[:-1], intervals["start_months"].iloc[1:]
        assert list(ends) == pytest.approx(list(starts), abs=0.011), patient
    eye = table.loc[table["item"] == "radiotherapy"].iloc[0]
    rows = table.loc[table["patient"] == eye["patient"]].set_index("item")["start_months"]
    assert rows["eye_relapse_2"] < rows["radiotherapy"] < rows["last_followup"]


def test_conventions_move_only_assumed_times(facts, table):
    other = ae.event_table(
        facts,
        assumptions=ae.Assumptions(
            cart_to_relapse_months=3.0,
            relapse_to_ino_days=3,
            first_cycle_days=28,
            last_cycle_to_hsct_days=30,
            relapse_to_radiotherapy_days=40,
        ),
    )
    merged = table.merge(other, on=["patient", "item"], suffixes=("", "_new"))
    fixed = merged["timing_status"].isin(["published_patient", "anchor", "derived"])
    for column in ("start_months", "end_months"):
        a, b = merged.loc[fixed, column], merged.loc[fixed, f"{column}_new"]
        assert ((a == b) | (a.isna() & b.isna())).all()
    # every assumed time before transplant, and the radiotherapy, follow the conventions
    assumed = merged["timing_status"] == "assumed"
    moved = merged.loc[
        assumed & ((merged["start_months"] < 0) | (merged["item"] == "radiotherapy"))
    ]
    assert len(moved) >= 4 * 6
    assert (moved["start_months"] != moved["start_months_new"]).all()
    # InO cycle 1 of 28 days: 28 / (365.25 / 12) months
    cycle1 = other.loc[other["item"] == "ino_cycle_1"].iloc[0]
    assert cycle1["end_months"] - cycle1["start_months"] == pytest.approx(0.92, abs=0.011)


def test_another_allocation_keeps_the_aggregates(facts):
    allocation = ae.Allocation(
        refractory_first_relapse=("P4",),
        cd19_positive=("P4",),
        mrd_positive=("P4",),
        three_cycles=("P1",),
        eye_relapse="P4",
    )
    table = ae.event_table(facts, allocation=allocation)
    checks = ae.consistency_checks(table, facts)
    assert checks["match"].all()
    assert values(table, "relapse_phenotype")["P4"] == "CD19+/CD22+"
    assert (values(table, "ino_cycles").astype(int) == [3, 2, 2, 2]).all()


@pytest.mark.parametrize(
    "allocation, message",
    [
        (ae.Allocation(cd19_positive=("P1", "P2")), "Allocation.cd19_positive: 2 patients"),
        (ae.Allocation(mrd_positive=()), "Allocation.mrd_positive: 0 patients"),
        (ae.Allocation(eye_relapse="P9"), "Allocation.eye_relapse: unknown patient 'P9'"),
        (ae.Allocation(three_cycles=("P7",)), "Allocation.three_cycles: unknown patients"),
    ],
)
def test_bad_allocation_says_what_to_fix(facts, allocation, message):
    with pytest.raises(ae.CaseSeriesInputError, match=message.replace("(", r"\(")):
        ae.event_table(facts, allocation=allocation)


def test_consistency_checks_catch_a_wrong_table(facts, table):
    checks = ae.consistency_checks(table, facts)
    assert checks["match"].all() and len(checks) >= 14
    broken = table.copy()
    broken.loc[broken["item"] == "mrd_after_cycle1", "value"] = "MRD-negative"
    shifted = table.copy()
    shifted.loc[shifted["item"] == "last_followup", "start_months"] += 0.2
    for wrong, statistic in (
        (broken, "MRD-negative after InO cycle 1"),
        (shifted, "Other patients: mean months from allo-HSCT to last follow-up"),
    ):
        result = ae.consistency_checks(wrong, facts).set_index("statistic")
        assert not result.at[statistic, "match"]


def test_followup_readings(table, facts):
    readings = ae.followup_readings(table, facts)
    book = readings.loc[readings["book"]]
    assert len(book) == 2
    assert book["eye_patient_fu_from_hsct"].dropna().tolist() == [34.0]  # 9 + 25
    assert book["others_mean_fu_from_hsct"].dropna().tolist() == [31.3]
    eye = readings.loc[readings["about"] == "eye", "eye_patient_fu_from_hsct"]
    assert sorted(eye) == [25.0, 31.0, 34.0]
    all_four = readings.loc[readings["reading"].str.contains("all 4"), "others_mean_fu_from_hsct"]
    assert all_four.iloc[0] == pytest.approx((4 * 31.3 - 34) / 3, abs=0.005)
    assert (readings.loc[readings["about"] == "others", "others_mean_fu_from_hsct"] < 31.31).all()


def test_csv_is_byte_deterministic_and_committed(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    ae.build(first)
    ae.build(second)
    assert first.read_bytes() == second.read_bytes()
    committed = paths.SYNTHETIC / "aertgeerts.csv"
    assert committed.read_bytes() == first.read_bytes(), "run `make data` and commit the CSV"
    loaded = ae.load(first)
    assert list(loaded.columns) == list(ae.COLUMNS)
    assert len(loaded) == len(ae.event_table())


def test_load_names_file_column_and_row(tmp_path):
    path = tmp_path / "aertgeerts.csv"
    ae.build(path)
    text = path.read_text().splitlines()
    assert ",published_aggregate," in text[4]
    text[4] = text[4].replace(",published_aggregate,", ",maybe,", 1)
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(ae.CaseSeriesInputError) as error:
        ae.load(path)
    message = str(error.value)
    assert str(path) in message and "'fact_status'" in message and "row 5" in message
    assert "'maybe'" in message and "\n" not in message


def test_published_facts_errors():
    keys = list(ae.QUANTITIES.values())
    frame = pd.DataFrame(
        {"quantity": [q for q, _ in keys], "group": [g for _, g in keys], "value": "1"}
    )
    with pytest.raises(ae.CaseSeriesInputError, match="expected exactly 1"):
        ae.published_facts(frame.iloc[1:], "x.csv")
    bad = frame.copy()
    bad.loc[3, "value"] = "three"
    with pytest.raises(ae.CaseSeriesInputError, match=r"x.csv, column 'value', row 5"):
        ae.published_facts(bad, "x.csv")
    with pytest.raises(ae.CaseSeriesInputError, match="expected n_patients"):
        ae.published_facts(frame, "x.csv")


def test_swimmer_frames_shape(table):
    lanes, events = ae.swimmer_frames(table)
    assert list(lanes.columns) == ["patient", "start", "end", "kind", "assumed", "derived"]
    assert list(events.columns) == ["patient", "time", "event", "assumed", "derived"]
    for frame in (lanes, events):
        assert frame["assumed"].dtype == bool and frame["derived"].dtype == bool
        assert not (frame["assumed"] & frame["derived"]).any()
    # only the eye patient's post-HSCT follow-up is not assumed: published from 0 to the
    # later eye relapse (9 months), derived from there to last follow-up (34 months)
    known = lanes.loc[~lanes["assumed"]]
    assert known["patient"].nunique() == 1 and set(known["kind"]) == {"after allo-HSCT"}
    assert known[["start", "end", "derived"]].values.tolist() == [[0, 9, False], [9, 34, True]]
    assert set(events.loc[~events["assumed"] & ~events["derived"], "event"]) == {
        "allo-HSCT",
        "eye-chamber relapse",
    }
    assert events.loc[events["derived"], ["event", "time"]].values.tolist() == [
        ["last follow-up, in CR", 34]
    ]
    assert (events["event"] == "relapse, CD19−/CD22+").sum() == 3
    assert (events["event"] == "CR, MRD-positive").sum() == 1


def test_swimmer_figure_and_alt_text(table):
    import numpy as np

    figure = ae.swimmer(table)
    ax = figure.axes[0]
    assert ax.get_title(loc="left").replace("\n", " ") == ae.ILLUSTRATIVE_NOTE
    legend = " | ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "assumed" in legend and "eye-chamber relapse" in legend
    assert ax.get_xscale() == "function"
    # the last 4 months before transplant hold every relapse (assumed at -3.2 months at the
    # earliest, 3 InO cycles) and are drawn 5 times wider: one month there as wide as five
    # after transplant; earlier months (tisagenlecleucel) as wide as those after it
    assert ae.stretch_window(table) == 4
    to_x = ax.transData.transform
    one_before = to_x((0, 0))[0] - to_x((-1, 0))[0]
    assert one_before == pytest.approx(to_x((5, 0))[0] - to_x((0, 0))[0], rel=1e-6)
    assert to_x((-4, 0))[0] - to_x((-6, 0))[0] == pytest.approx(
        to_x((2, 0))[0] - to_x((0, 0))[0], rel=1e-6
    )
    assert "5× wider" in ax.get_xlabel()
    # before transplant every marker is ringed (time assumed; ring about 0.24 inch wide):
    # on one bar, neighbouring markers are at least 0.4 inch apart, so rings do not touch
    _, events = ae.swimmer_frames(table)
    before = events.loc[events["time"] < 0]
    for _, rows in before.groupby("patient"):
        x = np.sort(to_x(np.c_[rows["time"], np.zeros(len(rows))])[:, 0]) / figure.dpi
        assert np.diff(x).min() >= 0.4
    # the derived last follow-up has its own mark and legend entry
    assert any(str(c.get_gid()).startswith("event-derived") for c in ax.collections)
    assert "time derived (our reading)" in legend
    assert min(t.get_fontsize() for t in ax.get_legend().get_texts()) >= 12
    # the radiotherapy marker is lifted off the bar so it does not hide the eye relapse
    eye_row = table.loc[table["item"] == "radiotherapy"].iloc[0]
    offsets = [np.asarray(c.get_offsets()) for c in ax.collections]
    at_rt = [o for o in offsets if o.shape == (1, 2) and o[0, 0] == eye_row["start_months"]]
    at_eye = [o for o in offsets if o.shape == (1, 2) and o[0, 0] == 9.0]
    assert at_rt and at_eye and {o[0, 1] for o in at_rt}.isdisjoint({o[0, 1] for o in at_eye})
    alt = ae.figure_alt_text(table)
    assert "6 and 9 months" in alt and "34 months" in alt and "31.3" in alt
    assert "derived" in alt and "25 months" in alt


def test_patient_table_marks_every_cell(table):
    wide = ae.patient_table(table)
    assert list(wide.columns) == ["Patient 1", "Patient 2", "Patient 3", "Patient 4"]
    marked = wide.drop(index=["Allo-HSCT (months)"]).map(
        lambda cell: cell == "–" or cell.endswith(("*", "†", "‡", "§"))
    )
    assert marked.all().all()
    last = [cell.replace(ae.NBSP, " ") for cell in wide.loc["Last follow-up (months)"]]
    assert last == ["31.3 ‡", "31.3 ‡", "31.3 ‡", "34.0 §"]
    assert wide.loc["InO cycles"].str.contains(ae.NBSP).all()  # marks never wrap alone
    assert "§ derived" in ae.MARK_LEGEND


def test_patient_table_html_has_a_synthetic_caption(table):
    text = ae.patient_table_html(table, number=1)
    caption = text[text.index("<caption") : text.index("</caption>")]
    assert "Table 1." in caption and "synthetic" in caption and "assumed" in caption
    assert text.index("</caption>") < text.index("<thead>") < text.index("34.0\u00a0§")
    assert "§ derived" in text[text.index("</table>") :]


def test_exact_intervals_used_in_the_chapter():
    from inoreport.stats.contingency import clopper_pearson

    # R 4.2: binom.test(4, 4)$conf.int and binom.test(3, 4)$conf.int
    assert clopper_pearson(4, 4) == pytest.approx((0.3976353644, 1.0), abs=1e-9)
    assert clopper_pearson(3, 4) == pytest.approx((0.1941204497, 0.9936905368), abs=1e-9)


def test_notebook_declares_its_results_and_has_no_outputs():
    from inoreport.book.build import read_notebook

    notebook = read_notebook(paths.ROOT / "notebooks" / "aertgeerts.md")
    assert notebook["metadata"]["inoreport"]["writes"] == ["aertgeerts.json"]
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    first = "".join(notebook["cells"][0]["source"])
    assert notebook["cells"][0]["cell_type"] == "markdown"
    assert sum(line.startswith("# ") for line in first.splitlines()) == 1
    tags = [cell["metadata"].get("tags", []) for cell in notebook["cells"]]
    assert ["parameters", "hide-input"] in tags
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), "clear the outputs before committing"


def test_report_glue_values_are_the_abstracts_numbers(facts, table):
    from inoreport import published
    from inoreport.studies.aertgeerts import report

    values = report.glue_values(table, facts)
    assert values["n_patients"] == published.value("aertgeerts", "n_patients", "all") == 4
    assert values["cr_after_cycle1"] == published.value(
        "aertgeerts", "cr_after_ino_cycle1_count", "all"
    )
    # R 4.2: binom.test(4, 4)$conf.int -> 0.398 1; binom.test(3, 4) -> 0.194 0.994
    assert values["cr_ci"] == "4/4 (100%; exact 95% CI 40% to 100%)"
    assert values["cr_low_pct"] == "40%"
    assert report.proportion_text(3, 4) == "3/4 (75%; exact 95% CI 19% to 99%)"
    # the two eye relapses are the only published times; the table has every fact
    assert values["rows_time_published"] == 2
    assert values["checks_matched"] == values["checks_total"] > 0


def test_report_scorecard_and_caption(facts, table):
    from inoreport.studies.aertgeerts import report

    rows = report.scorecard(table, facts)
    assert rows and all(r.role == "exact" and r.match for r in rows)
    html = report.scorecard_html(rows)
    assert f"{len(rows)} published facts recounted" in html and "NO" not in html
    caption = report.swimmer_caption(table, facts)
    assert "synthetic" in caption and f"patient {ae.eye_relapse_patient(table)[1:]}" in caption
    readings = report.followup_readings_html(table, facts)
    assert readings.count("<tr") == len(ae.followup_readings(table, facts)) + 1  # with the head


def test_source_note_says_assumed():
    assert "assum" in ae.SOURCE_NOTE and "abstract" in ae.SOURCE_NOTE
