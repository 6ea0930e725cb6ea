"""The synthetic-cohorts page's numbers and tables (inoreport.studies.synthetic_page)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from inoreport import published
from inoreport.studies import synthetic_page as page
from inoreport.synthetic import validation


def test_method_values_quote_data_published():
    builds = {"alcalde_mellado": SimpleNamespace(cohort=pd.DataFrame({"id": range(24)}))}
    values = page.method_values(builds)
    # 002 Table 1: 87 InO-naive patients, so the median is the 44th youngest
    assert values["ex_n_naive"] == published.value("rocca", "n_patients", "ino_naive") == 87
    assert values["ex_median_rank"] == 44
    assert (
        values["ex_ph_resp"]
        == f"{published.value('rocca', 'subtype_ph_pos_pct', 'ino_responder'):g}%"
    )
    assert values["alc_n"] == 24 and values["n_studies"] == 1


def test_summary_values_by_hand():
    summary = pd.DataFrame(
        {
            "Calibrated targets": [10, 5],
            "Met": [9, 5],
            "Held-out statistics": [4, 3],
            "Close": [1, 2],
        }
    )
    values = page.summary_values(summary)
    assert (values["cal_total"], values["cal_met"], values["cal_missed"]) == (15, 14, 1)
    assert (values["held_total"], values["held_close"], values["held_missed"]) == (7, 3, 4)


def test_guyot_values_read_the_noise_levels():
    levels = validation.DIGITISING_NOISE
    noise = pd.DataFrame(
        {
            "noise": levels,
            "gap_median": [0.5 + i for i in range(len(levels))],
            "gap_p95": [1.0 + i for i in range(len(levels))],
            "events_median": [0.0] * len(levels),
            "hr_error_median": [0.1 * (i + 1) for i in range(len(levels))],
            "hr_error_p95": [0.2 * (i + 1) for i in range(len(levels))],
        }
    )
    values = page.guyot_values(noise, 3.0, 50)
    assert values["guyot_gap"] == 0.5 and values["guyot_step"] == "3"
    assert values["guyot_gap_high"] == 0.5 + len(levels) - 1
    assert values["guyot_noise_low"] == f"{100 * levels[1]:g}%"


def test_table_puts_the_escaped_caption_first():
    text = page.table(pd.DataFrame({"a": [1]}), "x < y").data
    assert text.index("<caption>x &lt; y</caption>") < text.index("<thead>")
    assert "ino-syn" in text and 'style="text-align: right;"' not in text
