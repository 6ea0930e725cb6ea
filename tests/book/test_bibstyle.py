"""Citations of an entry whose author list ends in "and others" read "et al."."""

from __future__ import annotations

import re

import pytest
from support import html_of, make_book, run_build

pytestmark = pytest.mark.slow


def test_and_others_is_cited_as_et_al(tmp_path):
    page = (
        "# Citing\n\n"
        "Parenthetical {cite:p}`aldoss2024`; textual {cite:t}`aldoss2024`; "
        "many authors {cite:p}`jabbour2023`; two authors {cite:p}`vanderweele2017`.\n\n"
        "```{bibliography}\n:filter: docname in docnames\n```\n"
    )
    root = make_book(tmp_path, {"cites.md": page})
    result = run_build(root)
    assert result.returncode == 0, result.stdout + result.stderr
    text = re.sub(r"<[^>]+>", "", html_of(root, "cites"))
    assert "Aldoss et al., 2024" in text
    assert "Aldoss et al. [2024]" in text
    assert "and others" not in text
    assert "Ibrahim Aldoss et al." in text  # the bibliography entry
    assert "Jabbour et al., 2023" in text
    assert "VanderWeele and Ding, 2017" in text  # two real authors keep "and"
