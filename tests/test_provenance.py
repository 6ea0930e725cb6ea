"""Every number a chapter reads has a source row, and every source outside the papers is listed.

1. The code of the chapters (notebooks/, .ipynb or MyST .md; book/*.md) and of the package (src/inoreport/) is
   scanned for published-data lookups with literal keys — ``published.value(study, quantity,
   group)``, ``published.get(...)``, the chapters' ``val``/``row``/``pub_row`` wrappers,
   ``published.related_get(...)`` and the ``[quantity/group]`` fields of the related-evidence
   wording — and each key must exist in ``data/published`` with a non-empty source.
2. Every source that is not a paper's own text (news reports, copies of abstracts,
   conference abstracts, related studies), in ``data/published`` or in the synthetic
   generators' assumptions, must be named on the "About the data" page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from inoreport import paths, published

ROOT = paths.ROOT
ABOUT = ROOT / "book" / "about_data.md"
LOOKUP = re.compile(
    r"""(?:\bpublished\.(?:value|get|provenance)|\b(?:val|row|_v|pub_row|pub_value|pv))\(\s*
        (?P<study>"[a-z_]+"|'[a-z_]+'|[A-Z_]+)\s*,\s*
        (?P<q>"[a-z0-9_]+"|'[a-z0-9_]+')
        (?:\s*,\s*(?P<g>"[a-z0-9_]+"|'[a-z0-9_]+'))?
        (?:\s*,\s*(?:variant\s*=\s*)?(?P<v>"[a-z0-9_]+"|'[a-z0-9_]+'))?""",
    re.X,
)
RELATED_LOOKUP = re.compile(
    r"""related_get\(\s*(?P<study>"[a-z0-9_]+"|'[a-z0-9_]+')\s*,\s*(?P<q>"[a-z0-9_]+"|'[a-z0-9_]+')
        (?:\s*,\s*(?P<g>"[a-z0-9_]+"|'[a-z0-9_]+'))?""",
    re.X,
)
CONSTANT = re.compile(
    r"""^\s*([A-Z_]+)\s*(?:,\s*[A-Z_]+\s*)?=\s*"([a-z_]+)"(?:\s*,\s*"([a-z_]+)")?"""
)


def _code_files() -> list[tuple[Path, str]]:
    out = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        text = "\n".join(
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells
            if c["cell_type"] == "code"
        )
        out.append((nb, text))
    # prose pages and the chapters written as MyST Markdown notebooks
    for md in sorted([*(ROOT / "book").glob("*.md"), *(ROOT / "notebooks").glob("*.md")]):
        out.append((md, md.read_text(encoding="utf-8")))
    for py in sorted((ROOT / "src" / "inoreport").rglob("*.py")):
        out.append((py, py.read_text(encoding="utf-8")))
    return out


def _constants(text: str) -> dict[str, str]:
    """Module-level study constants: ROCCA = "rocca", ROCCA, ALCALDE = "rocca", "alcalde_mellado"."""
    found = {}
    for line in text.splitlines():
        m = CONSTANT.match(line)
        if not m:
            continue
        names = [n.strip() for n in line.split("=", 1)[0].split(",")]
        values = [v for v in m.groups()[1:] if v]
        for name, value in zip(names, values, strict=False):
            if value in published.STUDIES:
                found[name] = value
    return found


def _lookups():
    keys = set()
    for path, text in _code_files():
        constants = _constants(text)
        for m in LOOKUP.finditer(text):
            raw = m["study"]
            study = raw.strip("'\"") if raw[0] in "'\"" else constants.get(raw)
            if study not in published.STUDIES:
                continue  # not a study lookup (or a variable we cannot resolve)
            strip = [x.strip("'\"") if x else None for x in (m["q"], m["g"], m["v"])]
            keys.add((path.relative_to(ROOT).as_posix(), study, *strip))
    return keys


def test_the_scan_finds_the_chapters_lookups():
    keys = _lookups()
    files = {k[0] for k in keys}
    # The scan must see the pages that read published numbers; otherwise it proves nothing.
    # (the intro, synthesis and evidence pages read theirs through studies/ modules)
    for page in (
        "src/inoreport/studies/intro_page.py",
        "src/inoreport/studies/synthesis.py",
        "src/inoreport/studies/evidence.py",
    ):
        assert page in files, page
    assert {k[1] for k in keys} == set(published.STUDIES)


def _built_lookups() -> list[dict]:
    from inoreport.book.build import LOOKUP_LOG_FILE

    log = ROOT / "_build" / "results" / LOOKUP_LOG_FILE
    assert log.is_file(), f"{log} missing: `make test` builds the book first (make book)"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_every_number_the_built_chapters_read_has_a_source_row():
    # What the chapters actually read while the book was built (published.get logs each
    # lookup during the build), whatever wrapper or variable named the key.
    lookups = _built_lookups()
    seen = {(x["study"], x["quantity"], x["group"], x["variant"]) for x in lookups}
    assert {study for study, *_ in seen} == set(published.STUDIES)
    for study, quantity, group, variant in sorted(seen):
        row = published.get(study, quantity, group, variant)
        assert str(row["source"]).strip(), f"{study}.csv: {quantity} [{group}] has no source"


def test_every_published_lookup_has_a_source_row():
    missing = []
    for where, study, quantity, group, variant in sorted(_lookups(), key=str):
        frame = published.load(study)
        rows = frame[frame["quantity"] == quantity]
        if group is not None:
            rows = rows[rows["group"] == group]
        if variant is not None:
            rows = rows[rows["variant"] == variant]
        if rows.empty:
            missing.append(f"{where}: {study}.csv has no row {quantity} [{group}] {variant or ''}")
        elif (rows["source"].str.strip() == "").any():
            missing.append(f"{where}: {study}.csv, {quantity} [{group}]: empty source")
    assert not missing, "\n".join(missing)


def test_every_related_lookup_has_a_source_row():
    facts = published.related()
    seen = 0
    for path, text in _code_files():
        for m in RELATED_LOOKUP.finditer(text):
            study, quantity = m["study"].strip("'\""), m["q"].strip("'\"")
            group = m["g"].strip("'\"") if m["g"] else "all"
            row = facts[
                (facts["study"] == study)
                & (facts["quantity"] == quantity)
                & (facts["group"] == group)
            ]
            assert len(row) == 1, f"{path}: related.csv has no {study} {quantity} [{group}]"
            assert row.iloc[0]["source"].strip(), f"{path}: {study} {quantity}: empty source"
            seen += 1
        for m in re.finditer(r"\[([a-z0-9_]+)/([a-z0-9_]+)\]", text):
            if path.name != "synthesis.py":
                continue
            quantity, group = m.groups()
            if (quantity, group) == ("quantity", "group"):
                continue  # the docstring's description of the field syntax
            assert ((facts["quantity"] == quantity) & (facts["group"] == group)).any(), (
                f"{path}: template field [{quantity}/{group}] has no row in related.csv"
            )
            seen += 1
    assert seen >= 10


def _non_paper_sources() -> set[str]:
    """Every source named in data/published that is not a study's own text."""
    labels = set()
    frame = published.load()
    for r in frame.itertuples():
        label = published.provenance(r.study, r.quantity, r.group, r.variant or None)
        if label:
            labels.update(label.split("; "))
    for source in published.related()["source"]:
        labels.add(source.split(", abstract")[0])
    return labels


def test_secondary_sources_are_detected():
    labels = _non_paper_sources()
    # Known secondary sources in the data (from ../shared/papers/README.md and extracted/).
    assert "news report" in labels
    assert "third-party copy of the published abstract" in labels
    assert any("EHA 2022" in x for x in labels)
    assert any("ASH 2023" in x for x in labels)
    assert any(x.startswith("Shah BD") for x in labels)
    # A paper's own text is not a secondary source.
    assert published.provenance("rocca", "pfs_12mo", "ino_exposed") is None
    assert published.provenance("alcalde_mellado", "efs_12mo", "ino_arm") is None


def test_about_data_lists_every_source_outside_the_papers():
    page = re.sub(r"\s+", " ", ABOUT.read_text(encoding="utf-8"))
    missing = sorted(label for label in _non_paper_sources() if label not in page)
    assert not missing, f"book/about_data.md does not name: {missing}"


def test_about_data_lists_the_meetings_the_generators_draw_on():
    page = ABOUT.read_text(encoding="utf-8")
    meetings = set()
    for py in (ROOT / "src" / "inoreport" / "studies").rglob("cohort.py"):
        meetings.update(re.findall(r"\b(?:EHA|ASH|ASCO|EBMT) 20\d\d\b", py.read_text("utf-8")))
    assert meetings, "expected the Jabbour generator to name its conference sources"
    assert not sorted(m for m in meetings if m not in page)


@pytest.mark.parametrize("label", ["news report", "third-party copy of the published abstract"])
def test_a_missing_source_would_be_caught(label):
    # The page check fails when a source is removed from the page text.
    page = re.sub(r"\s+", " ", ABOUT.read_text(encoding="utf-8")).replace(label, "")
    assert label not in page
    assert label in _non_paper_sources()
