"""stats/ draws nothing: no module under src/inoreport/stats imports matplotlib (or seaborn) or
anything from inoreport.figures, at module level or inside a function. Figures live in
inoreport.figures and take the results stats/ returns."""

from __future__ import annotations

import ast
from pathlib import Path

import inoreport.stats

STATS = Path(inoreport.stats.__file__).resolve().parent
DRAWING = ("matplotlib", "seaborn", "inoreport.figures")


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module an ``import`` or ``from ... import`` statement in ``path`` names (for
    ``from a import b`` both ``a`` and ``a.b``, so ``from inoreport import figures`` counts)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _draws(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in DRAWING)


def test_the_scan_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "example.py"
    source.write_text(
        "import numpy\n\ndef f():\n    from inoreport import figures\n"
        "    import matplotlib.pyplot as plt\n"
    )
    drawing = [m for _, m in _imported_modules(source) if _draws(m)]
    assert drawing == ["inoreport.figures", "matplotlib.pyplot"]


def test_no_stats_module_imports_a_drawing_library_or_the_figures():
    files = sorted(STATS.rglob("*.py"))
    assert len(files) >= 10  # survival/ and the five modules beside it
    offending = [
        f"{path.relative_to(STATS.parent)}:{line} imports {module}"
        for path in files
        for line, module in _imported_modules(path)
        if _draws(module)
    ]
    assert offending == []
