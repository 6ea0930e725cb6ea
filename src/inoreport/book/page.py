"""Page helpers for chapters: HTML tables and glued prose (names no study).

A chapter's report functions return DataFrames and dicts of Markdown strings; these helpers
put them on the page::

    glue_texts(report.bottom_line())      # {glue:md}`name` in the prose
    display(table_html(frame, caption="Table 1"))
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from IPython.display import HTML, Markdown


def table_html(frame: pd.DataFrame, caption: str | None = None, escape: bool = True) -> HTML:
    """``frame`` as a plain HTML table (no index), with an optional caption.

    ``escape=False`` keeps HTML inside the cells (line breaks, small print).
    """
    text = frame.to_html(index=False, classes="table", border=0, escape=escape)
    if caption:
        text = text.replace(">", f"><caption>{caption}</caption>", 1)
    return HTML(text)


def glue_texts(texts: Mapping[str, str]) -> None:
    """Glue each piece of prose (Markdown) under its name, for ``{glue:md}`name```."""
    from myst_nb import glue

    for name, text in texts.items():
        glue(name, Markdown(text), display=False)
