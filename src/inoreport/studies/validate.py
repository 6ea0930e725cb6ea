"""``python -m inoreport.studies.validate`` (``make validate``): cross-validate every synthetic
cohort over its calibration targets and write ``data/synthetic/crossval.json``.

For each study, every statistic the generator fits (its ``fitted_keys()``: survival
landmarks and medians, hazard ratios, follow-up, between-group p-values) is left out once —
leave-one-out unless ``--folds`` says otherwise — and predicted by the cohort calibrated
without it (:mod:`inoreport.synthetic.crossval`). The result is committed, like
``benchmarks/results.json``, because it takes minutes; the Synthetic cohorts page and the
chapters' scorecards read it. It records the SHA-256 of each study's committed cohort file
and published numbers, so a test can tell when it is out of date (then run ``make validate``).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import platform
import sys
import time
from pathlib import Path

from inoreport import paths, portable
from inoreport.studies import COHORTS, cohort_module
from inoreport.synthetic import crossval

#: Where the committed result lives.
RESULT = paths.SYNTHETIC / "crossval.json"
#: Seed of the fold assignment (only used when a study has fewer folds than targets).
FOLD_SEED = 19
#: Folds per study; None = leave-one-out.
FOLDS: dict[str, int | None] = {study: None for study in COHORTS}


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def fingerprint(study: str, data_dir: Path | None = None) -> dict[str, str]:
    """What the committed result was computed from: the cohort file and the published
    numbers (SHA-256)."""
    return {
        "cohort_sha256": _sha256(Path(data_dir or paths.SYNTHETIC) / f"{study}.csv"),
        "published_sha256": _sha256(paths.PUBLISHED / f"{study}.csv"),
    }


def _build(study: str, leave_out: frozenset):
    return cohort_module(study).build(leave_out=leave_out)


def validate_study(study: str, k: int | None = None, workers: int = 1) -> dict:
    """One study's cross-validation: its predictions and a summary."""
    module = cohort_module(study)
    t0 = time.perf_counter()
    full = module.build()
    keys = [tuple(key) for key in module.fitted_keys()]
    predictions, timing = crossval.cross_validate(
        functools.partial(_build, study),
        keys,
        full.targets,
        k=k,
        seed=FOLD_SEED,
        workers=workers,
    )
    within = sum(p.within for p in predictions)
    return {
        "scheme": "leave-one-out" if timing["folds"] == len(keys) else f"{timing['folds']}-fold",
        "folds": timing["folds"],
        "statistics": len(predictions),
        "within_tolerance": within,
        # p-values judged by the looser rule of the former held-out checks (see crossval.close)
        "close": sum(p.close for p in predictions),
        "fitted_within_tolerance": sum(p.fitted_within for p in predictions),
        "seconds": round(time.perf_counter() - t0, 1),
        "builds_seconds": timing["builds_s"],
        "predictions": [p.as_dict() for p in predictions],
    }


def run(studies=None, workers: int = 2, out: Path = RESULT, folds: int | None = None) -> dict:
    """Cross-validate ``studies`` (default: all) and write ``out``; returns its content."""
    started = time.perf_counter()
    selected = list(studies or COHORTS)
    previous = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    results = dict(previous.get("studies", {}))
    for study in selected:
        t0 = time.perf_counter()
        result = validate_study(study, folds if folds is not None else FOLDS.get(study), workers)
        result.update(fingerprint(study))
        results[study] = result
        print(
            f"[validate] {study}: {result['within_tolerance']}/{result['statistics']} predicted "
            f"within tolerance when left out ({result['scheme']}), "
            f"{time.perf_counter() - t0:.0f} s",
            flush=True,
        )
    content = {
        "synthetic": True,
        "description": (
            "Cross-validation of the SYNTHETIC cohorts over their calibration targets: each "
            "fitted statistic predicted by the cohort calibrated without it. Written by "
            "'make validate' (python -m inoreport.studies.validate); do not edit."
        ),
        "tolerances": "as on the scorecards (landmarks ±2 points, medians ±1 month, hazard "
        "ratios within 10%, p-values as printed)",
        "machine": {"python": platform.python_version(), "cpus": _cpus(), "workers": workers},
        "seconds": round(time.perf_counter() - started, 1)
        if studies is None
        else previous.get("seconds"),
        "studies": {study: results[study] for study in sorted(results)},
    }
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out)
    return content


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def load(path: Path = RESULT) -> dict:
    """The committed cross-validation result (``make validate`` writes it)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"{path} is missing; run 'make validate' to create it")
    return json.loads(Path(path).read_text(encoding="utf-8"))


def predictions(study: str, path: Path = RESULT) -> dict[tuple[str, str | None], dict]:
    """``(quantity, group)`` -> the prediction when left out, for one study."""
    content = load(path)
    if study not in content["studies"]:
        raise KeyError(f"no cross-validation for {study!r} in {path}; run 'make validate'")
    return {(p["quantity"], p["group"]): p for p in content["studies"][study]["predictions"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m inoreport.studies.validate", description=__doc__
    )
    parser.add_argument("--only", nargs="*", default=None, help="studies to cross-validate")
    parser.add_argument("--workers", type=int, default=2, help="parallel builds (default 2)")
    parser.add_argument("--folds", type=int, default=None, help="k folds (default: leave-one-out)")
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args(argv)
    if not portable.is_portable():
        return portable.run_module(
            "inoreport.studies.validate", list(sys.argv[1:] if argv is None else argv)
        )
    run(args.only, workers=args.workers, out=args.out, folds=args.folds)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def predictions_for_file(study: str, cohort_file, path: Path = RESULT) -> dict:
    """:func:`predictions` when ``cohort_file`` is the very cohort that was cross-validated
    (same SHA-256), else ``{}``: a reader's own cohort gets no column of predictions made
    for another one."""
    cohort_file = Path(cohort_file)
    if not cohort_file.is_file():
        return {}
    recorded = load(path)["studies"].get(study, {}).get("cohort_sha256")
    if recorded != _sha256(cohort_file):
        return {}
    return predictions(study, path)
