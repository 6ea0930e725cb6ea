"""The gallery's public example data (inoreport.book.examples), checked against lifelines'
copy of the Stanford heart transplant data."""

from __future__ import annotations

from lifelines.datasets import load_stanford_heart_transplants

from inoreport.book import examples


def test_swimmer_data_follows_the_recipients():
    heart = load_stanford_heart_transplants()
    lanes, events = examples.heart_swimmer_data(12)
    assert 1 < lanes["patient"].nunique() <= 12
    assert int(lanes["assumed"].sum()) == 1
    assert set(lanes["kind"]) == {"waiting", "after transplant"}
    # every patient shown received a heart, and each transplant is one event
    ids = {int(p.split()[-1]) for p in lanes["patient"]}
    assert set(heart.loc[heart["transplant"] == 1, "id"]) >= ids
    assert (events["event"] == "transplant").sum() == len(ids)
    # the longest follow-up in the data is the longest lane (days -> months)
    assert lanes["end"].max() * examples.DAYS_PER_MONTH == heart["stop"].max()


def test_waiting_list_outcomes():
    heart = load_stanford_heart_transplants()
    waiting = examples.heart_waiting_list()
    assert len(waiting) == heart["id"].nunique()
    got_heart = heart.groupby("id")["transplant"].max() == 1
    assert (waiting["outcome"] == 1).sum() == got_heart.sum()
    assert set(waiting["outcome"]) <= {0, 1, 2}
