"""Identifiers of data/published in words (inoreport.book.labels)."""

from __future__ import annotations

from inoreport.book.labels import group_label, label, quantity_label, variant_label


def test_labels_put_ids_into_words():
    # the review's example: subtype_ph_neg_pct [ino_exposed] is the Ph-negative share of the
    # InO-exposed arm (002 Table 1)
    assert label("subtype_ph_neg_pct", "ino_exposed") == "Ph-negative, InO-exposed (%)"
    assert label("median_followup_months", "pre_amendment") == (
        "Median follow-up, before the amendment (months)"
    )
    assert label("ino_exposed_pct", "all", "ash2023_abstract") == (
        "InO-exposed patients (%); ASH 2023 abstract"
    )
    assert group_label("ino_naive") == "InO-naïve"
    assert group_label("age_under_70_vs_70_plus") == "aged under 70 vs aged 70 or older"
    assert variant_label("abstract_iqr") == "the abstract copy's IQR"


def test_unknown_ids_are_spelled_out_word_by_word():
    assert quantity_label("n_mrd_eligible") == "Number MRD eligible"
    assert quantity_label("crs_onset_days_median") == "Median CRS onset days"
    assert group_label("some_new_group") == "some new group"
