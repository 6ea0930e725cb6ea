"""The speed-and-scale appendix's numbers (inoreport.book.benchmarks), on a small hand-made run."""

from __future__ import annotations

from inoreport.book import benchmarks

RUN = {
    "machine": {"cores": 2, "python": "3.11", "r": "R 4.2"},
    "measured_at": "2025-01-01",
    "targets": [
        {"target": "cold build", "measured": 100.0, "limit": 120, "met": True},
        {"target": "warm build", "measured": 12.0, "limit": 10, "met": False},
    ],
    "book": {
        "cold_s": 100.0,
        "warm_s": 5.0,
        "edit_one_s": 20.0,
        "edited_page": "notebooks/a.md",
        "cold_executed": ["a", "b"],
        "warm_executed": [],
        "edit_one_executed": ["a"],
    },
    "stats": [
        {
            "n": 1000,
            "python_stats_s": 0.1,
            "r_stats_s": 0.2,
            "ratio_stats": 0.5,
            "python_peak_mb": 100,
            "r_peak_mb": 90,
            "logrank_chisq": [3.0, 3.0],
        },
        {
            "n": 100000,
            "python_stats_s": 2.0,
            "r_stats_s": 4.0,
            "ratio_stats": 0.5,
            "python_peak_mb": 300,
            "r_peak_mb": 200,
            "logrank_chisq": [4.0004, 4.0],
        },
    ],  # fmt: skip
}


def test_glue_values_by_hand():
    values = benchmarks.glue_values(RUN)
    assert values["bench_targets_met"] == 1 and values["bench_targets_total"] == 2
    # warm 5 s of cold 100 s = 5%
    assert "took 100 s and a warm rebuild 5.0 s (5% of cold)" in values["bench_book_sentence"]
    assert values["bench_book_sentence"].endswith("were: a.")
    assert values["bench_largest_n"] == "100,000" and values["bench_largest_ratio"] == "0.50"
    # |4.0004 - 4| / 4 = 1e-4
    assert values["bench_chisq_agree"] == "1.0e-04"


def test_tables_and_missing_parts():
    assert "<td>NO</td>" in benchmarks.targets_table(RUN).data
    assert "<caption>Book build times (seconds)</caption>" in benchmarks.book_table(RUN).data
    assert "100,000" in benchmarks.stats_table(RUN).data
    assert "not been benchmarked" in benchmarks.cli_table(RUN).data
    assert "Not measured" in benchmarks.book_table({**RUN, "book": None}).data
    assert len(benchmarks.stats_figure(RUN).axes[0].lines) == 2
