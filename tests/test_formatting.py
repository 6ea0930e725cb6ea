"""The book's printing conventions (inoreport.formatting), pinned by hand-worked examples."""

from __future__ import annotations

import math

import pytest

from inoreport import formatting as fmt


@pytest.mark.parametrize(
    "x,digits,text",
    [
        (2.5, 0, "3"),  # half away from zero (Python's round(2.5) is 2)
        (3.5, 0, "4"),
        (-2.5, 0, "-3"),
        (0.125, 2, "0.13"),  # f"{0.125:.2f}" gives 0.12 (half to even)
        (1.005, 2, "1.01"),  # stored as 1.00499999999999989..., still half up
        (2.675, 2, "2.68"),  # stored as 2.67499999999999982...
        (-0.004, 2, "0.00"),  # never "-0.00"
        (12.3456, 1, "12.3"),
        (float("nan"), 1, "NA"),
        (None, 1, "NA"),
    ],
)
def test_number_rounds_half_away_from_zero(x, digits, text):
    assert fmt.number(x, digits) == text


@pytest.mark.parametrize(
    "fraction,digits,text",
    [
        (0.5, None, "50"),
        (0.125, None, "13"),  # >= 10%: whole numbers, 12.5 -> 13
        (0.0945, None, "9.5"),  # 0.1% to 10%: one decimal, 9.45 -> 9.5
        (0.0005, None, "<0.1"),
        (0.0, None, "0"),
        (17 / 62, 0, "27"),  # 27.419...
        (1 / 8, 1, "12.5"),
        (float("nan"), None, "NA"),
    ],
)
def test_percent_follows_gtsummary_style_percent(fraction, digits, text):
    assert fmt.percent(fraction, digits) == text


def test_percent_of_counts():
    assert fmt.percent_of(1, 8) == "13"  # 12.5% rounds half up
    assert fmt.percent_of(3, 40, 1) == "7.5"


def test_whole_and_bounded_percent():
    assert fmt.whole_percent(32.5) == "33%"  # as journals print it, not "32%"
    assert fmt.whole_percent(32.49) == "32%"
    assert fmt.bounded_percent(0.004) == "<1%"
    assert fmt.bounded_percent(0.996) == ">99%"
    assert fmt.bounded_percent(0.125) == "13%"
    assert fmt.bounded_percent(0.5) == "50%"


@pytest.mark.parametrize(
    "p,digits,text",
    [
        (0.95, 1, ">0.9"),
        (0.46, 1, "0.5"),
        (0.196, 1, "0.2"),  # rounds to 0.2 at one decimal, so one decimal
        (0.15, 1, "0.2"),  # 0.15 rounds half up to 0.2: one decimal
        (0.14, 1, "0.14"),  # two decimals between 0.1 and 0.2
        (0.0434, 1, "0.043"),  # three decimals from 0.001
        (0.0009, 1, "<0.001"),
        (0.995, 2, ">0.99"),
        (0.0371, 2, "0.037"),
        (0.1234, 2, "0.12"),
        (0.9995, 3, ">0.999"),
        (0.1234, 3, "0.123"),
        (float("nan"), 1, ""),
    ],
)
def test_p_value_follows_gtsummary_style_pvalue(p, digits, text):
    assert fmt.p_value(p, digits) == text


def test_p_value_refuses_impossible_values():
    with pytest.raises(ValueError, match="between 0 and 1"):
        fmt.p_value(1.2)
    with pytest.raises(ValueError, match="digits=4"):
        fmt.p_value(0.5, digits=4)


def test_interval_rounds_both_limits_the_same_way():
    assert fmt.interval(0.425, 0.875) == "0.43–0.88"
    assert fmt.interval(math.exp(-0.1), math.exp(0.3), 1) == "0.9–1.3"
    assert fmt.interval(12.5, 40.25, 0, sep=" to ") == "13 to 40"


def test_tables_names_are_the_formatting_functions():
    from inoreport.stats import tables

    assert tables.format_p is fmt.p_value
    assert tables.format_percent is fmt.percent
    assert tables.format_number is fmt.number
