"""The ``inoreport`` command line.

Fast tests: every malformed input is refused in-process (before any kernel starts) with
exit code 2, exactly one line on stderr naming file/column/row, and nothing written to
``--out``; option parsing; the offline HTML renderer; the chapter registry.

Slow tests (marked, two papermill runs): ``inoreport run survival_comparison`` on the
public lung cohort with renamed columns agrees with R's survival (committed fixtures in
tests/reference/cli, made by lung_fixtures.R); a failing notebook leaves ``--out`` alone.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from support import GOOD, assert_results_layout, close, replace_cell, run_cli, write, xlsx_bytes

from inoreport import cli
from inoreport.book import chapters
from inoreport.book.build import read_notebook
from inoreport.book.chapters import Chapter, get_chapter
from inoreport.cohort import CohortSchema, standard_columns
from inoreport.paths import DATA, ROOT

R_FIXTURE = ROOT / "tests" / "reference" / "cli" / "lung_r.json"
MAP_ARGS = ["--map", "group=arm", "--map", "time=months", "--map", "event=dead"]


def refused(tmp_path: Path, capsys, csv: Path, extra: list[str] = (), expect: str = "") -> str:
    """Run the CLI on a bad cohort; check the refusal contract; return the error line."""
    out = tmp_path / "out"
    code, _stdout, stderr = run_cli(
        ["run", "survival_comparison", "--cohort", str(csv), "--out", str(out), "--quiet"]
        + list(extra),
        capsys,
    )
    lines = stderr.strip().splitlines()
    assert code == 2, stderr
    assert len(lines) == 1, f"expected one line, got: {stderr!r}"
    assert lines[0].startswith("inoreport: error: "), lines[0]
    assert "expected" in lines[0]
    assert not out.exists(), "nothing may be written to --out on bad input"
    assert expect in lines[0], lines[0]
    return lines[0]


# --------------------------------------------------------------------------- malformed input
# (id, CSV text or bytes or a callable making them, extra options, text the line must hold)

CASES = [
    (
        "missing_column",
        GOOD.replace(",dead", ",died"),
        ["--map", "group=arm", "--map", "time=months"],
        "cohort.csv, column 'event': not found (the file has",
    ),
    (
        "wrong_type",
        replace_cell(GOOD, 5, "age", "sixty"),
        [*MAP_ARGS, "--covariates", "age"],
        "cohort.csv, column 'age', row 5: value 'sixty' is not a number",
    ),
    (
        "negative_time",
        replace_cell(GOOD, 4, "months", "-2"),
        MAP_ARGS,
        "cohort.csv, column 'months', row 4: value '-2' is negative",
    ),
    (
        "missing_time",
        replace_cell(GOOD, 6, "months", ""),
        MAP_ARGS,
        "cohort.csv, column 'months', row 6: empty",
    ),
    (
        "event_not_binary",
        replace_cell(GOOD, 7, "dead", "2"),
        MAP_ARGS,
        "cohort.csv, column 'dead', row 7: value '2'; expected",
    ),
    (
        "duplicate_ids",
        replace_cell(GOOD, 6, "patient_id", "P02"),
        MAP_ARGS,
        "cohort.csv, column 'patient_id', row 6: id 'P02' already used in row 3",
    ),
    (
        "group_label_not_in_mapping",
        GOOD,
        [*MAP_ARGS, "--group-label", "A=Control"],
        "cohort.csv, column 'arm', row 4: group value 'B' is not in the group labels",
    ),
    (
        "fewer_than_two_groups",
        GOOD.replace(",B,", ",A,"),
        MAP_ARGS,
        "cohort.csv, column 'arm': only 1 group ('A')",
    ),
    (
        "group_without_events",
        replace_cell(replace_cell(GOOD, 4, "dead", "0"), 5, "dead", "0"),
        MAP_ARGS,
        "cohort.csv, column 'dead': group 'B' (rows 4, 5, 7) has no events",
    ),
    ("empty_file", b"", MAP_ARGS, "cohort.csv: the file is empty"),
    (
        "non_utf8",
        GOOD.replace(",B,", ",Bé,").encode("latin-1"),
        MAP_ARGS,
        "cohort.csv, row 4: byte 0xe9 is not UTF-8",
    ),
    ("excel_as_csv", "xlsx", MAP_ARGS, "cohort.csv: this is an Excel workbook (.xlsx), not CSV"),
    (
        "dates_as_durations",
        replace_cell(GOOD, 3, "months", "2021-03-04"),
        MAP_ARGS,
        "cohort.csv, column 'months', row 3: value '2021-03-04' looks like a date",
    ),
    (
        "map_to_missing_column",
        GOOD,
        ["--map", "group=arm", "--map", "time=pfs_months", "--map", "event=dead"],
        "cohort.csv, column 'pfs_months': not in the file (named by --map time=pfs_months)",
    ),
]


@pytest.mark.parametrize(("case", "content", "extra", "expect"), CASES, ids=[c[0] for c in CASES])
def test_bad_cohort_is_refused_with_one_line_and_nothing_written(
    tmp_path, capsys, case, content, extra, expect
):
    if content == "xlsx":
        content = xlsx_bytes(tmp_path)
    refused(tmp_path, capsys, write(tmp_path, content), extra, expect)


def test_existing_out_folder_is_left_untouched_on_bad_input(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text('{"old": true}')
    code, _, _ = run_cli(
        ["run", "survival_comparison", "--cohort", str(write(tmp_path, b"")), "--out", str(out)],
        capsys,
    )
    assert code == 2
    assert [p.name for p in out.iterdir()] == ["results.json"]
    assert (out / "results.json").read_text() == '{"old": true}'


@pytest.mark.parametrize(
    ("options", "expect"),
    [
        (["--landmarks", "6,abc"], "--landmarks '6,abc': 'abc' is not a number"),
        (["--landmarks", "-1"], "'-1' is not a time >= 0"),
        (["--map", "grouparm"], "--map 'grouparm'; expected CHAPTER_COLUMN=YOUR_COLUMN"),
        (["--map", "time=a", "--map", "time=b"], "'time' is given twice"),
        (["--group-label", "1"], "--group-label '1'; expected VALUE=LABEL"),
        (["--reference", "C"], "reference group 'C' is not a group"),
    ],
)
def test_bad_options_are_refused_in_one_line(tmp_path, capsys, options, expect):
    refused(tmp_path, capsys, write(tmp_path, GOOD), [*MAP_ARGS, *options], expect)


def test_unknown_chapter_lists_the_choices(tmp_path, capsys):
    code, _, err = run_cli(["run", "nope", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "no chapter called 'nope'" in err and "survival_comparison" in err
    assert not (tmp_path / "o").exists()


def test_bad_time_unit_is_an_argparse_error_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["run", "survival_comparison", "--out", "x", "--time-unit", "fortnights"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and len(err.strip().splitlines()) == 1 and "fortnights" in err


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    code, _, err = run_cli(["run", "survival_comparison", "--out", str(target)], capsys)
    assert code == 2 and "expected a folder" in err and target.read_text() == "keep me"


# --------------------------------------------------------------------------- options


def test_parse_landmarks_sorts_and_dedups():
    assert cli.parse_landmarks("12, 6,6") == [6.0, 12.0]
    assert cli.parse_landmarks(None) is None


def test_parameters_for_a_users_cohort_drop_the_example_cohorts_settings(tmp_path):
    chapter = get_chapter("survival_comparison")
    own = chapter.parameters(tmp_path / "mine.csv", column_map={"time": "os_days"})
    assert own["column_map"] == {"time": "os_days"}
    assert own["group_labels"] == {} and own["covariates"] == [] and own["landmarks"] is None
    assert own["cohort_path"] == str((tmp_path / "mine.csv").resolve())
    default = chapter.parameters()
    assert default["column_map"] == {"group": "sex", "event": "status"}
    assert Path(default["cohort_path"]) == DATA / "examples" / "lung.csv"


def test_registry_defaults_equal_the_notebooks_parameters_cell():
    """The registry's defaults are the notebook's own parameters (one truth, checked)."""
    for chapter in chapters.list_chapters():
        nb = read_notebook(chapter.notebook_path)
        cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(cells) == 1, f"{chapter.notebook}: expected one cell tagged 'parameters'"
        namespace: dict = {}
        exec(cells[0].source, namespace)  # literals only
        found = {k: v for k, v in namespace.items() if not k.startswith("__")}
        assert found == dict(chapter.defaults), chapter.name
        writes = nb.metadata.get("inoreport", {}).get("writes", [])
        assert chapter.results in writes, f"{chapter.notebook}: declare {chapter.results}"


@pytest.mark.parametrize("name", [c.name for c in chapters.list_chapters()])
def test_every_chapter_reads_its_default_cohort_and_a_renamed_copy(tmp_path, name):
    """Renaming every column of a chapter's own cohort and mapping it back gives the same
    validated cohort (what a user with other column names gets). Covariates are named by
    their column in the user's file, also when that column is mapped to a chapter column."""
    chapter = get_chapter(name)
    params = chapter.parameters()
    original = chapter.load_cohort(**params)
    assert original.n > 0 and len(original.groups) >= 2
    raw = pd.read_csv(params["cohort_path"], dtype=str, keep_default_na=False)
    file_names = {v: k for k, v in params["column_map"].items()}  # file column -> chapter
    renamed_to = {c: f"my {file_names.get(c, c)}" for c in raw.columns}
    path = tmp_path / "renamed.csv"
    raw.rename(columns=renamed_to).to_csv(path, index=False)
    column_map = {
        chapter_column: renamed_to[params["column_map"].get(chapter_column, chapter_column)]
        for chapter_column in chapter.schema.names
        if params["column_map"].get(chapter_column, chapter_column) in renamed_to
    }
    assert set(column_map) >= set(chapter.schema.required)
    covariates = [renamed_to[c] for c in params.get("covariates") or []]
    categorical = [renamed_to[c] for c in params.get("categorical") or []]
    renamed = chapter.load_cohort(
        **{
            **params,
            "cohort_path": path,
            "column_map": column_map,
            "covariates": covariates,
            "categorical": categorical,
        }
    )
    assert renamed.groups == original.groups and renamed.n == original.n
    assert renamed.reference == original.reference
    assert renamed.synthetic == original.synthetic  # outside data/synthetic: its own column
    schema_names = set(chapter.schema.names)
    assert renamed.covariates == [
        c if c in schema_names else renamed_to[c] for c in params.get("covariates") or []
    ]
    same = original.frame.copy()
    same.columns = [
        renamed_to.get(c, c)
        if c in (params.get("covariates") or []) and c not in schema_names
        else c
        for c in same.columns
    ]
    pd.testing.assert_frame_equal(renamed.frame, same)


def test_registering_a_chapter_twice_is_refused():
    chapter = get_chapter("survival_comparison")
    with pytest.raises(ValueError, match="registered twice"):
        chapters.register(chapter)


def test_chapters_command_lists_required_columns(capsys):
    code, out, _ = run_cli(["chapters"], capsys)
    assert code == 0
    blocks = {b.split(":", 1)[0]: b for b in re.split(r"\n(?=\S)", out.strip())}
    assert set(blocks) == {
        "survival_comparison",
        "rocca",
        "alcalde_bridging",
        "alcalde_tumour_burden",
        "jabbour",
    }
    assert "required columns: patient_id, group, time, event\n" in blocks["survival_comparison"]
    assert (
        "required columns: patient_id, group, ino_response, pfs_months, pfs_event, os_months, "
        "os_event\n" in blocks["rocca"]
    )
    assert (
        "required columns: patient_id, group, time, event, expansion\n"
        in (blocks["alcalde_bridging"])
    )
    assert "optional columns: cd8_scm, synthetic" in blocks["alcalde_bridging"]
    assert (
        "required columns: patient_id, group, time, event, burden_before, burden_infusion\n"
        in blocks["alcalde_tumour_burden"]
    )
    assert (
        "required columns: patient_id, age_group, amendment, high_risk_cytogenetics, "
        "tp53_mutated, pfs_months, pfs_event, os_months, os_event, crd_months, crd_event, "
        "crd_status\n" in blocks["jabbour"]
    )
    for name in ("rocca", "alcalde_bridging", "alcalde_tumour_burden", "jabbour"):
        assert "times reported in: months" in blocks[name]


def test_schema_command_writes_a_template_that_validates(tmp_path, capsys):
    target = tmp_path / "template.csv"
    code, out, _ = run_cli(["schema", "survival_comparison", "--template", str(target)], capsys)
    assert code == 0 and "patient_id (required" in out
    assert get_chapter("survival_comparison").load_cohort(target).n == 4


def test_python_dash_m_inoreport_works():
    proc = subprocess.run(
        [sys.executable, "-m", "inoreport", "chapters"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and "survival_comparison" in proc.stdout


# --------------------------------------------------------------------------- offline HTML


def _tiny_executed_notebook(tmp_path: Path) -> Path:
    png = base64.b64encode(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        )
    ).decode()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    glue_cell = nbformat.v4.new_code_cell("glue(...)", metadata={"tags": ["remove-cell"]})
    glue_cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"application/papermill.record/text/plain": "0.123456"},
            metadata={"scrapbook": {"name": "hr", "mime_prefix": "application/papermill.record/"}},
        )
    ]
    figure_cell = nbformat.v4.new_code_cell(
        "fig", metadata={"tags": ["hide-input"], "mystnb": {"image": {"alt": "KM curves by arm"}}}
    )
    figure_cell.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})
    ]
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Title\n\nThe hazard ratio was {glue:text}`hr:.2f` {cite:p}`therneau2000`; "
            "see {doc}`the methods <../book/methods>`.\n\n```{note}\nSynthetic data.\n```\n\n"
            "Inline maths $x^2$."
        ),
        glue_cell,
        figure_cell,
    ]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


def test_rendered_html_references_no_external_url_and_resolves_myst(tmp_path):
    html = cli.render_html(_tiny_executed_notebook(tmp_path), tmp_path / "tiny.html")
    text = html.read_text(encoding="utf-8")
    assert cli.external_references(text) == []
    assert "The hazard ratio was 0.12 (therneau2000); see the methods." in text
    assert "{glue" not in text and "```" not in text
    assert "<strong>Note.</strong>" in text and "Synthetic data." in text
    assert 'alt="KM curves by arm"' in text
    assert "glue(...)" not in text and ">fig<" not in text  # removed / hidden inputs


@pytest.mark.filterwarnings("ignore:Your element with mimetype")
def test_external_reference_detector_catches_the_stock_lab_template(tmp_path):
    """nbconvert's own lab template loads require.js from a CDN: the detector must see it."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(_tiny_executed_notebook(tmp_path), as_version=4)
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    assert any("//" in ref for ref in cli.external_references(body))
    assert cli.external_references('<script src="https://cdn.x/y.js"></script>')
    assert cli.external_references("<style>@import url(https://fonts.x/css);</style>")
    assert cli.external_references('<a href="https://doi.org/10.1/x">paper</a>') == []


# --------------------------------------------------------------------------- analysis vs R (fast)


@pytest.fixture(scope="module")
def lung_comparison():
    chapter = get_chapter("survival_comparison")
    cohort = chapter.load_cohort(**chapter.parameters())
    return chapters.compare_survival(cohort, chapter.defaults["landmarks"])


def test_in_process_analysis_of_lung_matches_r(lung_comparison):
    """The chapter's analysis (no kernel) against R survival on the same file."""
    r = json.loads(R_FIXTURE.read_text())
    ours = chapters.survival_comparison_results(lung_comparison)
    for mine, ref in zip(ours["km"], r["km"], strict=True):
        assert mine["group"] == ref["group"]
        assert close(mine["median"], ref["median"]) and mine["median_ci"] == ref["median_ci"]
        for lm, ref_lm in zip(mine["landmarks"], ref["landmarks"], strict=True):
            assert close(lm["survival"], ref_lm["survival"], rel=1e-10)
            assert all(close(a, b, rel=1e-10) for a, b in zip(lm["ci"], ref_lm["ci"], strict=True))
    assert close(ours["logrank"]["chisq"], r["logrank"]["chisq"], rel=1e-10)
    assert close(ours["logrank"]["p"], r["logrank"]["p"], rel=1e-8)
    multi = [row for row in ours["cox"] if row["model"] == "multivariable"]
    ref_multi = [row for row in r["cox"] if row["model"] == "multivariable"]
    for row, ref_row in zip(multi, ref_multi, strict=True):
        assert close(row["coef"], ref_row["coef"], rel=1e-6), row["term"]
        assert close(row["p"], ref_row["p"], rel=1e-5), row["term"]


def test_ph_check_matches_r_cox_zph(lung_comparison):
    r = {row["term"]: row for row in json.loads(R_FIXTURE.read_text())["ph"]}
    ours = lung_comparison.ph.set_index("term")
    assert set(ours.index) == set(r)
    for term, ref in r.items():
        assert close(ours.loc[term, "chisq"], ref["chisq"], rel=1e-5), term
        assert close(ours.loc[term, "p"], ref["p"], rel=1e-5), term


def test_displayed_tables_and_sentences_come_from_the_fit(lung_comparison):
    table = chapters.km_summary_table(lung_comparison)
    assert table.loc["Male", "Median, days (95% CI)"] == "270 (212 to 310)"
    assert table.loc["Female", "Survival at 180 days, % (95% CI)"] == "84.2 (77.0 to 92.2)"
    cox_table = chapters.hazard_ratio_table(lung_comparison)
    assert list(cox_table.index) == [
        "Female vs Male",
        "Age, per year",
        "ECOG PS, per point",
    ]
    sentences = chapters.comparison_sentences(lung_comparison)
    assert "270 days (95% CI 212 to 310) in the Male group" in sentences["medians"]
    assert "1 left out for a missing value" in sentences["cox"]
    # lung: 164 events in the adjusted model (R's coxph nevent), 3 terms: no low-power warning
    assert "with 164 events" in sentences["ph"] and "little power" not in sentences["ph"]
    forest = chapters.forest_rows(lung_comparison)
    assert forest["label"].tolist() == [
        "Group",
        "Male",
        "Female",
        "Age, per year",
        "ECOG PS, per point",
    ]
    ph = chapters.ph_summary_table(lung_comparison)
    assert list(ph.index) == [
        "Group",
        "Age",
        "ECOG PS",
        "Global (whole model)",
    ]
    assert forest["reference"].tolist() == [False, True, False, False, False]
    # complete cases of the adjusted model (one patient lacks ph.ecog): R's coxph n and nevent
    r_multi = [
        row for row in json.loads(R_FIXTURE.read_text())["cox"] if row["model"] == "multivariable"
    ]
    assert forest.loc[3, "n"] == r_multi[0]["n"] and forest.loc[3, "events"] == r_multi[0]["events"]


def test_covariate_units_and_the_power_caveat_follow_the_data(tmp_path):
    """Units come from the schema, a common name or a unit suffix, else 'per unit'; the
    proportional-hazards sentence warns of low power only with few events per term."""
    from types import SimpleNamespace

    from inoreport.cohort import Column

    lung = pd.read_csv(DATA / "examples" / "lung.csv")
    small = lung.rename(columns={"age": "age_years", "wt.loss": "weight_loss"}).head(25)
    path = tmp_path / "small.csv"
    small.to_csv(path, index=False)
    cohort = get_chapter("survival_comparison").load_cohort(
        path,
        column_map={"group": "sex", "event": "status"},
        time_unit="days",
        group_labels={"1": "Male", "2": "Female"},
        covariates=["age_years", "weight_loss"],
    )
    comparison = chapters.compare_survival(cohort, [180])
    labels = list(chapters.hazard_ratio_table(comparison).index)
    assert labels[1:] == ["age_years, per year", "weight_loss, per unit"]
    events = int(comparison.largest_model.events)
    assert events < 10 * 3  # the first 25 lung patients: too few events for three terms
    sentence = chapters.comparison_sentences(comparison)["ph"]
    assert "no term shows clear evidence" in sentence
    assert f"with only {events} events for 3 model terms" in sentence
    assert "little power" in sentence
    # a unit declared in a chapter's schema wins over the name
    schema = CohortSchema(
        columns=(*standard_columns(), Column("age", "number", "Age.", unit="months"))
    )
    assert chapters.covariate_label("age", SimpleNamespace(schema=schema)) == ("Age", "month")
    assert chapters.covariate_label("hb", None) == ("hb", None)
    assert chapters.covariate_label("delay_days", None) == ("delay_days", "day")


def test_three_groups_and_categorical_covariates_match_r(tmp_path):
    """GBSG2 by tumour grade (3 groups, reference II), categorical covariates, medians not
    reached: results.json against R's survival::gbsg (the same 686 rows)."""
    from lifelines.datasets import load_gbsg2

    trial = load_gbsg2()
    trial.insert(0, "patient_id", [f"G{i}" for i in range(len(trial))])
    path = tmp_path / "gbsg2.csv"
    trial.to_csv(path, index=False)
    cohort = get_chapter("survival_comparison").load_cohort(
        path,
        column_map={"group": "tgrade", "event": "cens"},
        time_unit="days",
        reference="II",
        covariates=["age", "menostat", "horTh"],
        categorical=["menostat", "horTh"],
    )
    ours = chapters.survival_comparison_results(chapters.compare_survival(cohort, [365, 730]))
    r = json.loads((R_FIXTURE.parent / "gbsg_r.json").read_text())
    for mine, ref in zip(ours["km"], r["km"], strict=True):
        assert (mine["group"], mine["n"], mine["events"]) == (ref["group"], ref["n"], ref["events"])
        assert close(mine["median"], ref["median"]), mine["group"]  # None = not reached
        assert all(close(a, b) for a, b in zip(mine["median_ci"], ref["median_ci"], strict=True))
        for lm, ref_lm in zip(mine["landmarks"], ref["landmarks"], strict=True):
            assert close(lm["survival"], ref_lm["survival"], rel=1e-10)
            assert all(close(a, b, rel=1e-9) for a, b in zip(lm["ci"], ref_lm["ci"], strict=True))
    assert ours["km"][0]["median"] is None and ours["km"][0]["median_ci"][1] is None
    for key in ("chisq", "df", "p"):
        assert close(ours["logrank"][key], r["logrank"][key], rel=1e-8), key
    r_names = {"groupI": "=I", "groupIII": "=III", "age": "age", "menostatPre": "menostat=Pre"}
    r_names["horThyes"] = "horTh=yes"
    for model in ("univariable", "multivariable"):
        mine = {row["term"]: row for row in ours["cox"] if row["model"] == model}
        ref = [row for row in r["cox"] if row["model"] == model]
        assert len(mine) == len(ref) == 5
        for ref_row in ref:
            (row,) = [m for t, m in mine.items() if t.endswith(r_names[ref_row["term"]])]
            assert close(row["coef"], ref_row["coef"], rel=1e-6), (model, ref_row["term"])
            assert close(row["p"], ref_row["p"], rel=1e-5), (model, ref_row["term"])
            assert all(close(a, b, rel=1e-6) for a, b in zip(row["ci"], ref_row["ci"], strict=True))


# --------------------------------------------------------------------------- end to end (slow)


def _renamed_lung(tmp_path: Path) -> Path:
    """The public lung cohort with a user's own column names and coding."""
    lung = pd.read_csv(DATA / "examples" / "lung.csv")
    renamed = lung.rename(
        columns={
            "patient_id": "mrn",
            "sex": "arm",
            "time": "os_days",
            "status": "died",
            "age": "age_years",
            "ph.ecog": "ecog",
        }
    )
    renamed["arm"] = renamed["arm"].map({1: "M", 2: "F"})
    path = tmp_path / "my registry.csv"
    renamed.to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_run_survival_comparison_matches_r(tmp_path, capsys):
    out = tmp_path / "report"
    args = ["run", "survival_comparison", "--cohort", str(_renamed_lung(tmp_path))]
    args += ["--out", str(out), "--time-unit", "days", "--landmarks", "180,365"]
    args += ["--map", "patient_id=mrn", "--map", "group=arm", "--map", "time=os_days"]
    args += ["--map", "event=died", "--group-label", "M=Male", "--group-label", "F=Female"]
    args += ["--reference", "Male", "--covariates", "age_years,ecog"]
    code, stdout, stderr = run_cli(args, capsys)
    assert code == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "results.json",
        "survival_comparison.html",
        "survival_comparison.ipynb",
    ]
    assert all(f"[{i}/4]" in stdout for i in range(1, 5)), stdout

    r = json.loads(R_FIXTURE.read_text())
    ours = json.loads((out / "results.json").read_text())
    assert set(ours) == {"chapter", "cohort", "km", "logrank", "cox", "table1", "scorecard"}
    assert ours["chapter"] == "survival_comparison"
    assert ours["cohort"]["n"] == 228 and ours["cohort"]["synthetic"] is False

    # Kaplan-Meier: n, events, medians with CIs, landmarks with CIs (R: conf.type="log")
    assert [k["group"] for k in ours["km"]] == [k["group"] for k in r["km"]] == ["Male", "Female"]
    for mine, ref in zip(ours["km"], r["km"], strict=True):
        assert (mine["n"], mine["events"]) == (ref["n"], ref["events"])
        assert close(mine["median"], ref["median"])
        assert all(close(a, b) for a, b in zip(mine["median_ci"], ref["median_ci"], strict=True))
        assert [lm["time"] for lm in mine["landmarks"]] == [180, 365]
        for lm, ref_lm in zip(mine["landmarks"], ref["landmarks"], strict=True):
            assert close(lm["survival"], ref_lm["survival"])
            assert all(close(a, b) for a, b in zip(lm["ci"], ref_lm["ci"], strict=True))

    # log-rank
    for key in ("chisq", "df", "p"):
        assert close(ours["logrank"][key], r["logrank"][key]), key

    # Cox: univariable (group, age, ECOG alone) and multivariable, Efron ties
    r_terms = {"groupFemale": "Female", "age": "age_years", "ph.ecog": "ecog"}
    for model in ("univariable", "multivariable"):
        mine = [row for row in ours["cox"] if row["model"] == model]
        ref = [row for row in r["cox"] if row["model"] == model]
        assert len(mine) == len(ref) == 3, (model, mine)
        for ref_row in ref:
            key = r_terms[ref_row["term"]]
            (row,) = [m for m in mine if key in m["term"]]
            for field in ("coef", "hr", "p"):
                assert close(row[field], ref_row[field], rel=1e-5), (model, key, field)
            assert all(close(a, b, rel=1e-5) for a, b in zip(row["ci"], ref_row["ci"], strict=True))

    # the standalone page opens offline and carries the figures with alt text
    html = (out / "survival_comparison.html").read_text(encoding="utf-8")
    assert cli.external_references(html) == []
    assert html.count("<img") >= 2 and 'alt="Figure produced by this cell"' not in html
    assert "{glue" not in html
    executed = nbformat.read(out / "survival_comparison.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)


@pytest.mark.slow
def test_a_failing_notebook_writes_nothing_to_out(tmp_path, capsys, monkeypatch):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell("cohort_path = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("raise RuntimeError('chapter broke')"),
    ]
    notebook = tmp_path / "broken.ipynb"
    nbformat.write(nb, notebook)
    template = DATA / "templates" / "cohort_template.csv"
    broken = Chapter(
        name="broken",
        title="A chapter that raises",
        notebook=str(notebook),  # absolute: ROOT / absolute == absolute
        schema=CohortSchema(columns=standard_columns()),
        results="broken.json",
        defaults={"cohort_path": str(template)},
    )
    monkeypatch.setitem(chapters.CHAPTERS, "broken", broken)
    out = tmp_path / "out"
    code, _, err = run_cli(["run", "broken", "--out", str(out), "--quiet"], capsys)
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    match = re.search(r"failed in cell \[\d+\]: RuntimeError: chapter broke .*kept at (\S+)\)", err)
    assert match, err
    kept = Path(match.group(1))
    assert kept.exists()  # the traceback stays available for the user
    shutil.rmtree(kept.parent)
    assert not out.exists()


# --------------------------------------------------------------------------- study chapters (slow)
# One run per study chapter on the book's synthetic cohort dressed as a user's own file:
# columns renamed (and values recoded) and mapped back with --map / --group-label, the
# 'synthetic' column dropped. results.json must hold the same main comparison as the
# in-process analysis of the book's file (itself checked against R in
# test_chapters_registry.py).

STUDY_RUNS = {
    "rocca": {
        "rename": {
            "patient_id": "mrn",
            "ino_exposed": "prior InO",
            "ino_response": "response to InO",
            "pfs_months": "PFS (months)",
            "pfs_event": "progressed or died",
            "os_months": "OS (months)",
            "os_event": "died",
            "consolidation": "consolidation therapy",
            "age_years": "age",
        },
        "recode": {"prior InO": {"False": "no", "True": "yes"}},
        "options": ["--group-label", "no=InO-naïve", "--group-label", "yes=InO-exposed"],
    },
    "alcalde_bridging": {
        "rename": {
            "patient_id": "id",
            "bridging": "arm",
            "efs_months": "EFS",
            "efs_event": "EFS event",
            "car_t_peak_per_ul": "peak CAR-T",
            "cd8_scm_pct": "SCM %",
        },
        "recode": {"arm": {"InO": "A", "chemotherapy/steroids": "B"}},
        "options": ["--group-label", "A=InO", "--group-label", "B=Chemotherapy/steroids"],
    },
    "alcalde_tumour_burden": {
        "rename": {
            "bridging": "bridging therapy",
            "efs_months": "efs",
            "efs_event": "efs_status",
            "burden_before_bridging": "burden pre",
            "burden_at_infusion": "burden at CAR-T",
        },
        "recode": {},
        "options": [],
    },
    "jabbour": {
        "rename": {
            "age_group": "age band",
            "amendment": "protocol",
            "high_risk_cytogenetics": "hr cytogenetics",
            "tp53_mutated": "TP53",
            "pfs_months": "pfs_days",
            "pfs_event": "pfs_evt",
            "os_months": "os_days",
            "os_event": "os_evt",
            "crd_months": "crd_days",
            "crd_event": "crd_evt",
            "crd_status": "crd_how",
        },
        "recode": {},
        "days": ["pfs_days", "os_days", "crd_days"],
        "options": ["--time-unit", "days"],
    },
}


def _users_copy(tmp_path: Path, name: str) -> tuple[Path, list[str]]:
    """The chapter's book cohort as a user's file, and the options that map it back."""
    chapter = get_chapter(name)
    spec = STUDY_RUNS[name]
    frame = pd.read_csv(chapter.default_cohort, dtype=str, keep_default_na=False)
    frame = frame.drop(columns="synthetic").rename(columns=spec["rename"])
    for column, codes in spec["recode"].items():
        frame[column] = frame[column].map(codes)
    for column in spec.get("days", []):
        months = pd.to_numeric(frame[column].replace("", None))
        frame[column] = (months * 365.25 / 12).map(lambda v: "" if pd.isna(v) else repr(v))
    path = tmp_path / f"our {name} registry.csv"
    frame.to_csv(path, index=False)
    file_to_chapter = {v: k for k, v in chapter.defaults["column_map"].items()}
    options = []
    for book_name, users_name in spec["rename"].items():
        options += ["--map", f"{file_to_chapter.get(book_name, book_name)}={users_name}"]
    return path, options + spec["options"]


def _same_main_comparison(ours: dict, expected: dict) -> None:
    assert [k["group"] for k in ours["km"]] == [k["group"] for k in expected["km"]]
    for mine, ref in zip(ours["km"], expected["km"], strict=True):
        assert (mine["n"], mine["events"]) == (ref["n"], ref["events"]), mine["group"]
        assert close(mine["median"], ref["median"], rel=1e-9)
        assert all(
            close(a, b, rel=1e-9) for a, b in zip(mine["median_ci"], ref["median_ci"], strict=True)
        )
        for lm, ref_lm in zip(mine["landmarks"], ref["landmarks"], strict=True):
            assert lm["time"] == ref_lm["time"]
            assert close(lm["survival"], ref_lm["survival"], rel=1e-9)
            assert all(close(a, b, rel=1e-9) for a, b in zip(lm["ci"], ref_lm["ci"], strict=True))
    for key in ("chisq", "df", "p"):
        assert close(ours["logrank"][key], expected["logrank"][key], rel=1e-9), key
    assert len(ours["cox"]) == len(expected["cox"]) > 0
    for row, ref in zip(ours["cox"], expected["cox"], strict=True):
        assert row["term"] == ref["term"]
        assert all(close(row[k], ref[k], rel=1e-7) for k in ("coef", "hr", "p")), row["term"]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(STUDY_RUNS))
def test_run_study_chapter_on_a_renamed_cohort(tmp_path, capsys, name):

    chapter = get_chapter(name)
    book = chapter.load_cohort(**chapter.parameters())
    expected = chapters.survival_comparison_results(
        chapter.main_comparison.compare(book, chapter.defaults["landmarks"])
    )
    cohort, options = _users_copy(tmp_path, name)
    out = tmp_path / "report"
    code, stdout, stderr = run_cli(
        ["run", name, "--cohort", str(cohort), "--out", str(out), *options], capsys
    )
    assert code == 0, stderr
    assert "unknown parameter" not in stdout + stderr  # papermill saw every parameter
    assert all(f"[{i}/4]" in stdout for i in range(1, 5)), stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["results.json", f"{name}.html", f"{name}.ipynb"]
    )

    ours = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert_results_layout(ours, name)
    assert ours["cohort"]["n"] == book.n and ours["cohort"]["synthetic"] is False
    assert (
        ours["cohort"]["path"] == str(cohort.resolve()) and ours["cohort"]["time_unit"] == "months"
    )
    assert ours["comparison"]["endpoint"] == chapter.main_comparison.endpoint
    assert ours["scorecard"]  # nothing was fitted to a user's cohort: no calibrated row
    assert {row["role"] for row in ours["scorecard"]} <= {"exact", "held_out"}
    _same_main_comparison(ours, expected)
    if name == "rocca":
        assert ours["table1"] and {"variable", "p"} <= set(ours["table1"][0])

    html = (out / f"{name}.html").read_text(encoding="utf-8")
    assert cli.external_references(html) == [] and "{glue" not in html
    assert html.count("<img") >= 1 and cohort.name in html  # the page names the user's file
