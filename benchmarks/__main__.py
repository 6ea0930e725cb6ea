"""``make bench``: speed and memory of the book and its statistics, against R.

Writes ``benchmarks/results.json`` (committed, read by the book's appendix page) and
prints a summary. Steps (``--only`` picks some):

- ``book``: cold build (empty cache) of a copy of the book, warm rebuild (no change),
  rebuild after editing one chapter (and which pages re-executed);
- ``synthetic``: regenerating all synthetic cohorts (``python -m inoreport.studies``);
- ``stats``: KM + log-rank + Cox with 8 covariates on synthetic registries of 10^3 to 10^6
  patients, inoreport and R's survival on the same CSV in the same run (wall time, peak RSS);
- ``cli``: ``inoreport run survival_comparison`` end to end at 10^3 and 10^5.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .registry import write_registry

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.json"
WORK = Path(os.environ.get("INOREPORT_BENCH_DIR", tempfile.gettempdir())) / "inoreport-bench"
PY = sys.executable

TARGETS = {
    "cold_build_s": 120.0,
    "warm_fraction_of_cold": 0.10,
    "stats_1e6_s": 60.0,
    "stats_ratio_vs_r": 2.0,
    "peak_memory_mb": 4096.0,
    "cli_1e5_s": 60.0,
    "synthetic_s": 60.0,  # make data, all cohorts, with their between-group targets
}


def run_measured(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> dict:
    """Run a command; return wall seconds, peak RSS (MB, from wait4) and its output."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{output[-4000:]}")
    # ru_maxrss is in kilobytes on Linux.
    return {"wall_s": wall, "peak_mb": usage.ru_maxrss / 1024.0, "output": output}


def _fresh_copy(copy: Path) -> None:
    """The committed book (a git clone of HEAD), else a copy of the working tree."""
    if copy.exists():
        shutil.rmtree(copy)
    if (ROOT / ".git").exists():
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(copy)], check=True)
    else:
        shutil.copytree(
            ROOT, copy, ignore=shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__")
        )


COPY = WORK / "book"


def copy_env() -> dict:
    """Environment that runs the copy's own package, not this tree's editable install."""
    return dict(
        os.environ,
        INOREPORT_RESULTS_DIR=str(COPY / "_build" / "results"),
        PYTHONPATH=str(COPY / "src"),
    )


def bench_book() -> dict:
    copy = COPY
    _fresh_copy(copy)
    env = copy_env()
    build = [PY, "-m", "inoreport.book.build", "--root", str(copy)]

    def executed(output: str) -> list[str]:
        return re.findall(r"^\[build\]\s+(\S+\.(?:ipynb|md)): [\d.]+ s$", output, re.M)

    cold = run_measured(build, env=env)
    warm = run_measured(build, env=env)
    chapter = copy / "notebooks" / "jabbour.md"
    text = chapter.read_text(encoding="utf-8")
    last = text.rindex("```{code-cell}")
    end = text.index("\n```", last + 1)  # the end of the last code cell
    chapter.write_text(text[:end] + "\n# bench edit" + text[end:], encoding="utf-8")
    edited = run_measured(build, env=env)
    return {
        "cold_s": cold["wall_s"],
        "warm_s": warm["wall_s"],
        "edit_one_s": edited["wall_s"],
        "cold_executed": executed(cold["output"]),
        "warm_executed": executed(warm["output"]),
        "edit_one_executed": executed(edited["output"]),
        "edited_page": "notebooks/jabbour.md",
        "peak_mb": max(cold["peak_mb"], warm["peak_mb"], edited["peak_mb"]),
    }


def bench_synthetic() -> dict:
    if not COPY.exists():
        _fresh_copy(COPY)
    run = run_measured([PY, "-m", "inoreport.studies"], cwd=COPY, env=copy_env())
    return {"wall_s": run["wall_s"], "peak_mb": run["peak_mb"]}


def bench_stats(sizes: list[int]) -> list[dict]:
    rows = []
    for n in sizes:
        csv = write_registry(n, WORK / "registries")
        py = run_measured([PY, "-m", "benchmarks.stats_py", str(csv)], cwd=ROOT)
        r = run_measured(["Rscript", str(ROOT / "benchmarks" / "stats_r.R"), str(csv)], cwd=ROOT)
        py_stats = json.loads(py["output"].strip().splitlines()[-1])
        r_stats = json.loads(r["output"].strip().splitlines()[-1])
        rows.append(
            {
                "n": n,
                "python_stats_s": py_stats["stats"],
                "python_wall_s": py["wall_s"],
                "python_peak_mb": py["peak_mb"],
                "r_stats_s": r_stats["stats"],
                "r_wall_s": r["wall_s"],
                "r_peak_mb": r["peak_mb"],
                "ratio_stats": py_stats["stats"] / max(r_stats["stats"], 1e-9),
                "ratio_wall": py["wall_s"] / max(r["wall_s"], 1e-9),
                "python_detail": {k: py_stats[k] for k in ("read", "km", "logrank", "cox")},
                "r_detail": {k: r_stats[k] for k in ("read", "km", "logrank", "cox")},
                "logrank_chisq": [py_stats["chisq"], r_stats["chisq"]],
                "cox_group_coef": [py_stats["coef_group"], r_stats["coef_group"]],
            }
        )
        print(
            f"[bench] stats n={n:>8}: python {py_stats['stats']:.2f} s "
            f"({py['peak_mb']:.0f} MB), R {r_stats['stats']:.2f} s ({r['peak_mb']:.0f} MB)",
            flush=True,
        )
    return rows


def bench_cli(sizes: list[int]) -> list[dict]:
    rows = []
    exe = Path(PY).with_name("inoreport")
    for n in sizes:
        csv = write_registry(n, WORK / "registries")
        out = WORK / f"cli_{n}"
        if out.exists():
            shutil.rmtree(out)
        cmd = [str(exe), "run", "survival_comparison", "--cohort", str(csv), "--out", str(out)]
        cmd += ["--map", "time=time_days", "--time-unit", "days"]
        if not COPY.exists():
            _fresh_copy(COPY)
        run = run_measured(cmd, cwd=COPY, env=copy_env())
        rows.append({"n": n, "wall_s": run["wall_s"], "peak_mb": run["peak_mb"]})
        print(f"[bench] cli n={n}: {run['wall_s']:.1f} s", flush=True)
    return rows


def verdicts(results: dict) -> list[dict]:
    checks = []

    def check(name, value, key):
        """A measured value against its target in TARGETS: met when at most the target."""
        target = TARGETS[key]
        checks.append(
            {"target": name, "measured": value, "limit": target, "met": bool(value <= target)}
        )

    book = results.get("book")
    if book:
        check("cold book build (s)", book["cold_s"], "cold_build_s")
        frac = book["warm_s"] / book["cold_s"]
        check("warm rebuild / cold", frac, "warm_fraction_of_cold")
    if results.get("synthetic"):
        s = results["synthetic"]["wall_s"]
        check("regenerate synthetic cohorts (s)", s, "synthetic_s")
    for row in results.get("stats", []):
        if row["n"] == 10**6:
            check("statistics at 10^6 (s)", row["python_stats_s"], "stats_1e6_s")
            check("statistics at 10^6 / R", row["ratio_stats"], "stats_ratio_vs_r")
        check(f"peak memory at n={row['n']} (MB)", row["python_peak_mb"], "peak_memory_mb")
    for row in results.get("cli", []):
        if row["n"] == 10**5:
            check("CLI end to end at 10^5 (s)", row["wall_s"], "cli_1e5_s")
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--only", nargs="*", default=["book", "synthetic", "stats", "cli"])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--cli-sizes", default="1000,100000")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results = {k: previous[k] for k in ("book", "synthetic", "stats", "cli") if k in previous}
    sizes = [int(s) for s in args.sizes.split(",")]
    if "book" in args.only:
        print("[bench] book: cold, warm, edit one chapter", flush=True)
        results["book"] = bench_book()
    if "synthetic" in args.only:
        results["synthetic"] = bench_synthetic()
    if "stats" in args.only:
        results["stats"] = bench_stats(sizes)
    if "cli" in args.only:
        results["cli"] = bench_cli([int(s) for s in args.cli_sizes.split(",")])
    results["machine"] = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "r": subprocess.run(
            ["Rscript", "-e", "cat(R.version.string)"], capture_output=True, text=True
        ).stdout.strip(),
    }
    results["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results["targets"] = verdicts(results)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"[bench] wrote {RESULTS}")
    for row in results["targets"]:
        flag = "met " if row["met"] else "MISS"
        print(f"[bench] {flag} {row['target']}: {row['measured']:.3g} (limit {row['limit']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
