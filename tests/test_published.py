"""data/published validates, the loader returns the papers' numbers, and bad rows fail clearly.

Reference values are read off the papers (../shared/papers), not from our own output.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import pytest

from inoreport import paths, published
from inoreport.published import PublishedDataError, read_file


@pytest.mark.parametrize("study", published.STUDIES)
def test_every_published_file_validates(study):
    frame = read_file(paths.PUBLISHED / f"{study}.csv")
    assert len(frame) > 0
    assert set(frame["study"]) == {study}


def test_datapackage_describes_every_column_and_validates_with_frictionless():
    package = json.loads((paths.PUBLISHED / "datapackage.json").read_text())
    names = {r["name"] for r in package["resources"]}
    assert names == {*published.STUDIES, "related"}
    for resource in package["resources"]:
        fields = resource["schema"]["fields"]
        columns = published.RELATED_COLUMNS if resource["name"] == "related" else published.COLUMNS
        assert tuple(f["name"] for f in fields) == columns
        for field in fields:
            assert field["description"] and field["type"] and "constraints" in field
        unit_enum = next(f for f in fields if f["name"] == "unit")["constraints"]["enum"]
        units = published.RELATED_UNITS if resource["name"] == "related" else published.UNITS
        assert set(unit_enum) == set(units)

    import frictionless  # pinned in requirements.txt

    report = frictionless.validate(str(paths.PUBLISHED / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_values_match_the_papers():
    # 002 Results: 12-month PFS 39% (95% CI 29-50) for InO-exposed patients
    row = published.get("rocca", "pfs_12mo", "ino_exposed")
    assert (row["value"], row["ci_low"], row["ci_high"]) == (39, 29, 50)
    # 002 Table 1: Ph+ 36 (41) naive, 19 (19) exposed; P 0.003
    assert published.value("rocca", "subtype_ph_pos_count", "ino_naive") == 36
    assert published.value("rocca", "subtype_ph_pos_pct", "ino_exposed") == 19
    p = published.get("rocca", "subtype_p", "ino_exposed_vs_ino_naive")
    assert p["value"] == 0.003 and p["printed"] == "0.003" and p["decimals"] == 3
    # 000 abstract: 80% vs 28.6% (p=0.032)
    assert published.value("alcalde_mellado", "htb_to_ltb_conversion_pct", "chemo_arm") == 28.6
    # 004: 2-year PFS 58.2%; dates as ISO text
    assert published.value("jabbour", "pfs_2y") == 58.2
    assert published.value("rocca", "data_lock_date") == "2023-10-30"
    # 'not reached' is NaN
    assert math.isnan(published.value("jabbour", "crd_median"))


def test_conflicts_are_kept_and_one_row_is_preferred():
    # Jabbour >=70 years: 28 (news report, sums to 80) preferred over 30 (EHA 2022 abstract)
    assert published.value("jabbour", "n_age_group", "age_70_plus") == 28
    assert published.value("jabbour", "n_age_group", "age_70_plus", variant="eha2022") == 30
    # Amendment medians: abstract order preferred; the news order is kept, swapped
    assert published.value("jabbour", "pfs_median", "pre_amendment") == 34.7
    assert published.value("jabbour", "pfs_median", "pre_amendment", variant="news_order") == 56.4
    frame = published.load()
    preferred = frame[frame["preferred"]]
    assert not preferred.duplicated(["study", "quantity", "group"]).any()
    assert not frame.duplicated(["study", "quantity", "group", "variant"]).any()
    # related reports never preferred
    assert not frame[(frame["status"] == "related_report") & frame["preferred"]].shape[0]


def test_lookup_errors_are_clear():
    with pytest.raises(KeyError, match="no quantity 'nope'"):
        published.get("rocca", "nope")
    with pytest.raises(KeyError, match="several groups"):
        published.get("rocca", "pfs_12mo")
    with pytest.raises(KeyError, match="no preferred row; pass variant"):
        published.get("jabbour", "n_cri")
    with pytest.raises(PublishedDataError, match="expected one of rocca"):
        published.load("zuma3")


def test_decimals():
    assert published.decimals("0.80") == 2
    assert published.decimals("<.0001") == 4
    assert published.decimals("54") == 0
    assert published.decimals("three") is None


# --------------------------------------------------------------------------- corrupted copies
def _copy_with(tmp_path: Path, study: str, edit) -> Path:
    """Copy a published file into tmp_path, applying edit(rows) to its list of dict rows."""
    source = paths.PUBLISHED / f"{study}.csv"
    with source.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames
        rows = list(reader)
    fields = edit(rows) or fields
    target = tmp_path / f"{study}.csv"
    with target.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return target


def _find(rows, quantity, group, variant=""):
    for i, r in enumerate(rows):
        if (r["quantity"], r["group"], r["variant"]) == (quantity, group, variant):
            return i
    raise AssertionError(f"{quantity} [{group}] not in file")


def _set(quantity, grp, **changes):
    def edit(rows):
        rows[_find(rows, quantity, grp)].update(changes)

    return edit


def _row(rows_path: Path, quantity, group) -> int:
    with rows_path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return _find(rows, quantity, group) + 2  # header is row 1


CORRUPTIONS = [
    (
        "percent above 100",
        _set("pfs_12mo", "ino_exposed", value="139", printed="139"),
        ("pfs_12mo", "ino_exposed"),
        "column 'value': value '139'; expected a percent value 0 to 100",
    ),
    (
        "p above 1",
        _set("subtype_p", "ino_exposed_vs_ino_naive", value="3", printed="3"),
        ("subtype_p", "ino_exposed_vs_ino_naive"),
        "column 'value': value '3'; expected a p value 0 to 1",
    ),
    (
        "fractional count",
        _set("female_count", "ino_naive", value="37.5", printed="37.5"),
        ("female_count", "ino_naive"),
        "column 'value': value '37.5'; expected a whole number (count)",
    ),
    (
        "count above denominator",
        _set("female_count", "ino_naive", value="88", printed="88"),
        ("female_count", "ino_naive"),
        "column 'value': value '88'; expected a count <= its denominator n=87",
    ),
    (
        "CI excludes estimate",
        _set("pfs_12mo", "ino_exposed", ci_low="40"),
        ("pfs_12mo", "ino_exposed"),
        "column 'ci_low': value '40'; expected <= the estimate 39",
    ),
    (
        "text in a number column",
        _set("os_6mo", "ino_naive", value="eighty-five"),
        ("os_6mo", "ino_naive"),
        "column 'value': value 'eighty-five'; expected a number",
    ),
    (
        "unknown unit",
        _set("os_6mo", "ino_naive", unit="percentage"),
        ("os_6mo", "ino_naive"),
        "column 'unit': value 'percentage'; expected one of percent",
    ),
    (
        "printed disagrees with value",
        _set("os_6mo", "ino_naive", printed="58"),
        ("os_6mo", "ino_naive"),
        "column 'printed': value '58'; expected the printed form of value 85",
    ),
    (
        "bad id",
        _set("os_6mo", "ino_naive", group="InO naive"),
        None,
        "column 'group': value 'InO naive'; expected a snake_case id",
    ),
    (
        "wrong study",
        _set("os_6mo", "ino_naive", study="jabbour"),
        ("os_6mo", "ino_naive"),
        "column 'study': value 'jabbour'; expected 'rocca' (the file name)",
    ),
    (
        "source file missing",
        _set("os_6mo", "ino_naive", source="999_nothing.txt: Table 9"),
        ("os_6mo", "ino_naive"),
        "column 'source': value '999_nothing.txt: Table 9'; expected a file in",
    ),
]


@pytest.mark.parametrize(
    ("label", "edit", "key", "message"), CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS]
)
def test_corrupted_copy_fails_with_file_row_column(tmp_path, label, edit, key, message):
    original = paths.PUBLISHED / "rocca.csv"
    line = _row(original, *key) if key else None
    bad = _copy_with(tmp_path, "rocca", edit)
    with pytest.raises(PublishedDataError) as err:
        read_file(bad)
    text = str(err.value)
    assert text.startswith("rocca.csv, row ")
    if line is not None:
        assert text.startswith(f"rocca.csv, row {line}, ")
    assert message in text


def test_duplicate_key_fails(tmp_path):
    def edit(rows):
        rows.append(dict(rows[_find(rows, "os_6mo", "ino_naive")]))

    bad = _copy_with(tmp_path, "rocca", edit)
    with pytest.raises(PublishedDataError, match=r"column 'variant'.*not already used on row \d+"):
        read_file(bad)


def test_two_preferred_rows_fail(tmp_path):
    def edit(rows):
        i = _find(rows, "n_age_group", "age_70_plus", "eha2022")
        rows[i]["preferred"] = "true"

    bad = _copy_with(tmp_path, "jabbour", edit)
    with pytest.raises(PublishedDataError, match=r"column 'preferred'.*already the preferred row"):
        read_file(bad)


def test_missing_column_fails(tmp_path):
    def edit(rows):
        return [c for c in published.COLUMNS if c != "unit"]

    bad = _copy_with(tmp_path, "aertgeerts", edit)
    with pytest.raises(PublishedDataError, match="aertgeerts.csv, row 1, column 'unit': missing"):
        read_file(bad)


def test_loader_reads_a_corrected_file(tmp_path, monkeypatch):
    """load() re-reads a file that changed on disk (cache keyed on modification time)."""
    for study in published.STUDIES:
        shutil.copy(paths.PUBLISHED / f"{study}.csv", tmp_path / f"{study}.csv")
    monkeypatch.setattr(paths, "PUBLISHED", tmp_path)
    assert published.value("aertgeerts", "n_patients") == 4
    bad = _copy_with(tmp_path, "aertgeerts", _set("n_patients", "all", value="-4", printed="-4"))
    assert bad.parent == tmp_path
    with pytest.raises(PublishedDataError, match="aertgeerts.csv, row 2, column 'value'"):
        published.load("aertgeerts")
