"""``inoreport``: run a chapter of the book on a cohort of your own.

    inoreport chapters
    inoreport schema CHAPTER [--template FILE]
    inoreport run CHAPTER --cohort FILE --out DIR [--map group=arm --map time=pfs_months ...]
                  [--time-unit days|weeks|months|years] [--landmarks 6,12]
                  [--group-label 1=Control --group-label 2=InO] [--group-order Control,InO]
                  [--reference Control] [--covariates age,sex] [--categorical sex] [--synthetic]
                  [--sheet NAME] [--reference-level stage=I] [--pdf]
                  [--endpoint time=infusion_date:relapse_date,death_date:last_contact_date]
                  [--date-format %d/%m/%Y]

The cohort may be a CSV, a TSV or an Excel workbook (.xlsx). ``--endpoint`` computes a
chapter's time and event columns from date columns of the file (see inoreport.intake).

``run`` checks the cohort in this process first (a bad file costs a second, not a
kernel start), executes the chapter's notebook with papermill in a temporary folder,
renders a standalone HTML page that opens offline, and only then moves
``DIR/CHAPTER.ipynb``, ``DIR/CHAPTER.html`` and ``DIR/results.json`` into ``DIR`` (and
``DIR/CHAPTER.pdf`` with ``--pdf``, printed from the page by headless Chromium).
On any error nothing is written to ``DIR``.

Exit codes: 0 success; 2 a problem with the input or the options (one line on stderr
naming the file, column and row); 1 the notebook failed (the line says where the
executed notebook with its traceback was kept).
"""

from __future__ import annotations

import argparse
import ast
import base64
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from inoreport.book.chapters import Chapter, get_chapter, list_chapters
from inoreport.cohort import TIME_UNITS, CohortError

#: Options that read the cohort file (the generic chapter takes them as parameters; for
#: a chapter whose notebook does not, the CLI hands it the file already read, as a CSV).
INTAKE_OPTIONS = ("sheet", "endpoints", "date_format")

PROG = "inoreport"


class UsageError(CohortError):
    """A command-line option is malformed (reported like a cohort error, exit code 2)."""

    def __init__(self, problem: str, expected: str):
        super().__init__(problem, expected)


class NotebookFailed(RuntimeError):
    """The chapter's notebook raised; the message says where its traceback was kept."""


# --------------------------------------------------------------------------- options


def parse_pairs(items: Sequence[str] | None, option: str, expected: str) -> dict[str, str]:
    """``["group=arm", "time=pfs"]`` -> ``{"group": "arm", "time": "pfs"}``."""
    pairs: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise UsageError(f"{option} '{item}'", f"expected {expected}")
        if key in pairs:
            raise UsageError(f"{option} '{item}': '{key}' is given twice", "expected it once")
        pairs[key] = value
    return pairs


def parse_list(text: str | None) -> list[str] | None:
    """``"a,b"`` -> ``["a", "b"]`` (None stays None)."""
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_landmarks(text: str | None) -> list[float] | None:
    """``"6,12"`` -> ``[6.0, 12.0]``; times must be numbers >= 0."""
    if text is None:
        return None
    times = []
    for part in text.split(","):
        part = part.strip()
        try:
            value = float(part)
        except ValueError:
            raise UsageError(
                f"--landmarks '{text}': '{part}' is not a number",
                "expected times separated by commas, e.g. --landmarks 6,12",
            ) from None
        if not value >= 0 or value == float("inf"):
            raise UsageError(
                f"--landmarks '{text}': '{part}' is not a time >= 0", "expected e.g. 6,12"
            )
        times.append(value)
    if not times:
        raise UsageError(f"--landmarks '{text}'", "expected times separated by commas, e.g. 6,12")
    return sorted(set(times))


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (exit code 2)."""

    def error(self, message):  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Run a chapter of the InO/CAR-T book on your cohort.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("chapters", help="list the chapters you can run and the columns they need")

    schema = sub.add_parser("schema", help="describe the columns a chapter needs")
    schema.add_argument("chapter")
    schema.add_argument(
        "--template", type=Path, help="also write an example CSV with those columns"
    )

    run = sub.add_parser("run", help="run a chapter on a cohort file (.csv, .tsv, .xlsx)")
    run.add_argument("chapter", help="chapter name (see `inoreport chapters`)")
    run.add_argument(
        "--cohort",
        type=Path,
        help="cohort file (.csv, .tsv or .xlsx), one row per patient "
        "(default: the chapter's own example cohort)",
    )
    run.add_argument("--sheet", help="worksheet of an .xlsx cohort (default: the first)")
    run.add_argument("--out", type=Path, required=True, help="folder for the outputs")
    run.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=YOURS",
        help="chapter column = column in your file, e.g. --map time=pfs_months (repeatable)",
    )
    run.add_argument(
        "--time-unit",
        choices=TIME_UNITS,
        help="unit of the durations in your file (with --endpoint: the unit to count in)",
    )
    run.add_argument(
        "--endpoint",
        action="append",
        metavar="TIME=START:EVENT[,EVENT...]:LAST_CONTACT",
        help="compute a time column and its event column from date columns, e.g. "
        "--endpoint time=infusion_date:relapse_date,death_date:last_contact_date (repeatable)",
    )
    run.add_argument(
        "--date-format",
        help="how dates that are not ISO are written, e.g. %%d/%%m/%%Y (day first)",
    )
    run.add_argument("--landmarks", help="landmark times, comma separated, e.g. 6,12")
    run.add_argument(
        "--group-label",
        action="append",
        metavar="VALUE=LABEL",
        help="label for a group value, e.g. --group-label 1=Male (repeatable; lists every value)",
    )
    run.add_argument("--group-order", help="groups in display order, comma separated")
    run.add_argument("--reference", help="reference group for hazard ratios (default: the first)")
    run.add_argument("--covariates", help="extra columns for Table 1 and Cox, comma separated")
    run.add_argument(
        "--categorical",
        help="numeric covariates to treat as categories, comma separated (text ones are)",
    )
    run.add_argument(
        "--reference-level",
        action="append",
        metavar="COLUMN=LEVEL",
        help="reference level of a categorical covariate (default: the first sorted)",
    )
    run.add_argument(
        "--synthetic",
        action="store_true",
        default=None,
        help="label every table and figure as synthetic data",
    )
    run.add_argument("--pdf", action="store_true", help="also write CHAPTER.pdf (needs Chromium)")
    run.add_argument("--quiet", action="store_true", help="no progress lines")
    return parser


# --------------------------------------------------------------------------- commands


def cmd_chapters(out=None) -> int:
    out = out or sys.stdout
    for chapter in list_chapters():
        schema = chapter.schema
        unit = schema.time_unit or "the cohort's own unit"
        print(f"{chapter.name}: {chapter.title}", file=out)
        if chapter.summary:
            print(f"  {chapter.summary}", file=out)
        print(f"  required columns: {', '.join(schema.required)}", file=out)
        if schema.optional:
            print(f"  optional columns: {', '.join(schema.optional)}", file=out)
        print(f"  times reported in: {unit}", file=out)
        print(f"  default cohort: {_display_path(chapter.default_cohort)}", file=out)
    return 0


def cmd_schema(name: str, template: Path | None, out=None) -> int:
    out = out or sys.stdout
    chapter = get_chapter(name)
    table = chapter.schema.describe()
    print(f"{chapter.name}: columns of the cohort CSV (rename yours with --map)", file=out)
    for row in table.to_dict("records"):
        unit = f", {row['unit']}" if row["unit"] else ""
        need = "required" if row["required"] == "yes" else "optional"
        print(
            f"  {row['column']} ({need}; {row['type']}{unit}): {row['meaning']} "
            f"Allowed: {row['allowed values']}.",
            file=out,
        )
    if template is not None:
        write_template(chapter, template)
        print(f"example written to {template}", file=out)
    return 0


def write_template(chapter: Chapter, path: Path) -> Path:
    """A small example CSV with the chapter's columns (made-up values, marked as such)."""
    import pandas as pd

    rows = []
    for i in range(1, 5):
        row = {}
        for column in chapter.schema.columns:
            row[column.name] = {
                "id": f"P{i:03d}",
                "group": "A" if i % 2 else "B",
                "duration": [3.2, 7.5, 12.0, 18.4][i - 1],
                "event": [1, 1, 0, 1][i - 1],
                "number": [64, 58, 71, 49][i - 1],
                "category": (column.allowed or ("x", "y"))[i % len(column.allowed or ("x", "y"))],
                "flag": i % 2,
            }[column.kind]
        rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def cmd_run(args: argparse.Namespace) -> int:
    chapter = get_chapter(args.chapter)
    overrides = {
        "column_map": parse_pairs(args.map, "--map", "CHAPTER_COLUMN=YOUR_COLUMN, e.g. time=pfs")
        or None,
        "time_unit": args.time_unit,
        "landmarks": parse_landmarks(args.landmarks),
        "group_labels": parse_pairs(args.group_label, "--group-label", "VALUE=LABEL, e.g. 1=Male")
        or None,
        "group_order": parse_list(args.group_order),
        "reference": args.reference,
        "covariates": parse_list(args.covariates),
        "categorical": parse_list(args.categorical),
        "synthetic": args.synthetic,
        "reference_levels": parse_pairs(
            args.reference_level, "--reference-level", "COLUMN=LEVEL, e.g. stage=I"
        )
        or None,
    }
    intake = {
        "sheet": args.sheet,
        "endpoints": parse_pairs(
            args.endpoint,
            "--endpoint",
            "TIME_COLUMN=START:EVENT[,EVENT...]:LAST_CONTACT, e.g. "
            "time=infusion_date:relapse_date,death_date:last_contact_date",
        )
        or None,
        "date_format": args.date_format,
    }
    if args.cohort is None and any(v is not None for v in intake.values()):
        raise UsageError(
            "--sheet, --endpoint or --date-format without --cohort",
            "expected them only with your own cohort file (--cohort FILE)",
        )
    takes_intake = all(key in chapter.defaults for key in INTAKE_OPTIONS)
    if takes_intake:
        overrides.update(intake)
        intake = {}
    else:
        intake = {k: v for k, v in intake.items() if v is not None}
    params = chapter.parameters(args.cohort, **overrides)
    if args.pdf:
        find_chromium()  # before anything runs: a missing browser is a one-line error
    progress = (lambda _line: None) if args.quiet else _print_progress
    run_chapter(chapter, params, args.out, progress=progress, intake=intake, pdf=args.pdf)
    return 0


def _print_progress(line: str) -> None:
    print(f"[{PROG}] {line}", flush=True)


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- running


def check_cohort(chapter: Chapter, params: dict, intake: dict | None = None):
    """Load and check the cohort in-process, exactly as the notebook will (CohortError)."""
    return chapter.load_cohort(**params, **(intake or {}))


def prepare_cohort(cohort, intake: dict, params: dict, work: Path) -> dict:
    """Parameters for a notebook that reads CSV only: the file as read and checked here.

    Used when ``--sheet``, ``--endpoint`` or ``--date-format`` are given for a chapter whose
    notebook does not take them: the cells (with the times and events computed from the
    dates) are written to ``work/<stem>.csv`` in the time unit asked for, and the notebook
    reads that file with the user's other settings.
    """
    from inoreport.intake import derive_endpoints, read_table

    source = Path(params["cohort_path"])
    cells = read_table(source, intake.get("sheet"))
    if intake.get("endpoints"):
        cells, _ = derive_endpoints(
            cells,
            intake["endpoints"],
            cohort.schema,
            file=source.name,
            time_unit=params.get("time_unit") or "months",
            date_format=intake.get("date_format"),
        )
    folder = work / "cohort"
    folder.mkdir()
    prepared = folder / f"{source.stem}.csv"
    cells.to_csv(prepared, index=False)
    params = dict(params)
    params["cohort_path"] = str(prepared)
    if "synthetic" in params:
        params["synthetic"] = cohort.synthetic
    return params


def run_chapter(
    chapter: Chapter,
    params: dict,
    out_dir: Path,
    *,
    progress: Callable[[str], None] = _print_progress,
    intake: dict | None = None,
    pdf: bool = False,
) -> dict[str, Path]:
    """Check, execute, render, then move the outputs into ``out_dir``.

    intake: ``sheet``/``endpoints``/``date_format`` for a chapter whose notebook does not
    take them (see :func:`prepare_cohort`). pdf: also print the page to ``CHAPTER.pdf``.
    Returns ``{"ipynb": ..., "html": ..., "results": ...}`` (and ``"pdf"``). Raises
    CohortError (bad input; nothing written) or NotebookFailed (nothing written to
    ``out_dir``).
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: this is a file", "expected a folder (new or existing)")
    started = time.perf_counter()
    cohort_path = Path(params["cohort_path"])

    progress(f"[1/4] checking {cohort_path.name} against the '{chapter.name}' schema")
    cohort = check_cohort(chapter, params, intake)
    group_column = cohort.frame[chapter.schema.group] if cohort.groups else None
    groups = ", ".join(
        f"{g} {int((group_column == g).sum())}" for g in cohort.groups
    )  # labels are data: counted by comparison, never looked up as keys
    progress(
        f"      {cohort.n} patients"
        + (f"; groups: {groups}" if groups else "")
        + f"; times in {cohort.time_unit}"
    )
    for text in cohort.endpoints.values():
        progress(f"      computed from dates: {text}")
    if cohort.auto_categorical:
        progress(
            "      taken as categorical (text values): "
            + ", ".join(
                f"{c} (reference {cohort.reference_levels[c]})"
                if c in cohort.reference_levels
                else c
                for c in cohort.auto_categorical
            )
        )

    work = Path(tempfile.mkdtemp(prefix=f"inoreport-{chapter.name}-"))
    executed = work / f"{chapter.name}.ipynb"
    html = work / f"{chapter.name}.html"
    results_dir = work / "results"
    results_dir.mkdir()
    try:
        if intake:
            params = prepare_cohort(cohort, intake, params, work)
        step = time.perf_counter()
        progress(f"[2/4] executing {chapter.notebook} with papermill")
        _execute(chapter, params, executed, results_dir)
        progress(f"      done in {time.perf_counter() - step:.1f} s")

        step = time.perf_counter()
        progress("[3/4] rendering a standalone HTML page (opens offline)")
        render_html(executed, html)
        results_file = results_dir / chapter.results
        if not results_file.exists():
            raise NotebookFailed(
                f"{chapter.notebook} ran but wrote no {chapter.results} in its results folder; "
                "expected the chapter to write its results (see inoreport.book.chapters)"
            )
        if pdf:
            pdf_file = work / f"{chapter.name}.pdf"
            print_pdf(html, pdf_file)
        progress(f"      done in {time.perf_counter() - step:.1f} s")

        progress(f"[4/4] writing {_display_path(out_dir)}/")
        out_dir.mkdir(parents=True, exist_ok=True)
        written = {
            "ipynb": out_dir / executed.name,
            "html": out_dir / html.name,
            "results": out_dir / "results.json",
        }
        moves = [
            (executed, written["ipynb"]),
            (html, written["html"]),
            (results_file, written["results"]),
        ]
        if pdf:
            written["pdf"] = out_dir / pdf_file.name
            moves.append((pdf_file, written["pdf"]))
        for source, target in moves:
            shutil.move(str(source), str(target))
            os.chmod(target, 0o666 & ~_umask())  # temporary files are private; outputs are not
    except BaseException:
        if not any(work.glob("*.ipynb")):
            shutil.rmtree(work, ignore_errors=True)
        raise
    shutil.rmtree(work, ignore_errors=True)
    for kind, path in written.items():
        progress(f"      {kind:8s} {_display_path(path)}")
    progress(f"finished in {time.perf_counter() - started:.1f} s")
    return written


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _execute(chapter: Chapter, params: dict, executed: Path, results_dir: Path) -> None:
    """papermill with the chapter's results redirected to ``results_dir``."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    previous = os.environ.get("INOREPORT_RESULTS_DIR")
    os.environ["INOREPORT_RESULTS_DIR"] = str(results_dir)
    source = chapter.notebook_path
    if source.suffix != ".ipynb":
        # a MyST Markdown notebook: papermill takes the parsed notebook, read as MyST-NB does
        from inoreport.book.build import read_notebook

        source = read_notebook(source)
    else:
        source = str(source)
    try:
        papermill.execute_notebook(
            source,
            str(executed),
            parameters=params,
            cwd=str(chapter.notebook_path.parent),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            report_mode=False,
        )
    except PapermillExecutionError as exc:
        cell = exc.exec_count if exc.exec_count is not None else "?"
        evalue = str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else ""
        raise NotebookFailed(
            f"{chapter.notebook} failed in cell [{cell}]: {exc.ename}: {evalue} "
            f"(executed notebook with the traceback kept at {executed})"
        ) from None
    finally:
        if previous is None:
            os.environ.pop("INOREPORT_RESULTS_DIR", None)
        else:
            os.environ["INOREPORT_RESULTS_DIR"] = previous


# --------------------------------------------------------------------------- PDF

#: Headless Chromium without network, first-run or sync chatter (the tests use the same).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)


def find_chromium() -> str:
    """Path of the Chromium executable (``INOREPORT_CHROMIUM``, else chromium on PATH)."""
    wanted = os.environ.get("INOREPORT_CHROMIUM")
    for name in [wanted] if wanted else ["chromium", "chromium-browser", "google-chrome"]:
        found = shutil.which(name)
        if found:
            return found
    raise UsageError(
        f"--pdf: Chromium not found ({wanted or 'chromium'} is not on PATH)",
        "expected a Chromium browser to print the page (Debian: apt-get install chromium), "
        "or run without --pdf",
    )


def print_pdf(html: Path, pdf: Path, timeout: float = 120) -> Path:
    """Print a standalone HTML page to PDF with headless Chromium (no network needed)."""
    import subprocess

    chromium = find_chromium()
    profile = Path(tempfile.mkdtemp(prefix="inoreport-chromium-"))
    try:
        done = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--print-to-pdf={pdf}",
                html.resolve().as_uri(),
            ],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise NotebookFailed(
            f"Chromium did not print {html.name} within {timeout:.0f} s; "
            "expected a PDF (run without --pdf to get the HTML page)"
        ) from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if not pdf.exists() or pdf.stat().st_size == 0:
        said = (done.stderr or b"").decode(errors="replace").strip().splitlines()
        raise NotebookFailed(
            f"Chromium printed no PDF of {html.name} (exit code {done.returncode}"
            + (f": {said[-1]}" if said else "")
            + "); expected a PDF (run without --pdf to get the HTML page)"
        )
    return pdf


# --------------------------------------------------------------------------- HTML

#: The lab template without anything fetched from a CDN (require.js, MathJax, mermaid,
#: widget manager), and with the alt text of a figure taken from the cell's metadata.
_OFFLINE_TEMPLATE = r"""
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
 alt="{{ (cell.metadata.get('mystnb', {}).get('image', {}).get('alt')
          or 'Figure produced by this cell') | escape_html }}" style="max-width:100%">
</div>
{% endblock data_png %}
"""

_ADMONITIONS = {
    "note", "warning", "important", "tip", "hint", "caution", "attention", "danger",
    "error", "seealso", "admonition",
}  # fmt: skip
_ROLE = re.compile(r"\{([A-Za-z][\w:.-]*)\}`([^`]*)`")
_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[^}]+)\}\s*(?P<arg>.*)$")


def render_html(notebook: Path, html: Path) -> Path:
    """Standalone HTML of an executed notebook that references no external URL.

    MyST markup that plain Jupyter does not know (glue roles, citations, admonitions) is
    resolved first, so the page reads like the book; cells tagged remove-input/hide-input
    show their output only, remove-cell not at all.
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = nbformat.read(notebook, as_version=4)
    resolve_myst(nb)
    remover = TagRemovePreprocessor(
        remove_cell_tags={"remove-cell"},
        remove_input_tags={"remove-input", "hide-input"},
        remove_all_outputs_tags={"remove-output"},
        enabled=True,
    )
    nb, _ = remover.preprocess(nb, {})
    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"inoreport_offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="inoreport_offline.html.j2",
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
    html.write_text(body, encoding="utf-8")
    return html


def external_references(html_text: str) -> list[str]:
    """URLs an HTML page would fetch by itself (scripts, styles, images, frames, fonts)."""
    found = re.findall(
        r"<(?:script|link|img|iframe|source|embed)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?(https?:)?//",
        html_text,
        flags=re.IGNORECASE,
    )
    found = [m or "//" for m in found]
    found += re.findall(r"url\(\s*[\"']?(?:https?:)?//[^)]*\)", html_text, flags=re.IGNORECASE)
    found += re.findall(r"@import\s+[\"'](?:https?:)?//[^\"']*", html_text, flags=re.IGNORECASE)
    found += re.findall(r"\bimport\s*\(?\s*[\"']https?://[^\"']*", html_text)
    found += re.findall(r"\bfrom\s+[\"']https?://[^\"']*", html_text)
    return found


def _glue_outputs(nb) -> dict[str, dict]:
    glued: dict[str, dict] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}) or {}
            scrap = meta.get("scrapbook")
            if not scrap:
                kept.append(output)
                continue
            prefix = scrap.get("mime_prefix", "")
            data = {k[len(prefix) :]: v for k, v in output.get("data", {}).items()}
            glued[scrap["name"]] = data
            if not prefix:
                output["data"] = data
                kept.append(output)
        cell.outputs = kept
    return glued


def _format_plain(text: str, spec: str) -> str:
    """As myst-nb's ``{glue:text}`` formats text/plain with a format spec."""
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if not spec:
        return str(value)
    kind = spec[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return format(value, spec)


def _glue_block(data: dict, caption: str) -> str:
    if "image/png" in data:
        alt = caption.strip().splitlines()[0] if caption.strip() else "figure"
        png = data["image/png"]
        if isinstance(png, bytes):
            png = base64.b64encode(png).decode()
        block = f'<img alt="{_attr(alt)}" src="data:image/png;base64,{png}" style="max-width:100%">'
    elif "text/html" in data:
        block = (
            data["text/html"] if isinstance(data["text/html"], str) else "".join(data["text/html"])
        )
    elif "text/markdown" in data:
        block = data["text/markdown"]
    else:
        block = _format_plain(data.get("text/plain", ""), "")
    return block + (f"\n\n*{caption.strip()}*" if caption.strip() else "")


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def resolve_myst(nb) -> None:
    """Rewrite MyST-only markup in markdown cells as plain Markdown (in place)."""
    glued = _glue_outputs(nb)

    def role(match: re.Match) -> str:
        name, content = match.group(1), match.group(2)
        if name.startswith("glue"):
            key, spec = content, ""
            if name in ("glue:text", "glue:md") and ":" in content.replace("::", ""):
                key, spec = content.rsplit(":", 1)
            data = glued.get(key.split("::")[-1])
            if data is None:
                return f"`{content}`"
            if name == "glue:text":
                return _format_plain(data.get("text/plain", ""), spec)
            if name == "glue:md" and "text/markdown" in data:
                markdown = data["text/markdown"]
                return markdown if isinstance(markdown, str) else "".join(markdown)
            return _format_plain(data.get("text/plain", ""), "")
        if name.startswith("cite"):
            keys = "; ".join(k.strip() for k in content.split(","))
            return f"({keys})" if name.endswith(":p") else keys
        target = re.match(r"^(.*?)\s*<[^>]*>$", content)
        return target.group(1) if target else content

    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        out: list[str] = []
        i = 0
        while i < len(lines):
            opening = _FENCE.match(lines[i].strip())
            if not opening:
                out.append(lines[i])
                i += 1
                continue
            fence, name, arg = opening.group("fence"), opening.group("name"), opening.group("arg")
            body: list[str] = []
            options: dict[str, str] = {}
            i += 1
            while i < len(lines) and lines[i].strip() != fence:
                option = re.match(r"^:(\w[\w-]*):\s*(.*)$", lines[i].strip())
                if option and not body:
                    options[option.group(1)] = option.group(2)
                else:
                    body.append(lines[i])
                i += 1
            i += 1  # closing fence
            text = "\n".join(body).strip()
            if name.startswith("glue"):
                data = glued.get(arg.strip())
                caption = text or options.get("alt", "")
                out.append(_glue_block(data, caption) if data else f"`{arg}`")
            elif name in _ADMONITIONS:
                title = arg.strip() or name.capitalize()
                quoted = "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
                out.append(f"> **{title}.**\n>\n{quoted}")
            elif name == "math":
                out.append(f"$$\n{text}\n$$")
            else:
                out.append(text)
        cell.source = _ROLE.sub(role, "\n".join(out))


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``inoreport`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "chapters":
            return cmd_chapters()
        if args.command == "schema":
            return cmd_schema(args.chapter, args.template)
        return cmd_run(args)
    except CohortError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr, flush=True)
        return 2
    except NotebookFailed as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr, flush=True)
        return 1


__all__ = [
    "NotebookFailed",
    "UsageError",
    "build_parser",
    "external_references",
    "main",
    "parse_landmarks",
    "parse_pairs",
    "prepare_cohort",
    "print_pdf",
    "render_html",
    "resolve_myst",
    "run_chapter",
    "write_template",
]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
