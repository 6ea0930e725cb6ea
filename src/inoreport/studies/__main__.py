"""``python -m inoreport.studies`` (``make data``): regenerate every synthetic cohort.

Writes ``data/synthetic/<study>.csv``, the data dictionary ``data/synthetic/datapackage.json``
and ``<results dir>/synthetic_<study>.json`` (one row per target: statistic, published,
reproduced, role, match), then prints how many targets were met and how long it took.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from inoreport import paths, portable
from inoreport.book.results import write_scorecard
from inoreport.studies import COHORTS, build_cohort
from inoreport.synthetic import io


def _summary(rows) -> str:
    cal = [r for r in rows if r.role == "calibrated"]
    held = [r for r in rows if r.role == "held_out"]
    return (
        f"calibrated {sum(bool(r.match) for r in cal)}/{len(cal)} met, "
        f"held out {sum(bool(r.match) for r in held)}/{len(held)} close"
    )


def regenerate(data_dir: Path, results_dir: Path | None, studies=None, quiet=False) -> dict:
    """Regenerate the cohorts; returns {study: seconds}.

    Runs in a child process with pinned arithmetic (:mod:`.portable`) unless this process
    already has it; the child's timings are then not reported, only the total.
    """
    data_dir = Path(data_dir)
    if not portable.is_portable():
        args = ["--data-dir", str(data_dir)]
        if results_dir is not None:
            args += ["--results-dir", str(results_dir)]
        if studies is not None:
            args += ["--only", *studies]
        if quiet:
            args.append("--quiet")
        t0 = time.perf_counter()
        code = portable.run_module("inoreport.studies", args)
        if code != 0:
            raise RuntimeError(f"regenerating the synthetic cohorts failed (exit code {code})")
        return {"total": time.perf_counter() - t0}
    data_dir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    resources = []
    for study in studies or COHORTS:
        t0 = time.perf_counter()
        result = build_cohort(study)
        io.write_cohort(result.cohort, data_dir / f"{study}.csv")
        if results_dir is not None:
            write_scorecard(f"synthetic_{study}", result.targets, Path(results_dir))
        meta = {
            "title": f"{study}: synthetic cohort",
            "seed": result.seed,
            "generator": COHORTS[study],
            "assumptions": result.assumptions,
            "assumption_notes": {
                key: dict(zip(("meaning", "unit", "basis"), note, strict=True))
                for key, note in result.assumption_notes.items()
            },
            "calibration": {k: v for k, v in result.diagnostics.items() if k != "seconds"},
            # each target's key in data/published and its role, for chapters to look up
            "targets": [
                {"quantity": r.quantity, "group": r.group, "role": r.role}
                for r in result.targets
                if r.quantity is not None
            ],
        }
        resources.append(io.resource(study, result.cohort, result.columns, meta))
        timings[study] = time.perf_counter() - t0
        if not quiet:
            print(
                f"[synthetic] {study}: {len(result.cohort)} patients, {_summary(result.targets)}, "
                f"{timings[study]:.1f} s"
            )
    t0 = time.perf_counter()
    try:
        from inoreport.studies.aertgeerts import cohort as aertgeerts
    except ImportError:
        aertgeerts = None
    if aertgeerts is not None and (studies is None or "aertgeerts" in studies):
        table = aertgeerts.build(data_dir / "aertgeerts.csv")
        resources.append(
            io.resource(
                "aertgeerts",
                table,
                getattr(aertgeerts, "COLUMNS", {}),
                {
                    "title": "aertgeerts: per-patient event table (published vs assumed)",
                    "generator": "inoreport.studies.aertgeerts.cohort",
                    "note": getattr(aertgeerts, "SOURCE_NOTE", ""),
                },
            )
        )
        timings["aertgeerts"] = time.perf_counter() - t0
        if not quiet:
            print(f"[synthetic] aertgeerts: {len(table)} rows, {timings['aertgeerts']:.1f} s")
    if studies is None:
        io.write_datapackage(resources, data_dir)
    return timings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inoreport.studies", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=paths.SYNTHETIC)
    parser.add_argument("--results-dir", type=Path, default=None, help="default: the results dir")
    parser.add_argument(
        "--only", nargs="*", default=None, help="studies to regenerate (no datapackage)"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the total time")
    args = parser.parse_args(argv)
    if not portable.is_portable():
        # numpy is already imported here, so the pinned arithmetic needs a fresh process
        return portable.run_module(
            "inoreport.studies", list(sys.argv[1:] if argv is None else argv)
        )
    t0 = time.perf_counter()
    timings = regenerate(
        args.data_dir, args.results_dir or paths.results_dir(), args.only, quiet=args.quiet
    )
    print(
        f"[synthetic] all cohorts regenerated in {time.perf_counter() - t0:.1f} s "
        f"({', '.join(f'{k} {v:.1f} s' for k, v in timings.items())})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
