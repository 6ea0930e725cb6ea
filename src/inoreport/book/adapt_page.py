"""What the page "Adapt a chapter to your own cohort" (``book/adapt.md``) shows, as data: the
walkthroughs of the generic survival-comparison chapter on two public or made-up example
files, and the one-line messages a user meets when a file is not right (each produced by the
chapter's own checks, never typed). Nothing here concerns a study of this book.

Examples: ``data/examples/dated_cohort.xlsx`` (synthetic, dates as a CAR-T clinic keeps them)
and the German Breast Cancer Study Group 2 trial (``lifelines.datasets.load_gbsg2``; times
in days).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from inoreport.book.chapters import Chapter
from inoreport.cohort import Cohort, CohortError
from inoreport.paths import DATA

__all__ = [
    "DATED_ENDPOINT",
    "DATED_WORKBOOK",
    "command_block",
    "date_problems",
    "dated_example",
    "file_problems",
    "first_rows",
    "gbsg_command",
    "output_files",
    "problem_list",
    "run_printout",
    "walkthrough_km_table",
    "walkthrough_numbers",
]

#: The made-up workbook of dates (forty synthetic patients).
DATED_WORKBOOK = DATA / "examples" / "dated_cohort.xlsx"
#: How its follow-up time is computed from its dates.
DATED_ENDPOINT = {"time": "infusion_date:relapse_date,death_date:last_contact_date"}


def dated_example(chapter: Chapter, workbook: Path = DATED_WORKBOOK) -> Cohort:
    """The dated workbook loaded as the page's command line reads it: groups from ``arm``,
    times in months computed from the dates, age and disease status as covariates."""
    return chapter.load_cohort(
        workbook,
        column_map={"group": "arm"},
        time_unit="months",
        endpoints=DATED_ENDPOINT,
        covariates=["age", "disease_status"],
        reference_levels={"disease_status": "CR with MRD"},
        synthetic=True,
    )


def first_rows(cohort: Cohort, n: int = 6) -> pd.DataFrame:
    """The first ``n`` rows the chapter analyses, times (in the cohort's unit) to 2 decimals."""
    shown = cohort.frame.head(n).copy()
    shown["time"] = shown["time"].round(2)
    return shown


def _message(chapter: Chapter, path: Path, options: Mapping[str, Any]) -> str:
    """The chapter's one-line complaint about ``path``, or "(accepted)"."""
    try:
        chapter.load_cohort(path, **options)
    except CohortError as problem:
        return str(problem)
    return "(accepted)"


def date_problems(chapter: Chapter, workbook: Path = DATED_WORKBOOK) -> list[tuple[str, str]]:
    """(problem, message) for copies of the dated workbook with one cell or option wrong,
    each message from the chapter's checks (the copies are written to a temporary folder
    as ``dated_cohort.csv`` and deleted)."""
    from inoreport.intake import read_table

    base = read_table(workbook)

    def changed(row: int, column: str, value: str) -> pd.DataFrame:
        cells = base.copy()
        cells.loc[row, column] = value
        return cells

    relapse = int(base.index[base["relapse_date"] != ""][0])
    censored = int(base.index[(base["relapse_date"] == "") & (base["death_date"] == "")][0])
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    start = base.loc[relapse, "infusion_date"]
    wrong_endpoint = {"time": "infusion_date:relapse:last_contact_date"}
    cases = [
        ("An event before the start", changed(relapse, "relapse_date", "2018-01-01"), {}),
        ("A last contact before the start", changed(censored, "last_contact_date", "2018-01-01"), {}),
        ("An event after the last contact", changed(relapse, "last_contact_date", start), {}),
        ("No event and no last contact", changed(censored, "last_contact_date", ""), {}),
        ("A value that is not a date", changed(2, "infusion_date", "unknown"), {}),
        ("An ambiguous date", changed(2, "infusion_date", "03/04/2021"), {}),
        ("A date format that does not match", changed(2, "infusion_date", "2021.13.45x"), {"date_format": "%d/%m/%Y"}),
        ("A date in the future", changed(censored, "last_contact_date", future), {}),
        ("An empty start date", changed(2, "infusion_date", ""), {}),
        ("A date column that is not in the file", base, {"endpoints": wrong_endpoint}),
        ("A time column the chapter does not have", base, {"endpoints": {"pfs_months": DATED_ENDPOINT["time"]}}),
        ("A date format without --endpoint", base, {"endpoints": None, "date_format": "%d/%m/%Y"}),
        ("A sheet that is not in the workbook", None, {"sheet": "Cohort"}),
    ]  # fmt: skip
    problems = []
    with tempfile.TemporaryDirectory(prefix="inoreport-date-errors-") as folder:
        for title, cells, options in cases:
            path = workbook
            if cells is not None:
                path = Path(folder) / "dated_cohort.csv"
                cells.to_csv(path, index=False)
            options = {
                "column_map": {"group": "arm"},
                "time_unit": "months",
                "endpoints": DATED_ENDPOINT,
                **options,
            }
            problems.append((title, _message(chapter, path, options)))
    return problems


#: A small valid cohort: six patients in arms A and B, months to death or last contact.
GOOD_CSV = (
    "patient_id,arm,months,dead,age\nP01,A,5,1,60\nP02,A,8,0,55\nP03,B,3,1,70\n"
    "P04,B,12,1,65\nP05,A,2,1,50\nP06,B,7,0,61\n"
)
GOOD_MAP = {"group": "arm", "time": "months", "event": "dead"}


def with_cell(row: int, column: str, value: str, text: str = GOOD_CSV) -> str:
    """``text`` (a CSV) with the cell at spreadsheet ``row`` (header = 1) of ``column``
    replaced by ``value``."""
    lines = text.splitlines()
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


def _xlsx_bytes() -> bytes:
    """The start of an Excel workbook (a zip archive), as a file misnamed .csv holds it."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def file_problems(chapter: Chapter) -> list[tuple[str, str]]:
    """(problem, message) for small broken copies of :data:`GOOD_CSV`, each message from
    the chapter's checks (files written as ``cohort.csv`` in a temporary folder, deleted)."""
    cell = with_cell
    cases = [
        ("A required column is missing", GOOD_CSV.replace(",dead", ",died"), {"column_map": {"group": "arm", "time": "months"}}),
        ("A number column holds text", cell(5, "age", "sixty"), {"covariates": ["age"]}),
        ("A negative time", cell(4, "months", "-2"), {}),
        ("A missing time", cell(6, "months", ""), {}),
        ("An event that is not 0, 1, true or false", cell(7, "dead", "2"), {}),
        ("The same patient twice", cell(6, "patient_id", "P02"), {}),
        ("A group value without a label", GOOD_CSV, {"group_labels": {"A": "Control"}}),
        ("Only one group", GOOD_CSV.replace(",B,", ",A,"), {}),
        ("A group without events", cell(5, "dead", "0", cell(4, "dead", "0")), {}),
        ("An empty file", b"", {}),
        ("A file that is not UTF-8", GOOD_CSV.replace(",B,", ",Bé,").encode("latin-1"), {}),
        ("An Excel workbook saved under a .csv name", _xlsx_bytes(), {}),
        ("Dates where durations belong", cell(3, "months", "2021-03-04"), {}),
        ("A mapping to a column that does not exist", GOOD_CSV, {"column_map": {**GOOD_MAP, "time": "pfs_months"}}),
    ]  # fmt: skip
    problems = []
    with tempfile.TemporaryDirectory(prefix="inoreport-errors-") as folder:
        path = Path(folder) / "cohort.csv"
        for title, content, options in cases:
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            problems.append((title, _message(chapter, path, {"column_map": GOOD_MAP, **options})))
    return problems


def problem_list(problems: Sequence[tuple[str, str]]) -> str:
    """Markdown bullets: the problem in bold, then the message as code."""
    return "\n".join(f"- **{title}.** `{message}`" for title, message in problems)


def gbsg_command(cohort_csv: Path, out: Path) -> list[str]:
    """The ``inoreport run`` command of the breast cancer walkthrough: landmarks at one, two
    and five years (in days), hormonal therapy against none, four covariates."""
    return [
        "inoreport", "run", "survival_comparison",
        "--cohort", str(cohort_csv), "--out", str(out),
        "--map", "patient_id=study_id", "--map", "group=horTh", "--map", "event=cens",
        "--time-unit", "days", "--landmarks", "365,730,1826",
        "--group-label", "no=No hormonal therapy", "--group-label", "yes=Hormonal therapy",
        "--covariates", "age,tsize,pnodes,tgrade", "--categorical", "tgrade",
    ]  # fmt: skip


def command_block(command: Sequence[str], shown_as: Mapping[str, str]) -> str:
    """``command`` as a Markdown bash block, one option per line, arguments with spaces
    quoted, each path in ``shown_as`` replaced by the short name a reader would type."""
    shown = " ".join(f'"{c}"' if " " in c else c for c in command)
    for path, name in shown_as.items():
        shown = shown.replace(path, name)
    shown = shown.replace(" --", " \\\n    --")
    return f"```bash\n{shown}\n```"


def run_printout(command: Sequence[str], workdir: Path, out: Path, width: int = 72) -> str:
    """Run ``command`` (an ``inoreport ...`` list) with this Python and return what it
    printed, paths shortened (``workdir`` dropped, ``out`` as ``report``) and long lines
    wrapped to ``width`` with a hanging indent; RuntimeError with its output if it fails."""
    run = subprocess.run(
        [sys.executable, "-m", "inoreport", *command[1:]], capture_output=True, text=True
    )
    if run.returncode != 0:
        raise RuntimeError(f"inoreport run failed:\n{run.stdout}\n{run.stderr}")
    printed = run.stdout.replace(str(workdir) + "/", "").replace(str(out), "report")
    return "\n".join(
        textwrap.fill(line, width=width, subsequent_indent=" " * 18)
        for line in printed.splitlines()
    )


#: What each file of ``inoreport run survival_comparison --out`` holds.
OUTPUT_MEANING = {
    "results.json": "every number, for other programs (see the results file page)",
    "survival_comparison.html": "the chapter as a single web page; opens offline",
    "survival_comparison.ipynb": "the executed notebook, with your parameters in a cell",
    "survival_comparison.pdf": "the chapter as a PDF (with --pdf)",
}


def output_files(out: Path) -> pd.DataFrame:
    """File | What it holds, for each file in the run's ``out`` folder (sorted by name)."""
    files = [path.name for path in sorted(out.iterdir())]
    return pd.DataFrame({"File": files, "What it holds": [OUTPUT_MEANING[f] for f in files]})


def _days(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.0f}"


def walkthrough_km_table(results: Mapping[str, Any]) -> pd.DataFrame:
    """Per group of a results.json in days: patients, events, median (95% CI) in days and
    recurrence-free survival (%) at each landmark day."""
    rows = []
    for km in results["km"]:
        low, high = km["median_ci"]
        row = {
            "Group": km["group"],
            "Patients": km["n"],
            "Events": km["events"],
            "Median, days (95% CI)": f"{_days(km['median'])} ({_days(low)} to {_days(high)})",
        }
        for landmark in km["landmarks"]:
            row[f"Recurrence-free at day {landmark['time']:.0f}"] = (
                f"{100 * landmark['survival']:.1f}%"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def walkthrough_numbers(
    results: Mapping[str, Any],
    treated: str = "Hormonal therapy",
    control: str = "No hormonal therapy",
) -> dict[str, Any]:
    """Glue values of the walkthrough's prose from its results.json: medians (days),
    survival at the last landmark (%), the log-rank p and a reading of it, and the hazard
    ratio of ``treated`` against ``control`` with its 95% CI, alone and adjusted."""
    by_group = {km["group"]: km for km in results["km"]}
    p = results["logrank"]["p"]
    numbers = {
        "median_treated": by_group[treated]["median"],
        "median_control": by_group[control]["median"],
        "rfs5_treated": 100 * by_group[treated]["landmarks"][-1]["survival"],
        "rfs5_control": 100 * by_group[control]["landmarks"][-1]["survival"],
        "logrank_p": p,
        "logrank_reading": "the two curves differ by more than chance alone would easily produce"
        if p < 0.05
        else "chance alone could easily produce a difference this large",
    }
    group_terms = [term for term in results["cox"] if treated in term["term"]]
    for model, name in (("univariable", "hr_unadjusted"), ("multivariable", "hr_adjusted")):
        term = next(t for t in group_terms if t["model"] == model)
        numbers[name] = term["hr"]
        numbers[f"{name}_lo"], numbers[f"{name}_hi"] = term["ci"]
    return numbers
