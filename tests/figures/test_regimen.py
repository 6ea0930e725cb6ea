"""Regimens as data: reading, validation, doses, the schedule chart and the adverse-event chart.

Reference values come from the papers, not from this code: the amended Jabbour schedule's
maximum cumulative InO dose (2.7 mg/m2), its cycle-1 total (0.9) and per-cycle total in
cycles 2-4 (0.6) are printed in the abstract as totals, independently of the per-day doses
that data/regimens/jabbour_2023.csv transcribes; the original schedule's totals are hand
arithmetic on the printed ranges.
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd
import pytest
from matplotlib.figure import Figure

from inoreport import paths, published
from inoreport.figures import regimen as rg
from inoreport.figures.plots import alt_text

JABBOUR_CSV = paths.DATA / "regimens" / "jabbour_2023.csv"
INO = "inotuzumab ozogamicin"


@pytest.fixture(scope="module")
def jabbour() -> rg.Regimen:
    return rg.read_regimen(JABBOUR_CSV)


def _pub(quantity, group=None):
    return published.value("jabbour", quantity, group)


# ----------------------------------------------------------------- the Jabbour schedule


def test_jabbour_schedule_structure(jabbour):
    assert jabbour.schedules == ["original", "amended"]
    assert jabbour.phases == ["intensive", "maintenance"]
    assert set(jabbour.drugs("original")) == {"mini-hyper-CVD", INO, "POMP"}
    assert set(jabbour.drugs("amended")) == {"mini-hyper-CVD", INO, "POMP", "blinatumomab"}
    # every row says where it comes from, and that file is one of the shipped papers
    for rec in jabbour.rows.to_dict("records"):
        for part in rec["source"].split(";"):
            name = part.strip().split(":", 1)[0]
            assert (paths.PAPERS / name).exists(), f"row {rec['line']}: {name} not found"


def test_amended_ino_totals_match_the_printed_totals(jabbour):
    total = rg.cumulative_dose(jabbour, INO, "amended")
    assert total.unit == "mg/m2"
    assert total.low == pytest.approx(_pub("ino_dose_cumulative_max", "amended"))  # 2.7
    assert total.high == pytest.approx(total.low)
    assert total.cycles == 4 == _pub("ino_cycles", "original")  # InO in the first four cycles
    per = rg.doses_by_cycle(jabbour, INO, "amended")
    by_cycle = per.groupby("cycle")["dose"].sum()
    assert by_cycle[1] == pytest.approx(_pub("ino_dose_cycle1", "amended"))  # 0.9
    for cycle in (2, 3, 4):
        assert by_cycle[cycle] == pytest.approx(_pub("ino_dose_cycles2_4", "amended"))  # 0.6
    assert per["day"].tolist() == [2, 8] * 4


def test_original_ino_total_is_a_range(jabbour):
    total = rg.cumulative_dose(jabbour, INO, "original")
    # 1.3 + 3 x 1.0 and 1.8 + 3 x 1.3 (printed ranges, day 3 of cycles 1-4)
    assert (total.low, total.high) == (pytest.approx(4.3), pytest.approx(5.7))
    assert total.administrations == 4


def test_transcribed_doses_agree_with_data_published(jabbour):
    """The regimen file repeats the printed doses; they must equal data/published's rows."""
    ino = jabbour.select(drug=INO).set_index(["schedule", "cycle_first", "day"])
    assert ino.loc[("original", 1, 3), "dose"] == _pub("ino_dose_cycle1_min", "original")
    assert ino.loc[("original", 1, 3), "dose_max"] == _pub("ino_dose_cycle1_max", "original")
    assert ino.loc[("original", 2, 3), "dose"] == _pub("ino_dose_cycles2_4_min", "original")
    assert ino.loc[("original", 2, 3), "dose_max"] == _pub("ino_dose_cycles2_4_max", "original")
    assert ino.loc[("amended", 1, 2), "dose"] == _pub("ino_dose_cycle1_day2", "amended")
    assert ino.loc[("amended", 1, 8), "dose"] == _pub("ino_dose_cycle1_day8", "amended")
    assert ino.loc[("amended", 2, 2), "dose"] == _pub("ino_dose_cycles2_4_day2", "amended")
    assert ino.loc[("amended", 2, 8), "dose"] == _pub("ino_dose_cycles2_4_day8", "amended")
    blina = jabbour.select(schedule="amended", phase="intensive", drug="blinatumomab").iloc[0]
    assert blina["cycle_last"] - blina["cycle_first"] + 1 == _pub("blinatumomab_cycles", "amended")
    pomp = jabbour.select(schedule="amended", drug="POMP").iloc[0]
    assert pomp["cycle_last"] == _pub("pomp_maintenance_cycles", "amended")
    original_pomp = jabbour.select(schedule="original", drug="POMP").iloc[0]
    assert original_pomp["duration"] == _pub("pomp_maintenance_years", "original")
    assert original_pomp["duration_unit"] == "years"
    every = jabbour.select(schedule="amended", phase="maintenance", drug="blinatumomab").iloc[0]
    assert every["after_every"] == _pub("pomp_cycles_per_blinatumomab_cycle", "amended")
    assert every["after_every_drug"] == "POMP"


def test_cumulative_dose_refuses_what_is_not_stated(jabbour):
    with pytest.raises(
        rg.RegimenInputError, match=r"jabbour_2023.csv, row \d+, column 'cycle_last'"
    ):
        rg.cumulative_dose(jabbour, "mini-hyper-CVD", "original")  # open-ended row
    with pytest.raises(rg.RegimenInputError, match=r"column 'dose'"):
        rg.cumulative_dose(jabbour, "blinatumomab", "amended", phase="intensive")
    with pytest.raises(rg.RegimenInputError, match="schedule 'revised' not in the regimen"):
        rg.cumulative_dose(jabbour, INO, "revised")


def test_schedule_table_words(jabbour):
    table = rg.schedule_table(jabbour, schedule_labels={"original": "Original"})
    assert list(table.columns) == [
        "Schedule", "Phase", "Drug", "When", "Days and dose", "Route", "Certainty", "Note", "Source",
    ]  # fmt: skip
    ino = table[table["Drug"] == INO].set_index(["Schedule", "When"])["Days and dose"]
    assert ino[("Original", "cycle 1")] == "d3 1.3–1.8 mg/m²"
    assert ino[("Original", "cycles 2–4")] == "d3 1.0–1.3 mg/m²"  # decimals kept at both ends
    assert ino[("amended", "cycle 1")] == "d2 0.6 + d8 0.3 mg/m²"

    def when(schedule, phase, drug):
        rows = table[
            (table["Schedule"] == schedule) & (table["Phase"] == phase) & (table["Drug"] == drug)
        ]
        return rows["When"].tolist()

    assert when("amended", "maintenance", "blinatumomab") == [
        "1 cycle after every 3 cycles of POMP"
    ]
    assert when("Original", "maintenance", "POMP") == ["3 years"]
    assert when("Original", "intensive", "mini-hyper-CVD") == [
        "cycles 1–4",
        "cycle 5 onwards (number of cycles not stated)",
    ]
    assert (table["Certainty"] == "inferred").sum() == 2


# ----------------------------------------------------------------- schedule chart


def _gids(fig: Figure, prefix: str) -> list[str]:
    return [a.get_gid() for a in fig.findobj() if (a.get_gid() or "").startswith(prefix)]


def test_schedule_plot_draws_every_block(jabbour):
    fig = rg.schedule_plot(
        jabbour,
        schedule_labels={"original": "Original (patients 1–49)", "amended": "Amended"},
        phase_widths={"maintenance": 4},
    )
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2
    blocks = _gids(fig, "block-")
    # 11 blocks in the table; the after-every block is drawn once per 3 POMP cycles (12 / 3)
    assert len([b for b in blocks if "blinatumomab-maintenance" not in b]) == 10
    assert len([b for b in blocks if "blinatumomab-maintenance" in b]) == 4
    hatched = [
        a for a in fig.findobj(lambda a: (a.get_gid() or "").startswith("block-")) if a.get_hatch()
    ]
    assert len(hatched) == 2  # the two inferred rows
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    assert any("d2 0.6" in t and "d8 0.3" in t for t in texts)
    assert "3 years" in texts and "12 cycles" in texts
    alt = alt_text(fig)
    assert "Original (patients 1–49)" in alt and "Amended" in alt
    assert "inferred" in alt and "d2 0.6 + d8 0.3 mg/m²" in alt
    assert not alt.startswith("Synthetic")


def test_schedule_plot_options_and_errors(jabbour):
    fig = rg.schedule_plot(jabbour, synthetic=True)
    assert _gids(fig, "synthetic-label")
    assert alt_text(fig).startswith("Synthetic data")
    with pytest.raises(ValueError, match="phase_widths names phase 'consolidation'"):
        rg.schedule_plot(jabbour, phase_widths={"consolidation": 3})
    with pytest.raises(ValueError, match="colors has no entry for drug"):
        rg.schedule_plot(jabbour, colors={INO: "#000000"})


def _labels(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: (a.get_gid() or "").startswith("label-"))]


def test_cycle_widths_widen_one_cycle_and_its_label_fits(jabbour):
    first = "block-amended-inotuzumab ozogamicin-intensive"
    plain = rg.schedule_plot(jabbour, phase_widths={"maintenance": 3})
    wide = rg.schedule_plot(
        jabbour, phase_widths={"maintenance": 3}, cycle_widths={"intensive": {1: 2}}
    )
    # the amended InO blocks: cycle 1, then cycles 2-4 (same gid)
    c1_plain, c24_plain = sorted(
        (a for a in plain.findobj() if a.get_gid() == first), key=lambda a: a.get_x()
    )
    c1_wide, c24_wide = sorted(
        (a for a in wide.findobj() if a.get_gid() == first), key=lambda a: a.get_x()
    )
    pad = 0.08  # blocks are inset by 0.04 on each side
    # equal slots without cycle_widths; with it, cycle 1 is two slots wide
    assert c1_plain.get_width() + pad == pytest.approx((c24_plain.get_width() + pad) / 3)
    assert c1_wide.get_width() + pad == pytest.approx(2 * (c24_wide.get_width() + pad) / 3)
    # the original cycle-1 dose range needs two lines in one slot and fits on one in two
    assert "d3\n1.3–1.8" in _labels(plain) and "d3 1.3–1.8" not in _labels(plain)
    assert "d3 1.3–1.8" in _labels(wide)
    # cycle ticks sit in the middle of each slot: cycle 1's tick is mid-way across its block
    tick = wide.axes[-1].get_xticks()[0]
    assert tick == pytest.approx(c1_wide.get_x() + c1_wide.get_width() / 2)


def test_cycle_widths_errors(jabbour):
    with pytest.raises(ValueError, match="cycle_widths names phase 'induction'"):
        rg.schedule_plot(jabbour, cycle_widths={"induction": {1: 2}})
    with pytest.raises(ValueError, match=r"cycle_widths\['intensive'\] names cycle 9"):
        rg.schedule_plot(jabbour, cycle_widths={"intensive": {9: 2}})
    with pytest.raises(ValueError, match=r"cycle_widths\['intensive'\]\[1\] is 0"):
        rg.schedule_plot(jabbour, cycle_widths={"intensive": {1: 0}})


# ----------------------------------------------------------------- a regimen built in code


def test_regimen_from_frame_generic():
    frame = pd.DataFrame(
        {
            "schedule": ["standard"] * 3,
            "phase": ["induction", "induction", "maintenance"],
            "drug": ["drug A", "drug B", "drug A"],
            "cycle_first": [1, 1, None],
            "cycle_last": [6, 6, None],
            "day": [1, None, None],
            "dose": [375, None, None],
            "unit": ["mg/m2", "", ""],
            "duration": [None, None, 2],
            "duration_unit": ["", "", "years"],
            "source": ["protocol section 4"] * 3,
        }
    )
    reg = rg.regimen_from_frame(frame, name="example")
    assert rg.cumulative_dose(reg, "drug A", "standard", phase="induction").low == 6 * 375
    assert rg.schedule_table(reg)["Certainty"].eq("stated").all()
    fig = rg.schedule_plot(reg)
    assert len(_gids(fig, "block-")) == 3


# ----------------------------------------------------------------- validation messages

HEADER = ",".join(rg.COLUMNS)
GOOD = "s,p,drug A,1,4,3,1.0,1.3,mg/m2,IV,,,,,stated,,paper table 1"


def _write(tmp_path, *rows, header=HEADER):
    path = tmp_path / "bad.csv"
    path.write_text(textwrap.dedent("\n".join([header, *rows])) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "row, column, expected",
    [
        ("s,p,drug A,4,2,,,,,,,,,,stated,,src", "cycle_last", "a cycle >= cycle_first"),
        ("s,p,drug A,1,2,1,abc,,mg,,,,,,stated,,src", "dose", "a number or empty"),
        ("s,p,drug A,1,2,1,,2,mg,,,,,,stated,,src", "dose", "lower end of the range"),
        ("s,p,drug A,1,2,1,2,1,mg,,,,,,stated,,src", "dose_max", ">= dose"),
        ("s,p,drug A,1,2,1,2,,,,,,,,stated,,src", "unit", "the dose unit"),
        ("s,p,drug A,1,2,,,,,,,,,,maybe,,src", "certainty", "stated or inferred"),
        ("s,p,drug A,1,2,,,,,,,,,,stated,,", "source", "where the row comes from"),
        ("s,p,drug A,1.5,2,,,,,,,,,,stated,,src", "cycle_first", "a whole number >= 1"),
        ("s,p,drug A,,,3,,,,,,,,,stated,,src", "cycle_first", "the cycle(s) in which day 3 falls"),
        ("s,p,drug A,,,,,,,,3,,,,stated,,src", "duration_unit", "duration and duration_unit"),
        ("s,p,drug A,,,,,,,,3,fortnights,,,stated,,src", "duration_unit", "days / weeks"),
        (
            "s,p,drug B,,,,,,,,,,3,,stated,,src",
            "after_every_drug",
            "after_every and after_every_drug",
        ),
        (
            "s,p,drug B,,,,,,,,,,3,drug C,stated,,src",
            "after_every_drug",
            "a drug with numbered cycles",
        ),
        (",p,drug A,5,6,,,,,,,,,,stated,,src", "schedule", "a name"),
    ],
)
def test_bad_rows_name_file_row_and_column(tmp_path, row, column, expected):
    path = _write(tmp_path, GOOD, row)
    with pytest.raises(rg.RegimenInputError) as err:
        rg.read_regimen(path)
    message = str(err.value)
    assert message.startswith(f"bad.csv, row 3, column {column!r}: value ")
    assert expected in message


def test_overlapping_cycles_for_the_same_day_are_refused(tmp_path):
    path = _write(tmp_path, GOOD, "s,p,drug A,4,6,3,0.5,,mg/m2,,,,,,stated,,src")
    with pytest.raises(
        rg.RegimenInputError, match=r"row 3, column 'cycle_first'.*overlap row 2.*cycle 4"
    ):
        rg.read_regimen(path)
    # the same cycles on another day are fine
    ok = _write(tmp_path, GOOD, "s,p,drug A,1,4,8,0.5,,mg/m2,,,,,,stated,,src")
    assert len(rg.read_regimen(ok).rows) == 2


def test_header_and_file_errors(tmp_path):
    with pytest.raises(rg.RegimenInputError, match=r"bad.csv, row 1, column 'source'"):
        rg.read_regimen(_write(tmp_path, GOOD.rsplit(",", 1)[0], header=HEADER.rsplit(",", 1)[0]))
    with pytest.raises(rg.RegimenInputError, match=r"row 1, column 'colour'.*only the columns"):
        rg.read_regimen(_write(tmp_path, GOOD + ",red", header=HEADER + ",colour"))
    with pytest.raises(rg.RegimenInputError, match="file not found"):
        rg.read_regimen(tmp_path / "missing.csv")
    with pytest.raises(rg.RegimenInputError, match="no rows"):
        rg.read_regimen(_write(tmp_path))


# ----------------------------------------------------------------- adverse-event chart


@pytest.fixture
def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event": ["nausea", "thrombocytopenia", "fatigue", "thrombocytopenia", "SOS"],
            "series": ["any grade", "any grade", "any grade", "grade 3–4", "any grade"],
            "percent": [54.0, 80.0, 55.0, 77.5, 7.5],
            "ci_low": [42.5, 69.6, 43.5, 66.8, 2.8],
            "ci_high": [65.2, 88.1, 66.2, 86.1, 15.6],
        }
    )


def test_adverse_event_plot_ranks_and_draws(events):
    fig = rg.adverse_event_plot(events, title="Adverse events")
    ax = fig.axes[0]
    ticks = sorted(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True))
    # ranked by the first series, highest on top
    assert [label for _y, label in reversed(ticks)] == [
        "thrombocytopenia",
        "fatigue",
        "nausea",
        "SOS",
    ]
    bars = {s: [p for p in ax.patches if p.get_gid() == f"ae-{s}" or p in _container(ax, s)]
            for s in ("any grade", "grade 3–4")}  # fmt: skip
    assert len(bars["any grade"]) == 4 and len(bars["grade 3–4"]) == 1
    widths = sorted(p.get_width() for p in bars["any grade"])
    assert widths == [7.5, 54.0, 55.0, 80.0]
    alt = alt_text(fig)
    assert alt.startswith("Ranked bar chart of 4 adverse events")
    assert "any grade: thrombocytopenia 80%, fatigue 55%, nausea 54%, SOS 8%" in alt
    assert "grade 3–4: thrombocytopenia 78%" in alt


def _container(ax, label):
    for container in ax.containers:
        if container.get_label() == label:
            return list(container)
    return []


def test_adverse_event_plot_errors(events):
    with pytest.raises(ValueError, match="column 'percent' missing"):
        rg.adverse_event_plot(events.drop(columns="percent"))
    bad = events.copy()
    bad.loc[1, "percent"] = 180
    with pytest.raises(
        ValueError, match=r"row 1 \('thrombocytopenia'\), column 'percent': value 180"
    ):
        rg.adverse_event_plot(bad)
    with pytest.raises(ValueError, match="appears twice in series 'any grade'"):
        rg.adverse_event_plot(pd.concat([events, events.iloc[[0]]], ignore_index=True))
    with pytest.raises(ValueError, match="rank_by 'grade 5'"):
        rg.adverse_event_plot(events, rank_by="grade 5")
    fig = rg.adverse_event_plot(events, synthetic=True)
    assert alt_text(fig).startswith("Synthetic data")
    assert "fatigue 55%" in alt_text(fig)
    assert not math.isnan(fig.get_figheight())


def test_adverse_event_percentages_round_half_up_and_labels_win(events):
    # 26 of 80 patients = 32.5%: a journal prints 33%; Python's format() would print 32
    half = pd.DataFrame({"event": ["febrile neutropenia"], "series": ["any grade"],
                         "percent": [100 * 26 / 80]})  # fmt: skip
    fig = rg.adverse_event_plot(half)
    assert "febrile neutropenia 33%" in alt_text(fig)
    assert any(t.get_text() == "33%" for t in fig.axes[0].texts)
    # a label (the percentage as the source printed it) is what the bar and the alt text show
    printed = half.assign(label="32% (26/80)")
    fig = rg.adverse_event_plot(printed)
    assert [t.get_text() for t in fig.axes[0].texts] == ["32% (26/80)"]
    assert "febrile neutropenia 32% (26/80)" in alt_text(fig)
