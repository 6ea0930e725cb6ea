"""How close does Method A come when the truth is known?

We take a real public dataset (R's ``survival::lung``: 228 patients with advanced lung
cancer, shipped with lifelines), write down what a paper would print about it — Table 1
by sex, Kaplan–Meier landmarks and medians, a multivariable Cox model and the median
follow-up — and rebuild a cohort from those aggregates alone, with the same machinery as
the study cohorts (:mod:`.allocation`, :mod:`.hazard`, :mod:`.calibration`). Then we compare
the rebuilt cohort with the real one, on the statistics used to rebuild it (calibrated) and
on statistics that were not (held out: log-rank p, 18-month survival, the whole curve, the
univariable hazard ratio).

Also: :func:`guyot_round_trip` runs Method B on the same data (curve and risk table ->
individual data -> Kaplan–Meier and Cox again).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from inoreport.synthetic import fastsurv, guyot
from inoreport.synthetic.allocation import allocate, exactly, quantile, value_range
from inoreport.synthetic.calibration import FitTarget, fixed_point, greedy_redraw
from inoreport.synthetic.common import DAYS_PER_MONTH, bisect, round_months, streams
from inoreport.synthetic.hazard import PiecewiseHazard

SEED = 20120209  # Guyot et al. 2012 publication date, for want of a better one
SEXES = ("male", "female")
ECOG = ("0", "1", "2+")
LANDMARKS = (6.0, 12.0)
HELD_OUT_LANDMARK = 18.0
KNOTS = (0.0, 3.0, 6.0, 9.0, 12.0, 18.0)
COX_TERMS = {
    "female vs male": "female",
    "age, per 10 years": "age10",
    "ECOG 1 vs 0": "ecog1",
    "ECOG 2+ vs 0": "ecog2",
}


def lung_csv() -> Path:
    """The copy of R's survival::lung shipped with lifelines (status already 0/1), found
    without importing lifelines (a slow import)."""
    spec = importlib.util.find_spec("lifelines")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("lifelines is not installed; it ships the lung dataset")
    return Path(spec.origin).parent / "datasets" / "lung.csv"


def lung_cohort() -> pd.DataFrame:
    """R's survival::lung in the book's units: months, 0/1 events, labels; the one patient
    without an ECOG score is left out (227 patients)."""
    raw = pd.read_csv(lung_csv()).dropna(subset=["ph.ecog"])
    return pd.DataFrame(
        {
            "os_months": np.round(raw["time"].to_numpy() / DAYS_PER_MONTH, 2),
            "os_event": raw["status"].astype(int).to_numpy(),
            "sex": np.where(raw["sex"].to_numpy() == 2, "female", "male"),
            "age_years": raw["age"].astype(int).to_numpy(),
            "ecog": np.where(raw["ph.ecog"] >= 2, "2+", raw["ph.ecog"].astype(int).astype(str)),
        }
    ).reset_index(drop=True)


def _design(frame: pd.DataFrame) -> np.ndarray:
    return np.column_stack(
        [
            (frame["sex"] == "female").to_numpy(float),
            frame["age_years"].to_numpy(float) / 10,
            (frame["ecog"] == "1").to_numpy(float),
            (frame["ecog"] == "2+").to_numpy(float),
        ]
    )


def published_aggregates(cohort: pd.DataFrame) -> dict:
    """What a paper would print about ``cohort``, rounded as papers round."""
    out = {
        "n": {},
        "age_median": {},
        "age_min": {},
        "age_max": {},
        "ecog": {},
        "landmark": {},
        "median": {},
    }
    for sex in SEXES:
        sub = cohort[cohort["sex"] == sex]
        out["n"][sex] = len(sub)
        out["age_median"][sex] = float(np.median(sub["age_years"]))
        out["age_min"][sex] = int(sub["age_years"].min())
        out["age_max"][sex] = int(sub["age_years"].max())
        out["ecog"][sex] = {e: int((sub["ecog"] == e).sum()) for e in ECOG}
        km = fastsurv.km_at(sub["os_months"], sub["os_event"], LANDMARKS)
        for t, s in zip(LANDMARKS, km, strict=True):
            out["landmark"][(sex, t)] = round(100 * float(s))  # printed as a whole percent
        out["median"][sex] = round(fastsurv.km_median(sub["os_months"], sub["os_event"]), 1)
    beta, _ = fastsurv.fit_cox(cohort["os_months"], cohort["os_event"], _design(cohort))
    out["hr"] = {term: round(float(np.exp(b)), 2) for term, b in zip(COX_TERMS, beta, strict=True)}
    out["median_followup"] = round(
        fastsurv.reverse_km_median(cohort["os_months"], cohort["os_event"]), 1
    )
    return out


def rebuild(aggregates: dict, seed: int = SEED) -> pd.DataFrame:
    """A synthetic cohort rebuilt from ``aggregates`` alone (Method A)."""
    rng = streams(seed, ("covariates", "accrual", "times", "greedy"))
    sexes = np.concatenate([[s] * aggregates["n"][s] for s in SEXES])
    n = len(sexes)
    masks = {s: sexes == s for s in SEXES}
    ages = list(range(30, 95))
    cons = []
    for s in SEXES:
        med = aggregates["age_median"][s]
        cons += quantile(
            masks[s], 0.5, int(med) if med == int(med) else int(np.floor(med)), ages, f"age {s}"
        )
        cons += value_range(
            masks[s], aggregates["age_min"][s], aggregates["age_max"][s], ages, f"age {s}"
        )
    age_ref = np.exp(-0.5 * ((np.array(ages) - 63) / 9.0) ** 2)
    age = allocate(ages, cons, age_ref, rng["covariates"], name="age").astype(int)
    ecog = allocate(
        ECOG,
        [
            exactly(masks[s], e, k, f"ECOG {e} {s}")
            for s in SEXES
            for e, k in aggregates["ecog"][s].items()
        ],
        np.ones(3) / 3,
        rng["covariates"],
        name="ECOG",
    )
    frame = pd.DataFrame({"sex": sexes, "age_years": age, "ecog": ecog})
    x = _design(frame)

    # potential follow-up uniform on (0, W), W fitted to the printed median follow-up
    u_acc = rng["accrual"].uniform(size=n)
    width = aggregates["median_followup"] / np.median(u_acc)
    cens = [round_months(width * u_acc)]

    knots = np.array(KNOTS)
    nk = len(knots)
    u = rng["times"].uniform(1e-9, 1 - 1e-9, n)
    targets = [
        FitTarget(f"S{t:g} {s}", aggregates["landmark"][(s, t)] / 100, 0.02)
        for s in SEXES
        for t in LANDMARKS
    ]
    targets += [FitTarget(f"median {s}", aggregates["median"][s], 1.0) for s in SEXES]
    targets += [
        FitTarget(f"log HR {k}", float(np.log(v)), float(np.log(1.1)))
        for k, v in aggregates["hr"].items()
    ]

    def latent(theta, uu):
        haz = PiecewiseHazard(knots, theta[:nk])
        return round_months(np.maximum(haz.draw(uu, x @ theta[nk:]), 0.01))

    def times(theta, uu):
        t = latent(theta, uu)
        event = t <= cens[0]
        return np.where(event, t, cens[0]), event

    grid = np.arange(0.0, 40.0, 0.5)

    def surrogate(theta):
        haz = PiecewiseHazard(knots, theta[:nk])
        lp = x @ theta[nk:]
        curves = np.exp(-haz.cumulative(grid[None, :], lp[:, None]))
        out = []
        for s in SEXES:
            mean = curves[masks[s]].mean(axis=0)
            out += list(np.interp(LANDMARKS, grid, mean))
        from inoreport.synthetic.common import group_median_from_curves

        out += list(
            group_median_from_curves(
                grid, np.vstack([curves[masks[s]].mean(axis=0) for s in SEXES])
            )
        )
        return np.concatenate([out, theta[nk:]])

    def realise(theta, uu=u):
        t, e = times(theta, uu)
        out = []
        for s in SEXES:
            out += list(fastsurv.km_at(t[masks[s]], e[masks[s]], LANDMARKS))
        out += [fastsurv.km_median(t[masks[s]], e[masks[s]]) for s in SEXES]
        beta, ok = fastsurv.fit_cox(t, e, x)
        return np.concatenate([out, beta if ok else np.full(4, np.nan)])

    theta0 = np.concatenate([np.full(nk, np.log(0.08)), np.zeros(4)])
    theta = fixed_point(
        theta0, surrogate, realise, targets, lambda th: np.diff(th[:nk]) / 1.0, rounds=2
    )
    u, _ = greedy_redraw(u, np.arange(n), lambda uu: realise(theta, uu), targets, rng["greedy"])
    # with the death times known, refit the follow-up window to the realised reverse-KM
    # median, then polish the targets once more
    death = latent(theta, u)

    def reverse_median(w):
        c = round_months(w * u_acc)
        return fastsurv.reverse_km_median(np.minimum(death, c), (death <= c).astype(int))

    width = bisect(
        lambda w: reverse_median(w) - aggregates["median_followup"], 0.2 * width, 5 * width
    )
    cens[0] = round_months(width * u_acc)
    u, _ = greedy_redraw(
        u, np.arange(n), lambda uu: realise(theta, uu), targets, rng["greedy"], passes=2
    )
    t, e = times(theta, u)
    frame["os_months"] = t
    frame["os_event"] = e.astype(int)
    return frame[["os_months", "os_event", "sex", "age_years", "ecog"]]


@dataclass
class Validation:
    """The real cohort, the rebuilt one, and their statistics side by side."""

    real: pd.DataFrame
    rebuilt: pd.DataFrame
    aggregates: dict
    comparison: pd.DataFrame  # statistic, role, real, published, rebuilt


def _statistics(cohort: pd.DataFrame) -> dict:
    out = {}
    for s in SEXES:
        sub = cohort[cohort["sex"] == s]
        for t in (*LANDMARKS, HELD_OUT_LANDMARK):
            out[f"{t:g}-month survival, {s} (%)"] = 100 * float(
                fastsurv.km_at(sub["os_months"], sub["os_event"], [t])[0]
            )
        out[f"median survival, {s} (months)"] = fastsurv.km_median(
            sub["os_months"], sub["os_event"]
        )
    beta, _ = fastsurv.fit_cox(cohort["os_months"], cohort["os_event"], _design(cohort))
    for term, b in zip(COX_TERMS, beta, strict=True):
        out[f"HR {term} (multivariable)"] = float(np.exp(b))
    b_uni, _ = fastsurv.fit_cox(cohort["os_months"], cohort["os_event"], _design(cohort)[:, :1])
    out["HR female vs male (univariable)"] = float(np.exp(b_uni[0]))
    out["log-rank p, female vs male"] = fastsurv.logrank_p(
        cohort["os_months"], cohort["os_event"], cohort["sex"]
    )
    out["median follow-up, reverse KM (months)"] = fastsurv.reverse_km_median(
        cohort["os_months"], cohort["os_event"]
    )
    return out


def max_km_distance(
    real: pd.DataFrame, rebuilt: pd.DataFrame, sex: str, horizon: float | None = None
) -> float:
    """Largest vertical distance between the two Kaplan–Meier curves of one sex, up to
    ``horizon`` months (default: the shorter follow-up)."""
    a, b = real[real["sex"] == sex], rebuilt[rebuilt["sex"] == sex]
    if horizon is None:
        horizon = min(a["os_months"].max(), b["os_months"].max())
    grid = np.linspace(0, horizon, 400)
    return float(
        np.max(
            np.abs(
                fastsurv.km_at(a["os_months"], a["os_event"], grid)
                - fastsurv.km_at(b["os_months"], b["os_event"], grid)
            )
        )
    )


def validate(seed: int = SEED) -> Validation:
    real = lung_cohort()
    agg = published_aggregates(real)
    rebuilt = rebuild(agg, seed)
    s_real, s_rebuilt = _statistics(real), _statistics(rebuilt)
    calibrated = {f"{t:g}-month survival, {s} (%)" for s in SEXES for t in LANDMARKS}
    calibrated |= {f"median survival, {s} (months)" for s in SEXES}
    calibrated |= {f"HR {term} (multivariable)" for term in COX_TERMS}
    calibrated |= {"median follow-up, reverse KM (months)"}
    published = {}
    for s in SEXES:
        for t in LANDMARKS:
            published[f"{t:g}-month survival, {s} (%)"] = agg["landmark"][(s, t)]
        published[f"median survival, {s} (months)"] = agg["median"][s]
    for term in COX_TERMS:
        published[f"HR {term} (multivariable)"] = agg["hr"][term]
    published["median follow-up, reverse KM (months)"] = agg["median_followup"]
    rows = [
        {
            "statistic": k,
            "role": "calibrated" if k in calibrated else "held_out",
            "real": s_real[k],
            "published": published.get(k, np.nan),
            "rebuilt": s_rebuilt[k],
        }
        for k in s_real
    ]
    last = max(LANDMARKS)
    for s in SEXES:
        for label, horizon in (
            (f"up to {last:g} months", last),
            ("over the whole follow-up", None),
        ):
            rows.append(
                {
                    "statistic": f"largest gap between KM curves {label}, {s} (points)",
                    "role": "held_out",
                    "real": np.nan,
                    "published": np.nan,
                    "rebuilt": 100 * max_km_distance(real, rebuilt, s, horizon),
                }
            )
    return Validation(real, rebuilt, agg, pd.DataFrame(rows))


#: Digitising noise on the methods page: the standard deviation of the reading error as a
#: share of each axis (time axis: the longest follow-up; survival axis: 0 to 1). About 0.5%
#: is careful work on a clear figure; 1-2% a small or crowded one (our assumption).
DIGITISING_NOISE = (0.0, 0.005, 0.01, 0.02)
GUYOT_SEED = 20120201


def jitter_curve(
    curve: pd.DataFrame,
    time_sd: float,
    survival_sd: float,
    rng: np.random.Generator,
    tick_times=(),
) -> pd.DataFrame:
    """Digitised points with reading error, as when a reader clicks along a printed figure:
    independent normal errors on each point's time (months) and survival (proportion).

    The reader works from left to right, so the points keep their order (the jittered times
    are sorted back into it), and points read at a tick of the risk table (``tick_times``)
    keep their time: the reader lines them up with the tick; no other point crosses a tick.
    The reconstruction then cleans the survival values (clipped to [0, 1], made
    non-increasing).
    """
    n = len(curve)
    times = curve["time"].to_numpy(float)
    ticks = np.unique(np.concatenate([[0.0], np.asarray(tick_times, float)]))
    on_tick = np.isin(times, ticks)
    moved = times + np.where(on_tick, 0.0, rng.normal(0.0, time_sd, n))
    # stay inside the risk-table interval the point was read in
    k = np.searchsorted(ticks, times, side="right") - 1
    lo = ticks[k]
    hi = np.where(k + 1 < len(ticks), ticks[np.minimum(k + 1, len(ticks) - 1)], np.inf)
    gap = 1e-3
    moved = np.where(on_tick, times, np.clip(moved, lo + gap, hi - gap))
    order = np.argsort(times, kind="mergesort")
    out_times = np.empty(n)
    out_times[order] = np.sort(moved[order], kind="mergesort")
    return pd.DataFrame(
        {
            "time": out_times,
            "survival": curve["survival"].to_numpy() + rng.normal(0.0, survival_sd, n),
        }
    )


def _reconstruct_lung(real, risk_times, noise: float, rng) -> tuple[dict, pd.DataFrame]:
    """Method B once on both sexes; returns the per-sex gaps/events and the rebuilt rows."""
    stats, rebuilt = {}, []
    axis = float(real["os_months"].max())
    for s in SEXES:
        sub = real[real["sex"] == s]
        curve, risk = guyot.digitise(sub["os_months"], sub["os_event"], risk_times)
        if noise > 0:
            curve = jitter_curve(curve, noise * axis, noise, rng, tick_times=risk_times)
        t, surv = guyot.clean_coordinates(curve["time"], curve["survival"])
        ipd = guyot.reconstruct(
            t, surv, risk["time"], risk["n_risk"], total_events=int(sub["os_event"].sum())
        )
        ipd["sex"] = s
        rebuilt.append(ipd)
        grid = np.linspace(0, sub["os_months"].max(), 500)
        stats[f"largest KM gap, {s}"] = float(
            np.abs(
                fastsurv.km_at(sub["os_months"], sub["os_event"], grid)
                - fastsurv.km_at(ipd["time"], ipd["event"], grid)
            ).max()
        )
        stats[f"events, {s}"] = int(ipd["event"].sum())
    rec = pd.concat(rebuilt, ignore_index=True)
    b_rec, _ = fastsurv.fit_cox(
        rec["time"], rec["event"], (rec["sex"] == "female").to_numpy(float)[:, None]
    )
    stats["HR female vs male"] = float(np.exp(b_rec[0]))
    return stats, rec


def guyot_round_trip(
    risk_every_months: float = 3.0, noise: float = 0.0, seed: int = GUYOT_SEED
) -> pd.DataFrame:
    """Method B on lung: digitise each sex's curve (corner points and the numbers at risk every
    ``risk_every_months``), optionally add reading error (``noise``: SD as a share of each
    axis, see :func:`jitter_curve`), reconstruct, and compare. One row per statistic:
    largest KM gap per sex (proportion), events per sex, HR female vs male."""
    real = lung_cohort()
    risk_times = np.arange(0, real["os_months"].max(), risk_every_months)
    stats, _ = _reconstruct_lung(real, risk_times, noise, np.random.default_rng(seed))
    b_real, _ = fastsurv.fit_cox(
        real["os_months"], real["os_event"], (real["sex"] == "female").to_numpy(float)[:, None]
    )
    truth = {f"events, {s}": int(real.loc[real["sex"] == s, "os_event"].sum()) for s in SEXES}
    truth["HR female vs male"] = float(np.exp(b_real[0]))
    return pd.DataFrame(
        [
            {"statistic": k, "real": truth.get(k, np.nan), "reconstructed": v}
            for k, v in stats.items()
        ]
    )


def guyot_noise_study(
    noise_levels=DIGITISING_NOISE,
    replicates: int = 50,
    risk_every_months: float = 3.0,
    seed: int = GUYOT_SEED,
) -> pd.DataFrame:
    """Method B under digitising noise: for each noise level, ``replicates`` independent
    noisy readings of the two lung curves, each reconstructed and compared with the truth.

    One row per noise level: the median and the 95th percentile (over replicates) of the
    largest Kaplan–Meier gap (percentage points, worse sex), of the error in the number of
    events (patients, worse sex), and of the relative error of the hazard ratio female vs
    male (%). Noise 0 is the exact corner points (one replicate: nothing is random).
    """
    real = lung_cohort()
    risk_times = np.arange(0, real["os_months"].max(), risk_every_months)
    b_real, _ = fastsurv.fit_cox(
        real["os_months"], real["os_event"], (real["sex"] == "female").to_numpy(float)[:, None]
    )
    hr_real = float(np.exp(b_real[0]))
    events = {s: int(real.loc[real["sex"] == s, "os_event"].sum()) for s in SEXES}
    rows = []
    for level, child in zip(
        noise_levels, np.random.SeedSequence(seed).spawn(len(noise_levels)), strict=True
    ):
        rng = np.random.default_rng(child)
        gaps, event_err, hr_err = [], [], []
        for _ in range(replicates if level > 0 else 1):
            stats, _ = _reconstruct_lung(real, risk_times, level, rng)
            gaps.append(100 * max(stats[f"largest KM gap, {s}"] for s in SEXES))
            event_err.append(max(abs(stats[f"events, {s}"] - events[s]) for s in SEXES))
            hr_err.append(100 * abs(stats["HR female vs male"] / hr_real - 1))
        rows.append(
            {
                "noise": level,
                "replicates": len(gaps),
                "gap_median": float(np.median(gaps)),
                "gap_p95": float(np.percentile(gaps, 95)),
                "events_median": float(np.median(event_err)),
                "events_p95": float(np.percentile(event_err, 95)),
                "hr_error_median": float(np.median(hr_err)),
                "hr_error_p95": float(np.percentile(hr_err, 95)),
            }
        )
    return pd.DataFrame(rows)
