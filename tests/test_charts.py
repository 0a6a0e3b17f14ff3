"""Charts are written as savefig(bbox_inches="tight") would write them, without its second
layout: drawn once, cropped to the ink plus a margin; opaque RGB; no dates or software names."""

import io

import numpy as np
import pytest
from PIL import Image

import lkj
from lkj import anggaran, charts


@pytest.fixture(scope="module")
def sample():
    return lkj.load("candipuro", 2023, 2, "camat")


def _chart_makers(sample):
    return {
        "target_realisasi": lambda: charts.target_realisasi(sample.indikator),
        "serapan_program": lambda: charts.serapan_program(anggaran.programs(sample.anggaran)),
        "riwayat": lambda: charts.riwayat(sample.indikator, sample.riwayat, 2023, 2),
        "triwulan": lambda: charts.triwulan(sample.indikator, sample.triwulan, 2023),
    }


def _savefig_tight(fig) -> Image.Image:
    buf = io.BytesIO()
    fig.savefig(buf, dpi=charts.DPI, format="png", bbox_inches="tight", pad_inches=charts.PAD_INCHES)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


@pytest.mark.parametrize("name", ["target_realisasi", "serapan_program", "riwayat", "triwulan"])
def test_chart_is_cropped_as_savefig_tight_crops_it(sample, name):
    make = _chart_makers(sample)[name]
    expected = _savefig_tight(make())
    fig = make()
    buf = io.BytesIO()
    charts._write_png(fig, buf)
    charts.plt.close(fig)
    ours = Image.open(io.BytesIO(buf.getvalue()))
    assert ours.size == expected.size
    assert ours.mode == "RGB"
    # Same picture; anti-aliased edges may differ by the sub-pixel shift savefig applies.
    far = (np.abs(np.asarray(ours, dtype=int) - np.asarray(expected, dtype=int)).max(axis=2) > 64)
    assert far.mean() < 0.02  # text edges in the body font: ~1% of pixels; a wrong crop: far more


def test_chart_png_has_no_date_or_software_name(sample, tmp_path):
    path = charts.save(charts.target_realisasi(sample.indikator), tmp_path / "a.png")
    data = path.read_bytes()
    for chunk in (b"tIME", b"tEXt", b"iTXt", b"zTXt"):
        assert chunk not in data
    assert Image.open(path).info["dpi"][0] == pytest.approx(charts.DPI, abs=0.01)


def test_ink_outside_the_figure_widens_the_picture(tmp_path):
    """A label running past the figure's edge is kept, as savefig's "tight" keeps it."""
    with charts.plt.rc_context(charts.STYLE):
        fig, ax = charts.plt.subplots(figsize=(2, 1))
        ax.text(0.9, 0.5, "label yang panjang sekali melewati tepi gambar", transform=ax.transAxes)
    width_px = 2 * charts.DPI
    path = charts.save(fig, tmp_path / "lebar.png")
    assert Image.open(path).size[0] > width_px


def test_a_figure_made_outside_the_style_is_saved_at_print_resolution(tmp_path):
    fig, ax = charts.plt.subplots(figsize=(2, 1), dpi=72)
    ax.plot([0, 1], [0, 1])
    path = charts.save(fig, tmp_path / "dpi.png")
    assert Image.open(path).info["dpi"][0] == pytest.approx(charts.DPI, abs=0.01)
    assert Image.open(path).size[0] > 1.5 * charts.DPI  # 2 inches at 200 dpi, cropped a little


def test_a_report_draws_each_chart_when_its_chapter_is_shown(sample, tmp_path):
    from lkj.report import Laporan

    laporan = Laporan(sample, tmp_path / "figures")
    assert not (tmp_path / "figures").exists()
    laporan.section("anggaran")
    assert [p.name for p in (tmp_path / "figures").iterdir()] == ["serapan-program.png"]


def test_with_a_cache_a_chart_of_unchanged_data_is_copied_not_drawn_again(sample, tmp_path,
                                                                         monkeypatch):
    """`lkj watch` keeps its charts: a rebuild after a narasi edit reads the same data again
    and draws none of them again; a chart whose data changed is drawn anew. The copy is the
    chart drawn afresh, byte for byte."""
    drawn = []

    def target_realisasi(indikator):
        drawn.append(len(indikator))
        return charts.target_realisasi(indikator)

    monkeypatch.setattr(charts, "CACHE", tmp_path / "grafik")
    first = charts.draw(tmp_path / "a" / "g.png", target_realisasi, sample.indikator)
    read_again = lkj.load("candipuro", 2023, 2, "camat").indikator
    again = charts.draw(tmp_path / "b" / "g.png", target_realisasi, read_again)
    assert drawn == [len(sample.indikator)]
    fewer = sample.indikator.iloc[:1]
    changed = charts.draw(tmp_path / "c" / "g.png", target_realisasi, fewer)
    assert drawn == [len(sample.indikator), 1]
    assert changed.read_bytes() != first.read_bytes()
    monkeypatch.setattr(charts, "CACHE", None)
    afresh = charts.draw(tmp_path / "d" / "g.png", target_realisasi, sample.indikator)
    assert first.read_bytes() == again.read_bytes() == afresh.read_bytes()
    assert not list((tmp_path / "grafik").glob(".*"))  # no temporary file left


def test_a_cumulative_quarter_is_not_drawn_as_a_full_year_in_the_riwayat_chart(sample):
    """2021 and 2022 are full years; 2023 s.d. TW II is cumulative: its point is hollow and
    reached by a dotted line, not the solid line of the years before. At TW IV it is a year."""
    def lines(tw):
        fig = charts.riwayat(sample.indikator, sample.riwayat, 2023, tw)
        return [(list(ln.get_xdata()), ln.get_linestyle(), ln.get_markerfacecolor())
                for ln in fig.axes[0].get_lines()]
    partial = lines(2)
    assert all(2023 not in xs for xs, style, _ in partial if style == "-")
    assert any(xs[-1] == 2023 and style == ":" for xs, style, _ in partial)
    assert any(xs == [2023] and face == "white" for xs, _, face in partial)
    assert any(xs[-1] == 2023 and style == "-" for xs, style, _ in lines(4))
