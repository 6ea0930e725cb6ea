"""The rendered pages show no raw Python output, object reprs, file paths, warnings or NaN.

Every HTML page of ``_build/html`` (built by the test session's book build, as for
``test_site_offline.py``; run ``make book`` before running this file alone) is read, its
scripts and styles dropped, and the text a reader sees is scanned. A failure names the page
and quotes the offending text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from support import SITE, site_pages

pytestmark = pytest.mark.slow

#: (what, pattern) searched in the visible text of the page's article.
TEXT_PATTERNS = [
    ("object repr", re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")),
    ("repr of a figure or display object", re.compile(r"<(?:Figure size|matplotlib\.|IPython\.)")),
    ("pandas repr", re.compile(r"\b(?:dtype: (?:object|float64|int64|bool)|Name: \w+, dtype)")),
    ("numpy repr", re.compile(r"\b(?:array\(\[|np\.float64\(|np\.int64\()")),
    ("file path", re.compile(r"(?:/work/|/root/|/home/\w+/|site-packages|/tmp/)")),
    ("warning", re.compile(r"\b(?:\w+Warning: |DeprecationWarning|FutureWarning|RuntimeWarning)")),
    ("traceback", re.compile(r"Traceback \(most recent call last\)")),
    ("Python error", re.compile(r"\b(?:KeyError|ValueError|TypeError|NameError): ")),
]
#: A table cell that shows a missing value as Python prints it.
MISSING_CELL = re.compile(r"^(?:nan|NaN|<NA>|None|NaT|nan%|inf|-inf)$")


def _article(page: Path) -> BeautifulSoup:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    body = soup.find("article") or soup.find("main") or soup
    for tag in body.find_all(["script", "style", "noscript"]):
        tag.decompose()
    return body


def problems(page: Path) -> list[str]:
    """Every raw-output problem on one page, as 'what: quoted text'."""
    body = _article(page)
    found = []
    text = re.sub(r"\s+", " ", body.get_text(" "))
    for what, pattern in TEXT_PATTERNS:
        for m in pattern.finditer(text):
            start = max(0, m.start() - 60)
            found.append(f"{what}: …{text[start : m.end() + 60]}…")
    for cell in body.find_all(["td", "th"]):
        value = cell.get_text(" ", strip=True)
        row = cell.find_parent("tr")
        first = row is not None and cell is row.find(["td", "th"])
        if MISSING_CELL.match(value) and not (first and value == "None"):
            # (a row label "None" is a category, e.g. no CRS, not a missing value)
            found.append(
                f"missing value shown as {value!r} in table row: {row.get_text(' | ', strip=True)[:160]}"
            )
    # Cell outputs printed to stderr, and plain-text reprs left as a cell's only output.
    for block in body.select("div.output.stderr, div.stderr"):
        found.append(f"stderr output: {block.get_text(' ', strip=True)[:160]}")
    for block in body.select("div.cell_output div.output.text_plain"):
        shown = block.get_text(" ", strip=True)
        if shown and not block.find_previous_sibling() and _looks_like_repr(shown):
            found.append(f"raw Python output: {shown[:160]}")
    return found


def _looks_like_repr(text: str) -> bool:
    return bool(
        re.match(r"^(?:\(|\[|\{|<|'|\"|-?\d+(?:\.\d+)?$|True$|False$|None$)", text)
        or "dtype" in text
    )


def test_the_scan_catches_what_it_should(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><article><p>Result: &lt;inoreport.stats.evidence.LogRatio object at 0x7f3a2b&gt;"
        " read from /work/main/data/x.csv</p><p>UserWarning: something</p>"
        "<table><tr><td>PFS</td><td>nan</td></tr></table>"
        '<div class="cell_output"><div class="output text_plain">(0.12, 0.34)</div></div>'
        "<script>var path = '/work/x';</script></article></body></html>",
        encoding="utf-8",
    )
    found = problems(page)
    kinds = {f.split(":", 1)[0] for f in found}
    assert {"object repr", "file path", "warning", "raw Python output"} <= kinds
    assert any(f.startswith("missing value shown as 'nan'") for f in found)
    # Scripts are not text a reader sees.
    assert sum("file path" in f for f in found) == 1
    clean = tmp_path / "clean.html"
    clean.write_text(
        "<html><body><article><p>12-month PFS 39% (95% CI 29–50); p = .013.</p>"
        "<table><tr><td>Non-applicable</td><td>–</td></tr></table></article></body></html>",
        encoding="utf-8",
    )
    assert problems(clean) == []


def test_no_raw_output_on_any_page():
    report = {}
    for page in site_pages():
        found = problems(page)
        if found:
            report[page.relative_to(SITE).as_posix()] = found
    assert not report, "\n".join(
        f"{name}:\n  " + "\n  ".join(items) for name, items in sorted(report.items())
    )
