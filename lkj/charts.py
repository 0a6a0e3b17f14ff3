"""Charts (matplotlib): one style, Indonesian labels and number formats, readable in print.

Figures are written as PNG without timestamps or software metadata, so a rebuild from the same
data gives the same bytes.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Callable

from lkj import formatting as F
from lkj import kinerja


class _Pyplot:
    """matplotlib.pyplot, imported on first use. Importing it costs ~0.5 s, and some users of
    this module only want its colours (the portal after every `make report`)."""

    def __getattr__(self, name: str):
        global plt
        import matplotlib

        matplotlib.use("Agg")  # no display on servers; must precede pyplot
        import matplotlib.pyplot as pyplot
        from matplotlib import font_manager

        # The report's body font (vendored with lkj), so charts need no font of this machine.
        for ttf in sorted(FONTS_DIR.glob("*.ttf")):
            font_manager.fontManager.addfont(str(ttf))

        plt = pyplot  # from now on the module itself, no detour through this object
        return getattr(pyplot, name)


plt = _Pyplot()

# Drawn at the PDF's text width (A4 less the 3 cm + 2 cm margins of _quarto.yml), so the
# point sizes below are the printed ones: none under 8 pt.
WIDTH_CM, DPI = 16, 200
FONTS_DIR = Path(__file__).resolve().parent / "templates" / "fonts"
FONT = "Liberation Sans"
SMALL = 8  # legends and value labels
COLOURS = {"target": "#9aa5b1", "target_tahunan": "#d0d7de", "realisasi": "#1f4e79",
           "accent": "#c55a11"}
BAND_COLOURS = {"Sangat Tinggi": "#1a7f37", "Tinggi": "#7cb342", "Sedang": "#f2c12e",
                "Rendah": "#f08c00", "Sangat Rendah": "#c62828"}


def band_colours(skala=kinerja.SKALA) -> dict[str, str]:
    """{label: colour} for a kabupaten's rating scale: the palette above by rank, best first
    (a scale of fewer bands takes colours spread over it), so "Sangat Baik" is as green as
    "Sangat Tinggi"."""
    palette = list(BAND_COLOURS.values())
    n = len(skala)
    return {b.label: palette[round(i * (len(palette) - 1) / max(n - 1, 1))]
            for i, b in enumerate(skala)}
STYLE = {
    # DejaVu Sans only for a glyph the body font lacks
    "font.family": [FONT, "DejaVu Sans"], "font.size": 9, "axes.titlesize": 10,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "axes.grid.axis": "x", "grid.color": "#d0d7de", "grid.linewidth": 0.6,
    "svg.hashsalt": "lkj",
    # Laid out at the resolution it is saved at: the text sizes measured for tight_layout are
    # then reused when the PNG is drawn, instead of being measured again at another resolution.
    "figure.dpi": DPI,
}


def _pct_axis(ax, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _pos: F.number(round(v), 0) + "%")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def _wrap(text: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def _figure(n_rows: int):
    height = max(1.6, 0.6 + 0.45 * n_rows)  # inches, grows with the number of bars
    return plt.subplots(figsize=(WIDTH_CM / 2.54, height))


def target_realisasi(indikator) -> plt.Figure:
    """Target vs realisasi per indicator (horizontal grouped bars)."""
    with plt.rc_context(STYLE):
        fig, ax = _figure(len(indikator))
        labels = [_wrap(f"{r.no}. {r.indikator}") for r in indikator.itertuples()]
        y = list(range(len(indikator)))[::-1]
        # With quarter targets the bar the capaian is judged on, and the year's beside it.
        quarter = bool(indikator["target_periode_triwulan"].map(bool).any())
        series = ([("target_periode", "Target triwulan", COLOURS["target"]),
                   ("target", "Target tahunan", COLOURS["target_tahunan"])] if quarter
                  else [("target_periode", "Target", COLOURS["target"])])
        series.append(("realisasi", "Realisasi", COLOURS["realisasi"]))
        h = 0.76 / len(series)
        values = []
        for i, (col, label, colour) in enumerate(series):
            off = (len(series) - 1) * h / 2 - i * h
            vals = [float(getattr(r, col) or 0) for r in indikator.itertuples()]
            values += vals
            ax.barh([v + off for v in y], vals, h, label=label, color=colour)
            for r, yy in zip(indikator.itertuples(), y):
                value = getattr(r, col)
                if value is not None:
                    ax.text(float(value) + 1, yy + off, F.value_with_unit(value, r.satuan),
                            va="center", fontsize=SMALL)
        ax.set_yticks(y, labels)
        ax.set_xlim(0, max([*values, 100]) * 1.18)
        if all(r.satuan == "%" for r in indikator.itertuples()):
            _pct_axis(ax)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False,
                  ncols=len(series))
        fig.tight_layout()
        return fig


def capaian_bands(indikator, skala=kinerja.SKALA) -> plt.Figure:
    """Each indicator's capaian against the category bands of the rating scale."""
    colours = band_colours(skala)
    with plt.rc_context(STYLE):
        fig, ax = _figure(len(indikator))
        caps = [float(r.capaian) if r.capaian is not None else 0 for r in indikator.itertuples()]
        top = max([*caps, 110]) * 1.1
        for band in skala:
            lo = float(band.lower) if band.lower is not None else 0
            hi = float(band.upper) if band.upper is not None else top
            ax.axvspan(lo, hi, color=colours[band.label], alpha=0.16, lw=0,
                       label=band.label)
        y = list(range(len(indikator)))[::-1]
        ax.barh(y, caps, 0.5, color=[colours.get(r.kategori, "#777")
                                     for r in indikator.itertuples()])
        for r, yy in zip(indikator.itertuples(), y):
            ax.text((float(r.capaian) if r.capaian is not None else 0) + 1, yy,
                    f"{F.percent(r.capaian)} ({r.kategori})", va="center", fontsize=SMALL)
        ax.axvline(100, color="#333", lw=0.8, ls="--")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, ncols=5,
                  fontsize=SMALL, handlelength=1.2)
        ax.set_yticks(y, [_wrap(f"{r.no}. {r.indikator}") for r in indikator.itertuples()])
        ax.set_xlim(0, top)
        _pct_axis(ax)
        ax.grid(False)
        fig.tight_layout()
        return fig


def serapan_program(programs) -> plt.Figure:
    """Budget absorption (realisasi ÷ pagu) per program."""
    with plt.rc_context(STYLE):
        fig, ax = _figure(len(programs))
        y = list(range(len(programs)))[::-1]
        values = [float(r.persen) if r.persen is not None else 0 for r in programs.itertuples()]
        ax.barh(y, [100] * len(y), 0.55, color="#e6eaee")
        ax.barh(y, values, 0.55, color=COLOURS["realisasi"])
        for value, r, yy in zip(values, programs.itertuples(), y):
            ax.text(min(value, 100) + 1.5, yy, F.percent(r.persen), va="center", fontsize=SMALL)
        ax.set_yticks(y, [_wrap(f"{r.kode} {r.uraian}", 40)
                          for r in programs.itertuples()])
        ax.set_xlim(0, 112)
        _pct_axis(ax)
        fig.tight_layout()
        return fig


def riwayat(indikator, riwayat_table, tahun: int, tw: int) -> plt.Figure:
    """Realisasi across years per indicator (the current year is cumulative to the quarter)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(WIDTH_CM / 2.54, 2.8))
        palette = [COLOURS["realisasi"], COLOURS["accent"], "#2e7d32", "#6a1b9a", "#00838f"]
        for i, r in enumerate(indikator.itertuples()):
            past = riwayat_table[riwayat_table["indikator_id"] == r.indikator_id]
            years = [int(t) for t in past["tahun"]] + [tahun]
            values = [float(v) if v is not None else float("nan") for v in past["realisasi"]]
            values.append(float(r.realisasi) if r.realisasi is not None else float("nan"))
            colour = palette[i % len(palette)]
            # Before Triwulan IV this year is cumulative to the quarter, not a full year: a
            # dotted line to a hollow point, not a fall the line would show.
            full = len(years) - (tw < 4)
            ax.plot(years[:full], values[:full], marker="o", color=colour,
                    label=_wrap(f"{r.no}. {r.indikator}", 70))
            if tw < 4:
                ax.plot(years[-2:], values[-2:], linestyle=":", color=colour)
                ax.plot(years[-1:], values[-1:], marker="o", markerfacecolor="white",
                        linestyle="none", color=colour)
            for x, v in zip(years, values):
                if v == v:
                    ax.annotate(F.number(v) + ("%" if r.satuan == "%" else ""), (x, v),
                                textcoords="offset points", xytext=(0, 6 if i % 2 == 0 else -13),
                                ha="center",
                                fontsize=SMALL, color=colour)
        ticks = sorted({int(t) for t in riwayat_table["tahun"]} | {tahun})
        ax.set_xticks(ticks, [str(t) if t != tahun else f"{t}\n(s.d. TW {F.roman(tw)})"
                              for t in ticks])
        ax.set_xlim(ticks[0] - 0.4, ticks[-1] + 0.4)
        ax.set_ylim(0, max(110, ax.get_ylim()[1]))
        if all(r.satuan == "%" for r in indikator.itertuples()):
            _pct_axis(ax, "y")
        ax.grid(True, axis="y")
        ax.grid(False, axis="x")
        ax.legend(frameon=False, fontsize=SMALL, loc="upper center", bbox_to_anchor=(0.5, -0.28))
        fig.tight_layout()
        return fig


def triwulan(indikator, trend, tahun: int) -> plt.Figure:
    """Realisasi per quarter of the year (cumulative to each quarter's end) per indicator."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(WIDTH_CM / 2.54, 2.8))
        palette = [COLOURS["realisasi"], COLOURS["accent"], "#2e7d32", "#6a1b9a", "#00838f"]
        for i, r in enumerate(indikator.itertuples()):
            rows = trend[trend["indikator_id"] == r.indikator_id].sort_values("tw")
            xs = [int(t) for t in rows["tw"]]
            ys = [float(v) if v is not None else float("nan") for v in rows["realisasi"]]
            ax.plot(xs, ys, marker="o", color=palette[i % len(palette)],
                    label=_wrap(f"{r.no}. {r.indikator}", 70))
        ax.set_xticks([1, 2, 3, 4], [f"TW {F.roman(t)}" for t in (1, 2, 3, 4)])
        ax.set_xlim(0.6, 4.4)
        ax.set_ylim(0, max(110, ax.get_ylim()[1]))
        if all(r.satuan == "%" for r in indikator.itertuples()):
            _pct_axis(ax, "y")
        ax.grid(True, axis="y")
        ax.grid(False, axis="x")
        ax.set_title(f"Tahun {tahun}", fontsize=9)
        ax.legend(frameon=False, fontsize=SMALL, loc="upper center", bbox_to_anchor=(0.5, -0.18))
        fig.tight_layout()
        return fig


def warm_up() -> None:
    """Draw a small throw-away chart: fonts, glyph caches and the PNG writer are then loaded in
    this process, and every process forked from it draws its first chart as fast as its last."""
    import io

    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(2, 1.5))
        ax.barh([0, 1], [40, 80], label="Target", color=COLOURS["target"])
        ax.plot([0, 1], [20, 60], marker="o", label="Realisasi", color=COLOURS["realisasi"])
        ax.text(50, 0, F.percent(12.5), fontsize=SMALL)
        ax.annotate(F.number(7), (0, 20), textcoords="offset points", xytext=(0, 6), fontsize=SMALL)
        _pct_axis(ax)
        ax.set_title("Tahun", fontsize=9)
        ax.legend(frameon=False, fontsize=SMALL)
        fig.tight_layout()
        _write_png(fig, io.BytesIO())
        plt.close(fig)


# A folder of charts already drawn, by their arguments (`lkj watch` sets it to its own work
# folder): a chart is a function of its arguments alone, the same data giving the same bytes,
# so a rebuild after a narasi edit copies its charts instead of drawing them again.
CACHE: Path | None = None


def draw(path: Path, chart: Callable[..., Any], *args) -> Path:
    """Draw ``chart(*args)`` (one of the chart functions above) and save it as PNG at ``path``."""
    if CACHE is None:
        return save(chart(*args), path)
    import hashlib
    import os
    import pickle
    import shutil

    key = hashlib.sha256(pickle.dumps((chart.__module__, chart.__qualname__, args))).hexdigest()
    kept = CACHE / f"{key}.png"
    if not kept.is_file():
        tmp = save(chart(*args), CACHE / f".{key}.{os.getpid()}.tmp")
        os.replace(tmp, kept)  # a rebuild stopped while saving leaves no half chart behind
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(kept, path)
    return Path(path)


def save(fig: plt.Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_png(fig, path)
    plt.close(fig)
    return path


PAD_INCHES = 0.05  # white margin kept around the chart's ink


def _write_png(fig: plt.Figure, target) -> None:
    """The chart as PNG, cropped to its ink plus PAD_INCHES (what ``bbox_inches="tight"`` gives).

    savefig's "tight" lays the figure out a second time at a new size, and its text is measured
    again for the new canvas. Drawn once at its own size and then cropped, saving a chart costs
    ≈0,03 s less (a quarter; measured on the sample's charts). When some ink lies
    outside the figure (a legend wider than the page), savefig's "tight", which widens the
    canvas, is still used. The figures are opaque, so the PNG is RGB; no text chunks (no date,
    no software name), so the same chart gives the same bytes.
    """
    import numpy as np
    from PIL import Image

    if fig.dpi != DPI:  # a figure made outside STYLE: print resolution all the same
        fig.set_dpi(DPI)
    fig.canvas.draw()
    box = fig.get_tightbbox(fig.canvas.get_renderer()).padded(PAD_INCHES)
    x0, y0, x1, y1 = (v * fig.dpi for v in box.extents)
    pixels = np.asarray(fig.canvas.buffer_rgba())
    rows, columns = pixels.shape[:2]
    # As savefig: the size truncated to whole pixels, the box's left and top edges kept (what
    # matches its output best, measured on the sample's charts). Pixel rows count from the top.
    width, height = int(x1 - x0), int(y1 - y0)
    left, top = round(x0), round(rows - y1)
    if left < 0 or top < 0 or left + width > columns or top + height > rows:
        # compress_level 1: flat-coloured charts compress almost as well (≈4 % larger) in a
        # fraction of the time of the default level 6.
        fig.savefig(target, dpi=fig.dpi, format="png", metadata={"Software": None},
                    bbox_inches="tight", pad_inches=PAD_INCHES, pil_kwargs={"compress_level": 1})
        return
    cropped = pixels[top:top + height, left:left + width, :3]
    Image.fromarray(cropped).save(target, format="png", compress_level=1, dpi=(fig.dpi, fig.dpi))
