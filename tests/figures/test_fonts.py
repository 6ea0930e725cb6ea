"""The figures' font is the one the package ships, whatever the system has installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from matplotlib import font_manager

from inoreport.figures import fonts, plots


def test_the_shipped_files_are_there_with_their_licence():
    names = {path.name for path in fonts.files()}
    assert names == {
        "LiberationSans-Regular.ttf",
        "LiberationSans-Bold.ttf",
        "LiberationSans-Italic.ttf",
        "LiberationSans-BoldItalic.ttf",
    }
    licence = (fonts.FOLDER / "LICENSE-OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence


def test_house_style_resolves_to_the_shipped_files():
    with plots.style():
        for weight, style, stem in [
            ("normal", "normal", "Regular"),
            ("bold", "normal", "Bold"),
            ("normal", "italic", "Italic"),
            ("bold", "italic", "BoldItalic"),
        ]:
            prop = font_manager.FontProperties(weight=weight, style=style)
            found = font_manager.findfont(prop, fallback_to_default=False)
            assert found == str(fonts.FOLDER / f"LiberationSans-{stem}.ttf")


def test_default_sans_serif_is_the_shipped_font_too():
    # figures drawn with matplotlib's defaults (no house rc) get the same font
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert found == str(fonts.FOLDER / "LiberationSans-Regular.ttf")


def test_a_system_font_of_the_same_name_cannot_take_over(tmp_path):
    # A machine whose system has another "Liberation Sans" (or an old matplotlib cache of
    # one): simulate it in a fresh process by adding a differently-shaped font under that
    # name *before* the package registers its own, then measure a label in both settings.
    measure = textwrap.dedent(
        """
        import dataclasses, sys
        from matplotlib import font_manager
        fm = font_manager.fontManager
        if sys.argv[1] == "with":
            impostor = font_manager.findfont("DejaVu Sans")
            entry = font_manager.ttfFontProperty(font_manager.get_font(impostor))
            fm.ttflist.insert(0, dataclasses.replace(entry, name="Liberation Sans"))
            fm.ttflist.insert(0, dataclasses.replace(entry, name="Arial"))
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from inoreport.figures import plots
        with plots.style():
            fig = Figure(figsize=(4, 2))
            canvas = FigureCanvasAgg(fig)
            text = fig.text(0.1, 0.5, "Progression-free survival (months), n at risk")
            width = text.get_window_extent(renderer=canvas.get_renderer()).width
        print(float(width))
        """
    )
    widths = {}
    for setting in ("without", "with"):
        out = subprocess.run(
            [sys.executable, "-c", measure, setting], capture_output=True, text=True, check=True
        )
        widths[setting] = float(out.stdout.strip().splitlines()[-1])
    assert widths["with"] == widths["without"]
