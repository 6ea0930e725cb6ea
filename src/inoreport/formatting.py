"""How the book prints numbers: percentages, p-values and intervals, in one place.

Every module that turns a number into text uses these functions, so a convention changes
once. The conventions are the ones the book has always printed (``tests/test_formatting.py``
pins each with hand-worked examples):

* **Rounding** is half away from zero on the decimal value, as gtsummary's ``round2`` and
  as journals round: 2.5 -> "3", 0.125 -> "0.13", -2.5 -> "-3" (Python's own ``round`` and
  ``f"{x:.0f}"`` round half to even on the binary value: 2.5 -> "2", 0.125 -> "0.12"). An
  allowance of sqrt(machine epsilon) absorbs binary error, so 1.005 (stored as
  1.00499999999999989...) still rounds to "1.01". A result that rounds to zero prints
  "0", never "-0". Missing values print "NA".
* **Percentages** (:func:`percent`, :func:`percent_of`): from a proportion in [0, 1],
  without the % sign, gtsummary's ``style_percent`` by default (whole numbers from 10%, one
  decimal from 0.1% to 10%, "<0.1" below, "0" for zero) or a fixed number of decimals.
  :func:`whole_percent` prints a percentage already on the 0-100 scale with its sign;
  :func:`bounded_percent` a probability as a whole percentage with "<1%" and ">99%" at the
  ends (a posterior probability is never exactly 0 or 100%).
* **p-values** (:func:`p_value`): gtsummary's ``style_pvalue``; with the default one digit
  ">0.9", one decimal from 0.2, two from 0.1, three from 0.001, and "<0.001" below.
* **Intervals** (:func:`interval`): both limits rounded the same way, joined by an en dash
  ("0.42–0.88"), as the book prints a confidence interval after its estimate.
"""

from __future__ import annotations

import math

__all__ = [
    "bounded_percent",
    "interval",
    "number",
    "p_value",
    "percent",
    "percent_of",
    "round_half_up",
    "whole_percent",
]

#: the binary-error allowance of gtsummary's round2 (sqrt of R's .Machine$double.eps)
_ALLOWANCE = math.sqrt(2.220446e-16)


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def round_half_up(x: float, digits: int = 0) -> float:
    """``x`` rounded to ``digits`` decimals, half away from zero (gtsummary's ``round2``)."""
    scale = 10.0**digits
    return math.copysign(math.floor(abs(x) * scale + 0.5 + _ALLOWANCE), x) / scale


def number(x: float, digits: int = 0) -> str:
    """``x`` rounded half away from zero to ``digits`` decimals; "NA" when missing."""
    if _missing(x):
        return "NA"
    value = round_half_up(float(x), digits)
    if value == 0:
        value = 0.0  # no "-0"
    return f"{value:.{digits}f}"


def percent(fraction: float, digits: int | None = None) -> str:
    """A proportion (0-1) as a percentage without the % sign.

    ``digits=None`` follows gtsummary's ``style_percent``: whole numbers from 10%, one
    decimal from 0.1% to 10%, "<0.1" below that and "0" for zero. An integer gives that many
    decimals everywhere (0 is the usual journal style). "NA" when missing.
    """
    if _missing(fraction):
        return "NA"
    pct = 100.0 * float(fraction)
    if digits is not None:
        return number(pct, digits)
    if pct >= 10:
        return number(pct, 0)
    if pct >= 0.1:
        return number(pct, 1)
    if pct > 0:
        return "<0.1"
    return "0"


def percent_of(k: float, n: float, digits: int | None = None) -> str:
    """``k`` out of ``n`` as a percentage without the % sign (see :func:`percent`)."""
    return percent(k / n, digits)


def whole_percent(value: float) -> str:
    """A percentage already on the 0-100 scale, rounded half up to a whole number, with its
    sign: 32.5 -> "33%" (as journals print it, not "32%")."""
    return f"{number(value, 0)}%"


def bounded_percent(probability: float) -> str:
    """A probability (0-1) as a whole percentage with the % sign, "<1%" below 0.5% and
    ">99%" above 99.5%: a posterior probability is never certain."""
    if probability < 0.005:
        return "<1%"
    if probability > 0.995:
        return ">99%"
    return whole_percent(100 * probability)


def p_value(p: float, digits: int = 1) -> str:
    """A p-value as gtsummary's ``style_pvalue(digits=)``.

    ``digits=1`` (gtsummary's default): ">0.9"; 1 decimal from 0.2 (after rounding);
    2 decimals from 0.1; 3 decimals from 0.001; "<0.001" below. ``digits=2``: ">0.99",
    2 decimals from 0.1, 3 decimals from 0.001, "<0.001". ``digits=3``: ">0.999",
    3 decimals, "<0.001". A missing p gives an empty string (nothing to print).
    """
    if _missing(p):
        return ""
    p = float(p)
    if p < -1e-15 or p > 1 + 1e-15:
        raise ValueError(f"p-value {p}; expected a number between 0 and 1")
    if digits == 1:
        if p > 0.9:
            return ">0.9"
        if round_half_up(p, 1) >= 0.2:
            return number(p, 1)
        if round_half_up(p, 2) >= 0.1:
            return number(p, 2)
    elif digits == 2:
        if p > 0.99:
            return ">0.99"
        if round_half_up(p, 2) >= 0.1:
            return number(p, 2)
    elif digits == 3:
        if p > 0.999:
            return ">0.999"
    else:
        raise ValueError(f"digits={digits}; expected 1, 2 or 3")
    if p >= 0.001:
        return number(p, 3)
    return "<0.001"


def interval(low: float, high: float, digits: int = 2, sep: str = "–") -> str:
    """A confidence interval's limits, each rounded as :func:`number`: "0.42–0.88"."""
    return f"{number(low, digits)}{sep}{number(high, digits)}"
