"""Public example data for the toolkit gallery (``notebooks/toolkit_gallery``), prepared for
its swimmer and cumulative-incidence plots. Nothing here concerns a study of this book.

The Stanford heart transplant programme (``lifelines.datasets``; times in days from
acceptance, converted to months of 365.25 / 12 days).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DAYS_PER_MONTH", "heart_swimmer_data", "heart_waiting_list"]

DAYS_PER_MONTH = 365.25 / 12


def _heart() -> pd.DataFrame:
    from lifelines.datasets import load_stanford_heart_transplants

    return load_stanford_heart_transplants()


def heart_swimmer_data(n_patients: int = 12) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lanes (waiting / after transplant, months) and events (transplant, death) of the
    recipients whose follow-up is closest to ``n_patients`` evenly spaced times, from the
    shortest to the longest. For illustration only, the longest waiting time is flagged
    ``assumed`` (as if a paper had not reported it)."""
    heart = _heart()
    recipients = heart.loc[heart["transplant"] == 1, "id"].unique()
    follow_up = heart[heart["id"].isin(recipients)].groupby("id")["stop"].max()
    targets = np.linspace(follow_up.min(), follow_up.max(), n_patients)
    nearest = [(follow_up - t).abs().idxmin() for t in targets]
    lanes, events = [], []
    for patient in dict.fromkeys(nearest):
        stays = heart[heart["id"] == patient].sort_values("start")
        name = f"Patient {patient}"
        for number, stay in enumerate(stays.itertuples(), start=1):
            lanes.append(
                {
                    "patient": name,
                    "start": stay.start / DAYS_PER_MONTH,
                    "end": stay.stop / DAYS_PER_MONTH,
                    "kind": "after transplant" if stay.transplant else "waiting",
                    "assumed": False,
                    "ongoing": bool(stay.event == 0 and number == len(stays)),
                }
            )
            if stay.transplant:
                time = stay.start / DAYS_PER_MONTH
                events.append({"patient": name, "time": time, "event": "transplant"})
        last = stays.iloc[-1]
        if last["event"] == 1:
            events.append(
                {"patient": name, "time": last["stop"] / DAYS_PER_MONTH, "event": "death"}
            )
    lanes = pd.DataFrame(lanes)
    events = pd.DataFrame(events).assign(assumed=False)
    waits = lanes[lanes["kind"] == "waiting"]
    lanes.loc[(waits["end"] - waits["start"]).idxmax(), "assumed"] = True
    return lanes, events


def heart_waiting_list() -> pd.DataFrame:
    """Each patient's first period, on the waiting list: ``months`` to the outcome, and
    ``outcome`` 1 = received a heart, 2 = died on the list, 0 = still waiting (censored);
    ``prior_surgery`` in words."""
    heart = _heart()
    waiting = heart.sort_values("start").groupby("id").first()
    got_heart = heart.groupby("id")["transplant"].max() == 1
    waiting["outcome"] = 0
    waiting.loc[got_heart, "outcome"] = 1
    waiting.loc[~got_heart & (waiting["event"] == 1), "outcome"] = 2
    waiting["months"] = waiting["stop"] / DAYS_PER_MONTH
    waiting["prior_surgery"] = waiting["surgery"].map({0: "No prior surgery", 1: "Prior surgery"})
    return waiting
