"""inoreport's statistics on a benchmark registry (no notebook rendering).

``python -m benchmarks.stats_py registry.csv`` prints one JSON line of timings (s).
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd


def main(path: str) -> None:
    from inoreport.stats import survival

    t0 = time.perf_counter()
    data = pd.read_csv(path)
    t_read = time.perf_counter()
    km = survival.kaplan_meier(data, "time_days", "event", by="group")
    medians = km.medians()
    t_km = time.perf_counter()
    lr = survival.logrank(data, "time_days", "event", "group")
    t_lr = time.perf_counter()
    covariates = [
        "group",
        "age",
        "sex",
        "ph_status",
        "prior_lines",
        "prior_hct",
        "emd",
        "cns",
        "blasts_high",
    ]
    fit = survival.cox(
        data,
        "time_days",
        "event",
        covariates,
        reference={"group": "exposed", "ph_status": "ph_neg", "sex": "female"},
    )
    t_cox = time.perf_counter()
    coef = fit.table.set_index("term")["coef"]
    group_term = [t for t in coef.index if t.startswith("group")][0]
    print(
        json.dumps(
            {
                "engine": "inoreport (Python)",
                "n": len(data),
                "read": t_read - t0,
                "km": t_km - t_read,
                "logrank": t_lr - t_km,
                "cox": t_cox - t_lr,
                "stats": t_cox - t_read,
                "chisq": float(lr.chisq),
                "coef_group": float(coef[group_term]),
                "median": [float(m) for m in medians["median"]],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
