"""The speed-and-scale appendix: ``benchmarks/results.json`` (written by ``make bench``) as
the appendix's tables, figure and glued numbers. Times in seconds, memory in MB.
"""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML

from inoreport import paths

__all__ = [
    "book_table",
    "cli_table",
    "glue_values",
    "load",
    "stats_figure",
    "stats_table",
    "targets_table",
]


def load() -> dict:
    """The recorded benchmark run."""
    return json.loads((paths.ROOT / "benchmarks" / "results.json").read_text())


def _table(frame: pd.DataFrame, caption: str) -> HTML:
    html = frame.to_html(index=False, border=0, classes="table")
    return HTML(html.replace(">", f"><caption>{caption}</caption>", 1))


def glue_values(bench: dict) -> dict[str, object]:
    """Every number the appendix's prose quotes, keyed by its glue name."""
    machine = bench["machine"]
    targets = pd.DataFrame(bench["targets"])
    out: dict[str, object] = {
        "bench_machine": f"a {machine['cores']}-core machine (Python {machine['python']}, "
        f"{machine['r']})",
        "bench_when": bench["measured_at"],
        "bench_targets_met": int(targets["met"].sum()),
        "bench_targets_total": len(targets),
    }
    book = bench.get("book")
    if book:
        edited = ", ".join(book["edit_one_executed"]) or "none"
        out["bench_book_sentence"] = (
            f"The cold build took {book['cold_s']:.0f} s and a warm rebuild {book['warm_s']:.1f} s "
            f"({100 * book['warm_s'] / book['cold_s']:.0f}% of cold). After the edit, the pages "
            f"that executed again were: {edited}."
        )
    else:
        out["bench_book_sentence"] = "The book build has not been benchmarked in the recorded run."
    stats = pd.DataFrame(bench.get("stats", []))
    largest = stats.iloc[-1]
    out["bench_largest_n"] = f"{int(largest['n']):,}"
    out["bench_largest_py"] = f"{largest['python_stats_s']:.1f}"
    out["bench_largest_r"] = f"{largest['r_stats_s']:.1f}"
    out["bench_largest_ratio"] = f"{largest['ratio_stats']:.2f}"
    agree = max(abs(a - b) / abs(b) for a, b in stats["logrank_chisq"])
    out["bench_chisq_agree"] = f"{agree:.1e}"
    return out


def targets_table(bench: dict) -> HTML:
    """Each target against the value measured in the same run."""
    targets = pd.DataFrame(bench["targets"])
    targets["measured"] = targets["measured"].map(lambda v: f"{v:.3g}")
    targets["limit"] = targets["limit"].map(lambda v: f"{v:g}")
    targets["met"] = targets["met"].map({True: "yes", False: "NO"})
    targets = targets.rename(columns={"target": "what", "limit": "target", "met": "target met"})
    return _table(targets, "Benchmark targets on the 2-core machine")


def book_table(bench: dict) -> HTML:
    """Cold, warm and one-edit build times, with the pages each executed."""
    book = bench.get("book")
    if not book:
        return HTML("<p>Not measured.</p>")
    rows = pd.DataFrame(
        [
            ("cold (empty cache)", book["cold_s"], len(book["cold_executed"])),
            ("warm (no change)", book["warm_s"], len(book["warm_executed"])),
            (
                f"after editing {book['edited_page']}",
                book["edit_one_s"],
                len(book["edit_one_executed"]),
            ),
        ],
        columns=["build", "seconds", "pages executed"],
    )
    rows["seconds"] = rows["seconds"].round(1)
    return _table(rows, "Book build times (seconds)")


def stats_table(bench: dict) -> HTML:
    """KM + log-rank + Cox times and peak memory, ours against R's, by registry size."""
    stats = pd.DataFrame(bench.get("stats", []))
    columns = ["n", "python_stats_s", "r_stats_s", "ratio_stats", "python_peak_mb", "r_peak_mb"]
    view = stats[columns].copy()
    view.columns = [
        "patients",
        "inoreport (s)",
        "R survival (s)",
        "ratio (ours / R)",
        "inoreport peak (MB)",
        "R peak (MB)",
    ]
    for col in view.columns[1:]:
        view[col] = view[col].map(lambda v: f"{v:.3g}")
    view["patients"] = stats["n"].map(lambda n: f"{n:,}")
    return _table(view, "Synthetic registries: KM + log-rank + Cox (8 covariates)")


def stats_figure(bench: dict):
    """Seconds against registry size (log-log), ours and R's."""
    stats = pd.DataFrame(bench.get("stats", []))
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.plot(stats["n"], stats["python_stats_s"], marker="o", label="inoreport (Python)")
    ax.plot(stats["n"], stats["r_stats_s"], marker="s", label="R survival")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Patients in the synthetic registry")
    ax.set_ylabel("Seconds (KM + log-rank + Cox)")
    ax.legend(frameon=False)
    ax.set_title("Statistics time by registry size (synthetic registries)")
    plt.close(fig)
    return fig


def cli_table(bench: dict) -> HTML:
    """``inoreport run survival_comparison`` end to end, by registry size."""
    cli = pd.DataFrame(bench.get("cli", []))
    if not len(cli):
        return HTML("<p>The command-line run has not been benchmarked yet.</p>")
    view = pd.DataFrame(
        {
            "patients": cli["n"].map(lambda n: f"{n:,}"),
            "seconds": cli["wall_s"].round(1),
            "peak MB": cli["peak_mb"].round(0),
        }
    )
    return _table(view, "inoreport run survival_comparison, end to end")
