"""The book build fails loudly and never shows stale results.

Each test builds a tiny book in a temporary folder with the project's real
``_config.yml`` and builder (``python -m inoreport.book.build``), so what is proven here is
what ``make book`` does.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from support import html_of, make_book, notebook, run_build

from inoreport.book import build as builder

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_notebook_exception_fails_build_with_traceback(tmp_path):
    root = make_book(
        tmp_path, {"broken.ipynb": notebook("raise ZeroDivisionError('deliberately broken')")}
    )
    result = run_build(root)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "ZeroDivisionError" in output and "deliberately broken" in output
    assert "FAILED" in output


def test_sphinx_stage_alone_also_fails_on_a_notebook_exception(tmp_path):
    # Even without our pre-execution step, MyST-NB is configured to raise (not to
    # render an error page), and a second build does not forget the failure.
    root = make_book(tmp_path, {"broken.ipynb": notebook("1 / 0")})
    for _ in range(2):
        with pytest.raises(builder.BuildError):
            builder.sphinx_build(root)


def test_broken_cross_reference_fails_build(tmp_path):
    root = make_book(
        tmp_path, {"page.md": "# A page\n\nSee {doc}`no_such_page` and {cite:p}`no_such_key`.\n"}
    )
    result = run_build(root)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "no_such_page" in output


def test_clean_book_builds_and_warm_rebuild_executes_nothing(tmp_path):
    root = make_book(tmp_path, {"ok.ipynb": notebook("print('hello from the notebook')")})
    first = run_build(root)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "hello from the notebook" in html_of(root, "ok")
    assert "Book built:" in first.stdout and "index.html" in first.stdout
    second = run_build(root)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "executed 0 page(s)" in second.stdout


def test_editing_a_file_under_src_re_executes_notebooks(tmp_path):
    # The notebook's code cells do not change; only a file it depends on does.
    code = "from pathlib import Path\nprint('value is', Path('src/value.txt').read_text().strip())"
    root = make_book(tmp_path, {"dep.ipynb": notebook(code)})
    (root / "src").mkdir()
    (root / "src" / "value.txt").write_text("alpha\n")
    first = run_build(root)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "value is alpha" in html_of(root, "dep")

    (root / "src" / "value.txt").write_text("beta\n")
    second = run_build(root)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "execution cache reset" in second.stdout
    assert "executed 1 page(s)" in second.stdout
    page = html_of(root, "dep")
    assert "value is beta" in page and "value is alpha" not in page


def test_missing_declared_results_file_re_executes_its_notebook(tmp_path):
    code = (
        "import json, os\n"
        "from pathlib import Path\n"
        "out = Path(os.environ['INOREPORT_RESULTS_DIR'])\n"
        "out.mkdir(parents=True, exist_ok=True)\n"
        "(out / 'page.json').write_text(json.dumps({'ok': True}))"
    )
    nb = notebook(code, metadata={"inoreport": {"writes": ["page.json"]}})
    root = make_book(tmp_path, {"writer.ipynb": nb})
    results = root / "_build" / "results"
    env_code = f"import os\nos.environ['INOREPORT_RESULTS_DIR'] = {str(results)!r}"
    nb.cells.insert(1, nbformat.v4.new_code_cell(env_code))
    nbformat.write(nb, root / "writer.ipynb")

    assert run_build(root).returncode == 0
    assert json.loads((results / "page.json").read_text()) == {"ok": True}
    (results / "page.json").unlink()
    again = run_build(root)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "executed 1 page(s)" in again.stdout
    assert (results / "page.json").exists()


def test_dependency_hash_ignores_bytecode_but_sees_source(tmp_path):
    (tmp_path / "src" / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "mod.py").write_text("x = 1\n")
    before = builder.dependency_hash(tmp_path)
    (tmp_path / "src" / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"junk")
    assert builder.dependency_hash(tmp_path) == before
    (tmp_path / "src" / "pkg" / "mod.py").write_text("x = 2\n")
    assert builder.dependency_hash(tmp_path) != before


def test_pages_execute_in_stage_order(tmp_path):
    # An "early" page writes a file that a chapter reads, and a "late" page reads the
    # chapter's output: in toc order the chapter comes first, so only staging makes it work.
    def writer(name, reads=None):
        code = "from pathlib import Path\n"
        if reads:
            code += f"print('read', Path({reads!r}).read_text())\n"
        code += f"Path({name!r}).write_text({name!r})"
        return code

    pages = {
        "late.ipynb": notebook(writer("late.txt", reads="chapter.txt"),
                                metadata={"inoreport": {"stage": "late"}}),
        "chapter.ipynb": notebook(writer("chapter.txt", reads="early.txt")),
        "early.ipynb": notebook(writer("early.txt"), metadata={"inoreport": {"stage": "early"}}),
    }  # fmt: skip
    root = make_book(tmp_path, pages)
    result = run_build(root)
    assert result.returncode == 0, result.stdout + result.stderr
    order = [line.split("(")[1].split(")")[0] for line in result.stdout.splitlines()
             if line.startswith("[build] executing (")]  # fmt: skip
    assert order == ["early", "chapter", "late"]
    assert "read chapter.txt" in html_of(root, "late")


def test_unknown_stage_is_refused(tmp_path):
    root = make_book(
        tmp_path, {"odd.ipynb": notebook("1", metadata={"inoreport": {"stage": "first"}})}
    )
    result = run_build(root)
    assert result.returncode != 0
    assert "inoreport.stage is 'first'" in result.stdout + result.stderr
