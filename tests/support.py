"""Helpers shared by several test modules (plain functions and data, not fixtures; those
live in conftest.py). Tests import them with ``from support import ...`` (``tests`` is on
pytest's ``pythonpath``)."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat

from inoreport import cli
from inoreport.book.adapt_page import with_cell
from inoreport.book.results import ROLES

ROOT = Path(__file__).resolve().parents[1]
#: The built site (``make book``, or the test session's book build).
SITE = ROOT / "_build" / "html"

GOOD = """patient_id,arm,months,dead,age
P01,A,5,1,60
P02,A,8,0,55
P03,B,3,1,70
P04,B,12,1,65
P05,A,2,1,50
P06,B,7,0,61
"""


def write(tmp_path: Path, text: str | bytes, name: str = "cohort.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def replace_cell(text: str, row: int, column: str, value: str) -> str:
    """The CSV ``text`` with the cell at spreadsheet ``row`` and ``column`` set to ``value``."""
    return with_cell(row, column, value, text)


def xlsx_bytes(tmp_path: Path) -> bytes:
    """A real (minimal) .xlsx workbook; openpyxl when available, else by hand (it is a zip)."""
    target = tmp_path / "book.xlsx"
    try:
        import openpyxl
    except ImportError:
        openpyxl = None
    if openpyxl is not None:
        wb = openpyxl.Workbook()
        for line in GOOD.splitlines():
            wb.active.append(line.split(","))
        wb.save(target)
        return target.read_bytes()
    with zipfile.ZipFile(target, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return target.read_bytes()


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def close(ours, theirs, rel=1e-6, abs_=1e-9):
    if theirs is None or (isinstance(theirs, float) and math.isnan(theirs)):
        return ours is None
    return ours is not None and math.isclose(ours, theirs, rel_tol=rel, abs_tol=abs_)


def assert_results_layout(payload: dict, chapter: str) -> None:
    """``payload`` has the layout documented in book/results_schema.md."""
    documented = {"chapter", "cohort", "km", "logrank", "cox", "table1", "scorecard"}
    assert documented <= set(payload), sorted(documented - set(payload))
    assert payload["chapter"] == chapter
    cohort = payload["cohort"]
    assert isinstance(cohort["path"], str) and cohort["path"]
    assert isinstance(cohort["n"], int) and cohort["n"] > 0
    assert isinstance(cohort["synthetic"], bool)
    assert cohort["time_unit"] in {"days", "weeks", "months", "years"}

    def number_or_null(value):
        return value is None or (isinstance(value, int | float) and math.isfinite(value))

    def interval(value):
        return isinstance(value, list) and len(value) == 2 and all(map(number_or_null, value))

    assert payload["km"], "km: one entry per group"
    for group in payload["km"]:
        assert isinstance(group["group"], str)
        assert isinstance(group["n"], int) and isinstance(group["events"], int)
        assert 0 <= group["events"] <= group["n"]
        assert number_or_null(group["median"]) and interval(group["median_ci"])
        for landmark in group["landmarks"]:
            assert isinstance(landmark["time"], int | float)
            assert landmark["survival"] is None or 0 <= landmark["survival"] <= 1
            assert interval(landmark["ci"])
    logrank = payload["logrank"]
    assert isinstance(logrank["df"], int) and logrank["df"] == len(payload["km"]) - 1
    assert logrank["chisq"] >= 0 and 0 <= logrank["p"] <= 1
    for row in payload["cox"]:
        assert row["model"] in {"univariable", "multivariable"}
        assert isinstance(row["term"], str)
        assert all(number_or_null(row[k]) for k in ("coef", "hr", "p")) and interval(row["ci"])
    assert isinstance(payload["table1"], list)
    assert isinstance(payload["scorecard"], list)
    for row in payload["scorecard"]:
        assert row["role"] in ROLES and isinstance(row["statistic"], str)


def notebook(*sources: str, title: str = "A page", metadata: dict | None = None):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    if metadata:
        nb.metadata.update(metadata)
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}")]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in sources]
    return nb


def make_book(tmp_path: Path, pages: dict[str, object]) -> Path:
    """A minimal book: the real _config.yml and bibliography, and the given pages."""
    root = tmp_path / "book"
    (root / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    shutil.copy(ROOT / "book" / "references.bib", root / "book" / "references.bib")
    (root / "index.md").write_text("# Test book\n\nA page for the build tests.\n")
    chapters = []
    for name, content in pages.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".ipynb"):
            nbformat.write(content, path)
        else:
            path.write_text(content)
        chapters.append(f"  - file: {Path(name).with_suffix('')}")
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nchapters:\n" + "\n".join(chapters) + "\n"
    )
    return root


def run_build(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "inoreport.book.build", "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=600,
    )


def html_of(root: Path, page: str) -> str:
    return (root / "_build" / "html" / f"{page}.html").read_text(encoding="utf-8")


def site_pages() -> list[Path]:
    """Every content page of the built site (not the index or search pages, not _static)."""
    if not (SITE / "index.html").exists():
        raise AssertionError(f"{SITE}/index.html is missing: run `make book` first")
    skip = {"genindex.html", "search.html"}
    return sorted(
        p for p in SITE.rglob("*.html") if p.name not in skip and "_static" not in p.parts
    )
