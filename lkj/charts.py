"""Charts (matplotlib): one style, Indonesian labels and number formats, readable in print.

Figures are written as PNG without timestamps or software metadata, so a rebuild from the same
data gives the same bytes.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

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

        plt = pyplot  # from now on the module itself, no detour through this object
        return getattr(pyplot, name)


plt = _Pyplot()

WIDTH_CM, DPI = 16, 200
COLOURS = {"target": "#9aa5b1", "realisasi": "#1f4e79", "accent": "#c55a11"}
BAND_COLOURS = {"Sangat Tinggi": "#1a7f37", "Tinggi": "#7cb342", "Sedang": "#f2c12e",
                "Rendah": "#f08c00", "Sangat Rendah": "#c62828"}
STYLE = {
    "font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "axes.grid.axis": "x", "grid.color": "#d0d7de", "grid.linewidth": 0.6,
    "svg.hashsalt": "lkj", "figure.dpi": 100,
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
        labels = [_wrap(f"{r.indikator_id} {r.indikator}") for r in indikator.itertuples()]
        y = list(range(len(indikator)))[::-1]
        targets = [float(r.target_periode or 0) for r in indikator.itertuples()]
        reals = [float(r.realisasi or 0) for r in indikator.itertuples()]
        h = 0.38
        ax.barh([v + h / 2 for v in y], targets, h, label="Target", color=COLOURS["target"])
        ax.barh([v - h / 2 for v in y], reals, h, label="Realisasi", color=COLOURS["realisasi"])
        for r, yy in zip(indikator.itertuples(), y):
            for value, off in ((r.target_periode, h / 2), (r.realisasi, -h / 2)):
                if value is not None:
                    ax.text(float(value) + 1, yy + off, F.value_with_unit(value, r.satuan),
                            va="center", fontsize=8)
        ax.set_yticks(y, labels)
        ax.set_xlim(0, max([*targets, *reals, 100]) * 1.18)
        if all(r.satuan == "%" for r in indikator.itertuples()):
            _pct_axis(ax)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, ncols=2)
        fig.tight_layout()
        return fig


def capaian_bands(indikator) -> plt.Figure:
    """Each indicator's capaian against the category bands of the rating scale."""
    with plt.rc_context(STYLE):
        fig, ax = _figure(len(indikator))
        caps = [float(r.capaian) if r.capaian is not None else 0 for r in indikator.itertuples()]
        top = max([*caps, 110]) * 1.1
        for band in kinerja.SKALA:
            lo = float(band.lower) if band.lower is not None else 0
            hi = float(band.upper) if band.upper is not None else top
            ax.axvspan(lo, hi, color=BAND_COLOURS[band.label], alpha=0.16, lw=0,
                       label=band.label)
        y = list(range(len(indikator)))[::-1]
        ax.barh(y, caps, 0.5, color=[BAND_COLOURS.get(r.kategori, "#777")
                                     for r in indikator.itertuples()])
        for r, yy in zip(indikator.itertuples(), y):
            ax.text((float(r.capaian) if r.capaian is not None else 0) + 1, yy,
                    f"{F.percent(r.capaian)} ({r.kategori})", va="center", fontsize=8)
        ax.axvline(100, color="#333", lw=0.8, ls="--")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, ncols=5,
                  fontsize=7, handlelength=1.2)
        ax.set_yticks(y, [_wrap(f"{r.indikator_id} {r.indikator}") for r in indikator.itertuples()])
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
            ax.text(min(value, 100) + 1.5, yy, F.percent(r.persen), va="center", fontsize=8)
        ax.set_yticks(y, [_wrap(f"{r.kode} {F.judul(r.uraian)}", 40)
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
            ax.plot(years, values, marker="o", color=colour,
                    label=_wrap(f"{r.indikator_id} {r.indikator}", 70))
            for x, v in zip(years, values):
                if v == v:
                    ax.annotate(F.number(v) + ("%" if r.satuan == "%" else ""), (x, v),
                                textcoords="offset points", xytext=(0, 6 if i % 2 == 0 else -13),
                                ha="center",
                                fontsize=7, color=colour)
        ticks = sorted({int(t) for t in riwayat_table["tahun"]} | {tahun})
        ax.set_xticks(ticks, [str(t) if t != tahun else f"{t}\n(s.d. TW {F.roman(tw)})"
                              for t in ticks])
        ax.set_xlim(ticks[0] - 0.4, ticks[-1] + 0.4)
        ax.set_ylim(0, max(110, ax.get_ylim()[1]))
        if all(r.satuan == "%" for r in indikator.itertuples()):
            _pct_axis(ax, "y")
        ax.grid(True, axis="y")
        ax.grid(False, axis="x")
        ax.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.28))
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
                    label=_wrap(f"{r.indikator_id} {r.indikator}", 70))
        ax.set_xticks([1, 2, 3, 4], [f"TW {F.roman(t)}" for t in (1, 2, 3, 4)])
        ax.set_xlim(0.6, 4.4)
        ax.set_ylim(0, max(110, ax.get_ylim()[1]))
        if all(r.satuan == "%" for r in indikator.itertuples()):
            _pct_axis(ax, "y")
        ax.grid(True, axis="y")
        ax.grid(False, axis="x")
        ax.set_title(f"Tahun {tahun}", fontsize=9)
        ax.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18))
        fig.tight_layout()
        return fig


def save(fig: plt.Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, format="png", metadata={"Software": None}, bbox_inches="tight",
                pad_inches=0.05)
    plt.close(fig)
    return path
