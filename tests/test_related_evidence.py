"""data/published/related.csv holds the related studies' facts exactly as their abstracts print them.

The reference is the verified text in ../shared/papers/related/README.md, never our own output:
each row's printed words must be found in its study's section of that file, each number must be
the number printed, and a derived row must follow from the published ones by the arithmetic its
note states.
"""

from __future__ import annotations

import re

import pytest

from inoreport import paths, published
from inoreport.published import PublishedDataError, read_related_file

README = paths.PAPERS / "related" / "README.md"
BIB = paths.ROOT / "book" / "references.bib"


def _sections() -> dict[str, str]:
    """README sections keyed by their bold heading (text up to the next heading)."""
    text = README.read_text(encoding="utf-8")
    parts = re.split(r"^\*\*(.+?)\*\*", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def facts():
    return published.related()


@pytest.fixture(scope="module")
def sections():
    if not README.exists():
        pytest.fail(f"{README} is missing: the related-studies facts cannot be checked")
    return _sections()


def test_every_related_study_in_the_readme_has_rows(facts, sections):
    # Three studies in the README, three in the file, each traced to its own section.
    assert len(sections) == 3
    assert facts["study"].nunique() == 3
    headings = {t.split(":", 1)[1].strip() for t in facts["transcribed_from"]}
    assert headings == set(sections)
    for study, rows in facts.groupby("study"):
        assert rows["reference"].nunique() == 1, study
        assert rows["transcribed_from"].nunique() == 1, study


def test_printed_text_and_numbers_are_the_readme_text(facts, sections):
    for r in facts.itertuples():
        section = _flat(sections[r.transcribed_from.split(":", 1)[1].strip()])
        if r.status == "derived":
            continue  # checked by arithmetic below
        assert r.printed in section, (r.study, r.quantity, r.group, r.printed)
        if r.unit == "statement":
            assert r.printed.split()[-1] in section
            continue
        shown = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", r.printed)]
        assert r.value in shown, (r.quantity, r.group, r.printed, r.value)


def test_zuma3_subgroup_sizes_and_percentages(sections):
    section = _flat(sections["ZUMA-3, post hoc analysis of prior therapies"])
    rows = published.related("zuma3_prior_therapy")
    subgroups = rows[(rows["quantity"] == "cr_cri_pct") & (rows["group"] != "all")]
    assert len(subgroups) == 8
    for r in subgroups.itertuples():
        assert f"{r.printed} (n = {r.n})" in section, (r.group, r.printed, r.n)
    # Each pair of subgroups adds up to the whole trial (N = 78).
    for _, pair in subgroups.groupby("comparison"):
        assert len(pair) == 2 and int(pair["n"].sum()) == 78
    # No test is given for any comparison: the book must not show one as if published.
    assert all("no test" in note for note in subgroups["note"])


def test_zuma3_derived_counts_are_the_only_whole_counts_that_fit(facts):
    derived = facts[facts["status"] == "derived"]
    assert len(derived) == 2
    total_events = 0
    for r in derived.itertuples():
        pct = published.related_get(r.study, "cr_cri_pct", r.group)
        fits = [k for k in range(int(r.n) + 1) if round(100 * k / int(r.n)) == pct["value"]]
        assert fits == [int(r.value)], (r.group, fits)
        assert "derived, not published" in r.note
        total_events += int(r.value)
    # 10 + 47 of 78 rounds to the printed overall 73%.
    overall = published.related_get("zuma3_prior_therapy", "cr_cri_pct", "all")
    assert round(100 * total_events / 78) == overall["value"]


def test_zuma3_safety_statement_is_kept_as_words():
    row = published.related_get("zuma3_prior_therapy", "severe_toxicity_across_subgroups")
    assert row["printed"] == "largely similar" and row["unit"] == "statement"
    assert "CRS" in row["note"] and "no numbers" in row["note"]


def test_cibmtr_associations_have_no_invented_effect_size():
    rows = published.related("cibmtr_tisagenlecleucel")
    assoc = rows[rows["quantity"].str.endswith("_association")]
    assert set(assoc["quantity"]) == {
        "prior_ino_association",
        "kmt2a_association",
        "burden_below_50pct_association",
        "age_under_18_association",
    }
    assert assoc["value"].isna().all() and assoc["n"].isna().all()
    assert all("no hazard ratio" in note for note in assoc["note"])


def test_sources_name_the_abstract_and_references_exist(facts):
    bib = BIB.read_text(encoding="utf-8")
    for r in facts.itertuples():
        assert "abstract" in r.source, r.source
        assert f"{{{r.reference}," in bib, r.reference
    # Identifiers from the README, so a reader can find each abstract.
    by_study = facts.groupby("study")["source"].first()
    assert "37648261" in by_study["zuma3_prior_therapy"]
    assert "10.1182/bloodadvances.2025015881" in by_study["cibmtr_tisagenlecleucel"]
    assert "33851211" in by_study["cart_failure_adults"]


def test_related_rows_are_never_in_a_study_file():
    # The four studies' files hold no fact of a related study (no mixing into their numbers).
    studies = published.load()
    for needle in ("related/README.md", "shah2023", "john2025", "wudhikarn2021"):
        assert not studies["source"].str.contains(needle, regex=False).any()


def test_lookup_errors_name_what_is_missing():
    with pytest.raises(KeyError, match="no study 'zuma1'"):
        published.related("zuma1")
    with pytest.raises(KeyError, match="no quantity 'os_5y'"):
        published.related_get("zuma3_prior_therapy", "os_5y")


@pytest.mark.parametrize(
    ("column", "bad", "message"),
    [
        ("value", "abc", r"related.csv, row 2, column 'value': value 'abc'; expected a number"),
        ("unit", "weeks", r"row 2, column 'unit': value 'weeks'; expected one of percent"),
        ("status", "background", r"row 2, column 'status': value 'background'"),
        ("source", "", r"row 2, column 'source': value ''; expected a non-empty text"),
    ],
)
def test_a_bad_cell_fails_with_file_row_and_column(tmp_path, column, bad, message):
    import csv

    original = paths.PUBLISHED / "related.csv"
    with original.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[0][column] = bad
    target = tmp_path / "related.csv"
    with target.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=published.RELATED_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(PublishedDataError, match=message):
        read_related_file(target)


def test_a_statement_with_a_number_and_a_duplicate_key_fail(tmp_path):
    lines = (paths.PUBLISHED / "related.csv").read_text(encoding="utf-8").splitlines()
    statement = next(i for i, line in enumerate(lines) if ",statement," in line)
    lines[statement] = lines[statement].replace(",,,statement,", ",5,,statement,", 1)
    target = tmp_path / "related.csv"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PublishedDataError, match=rf"row {statement + 1}, column 'value'"):
        read_related_file(target)
    lines = (paths.PUBLISHED / "related.csv").read_text(encoding="utf-8").splitlines()
    target.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    with pytest.raises(PublishedDataError, match="not already used on row 2"):
        read_related_file(target)
