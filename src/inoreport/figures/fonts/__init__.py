"""The figures' font, shipped with the package so every machine draws the same glyph widths.

Liberation Sans 2.1 (metric-compatible with Arial; SIL Open Font License, see
``LICENSE-OFL.txt`` beside this file) is registered with matplotlib under a family name of
our own, :data:`FAMILY`, so a system font called "Liberation Sans" (another version, other
metrics) can never be picked instead, and the font cache an earlier run left in
``~/.cache/matplotlib`` plays no part. :func:`register` also puts the family first in
``font.sans-serif``, so a figure drawn with matplotlib's defaults uses it too.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

#: The private family name under which the shipped files are registered.
FAMILY = "Liberation Sans inoreport"
FOLDER = Path(__file__).resolve().parent


def files() -> list[Path]:
    """The shipped font files (regular, bold, italic, bold italic)."""
    return sorted(FOLDER.glob("LiberationSans-*.ttf"))


def register() -> list[str]:
    """Register the shipped font with matplotlib (idempotent); returns ``[FAMILY]``."""
    import matplotlib
    from matplotlib import font_manager

    manager = font_manager.fontManager
    ours = {entry.fname for entry in manager.ttflist if entry.name == FAMILY}
    added = False
    for path in files():
        if str(path) in ours:
            continue
        entry = font_manager.ttfFontProperty(font_manager.get_font(str(path)))
        manager.ttflist.append(dataclasses.replace(entry, name=FAMILY))
        added = True
    if added:
        cached = getattr(manager, "_findfont_cached", None)
        if cached is not None:  # forget lookups made before the registration
            cached.cache_clear()
    sans = list(matplotlib.rcParams["font.sans-serif"])
    if not sans or sans[0] != FAMILY:
        matplotlib.rcParams["font.sans-serif"] = [FAMILY, *[f for f in sans if f != FAMILY]]
    return [FAMILY]
