"""Property-based runs of ``inoreport run survival_comparison`` on generated cohorts.

Each case is a CSV written to disk plus the command line a user would type. A run either
succeeds (exit 0, results.json written) or is refused (exit 2, one line on stderr saying
what was expected, nothing written to --out). Anything else (another exit code, a
traceback, a multi-line error, a half-written folder) is a crash. The successful runs of a
batch are then compared with R's survival on the same files, with one Rscript call for the
whole batch (tests/reference/cli/fuzz_batch.R).

The chapter's notebook is executed in this process (its code cells, in order, with the
parameters injected as papermill does) instead of in a new kernel, so thousands of cases
fit in minutes; everything else (option parsing, the in-process checks, rendering the page,
moving the outputs) is the real command line.

Used by tests/test_intake_properties.py (a short run in the normal test suite) and by
``make fuzz`` (``INOREPORT_FUZZ_CASES`` cases).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd
from hypothesis import strategies as st
from support import close  # math.isclose, a missing reference value matched only by None

from inoreport import cli
from inoreport.book.build import read_notebook
from inoreport.cohort import _NUMBER, MISSING_TOKENS
from inoreport.paths import ROOT

R_SCRIPT = ROOT / "tests" / "reference" / "cli" / "fuzz_batch.R"

#: Names the code uses for its own columns, keys and rows, and values that look special.
RESERVED = [
    "Overall", "p-value", "p", "test", "variable", "row_type", "Characteristic", "GLOBAL",
    "global", "group", "Group", "time", "event", "term", "hr", "coef", "n", "events",
    "median", "level", "reference", "Reference", "Missing", "NA", "None", "null", "0", "1",
    "1.0", "01", "2", "10", "-1", "1e3", "True", "false", "=", "a=b", "x,y", 'say "hi"',
    "  padded  ", "ünïcødé", "中文 组", "🙂", "Ωmega", "R&D <b>", "50%", "$x$", "a_b",
    "{glue}", "\\", "back\\slash", "tab\tinside", "line\nbreak",
]  # fmt: skip

_CHARS = st.characters(blacklist_categories=("Cc", "Cs"))


def labels() -> st.SearchStrategy[str]:
    """Arbitrary text a user may call a group, a level or a column."""
    return st.one_of(
        st.sampled_from(RESERVED),
        st.text(_CHARS, min_size=1, max_size=12),
        st.integers(-5, 200).map(str),
        st.floats(-10, 10, allow_nan=False).map(lambda x: f"{x:.2f}"),
        st.text(_CHARS, min_size=150, max_size=260),
    )


def _clean(value: str) -> str:
    return value.strip()


def _is_missing(value: str) -> bool:
    return value.strip().lower() in MISSING_TOKENS


@dataclass
class Case:
    """One generated cohort and the options of its run."""

    frame: pd.DataFrame  # the file's cells as text
    argv: list[str]  # options after --cohort/--out
    group_column: str
    time_column: str
    event_column: str
    group_labels: dict[str, str]  # file value -> label given with --group-label
    covariates: list[tuple[str, str]]  # (column, "numeric" | "text")
    reference_levels: dict[str, str] = field(default_factory=dict)
    landmarks: list[float] = field(default_factory=list)


@st.composite
def cases(draw) -> Case:
    """A cohort with arbitrary labels, ties, zero times, missing covariates."""
    n_groups = draw(st.integers(2, 3))
    values = draw(
        st.lists(labels(), min_size=n_groups, max_size=n_groups, unique_by=str.strip).filter(
            lambda vs: not any(_is_missing(v) for v in vs)  # a missing group is refused
        )
    )
    n = draw(st.integers(n_groups * 5, 40))
    group = [values[i % n_groups] for i in range(n)]
    group = draw(st.permutations(group))
    whole = draw(st.booleans())
    if whole:
        time = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    else:
        time = draw(
            st.lists(
                st.floats(0, 40, allow_nan=False).map(lambda x: round(x, 3)),
                min_size=n,
                max_size=n,
            )
        )
    event = draw(st.lists(st.sampled_from([0, 1, 1]), min_size=n, max_size=n))
    if draw(st.integers(0, 9)) == 0:  # a group without events
        event = [0 if g == values[-1] else e for g, e in zip(group, event, strict=True)]

    names = draw(st.lists(labels(), min_size=7, max_size=7, unique_by=str.strip))
    id_col, group_col, time_col, event_col = names[:4]
    columns = {
        id_col: [f"P{i:03d}" for i in range(n)],
        group_col: group,
        time_col: [str(t) for t in time],
        event_col: [str(e) for e in event],
    }
    covariates: list[tuple[str, str]] = []
    n_numeric = draw(st.integers(0, 2))
    for name in names[4 : 4 + n_numeric]:
        cells = draw(
            st.lists(
                st.one_of(
                    st.integers(0, 6).map(str),
                    st.floats(20, 90, allow_nan=False).map(lambda x: f"{x:.1f}"),
                    st.sampled_from(["", "NA"]),
                ),
                min_size=n,
                max_size=n,
            )
        )
        columns[name] = cells
        covariates.append((name, "numeric"))
    if draw(st.booleans()):
        name = names[6]
        levels = draw(st.lists(labels(), min_size=2, max_size=3, unique_by=str.strip))
        cells = draw(
            st.lists(st.one_of(st.sampled_from(levels), st.just("")), min_size=n, max_size=n)
        )
        columns[name] = cells
        covariates.append((name, "text"))
    frame = pd.DataFrame(columns)

    # --option=value: a value may start with '-' (a column called "-1")
    argv = ["--time-unit=months", "--landmarks=3,6"]
    argv += [f"--map=patient_id={id_col}", f"--map=group={group_col}"]
    argv += [f"--map=time={time_col}", f"--map=event={event_col}"]
    group_labels: dict[str, str] = {}
    # VALUE=LABEL cannot name a value holding '=' (that is refused, tested elsewhere)
    if draw(st.booleans()) and not any("=" in v for v in values):
        # distinct labels (two values given one label are merged: a choice, not a check)
        shown = draw(st.lists(labels(), min_size=n_groups, max_size=n_groups, unique_by=str.strip))
        for value, label in zip(values, shown, strict=True):
            group_labels[value] = label
            argv += [f"--group-label={value}={label}"]
    if covariates:
        argv += ["--covariates=" + ",".join(c for c, _ in covariates)]
    reference_levels = {}
    text = [c for c, kind in covariates if kind == "text"]
    if text and draw(st.booleans()):
        present = sorted({_clean(v) for v in frame[text[0]] if not _is_missing(v)})
        if present:
            level = draw(st.sampled_from(present))
            reference_levels[text[0]] = level
            argv += [f"--reference-level={text[0]}={level}"]
    return Case(
        frame=frame,
        argv=argv,
        group_column=group_col,
        time_column=time_col,
        event_column=event_col,
        group_labels=group_labels,
        covariates=covariates,
        reference_levels=reference_levels,
        landmarks=[3.0, 6.0],
    )


# --------------------------------------------------------------------------- running


class _InProcessNotebook:
    """Executes a chapter's code cells here, parameters injected after its parameters cell."""

    def __init__(self):
        self.failure: str | None = None

    def __call__(self, chapter, params, executed: Path, results_dir: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        nb = read_notebook(chapter.notebook_path)  # .ipynb or MyST Markdown
        injected = "\n".join(f"{key} = {value!r}" for key, value in params.items())
        namespace: dict = {"__name__": "__chapter__"}
        previous_dir, previous_env = Path.cwd(), os.environ.get("INOREPORT_RESULTS_DIR")
        os.environ["INOREPORT_RESULTS_DIR"] = str(results_dir)
        os.chdir(chapter.notebook_path.parent)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                for number, cell in enumerate(nb.cells, start=1):
                    if cell.cell_type != "code":
                        continue
                    exec(compile(cell.source, f"<cell {number}>", "exec"), namespace)
                    if "parameters" in cell.metadata.get("tags", []):
                        exec(injected, namespace)
        except Exception as exc:  # the notebook would fail here: report as papermill does
            self.failure = traceback.format_exc()
            raise cli.NotebookFailed(f"in-process cell failed: {type(exc).__name__}") from exc
        finally:
            os.chdir(previous_dir)
            if previous_env is None:
                os.environ.pop("INOREPORT_RESULTS_DIR", None)
            else:
                os.environ["INOREPORT_RESULTS_DIR"] = previous_env
            plt.close("all")
        nbformat.write(nb, executed)


@dataclass
class Outcome:
    kind: str  # "ok", "refused" or "crash"
    detail: str
    results: dict | None = None


def run_case(case: Case, folder: Path) -> Outcome:
    """Run the command line on one case; classify the outcome (never raises)."""
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / "cohort.csv"
    case.frame.to_csv(csv, index=False)
    out = folder / "out"
    argv = ["run", "survival_comparison", "--cohort", str(csv), "--out", str(out), "--quiet"]
    argv += case.argv
    executor = _InProcessNotebook()
    stderr = io.StringIO()
    original = cli._execute
    cli._execute = executor
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            code = cli.main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    except BaseException:
        return Outcome("crash", f"traceback escaped cli.main:\n{traceback.format_exc()}")
    finally:
        cli._execute = original
    said = stderr.getvalue()
    lines = said.strip().splitlines()
    if code == 0:
        results = json.loads((out / "results.json").read_text(encoding="utf-8"))
        return Outcome("ok", "", results)
    if code == 2:
        problems = []
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines on stderr")
        if lines and not lines[0].startswith(("inoreport: error: ", "inoreport run: error: ")):
            problems.append("no 'inoreport: error:' prefix")
        if lines and "expected" not in lines[0] and "see `inoreport --help`" not in lines[0]:
            problems.append("the line does not say what was expected")
        if out.exists():
            problems.append("--out was written")
        if problems:
            return Outcome("crash", f"refusal broke its contract ({'; '.join(problems)}): {said}")
        return Outcome("refused", lines[0])
    detail = executor.failure or said
    return Outcome("crash", f"exit code {code}: {detail}")


# --------------------------------------------------------------------------- R


def r_spec(case: Case, results: dict, csv: Path) -> dict:
    """What R needs to fit the same models on the same file (columns by position)."""
    columns = list(case.frame.columns)
    back = {label.strip(): value.strip() for value, label in case.group_labels.items()}
    levels = [back.get(k["group"], k["group"]) for k in results["km"]]
    covariates = []
    for column, kind in case.covariates:
        filled = [v.strip() for v in case.frame[column] if not _is_missing(v)]
        if sum(bool(_NUMBER.match(v)) for v in filled) > len(filled) / 2:
            kind = "numeric"  # numbers as text: read as numbers (the documented rule)
        entry = {"index": columns.index(column), "kind": kind}
        if kind == "text":
            present = sorted({_clean(v) for v in case.frame[column] if not _is_missing(v)})
            ref = case.reference_levels.get(column, present[0] if present else None)
            entry["levels"] = [ref, *[v for v in present if v != ref]]
        covariates.append(entry)
    return {
        "csv": str(csv),
        "group": columns.index(case.group_column),
        "time": columns.index(case.time_column),
        "event": columns.index(case.event_column),
        "levels": levels,
        "covariates": covariates,
        "landmarks": case.landmarks,
    }


def run_r(specs: list[dict], folder: Path) -> list[dict]:
    """One Rscript call for the whole batch; returns R's results, one per spec."""
    spec_file = folder / "batch.json"
    result_file = folder / "batch_r.json"
    spec_file.write_text(
        json.dumps({"missing": sorted(MISSING_TOKENS), "cases": specs}), encoding="utf-8"
    )
    done = subprocess.run(
        ["Rscript", str(R_SCRIPT), str(spec_file), str(result_file)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"Rscript failed: {done.stderr[-2000:]}")
    return json.loads(result_file.read_text(encoding="utf-8"))


def compare_with_r(results: dict, r: dict) -> list[str]:
    """Differences between our results.json and R's numbers (empty when they agree)."""
    if "error" in r:
        return [f"R failed where we succeeded: {r['error']}"]
    diffs = []
    if len(results["km"]) != len(r["km"]):
        return [f"{len(results['km'])} groups, R {len(r['km'])}"]
    for ours, theirs in zip(results["km"], r["km"], strict=True):
        if (ours["n"], ours["events"]) != (theirs["n"], theirs["events"]):
            diffs.append(f"km n/events {ours['n']}/{ours['events']} vs R {theirs}")
        if not close(ours["median"], theirs["median"], 1e-9, 1e-8):
            diffs.append(f"median {ours['median']} vs R {theirs['median']}")
        for a, b in zip(ours["median_ci"], theirs["median_ci"], strict=True):
            if not close(a, b, 1e-9, 1e-8):
                diffs.append(f"median CI {ours['median_ci']} vs R {theirs['median_ci']}")
                break
        for lm, ref in zip(ours["landmarks"], theirs["landmarks"], strict=True):
            if lm["time"] > theirs["last"]:
                continue  # beyond follow-up: R's extend=TRUE carries the last value, we say NA
            if not close(lm["survival"], ref["survival"], 1e-9, 1e-8):
                diffs.append(f"S({lm['time']}) {lm['survival']} vs R {ref['survival']}")
    if not close(results["logrank"]["chisq"], r["logrank"]["chisq"], 1e-6, 1e-8):
        diffs.append(f"log-rank {results['logrank']['chisq']} vs R {r['logrank']['chisq']}")
    ours_cox = [row for row in results["cox"]]
    if len(ours_cox) != len(r["cox"]):
        diffs.append(f"{len(ours_cox)} Cox terms vs R {len(r['cox'])}")
        return diffs
    for row, ref in zip(ours_cox, r["cox"], strict=True):
        if row["model"] != ref["model"]:
            diffs.append(f"Cox model order {row['model']} vs R {ref['model']}")
            continue
        if ref.get("warning"):
            continue  # R warns the fit did not converge; its numbers are not a reference
        for key in ("coef", "p"):
            if not close(row[key], ref[key], 1e-4, 1e-6):
                diffs.append(f"Cox {row['model']} {row['term']!r} {key} {row[key]} vs R {ref[key]}")
    return diffs


# --------------------------------------------------------------------------- batch


@dataclass
class Batch:
    """A run of many cases: counts, crashes, and the successful cases awaiting R."""

    folder: Path
    counts: dict[str, int] = field(default_factory=lambda: {"ok": 0, "refused": 0, "crash": 0})
    crashes: list[str] = field(default_factory=list)
    pending: list[tuple[Case, dict, Path]] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    refusals: dict[str, int] = field(default_factory=dict)
    progress: int = 0  # print the counts every this many cases (0: never)

    @classmethod
    def new(cls) -> Batch:
        return cls(Path(tempfile.mkdtemp(prefix="inoreport-fuzz-")))

    def run(self, case: Case) -> Outcome:
        index = sum(self.counts.values())
        folder = self.folder / f"case{index:05d}"
        outcome = run_case(case, folder)
        self.counts[outcome.kind] += 1
        if outcome.kind == "crash":
            self.crashes.append(
                f"case {index}: argv {case.argv}\n{case.frame.to_csv(index=False)}\n"
                f"{outcome.detail}"
            )
        elif outcome.kind == "refused":
            reason = outcome.detail.split(": ", 2)[-1][:60]
            self.refusals[reason] = self.refusals.get(reason, 0) + 1
            shutil.rmtree(folder, ignore_errors=True)
        else:
            self.pending.append((case, outcome.results, folder / "cohort.csv"))
        if self.progress and (index + 1) % self.progress == 0:
            print(f"[fuzz] {index + 1} cases: {self.counts}", flush=True)
        return outcome

    def check_with_r(self) -> int:
        """Compare every pending success with R (one Rscript call); returns cases compared."""
        if not self.pending:
            return 0
        specs = [r_spec(case, results, csv) for case, results, csv in self.pending]
        r_results = run_r(specs, self.folder)
        for (case, results, csv), r in zip(self.pending, r_results, strict=True):
            diffs = compare_with_r(results, r)
            if diffs:
                self.mismatches.append(f"{csv}: argv {case.argv}: " + "; ".join(diffs[:4]))
        compared = len(self.pending)
        self.pending.clear()
        return compared

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
