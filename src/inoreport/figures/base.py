"""The one base every figure module builds on: the house style, the palette, a figure
outside pyplot, alt text, and the one "SYNTHETIC DATA" stamp.

* :func:`style` (a context manager) and :func:`set_theme` apply the house look;
  :data:`PALETTE` is the colour-blind-safe Okabe–Ito palette.
* :func:`new_figure` returns a matplotlib :class:`~matplotlib.figure.Figure` with an Agg
  canvas and the shipped font registered, outside pyplot (no global state; a notebook shows
  it only when asked).
* :func:`set_alt` attaches alt text built from the figure's data; :func:`alt_text` reads it;
  :func:`show` turns a figure into an HTML ``<img>`` whose ``alt`` attribute holds it.
* :func:`stamp_synthetic` draws the badge that marks a figure made from synthetic data
  (:func:`set_alt` with ``synthetic=True`` says so in the alt text).

Sizes are inches and points; a page shows a figure at 96 px per inch.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from inoreport.figures import fonts

__all__ = [
    "COLUMN_WIDTH_IN",
    "PAGE_WIDTH_IN",
    "PALETTE",
    "RC",
    "SYNTHETIC_LABEL",
    "FigureHTML",
    "PlotInputError",
    "alt_text",
    "new_figure",
    "set_alt",
    "set_theme",
    "show",
    "stamp_synthetic",
    "style",
]

#: Okabe & Ito (2008) colour-blind-safe palette, most distinct hues first (yellow last: it
#: is hard to see as a line on white).
PALETTE = [
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
]
#: Width (inches) of a full-page figure: the width of a book page.
PAGE_WIDTH_IN = 8.0
#: Width (inches) of a figure shown unscaled in the page's text column (about 680 px at
#: 96 px per inch).
COLUMN_WIDTH_IN = 7.0
#: The stamp's text.
SYNTHETIC_LABEL = "SYNTHETIC DATA"
_BADGE = dict(boxstyle="round,pad=0.35", facecolor="#fff1d6", edgecolor="#d08a1e", linewidth=1.2)
_BADGE_TEXT = dict(color="#7a4100", fontweight="bold", fontsize=12)

#: The figures' font, shipped with the package (see :mod:`inoreport.figures.fonts`).
_FONTS = fonts.register()

#: The rc settings behind the house style (a seaborn "ticks"-like look at page size).
RC = {
    # A concrete family list (not "sans-serif") is stored in each text's font properties, so
    # the same font is found when the figure is drawn later, outside our rc context.
    "font.family": _FONTS,
    # Sizes for an 8-inch figure that the page shows at 6-8 inches: 13 pt stays legible.
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.titleweight": "bold",
    "axes.labelsize": 13.5,
    "axes.linewidth": 0.9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#222222",
    "axes.labelcolor": "#111111",
    "axes.grid": False,
    "axes.facecolor": "white",
    "axes.prop_cycle": cycler(color=PALETTE),
    "xtick.labelsize": 12.5,
    "ytick.labelsize": 12.5,
    "xtick.color": "#222222",
    "ytick.color": "#222222",
    "xtick.major.size": 4,
    "ytick.major.size": 4,
    "xtick.major.width": 0.9,
    "ytick.major.width": 0.9,
    "legend.fontsize": 12.5,
    "legend.frameon": False,
    "lines.linewidth": 2.2,
    "figure.facecolor": "white",
    "figure.dpi": 100,
    "savefig.facecolor": "white",
    "savefig.dpi": 200,
    "hatch.linewidth": 0.9,
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
}


class PlotInputError(ValueError):
    """A result passed to a plotting function that lacks what the figure needs."""


def style():
    """Context manager applying the house style (:data:`RC`)."""
    import matplotlib

    return matplotlib.rc_context(RC)


def set_theme() -> None:
    """Apply the house look globally (seaborn "ticks" theme + :data:`PALETTE` + :data:`RC`).

    Call once at the top of a notebook so figures drawn directly with seaborn/matplotlib
    match the ones made here.
    """
    import matplotlib
    import seaborn as sns

    sns.set_theme(style="ticks", palette=PALETTE, rc=RC)
    matplotlib.rcParams.update(RC)


def new_figure(width: float, height: float, layout: str | None = "constrained") -> Figure:
    """A Figure ``width`` x ``height`` inches with an Agg canvas, outside pyplot.

    The canvas is real (text can be measured, ``savefig`` works); ``layout`` is matplotlib's
    layout engine (``"constrained"``, ``"tight"`` or ``None``). The shipped font is
    registered first.
    """
    fonts.register()
    fig = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(fig)
    return fig


def stamp_synthetic(
    where,
    x: float = 1.0,
    y: float = 1.015,
    *,
    ha: str = "right",
    va: str = "bottom",
    transform=None,
    note: str | None = None,
):
    """Stamp the "SYNTHETIC DATA" badge on an Axes or a Figure (``where``); returns the text.

    By default the badge sits just above an axes' top right corner: ``x``, ``y`` are in
    axes coordinates (figure coordinates when ``where`` is a Figure) unless ``transform``
    says otherwise (e.g. ``ax.transData``); ``ha``, ``va`` align the badge on that point.
    ``note`` adds words in brackets (e.g. which curves are synthetic). The badge looks the
    same on every figure.
    """
    if transform is None:
        transform = where.transAxes if hasattr(where, "transAxes") else where.transFigure
    label = SYNTHETIC_LABEL if note is None else f"{SYNTHETIC_LABEL} ({note})"
    return where.text(
        x, y, label, transform=transform, ha=ha, va=va, bbox=_BADGE, gid="synthetic-label",
        zorder=10, **_BADGE_TEXT,
    )  # fmt: skip


def set_alt(fig: Figure, text: str, synthetic: bool = False, **info) -> None:
    """Attach alt text (and facts about the figure, ``info``) where :func:`alt_text` reads
    it; ``synthetic`` puts "Synthetic data, not real patients." in front."""
    if synthetic:
        text = "Synthetic data, not real patients. " + text
    fig._inoreport_alt = text
    fig._inoreport_info = info


def alt_text(fig: Figure) -> str:
    """The alt text of a figure made here (built from its data); raises for other figures."""
    text = getattr(fig, "_inoreport_alt", None)
    if not text:
        raise PlotInputError(
            "this figure has no alt text; pass alt='...' to show(), describing what it shows"
        )
    return text


@dataclass
class FigureHTML:
    """A rendered figure as ``<figure><img alt=...></figure>`` (displayed by Jupyter/MyST-NB)."""

    png: bytes
    alt: str
    caption: str | None
    width_px: int

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        cap = f"<figcaption>{html.escape(self.caption)}</figcaption>" if self.caption else ""
        return (
            '<figure class="ino-figure" style="margin: 0.5em 0 1.2em 0;">'
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt, quote=True)}" '
            f'style="width: {self.width_px}px; max-width: 100%; height: auto;">{cap}</figure>'
        )

    def __repr__(self) -> str:
        return f"[figure: {self.alt}]"


def show(
    fig: Figure, alt: str | None = None, caption: str | None = None, dpi: int = 200
) -> FigureHTML:
    """A figure as HTML with a meaningful ``alt`` attribute (default: :func:`alt_text`).

    In a chapter: ``show(km_plot(fit, synthetic=True))`` as the last line of a cell, or
    ``glue("km_figure", show(fig), display=False)`` and ``{glue:}`km_figure``` in prose.
    The image is a PNG at ``dpi`` shown at the figure's size (capped at the page width).
    """
    alt = alt if alt is not None else alt_text(fig)
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.08)
    width_px = int(round(fig.get_figwidth() * 96))
    return FigureHTML(png=buf.getvalue(), alt=alt, caption=caption, width_px=width_px)
