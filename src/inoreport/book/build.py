"""Build the book so that it fails loudly and never shows stale results.

``python -m inoreport.book.build [--root DIR]`` does four things, in order:

1. **Invalidate on dependency change.** jupyter-cache keys a notebook on its code
   cells only, so an edit to ``src/``, ``data/``, the benchmark results or the pinned
   environment would
   silently reuse old outputs. We hash those inputs; when the hash changes, the
   execution cache and ``_build/results`` are wiped.
2. **Execute in a known order.** Pages that produce inputs for chapters
   (``metadata.inoreport.stage == "early"``, e.g. the synthetic-cohort targets) run
   first, then the chapters (two at a time: the CI machine has two cores), then pages
   that gather other chapters' results (``stage == "late"``). Executed notebooks
   go into the same jupyter-cache database that MyST-NB reads, so the Sphinx
   build that follows re-executes nothing. A notebook whose declared results
   file (``metadata.inoreport.writes``) is missing is executed again.
3. **Build with warnings as errors.** ``jupyter-book build -n -W --keep-going``
   on a clean HTML tree, so a warning from an earlier build is not forgotten.
4. **Print** the path of ``index.html``.

It runs with pinned arithmetic (:mod:`inoreport.portable`), so the notebooks compute the
same numbers on every x86-64 machine.

Any notebook exception prints its traceback and exits non-zero.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from inoreport import portable

#: Inputs whose change must re-execute every notebook (relative to the book root).
#: benchmarks/results.json is read by the appendix page and rewritten by `make bench`.
DEPENDENCY_PATHS = (
    "src",
    "data",
    "requirements.txt",
    "pyproject.toml",
    "benchmarks/results.json",
)
#: Files inside those folders that do not affect results.
_IGNORED_PARTS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}
_IGNORED_SUFFIXES = {".pyc", ".pyo"}

EXECUTION_TIMEOUT_S = 900
#: Lookups of published numbers made while executing pages (one JSON line each).
LOOKUP_LOG_FILE = "published_lookups.jsonl"
#: Execution order of pages, by their ``metadata.inoreport.stage``.
STAGES = ("early", "chapter", "late")


class BuildError(RuntimeError):
    """The book could not be built; the message says why."""


@dataclass
class Page:
    path: Path
    stage: str = "chapter"  # one of STAGES
    writes: list[str] = field(default_factory=list)


def dependency_hash(root: Path) -> str:
    """SHA-256 over the paths and bytes of every file the notebooks depend on."""
    digest = hashlib.sha256()
    for rel in DEPENDENCY_PATHS:
        base = root / rel
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for f in files:
            parts = set(f.relative_to(root).parts)
            if (
                parts & _IGNORED_PARTS
                or f.suffix in _IGNORED_SUFFIXES
                or any(p.endswith(".egg-info") for p in parts)
            ):
                continue
            digest.update(str(f.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(f.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def build_dir(root: Path) -> Path:
    return root / "_build"


def results_dir(root: Path) -> Path:
    return build_dir(root) / "results"


def invalidate_if_dependencies_changed(root: Path) -> bool:
    """Wipe the execution cache and results when src/, data/ or pins changed.

    Returns True when the cache was invalidated.
    """
    state = build_dir(root) / ".dependency-hash"
    current = dependency_hash(root)
    previous = state.read_text().strip() if state.exists() else None
    if previous == current:
        return False
    for stale in (build_dir(root) / ".jupyter_cache", results_dir(root)):
        if stale.exists():
            shutil.rmtree(stale)
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(current + "\n")
    reason = "first build" if previous is None else "src/, data/ or requirements changed"
    print(f"[build] execution cache reset ({reason})", flush=True)
    return True


def _toc_files(root: Path) -> list[str]:
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            if "root" in node:
                found.append(node["root"])
            for value in node.values():
                if isinstance(value, list | dict):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


def read_notebook(path: Path):
    """Read a page as MyST-NB does: .ipynb via nbformat, text notebooks via MyST-NB."""
    import nbformat

    if path.suffix == ".ipynb":
        return nbformat.read(path, as_version=4)
    from myst_nb.core.config import NbParserConfig  # noqa: F401  (import check)
    from myst_nb.core.read import read_myst_markdown_notebook

    return read_myst_markdown_notebook(path.read_text(encoding="utf-8"))


def _is_text_notebook(path: Path) -> bool:
    if path.suffix != ".md":
        return False
    head = path.read_text(encoding="utf-8").split("\n---", 1)[0]
    return head.startswith("---") and "kernelspec" in head


def executable_pages(root: Path) -> list[Page]:
    """Every page in the table of contents that MyST-NB will execute."""
    pages: list[Page] = []
    for entry in _toc_files(root):
        for suffix in (".ipynb", ".md"):
            path = root / f"{entry}{suffix}"
            if not path.exists():
                continue
            if suffix == ".md" and not _is_text_notebook(path):
                break
            nb = read_notebook(path)
            meta = nb.metadata.get("inoreport", {}) or {}
            if meta.get("stage", "chapter") not in STAGES:
                raise BuildError(
                    f"{path}: metadata inoreport.stage is {meta.get('stage')!r}; "
                    f"expected one of {', '.join(STAGES)}"
                )
            pages.append(
                Page(
                    path=path,
                    stage=meta.get("stage", "chapter"),
                    writes=list(meta.get("writes", [])),
                )
            )
            break
    return pages


def _execute(path_str: str, timeout: int):
    """Run one notebook in a fresh kernel, with cwd = its folder (as MyST-NB does)."""
    from jupyter_cache.executors.utils import single_nb_execution

    path = Path(path_str)
    nb = read_notebook(path)
    started = time.perf_counter()
    result = single_nb_execution(
        nb, cwd=str(path.parent), timeout=timeout, allow_errors=False, meta_override=True
    )
    elapsed = time.perf_counter() - started
    error = None
    if result.err is not None:
        error = _format_error(result.err)
    return path_str, result.nb, elapsed, error


def _format_error(err: BaseException) -> str:
    import traceback

    text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    # nbclient's CellExecutionError carries the kernel traceback in its message.
    return text


def execute_pages(root: Path, pages: list[Page], workers: int = 2) -> dict[str, float]:
    """Execute every page not already in the cache; raise BuildError on any failure.

    Returns seconds per executed page (empty when everything was cached).
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(build_dir(root) / ".jupyter_cache"))
    # every published number a page reads is logged beside the results (see
    # inoreport.published.LOOKUP_LOG); the kernels inherit the variable
    results_dir(root).mkdir(parents=True, exist_ok=True)
    os.environ["INOREPORT_LOOKUP_LOG"] = str(results_dir(root) / LOOKUP_LOG_FILE)
    timings: dict[str, float] = {}
    failures: list[str] = []
    for stage in STAGES:
        todo = []
        for page in (p for p in pages if p.stage == stage):
            missing = [w for w in page.writes if not (results_dir(root) / w).exists()]
            try:
                cache.match_cache_notebook(read_notebook(page.path))
                cached = True
            except KeyError:
                cached = False
            if cached and not missing:
                continue
            todo.append(page)
        if not todo:
            continue
        names = ", ".join(str(p.path.relative_to(root)) for p in todo)
        print(f"[build] executing ({stage}): {names}", flush=True)
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
            jobs = [pool.submit(_execute, str(p.path), EXECUTION_TIMEOUT_S) for p in todo]
            for job in jobs:
                path_str, nb, elapsed, error = job.result()
                rel = str(Path(path_str).relative_to(root))
                if error:
                    failures.append(f"--- {rel} raised an exception ---\n{error}")
                    continue
                timings[rel] = elapsed
                print(f"[build]   {rel}: {elapsed:.1f} s", flush=True)
                cache.cache_notebook_bundle(
                    CacheBundleIn(nb, path_str, data={"execution_seconds": elapsed}),
                    check_validity=False,
                    overwrite=True,
                )
        if failures:
            raise BuildError("notebook execution failed:\n" + "\n".join(failures))
    return timings


def sphinx_build(root: Path) -> None:
    """jupyter-book build with nitpicky warnings as errors, on a clean HTML tree."""
    for stale in ("html", "jupyter_execute", ".doctrees"):
        target = build_dir(root) / stale
        if target.exists():
            shutil.rmtree(target)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(root), "-n", "-W", "--keep-going"]
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    proc = subprocess.run(cmd, env=env, cwd=root)
    if proc.returncode != 0:
        raise BuildError(f"jupyter-book build exited with {proc.returncode} (warnings are errors)")


def build(root: Path, workers: int = 2) -> Path:
    root = root.resolve()
    if not (root / "_config.yml").exists():
        raise BuildError(f"{root}: no _config.yml; run from the book's top folder or pass --root")
    started = time.perf_counter()
    invalidate_if_dependencies_changed(root)
    results_dir(root).mkdir(parents=True, exist_ok=True)
    timings = execute_pages(root, executable_pages(root), workers=workers)
    executed = time.perf_counter() - started
    sphinx_build(root)
    total = time.perf_counter() - started
    index = build_dir(root) / "html" / "index.html"
    if not index.exists():
        raise BuildError(f"build finished but {index} is missing")
    print(
        f"[build] executed {len(timings)} page(s) in {executed:.1f} s; total {total:.1f} s",
        flush=True,
    )
    print(f"Book built: {index}", flush=True)
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m inoreport.book.build", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--root", type=Path, default=Path.cwd(), help="book root (holds _config.yml)"
    )
    parser.add_argument("--workers", type=int, default=2, help="notebooks executed at once")
    args = parser.parse_args(argv)
    if not portable.is_portable():
        # the notebooks' kernels inherit the pinned arithmetic (same numbers on every CPU)
        return portable.run_module(
            "inoreport.book.build", list(sys.argv[1:] if argv is None else argv)
        )
    try:
        build(args.root, workers=args.workers)
    except BuildError as exc:
        print(f"[build] FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
