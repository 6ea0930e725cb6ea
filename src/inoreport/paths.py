"""Where the project's files live, independent of the current working directory.

Notebooks execute with cwd = their own folder and the CLI may run anywhere, so every
path is resolved from the installed (editable) package, or from environment variables
that a user can set to point a chapter at other folders.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Top folder of the book (holds _config.yml). The package is installed editable from here.
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
PUBLISHED = DATA / "published"
SYNTHETIC = DATA / "synthetic"
#: The source papers, shipped beside the project (read-only).
PAPERS = ROOT.parent / "shared" / "papers"


def results_dir() -> Path:
    """Folder for machine-readable results (``_build/results`` unless INOREPORT_RESULTS_DIR)."""
    override = os.environ.get("INOREPORT_RESULTS_DIR")
    return Path(override) if override else ROOT / "_build" / "results"
