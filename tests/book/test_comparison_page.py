"""The generic chapter's page pieces (inoreport.book.comparison_page), on R's lung data and
small files; reference values are counted from the file with pandas, not from our code."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from IPython.display import HTML, Markdown
from support import assert_results_layout, write

from inoreport.book import comparison_page as page
from inoreport.book.chapters import get_chapter
from inoreport.paths import DATA

LUNG = DATA / "examples" / "lung.csv"
LUNG_SETTINGS = {
    "column_map": {"group": "sex", "event": "status"},
    "time_unit": "days",
    "group_labels": {"1": "Male", "2": "Female"},
    "group_order": ["Male", "Female"],
    "reference": "Male",
}


@pytest.fixture(scope="module")
def lung_run():
    cohort = get_chapter("survival_comparison").load_cohort(
        LUNG, covariates=["age", "ph.ecog"], **LUNG_SETTINGS
    )
    return page.prepare(cohort, [180, 365])


def test_the_banner_names_the_lung_data_and_counts_its_patients(lung_run):
    lung = pd.read_csv(LUNG)
    text = page.about_cohort(lung_run.cohort)
    assert "NCCTG advanced lung cancer cohort" in text and "synthetic" not in text
    assert f": {len(lung)} patients in 2 groups (Male, Female), times in days." in text


def test_a_users_file_is_named_and_a_synthetic_one_labelled(tmp_path):
    rows = "patient_id,group,time,event\n" + "".join(
        f"P{i},{'AB'[i % 2]},{i + 1},{i % 3 > 0:d}\n" for i in range(8)
    )
    chapter = get_chapter("survival_comparison")
    mine = chapter.load_cohort(write(tmp_path, rows, "mine.csv"), time_unit="months")
    assert page.about_cohort(mine).startswith("This run uses the cohort in `mine.csv`: 8 ")
    made_up = chapter.load_cohort(tmp_path / "mine.csv", time_unit="months", synthetic=True)
    assert "a **synthetic** cohort" in page.about_cohort(made_up)


def test_page_texts_hold_the_banner_and_every_sentence(lung_run):
    texts = page.page_texts(lung_run)
    assert set(texts) == {
        "cohort_banner",
        "sentence_medians",
        "sentence_logrank",
        "sentence_cox",
        "sentence_ph",
    }
    assert "in the Male group" in texts["sentence_medians"]


def test_table_one_follows_the_covariates(lung_run, tmp_path):
    assert list(lung_run.table1.groups) == ["Male", "Female"]
    assert isinstance(page.table_one_html(lung_run), HTML)
    bare = get_chapter("survival_comparison").load_cohort(LUNG, **LUNG_SETTINGS)
    run = page.prepare(bare, [180])
    assert run.table1 is None and isinstance(page.table_one_html(run), Markdown)


def test_summary_html_puts_the_index_first_and_leaves_missing_cells_empty():
    frame = pd.DataFrame({"Value": [1.5, float("nan")]}, index=pd.Index(["a", "b"], name="Setting"))
    html = page.summary_html(frame).data
    assert html.index("<th>Setting</th>") < html.index("<th>Value</th>")
    assert "<td></td>" in html and "NaN" not in html


def test_settings_table_is_headed_setting_and_value(lung_run):
    table = page.settings_table(lung_run.cohort)
    assert table.index.name == "Setting" and list(table.columns) == ["Value"]


def test_figures_carry_the_unit_and_each_term_of_the_largest_model(lung_run):
    from matplotlib.text import Text

    assert page.km_figure(lung_run).axes[0].get_xlabel() == "Days"
    words = " ".join(t.get_text() for t in page.forest_figure(lung_run).findobj(Text))
    assert "Female vs Male" in words or "Female" in words
    assert "Age, per year" in words and "ECOG PS, per point" in words


def test_write_results_writes_the_documented_layout(lung_run, tmp_path, monkeypatch):
    monkeypatch.setenv("INOREPORT_RESULTS_DIR", str(tmp_path))
    path = page.write_results(lung_run)
    assert path == tmp_path / "survival_comparison.json"
    payload = json.loads(path.read_text())
    assert_results_layout(payload, "survival_comparison")
    lung = pd.read_csv(LUNG)
    assert payload["cohort"]["n"] == len(lung)
    by_sex = lung.groupby("sex")["status"].agg(["size", "sum"])
    assert [(k["n"], k["events"]) for k in payload["km"]] == [
        tuple(int(v) for v in by_sex.loc[sex]) for sex in (1, 2)
    ]
    assert [row["variable"] for row in payload["table1"]][:1] == ["age"]
