"""No valid cohort crashes the command line, and what it computes agrees with R.

Property-based (hypothesis): cohorts with arbitrary group labels, level names and column
names (words the code uses itself, numbers as text, Unicode, spaces, very long labels),
numeric and text covariates with missing values, tied and zero times, groups without
events. Every run either succeeds with results equal to R's survival on the same file
(one Rscript call for the batch) or is refused in one line, exit code 2, nothing written.

The normal run takes about a minute (``INOREPORT_PROPERTY_CASES``, default 40); ``make
fuzz`` runs thousands (``INOREPORT_FUZZ_CASES``). See tests/intake_fuzz.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

sys.path.insert(0, str(Path(__file__).parent))
from intake_fuzz import Batch, cases  # noqa: E402

pytestmark = [
    pytest.mark.property,
    # labels in scripts the plotting font lacks are drawn as boxes; not the point here
    pytest.mark.filterwarnings("ignore:Glyph .* missing from font"),
]

CASES = int(
    os.environ.get("INOREPORT_FUZZ_CASES") or os.environ.get("INOREPORT_PROPERTY_CASES", 40)
)
R_BATCH = 500  # successful cases per Rscript call


def test_every_generated_cohort_runs_or_is_refused_and_matches_r():
    batch = Batch.new()
    batch.progress = 250 if CASES > 250 else 0
    compared = 0

    @settings(
        max_examples=CASES,
        deadline=None,
        database=None,
        # no shrinking: a run costs ~1 s; the failing case is printed whole instead
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(cases())
    def one_run(case):
        nonlocal compared
        outcome = batch.run(case)
        assert outcome.kind != "crash", batch.crashes[-1]
        if len(batch.pending) >= R_BATCH:
            compared += batch.check_with_r()

    try:
        one_run()
        compared += batch.check_with_r()
        total = sum(batch.counts.values())
        print(
            f"\n{total} cases: {batch.counts['ok']} ran, {batch.counts['refused']} refused, "
            f"{batch.counts['crash']} crashed; {compared} compared with R, "
            f"{len(batch.mismatches)} differ"
        )
        for reason, count in sorted(batch.refusals.items(), key=lambda kv: -kv[1])[:12]:
            print(f"  refused {count:5d}: {reason}")
        assert not batch.crashes, batch.crashes[0]
        assert not batch.mismatches, "\n".join(batch.mismatches[:5])
        # the property is about runs that succeed: make sure a good share does
        assert batch.counts["ok"] >= 0.2 * total, batch.counts
    finally:
        if not batch.crashes and not batch.mismatches:
            batch.cleanup()
