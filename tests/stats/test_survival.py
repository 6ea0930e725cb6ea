"""inoreport.stats.survival: input errors (issue 4, part 5) and behaviour not covered by R fixtures.

Reference values here come from hand calculation or from the R fixtures' datasets; the
comparisons against R's survival package are in test_survival_reference.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inoreport.stats import survival as sv
from inoreport.stats.survival import SurvivalInputError

FIXTURES = Path(__file__).resolve().parents[1] / "reference" / "fixtures"


@pytest.fixture
def small() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "months": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "dead": [1, 0, 1, 1, 0, 1, 0, 1, 1, 0],
            "arm": ["a", "b", "a", "b", "a", "b", "a", "b", "a", "b"],
            "age": [50, 61, 72, 45, 66, 58, 70, 49, 63, 55],
        }
    )


# ------------------------------------------------------------------------------------------
# Errors a user can cause: each names the column/row and what to change
# ------------------------------------------------------------------------------------------
ALL_ENTRY_POINTS = [
    lambda d: sv.kaplan_meier(d, "months", "dead"),
    lambda d: sv.logrank(d, "months", "dead", "arm"),
    lambda d: sv.cox(d, "months", "dead", ["age"]),
    lambda d: sv.median_followup(d, "months", "dead"),
]


@pytest.mark.parametrize("call", ALL_ENTRY_POINTS)
def test_negative_time_names_row_and_fix(small, call) -> None:
    small.loc[3, "months"] = -2.0
    with pytest.raises(SurvivalInputError, match=r"'months', row 3: value -2.0; .*>= 0"):
        call(small)


@pytest.mark.parametrize("call", ALL_ENTRY_POINTS)
def test_missing_time(small, call) -> None:
    small.loc[5, "months"] = np.nan
    with pytest.raises(SurvivalInputError, match=r"'months', row 5: missing follow-up time"):
        call(small)


@pytest.mark.parametrize("call", ALL_ENTRY_POINTS)
def test_zero_length_data(small, call) -> None:
    with pytest.raises(SurvivalInputError, match="no rows"):
        call(small.iloc[0:0])


@pytest.mark.parametrize("call", ALL_ENTRY_POINTS)
def test_event_not_zero_one(small, call) -> None:
    small.loc[7, "dead"] = 2
    with pytest.raises(SurvivalInputError, match=r"'dead', row 7: value 2; expected 0 .* or 1"):
        call(small)


def test_missing_event_and_text_time(small) -> None:
    bad = small.astype({"dead": float})
    bad.loc[2, "dead"] = np.nan
    with pytest.raises(SurvivalInputError, match=r"'dead', row 2: missing event indicator"):
        sv.kaplan_meier(bad, "months", "dead")
    text = small.astype({"months": object})
    text.loc[4, "months"] = "6 mo"
    with pytest.raises(SurvivalInputError, match=r"'months', row 4: value '6 mo'"):
        sv.kaplan_meier(text, "months", "dead")
    with pytest.raises(SurvivalInputError, match=r"column 'time' not found"):
        sv.kaplan_meier(small, "time", "dead")


def test_bool_events_accepted_and_equal_to_zero_one(small) -> None:
    as_bool = small.assign(dead=small["dead"].astype(bool))
    pd.testing.assert_frame_equal(
        sv.kaplan_meier(as_bool, "months", "dead", by="arm").table,
        sv.kaplan_meier(small, "months", "dead", by="arm").table,
    )
    assert sv.logrank(as_bool, "months", "dead", "arm").chisq == pytest.approx(
        sv.logrank(small, "months", "dead", "arm").chisq, rel=1e-15
    )


def test_logrank_one_group(small) -> None:
    with pytest.raises(SurvivalInputError, match=r"only one group \('a'\).*two or more"):
        sv.logrank(small[small["arm"] == "a"], "months", "dead", "arm")


def test_cox_group_without_events_is_reported_not_infinite(small) -> None:
    small.loc[small["arm"] == "b", "dead"] = 0
    with pytest.raises(SurvivalInputError, match=r"'arm', level 'b' has no events.*not estimable"):
        sv.cox(small, "months", "dead", ["arm"])
    # the same group coded 0/1 as a number
    numeric = small.assign(arm_b=(small["arm"] == "b").astype(int))
    with pytest.raises(SurvivalInputError, match=r"'arm_b' = 1 has no events"):
        sv.cox(numeric, "months", "dead", ["arm_b", "age"])


def test_cox_constant_covariate(small) -> None:
    with pytest.raises(SurvivalInputError, match=r"'site' is constant.*remove it"):
        sv.cox(small.assign(site="north"), "months", "dead", ["age", "site"])
    with pytest.raises(SurvivalInputError, match=r"'dose' is constant"):
        sv.cox(small.assign(dose=3.0), "months", "dead", ["age", "dose"])


def test_cox_collinear_and_separation(small) -> None:
    with pytest.raises(SurvivalInputError, match=r"'age_months' is a linear combination"):
        sv.cox(small.assign(age_months=small["age"] * 12), "months", "dead", ["age", "age_months"])
    # at every event time the patient with the event has the largest x in the risk set:
    # the partial likelihood keeps rising as the coefficient grows (no finite maximum)
    separated = pd.DataFrame({"t": np.arange(1.0, 13), "e": [1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0]})
    step = np.arange(12) * 0.01
    separated["x"] = np.where(separated["e"] == 1, 10.0 - step, step)
    with pytest.raises(SurvivalInputError, match=r"no maximum.*'x'"):
        sv.cox(separated, "t", "e", ["x"])


def test_cox_bad_reference_and_no_covariates(small) -> None:
    with pytest.raises(SurvivalInputError, match=r"reference level 'c' for 'arm'.*\['a', 'b'\]"):
        sv.cox(small, "months", "dead", ["arm"], reference={"arm": "c"})
    with pytest.raises(SurvivalInputError, match="no covariates"):
        sv.cox(small, "months", "dead", [])


def test_bad_conf_type_and_order(small) -> None:
    with pytest.raises(SurvivalInputError, match=r"conf_type='logit'"):
        sv.kaplan_meier(small, "months", "dead", conf_type="logit")
    with pytest.raises(SurvivalInputError, match=r"not in data: \['c'\]"):
        sv.kaplan_meier(small, "months", "dead", by="arm", order=["a", "b", "c"])


def test_cif_status_errors(small) -> None:
    with pytest.raises(SurvivalInputError, match=r"'dead', row 0: value 1.5"):
        sv.cumulative_incidence(small.assign(dead=[1.5] + [0] * 9), "months", "dead")
    with pytest.raises(SurvivalInputError, match=r"event_of_interest=2 does not occur"):
        sv.cumulative_incidence(small, "months", "dead", event_of_interest=2)


# ------------------------------------------------------------------------------------------
# Behaviour
# ------------------------------------------------------------------------------------------
def test_km_by_hand(small) -> None:
    km = sv.kaplan_meier(small, "months", "dead")
    # events at 1, 3, 4, 6, 8, 9 with 10, 8, 7, 5, 3, 2 at risk
    expected = np.cumprod([9 / 10, 7 / 8, 6 / 7, 4 / 5, 2 / 3, 1 / 2])
    events = km.table[km.table["n_event"] > 0]
    np.testing.assert_allclose(events["survival"], expected, rtol=1e-15)
    assert km.survival_at("all", 8.5) == pytest.approx(expected[4], rel=1e-15)
    assert np.isnan(km.survival_at("all", 10.5))  # after the last follow-up
    assert km.groups == ["all"]


def test_order_and_group_labels(lung_r) -> None:
    km = sv.kaplan_meier(lung_r, "time", "event", by="sex", order=[2, 1])
    assert km.groups == ["2", "1"]
    assert list(km.medians()["group"]) == ["2", "1"]
    assert km.survival_at(2, 0) == 1.0
    risk = km.risk_table([0, 365])
    assert list(risk.index) == ["2", "1"] and risk.loc["1", 0] == 138


def test_missing_group_dropped_and_counted(lung_r) -> None:
    km = sv.kaplan_meier(lung_r, "time", "event", by="ph.ecog")
    assert km.n_dropped == 1 and km.groups == ["0", "1", "2", "3"]
    assert sv.logrank(lung_r, "time", "event", "ph.ecog").n_dropped == 1


def test_conf_types_nest_as_expected(lung_r) -> None:
    """'plain' is symmetric, 'log' keeps bounds above 0, 'log-log' inside (0, 1)."""
    tables = {
        c: sv.kaplan_meier(lung_r, "time", "event", conf_type=c).table
        for c in ("log", "log-log", "plain")
    }
    plain = tables["plain"]
    mid = plain["survival"].between(0.2, 0.8)
    half_width = (plain["ci_high"] - plain["survival"])[mid]
    np.testing.assert_allclose(half_width, (plain["survival"] - plain["ci_low"])[mid], rtol=1e-12)
    loglog = tables["log-log"].dropna()
    assert (loglog["ci_low"] > 0).all() and (loglog["ci_high"] < 1).all()


def test_cox_missing_rows_dropped_and_counted(lung_r) -> None:
    fit = sv.cox(lung_r, "time", "event", ["age", "wt.loss"])
    assert fit.n_dropped == int(lung_r["wt.loss"].isna().sum()) == 14
    assert fit.n == len(lung_r) - 14


def test_cox_bool_and_category_covariates(lung_r) -> None:
    data = lung_r.assign(
        female=lung_r["sex"] == 2,
        ecog=pd.Categorical(
            lung_r["ph.ecog"].map({0: "0", 1: "1", 2: "2+", 3: "2+"}), categories=["1", "0", "2+"]
        ),
    )
    fit = sv.cox(data, "time", "event", ["female", "ecog"])
    assert list(fit.table["term"]) == ["female=True", "ecog=0", "ecog=2+"]
    assert fit.reference == {"female": "False", "ecog": "1"}  # category order decides
    numeric = sv.cox(data.assign(sex2=data["sex"] - 1), "time", "event", ["sex2", "ecog"])
    np.testing.assert_allclose(fit.coef.iloc[0], numeric.coef.iloc[0], rtol=1e-12)
    assert set(fit.variable_lr_p) == {"female", "ecog"}


def test_level_counts_for_forest_plots(lung_r) -> None:
    fit = sv.cox(lung_r, "time", "event", ["age", "ph.ecog"], categorical=["ph.ecog"])
    used = lung_r.dropna(subset=["age", "ph.ecog"])
    expected = used.groupby("ph.ecog")["event"].agg(["size", "sum"])
    counts = fit.level_counts.set_index("level")
    assert list(counts.index) == ["0", "1", "2", "3"]
    np.testing.assert_array_equal(counts["n"], expected["size"])
    np.testing.assert_array_equal(counts["events"], expected["sum"])
    assert list(counts["reference"]) == [True, False, False, False]


def test_reference_makes_a_numeric_column_categorical(lung_r) -> None:
    by_reference = sv.cox(lung_r, "time", "event", ["ph.ecog"], reference={"ph.ecog": 1})
    assert list(by_reference.table["term"]) == ["ph.ecog=0", "ph.ecog=2", "ph.ecog=3"]
    linear = sv.cox(lung_r, "time", "event", ["ph.ecog"])
    assert list(linear.table["term"]) == ["ph.ecog"]
    as_factor = sv.cox(lung_r, "time", "event", ["ph.ecog"], categorical=["ph.ecog"])
    # same model, other reference: ph.ecog=1 vs 0 is minus ph.ecog=0 vs 1
    assert as_factor.coef["ph.ecog=1"] == pytest.approx(-by_reference.coef["ph.ecog=0"], rel=1e-9)
    assert as_factor.loglik == pytest.approx(by_reference.loglik, rel=1e-12)


def test_breslow_differs_from_efron_with_ties(lung_r) -> None:
    months = lung_r.assign(time=np.ceil(lung_r["time"] / 30.4375))
    efron = sv.cox(months, "time", "event", ["sex"]).coef.iloc[0]
    breslow = sv.cox(months, "time", "event", ["sex"], ties="breslow").coef.iloc[0]
    assert abs(efron) > abs(breslow)  # Breslow shrinks towards 0 with heavy ties


def test_screen_forced_variable_outside_candidates(lung_r) -> None:
    result = sv.screen_then_fit(
        lung_r, "time", "event", ["meal.cal", "sex"], threshold=0.05, forced=["age"]
    )
    assert result.selected == ["sex", "age"]
    assert list(result.univariable["selected"]) == [False, True]
    assert list(result.multivariable.table["term"]) == ["sex", "age"]


def test_cumulative_incidences_and_event_free_add_to_one() -> None:
    pbc = pd.read_csv(FIXTURES / "data_pbc.csv")
    every = sv.aalen_johansen(pbc, "time", "status")
    total = every.groupby("time")["probability"].sum()
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)


def test_scales_to_many_rows() -> None:
    """2e5 rows with whole-day ties: vectorised code finishes well inside a few seconds."""
    import time

    rng = np.random.default_rng(7)
    n = 200_000
    x = rng.normal(size=(n, 3))
    group = rng.integers(0, 2, n)
    t = np.ceil(rng.exponential(300 * np.exp(-0.3 * group - 0.2 * x[:, 0])))
    c = np.ceil(rng.uniform(0, 900, n))
    data = pd.DataFrame(
        {
            "days": np.minimum(t, c),
            "event": (t <= c).astype(int),
            "group": np.where(group == 1, "b", "a"),
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": x[:, 2],
        }
    )
    start = time.perf_counter()
    sv.kaplan_meier(data, "days", "event", by="group").medians()
    sv.logrank(data, "days", "event", "group")
    fit = sv.cox(data, "days", "event", ["group", "x1", "x2", "x3"])
    elapsed = time.perf_counter() - start
    assert fit.coef["group=b"] == pytest.approx(0.3, abs=0.02)
    assert fit.coef["x1"] == pytest.approx(0.2, abs=0.02)
    assert elapsed < 20, f"{elapsed:.1f} s for 2e5 rows"


def test_categorical_group_column_keeps_category_order():
    data = pd.DataFrame(
        {
            "time": [1, 2, 3, 4, 5, 6, 7, 8],
            "event": [1, 0, 1, 1, 0, 1, 1, 0],
            "arm": pd.Categorical(list("bbbbaaaa"), categories=["b", "a"]),
        }
    )
    km = sv.kaplan_meier(data, "time", "event", by="arm")
    assert km.groups == ["b", "a"]
    # group b: events at 1, 3, 4 among 4, 4->(censor 2)->2 at risk: S = 3/4 * 1/2 * 0 = 0
    assert km.survival_at("b", 4) == pytest.approx(0.0)
    assert sv.logrank(data, "time", "event", "arm").df == 1
