"""The introduction's numbers and book-wide scorecard (inoreport.studies.intro_page)."""

from __future__ import annotations

from inoreport import published
from inoreport.book.results import ScorecardRow, write_scorecard
from inoreport.studies import intro_page


def test_glue_values_are_the_published_numbers():
    values = intro_page.glue_values()
    # 002: 189 patients; Alcalde-Mellado abstract: 12-month EFS 80% vs 28.6% conversion
    assert values["intro_rocca_n"] == f"{published.value('rocca', 'n_patients', 'all'):.0f}"
    assert values["intro_rocca_n"] == "189"
    assert values["intro_alc_conv_ino"] == "80%" and values["intro_alc_conv_chemo"] == "28.6%"
    assert values["intro_rocca_pfs_p"].startswith(".")
    assert values["intro_sos"] == f"{published.value('rocca', 'sos_deaths_count', 'all'):.0f}"


def test_scorecard_gathers_a_chapter_and_counts_held_out_misses(tmp_path):
    rows = [
        ScorecardRow("a", 1.0, 1.0, "exact", True),
        ScorecardRow("b", 0.5, 0.9, "held_out", False),
    ]
    write_scorecard("aertgeerts", rows, tmp_path)
    table, values = intro_page.scorecard(tmp_path)
    assert values["intro_scorecard_sources"] == "the Aertgeerts case series"
    assert values["intro_heldout_miss"] == 1
    assert "Held out (matched / checked)" in table.columns
