"""The audit of Alcalde-Mellado's printed numbers (inoreport.studies.alcalde_mellado.audit).

Reference values: R 4.2 on the count tables written in each comment
(chisq.test(x, correct=FALSE / TRUE)$p.value; fisher.test(x)$p.value), the tables being the
ones worked out by hand from the abstract's 80% and 28.6% and the arm sizes (10 and 14).
"""

from __future__ import annotations

import pytest

from inoreport.stats.printed import p_matches
from inoreport.studies.alcalde_mellado import audit as alcalde_audit


def test_alcalde_conversion_tables_and_p_values():
    tables = alcalde_audit.conversion_tables()
    found = set(
        zip(
            tables.ino_converted,
            tables.ino_htb,
            tables.chemo_converted,
            tables.chemo_htb,
            strict=True,
        )
    )
    # 80% of at most 10: 4/5, 8/10; 28.6% of at most 14: 2/7, 4/14
    assert found == {(4, 5, 2, 7), (4, 5, 4, 14), (8, 10, 2, 7), (8, 10, 4, 14)}
    reference = {
        # chisq.test(matrix(c(4,2,1,5),ncol=2), correct=FALSE / TRUE); fisher.test(...)
        (4, 5, 2, 7): (0.0789825792638, 0.241566586969, 0.242424242424),
        # matrix(c(4,4,1,10),ncol=2)
        (4, 5, 4, 14): (0.045570438982, 0.141089980347, 0.110767113863),
        # matrix(c(8,2,2,5),ncol=2)
        (8, 10, 2, 7): (0.0339677497832, 0.105277073714, 0.0584121760592),
        # matrix(c(8,4,2,10),ncol=2)
        (8, 10, 4, 14): (0.0129829729301, 0.0384339302368, 0.036074841836),
    }
    for r in tables.itertuples():
        chi2, yates, fisher = reference[
            (r.ino_converted, r.ino_htb, r.chemo_converted, r.chemo_htb)
        ]
        assert r.chi2 == pytest.approx(chi2, rel=1e-9)
        assert r.chi2_yates == pytest.approx(yates, rel=1e-9)
        assert r.fisher == pytest.approx(fisher, rel=1e-7)
    # none of R's values prints as 0.032, and the audit agrees for every test it tried
    assert not any(p_matches(p, "0.032") for ps in reference.values() for p in ps)
    assert not tables["any_match"].any()


def test_alcalde_trajectory_cannot_be_crude_proportions():
    traj = alcalde_audit.trajectory_check()
    assert len(traj) == 4 and not traj["consistent"].any()
    only_25 = traj[traj["maintained_htb_admits_25pct"]]
    # only 8/10 vs 4/14 leaves 12 with HTB (3/12 = 25%), but then nobody maintained LTB
    assert list(only_25["table"]) == ["8/10 vs 4/14"] and only_25["maintained_ltb"].iloc[0] == 0
