"""Synthetic registries for scale benchmarks: n patients, 2 groups, 8 covariates.

Times are whole days (as real registries record them), so there are many ties, as in
practice. Deterministic for a given n and seed. These registries are synthetic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

COVARIATES = ["age", "sex", "ph_status", "prior_lines", "prior_hct", "emd", "cns", "blasts_high"]


def make_registry(n: int, seed: int = 20261120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["exposed", "naive"], size=n, p=[0.54, 0.46])
    age = rng.normal(46, 15, n).clip(18, 85).round()
    sex = rng.choice(["female", "male"], size=n, p=[0.43, 0.57])
    ph_status = rng.choice(["ph_pos", "ph_like", "ph_neg"], size=n, p=[0.29, 0.18, 0.53])
    prior_lines = rng.poisson(2.5, n) + 2
    prior_hct = rng.random(n) < 0.41
    emd = rng.random(n) < 0.23
    cns = rng.random(n) < 0.18
    blasts_high = rng.random(n) < 0.3
    lin = (
        0.3 * (group == "exposed")
        + 0.01 * (age - 46)
        + 0.2 * (ph_status == "ph_neg")
        + 0.1 * (prior_lines - 4)
        - 0.4 * prior_hct
        + 0.3 * emd
        + 0.5 * blasts_high
    )
    event_days = rng.exponential(365.0 / np.exp(lin))
    censor_days = rng.uniform(90, 760, n)
    time_days = np.minimum(event_days, censor_days).round().clip(1, None)
    return pd.DataFrame(
        {
            "patient_id": [f"REG-SYN-{i:07d}" for i in range(1, n + 1)],
            "group": group,
            "time_days": time_days.astype(int),
            "event": (event_days <= censor_days).astype(int),
            "age": age.astype(int),
            "sex": sex,
            "ph_status": ph_status,
            "prior_lines": prior_lines,
            "prior_hct": prior_hct.astype(int),
            "emd": emd.astype(int),
            "cns": cns.astype(int),
            "blasts_high": blasts_high.astype(int),
        }
    )


def write_registry(n: int, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"registry_{n}.csv"
    if not path.exists():
        make_registry(n).to_csv(path, index=False)
    return path
