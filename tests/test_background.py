"""Work done beside the report instead of before it: charts drawn by a helper process while the
notebook runs, and the renderer waiting for them only where it reads the image files."""

import hashlib
import os
import sys
from pathlib import Path

import pytest

import lkj
from lkj import charts, render
from lkj.errors import LkjError
from test_render import make_notebook

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the chart helper forks; it is used on Linux only")


@pytest.fixture(scope="module")
def sample():
    return lkj.load("candipuro", 2023, 2, "camat")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_chart_drawn_by_the_helper_is_the_same_file_as_one_drawn_here(sample, tmp_path):
    here = charts.draw(tmp_path / "sini.png", charts.target_realisasi, sample.indikator)
    with charts.background() as helper:
        there = charts.draw(tmp_path / "helper.png", charts.target_realisasi, sample.indikator)
        helper.wait()
    assert _sha(here) == _sha(there)


def test_charts_asked_for_are_all_saved_when_wait_returns(sample, tmp_path):
    names = [f"grafik-{i}.png" for i in range(5)]
    with charts.background() as helper:
        for name in names:
            charts.draw(tmp_path / name, charts.capaian_bands, sample.indikator)
        helper.wait()
        assert all((tmp_path / n).stat().st_size > 1000 for n in names)


def test_a_relative_path_is_the_callers_working_directory(sample, tmp_path, monkeypatch):
    """The helper runs elsewhere; `figures/x.png` still means the notebook's figures folder."""
    with charts.background() as helper:
        monkeypatch.chdir(tmp_path)
        charts.draw(Path("figures") / "x.png", charts.capaian_bands, sample.indikator)
        helper.wait()
    assert (tmp_path / "figures" / "x.png").is_file()


def _broken_chart(_table):
    raise ValueError("kolom capaian kosong")


def test_a_failing_chart_is_reported_with_its_file_and_reason(sample, tmp_path):
    with charts.background() as helper:
        charts.draw(tmp_path / "baik.png", charts.capaian_bands, sample.indikator)
        charts.draw(tmp_path / "rusak.png", _broken_chart, sample.indikator)
        with pytest.raises(LkjError) as err:
            helper.wait()
    assert "rusak.png" in str(err.value) and "kolom capaian kosong" in str(err.value)
    assert "baik.png" not in str(err.value)


def test_the_helper_is_gone_after_the_block(sample, tmp_path):
    with charts.background() as helper:
        charts.draw(tmp_path / "a.png", charts.capaian_bands, sample.indikator)
        process = helper._process
    assert not process.is_alive()
    assert charts._BACKGROUND is None


def test_the_renderer_reads_images_only_after_images_ready(tmp_path):
    """HTML, PDF and DOCX embed a figure that only exists once ``images_ready`` returned."""
    nb = make_notebook(tmp_path / "nb")
    figure = tmp_path / "nb" / "figures" / "gambar-3-1.png"
    png = figure.read_bytes()
    figure.unlink()
    calls = []

    def images_ready():
        calls.append(1)
        figure.write_bytes(png)

    out = render.render(nb, tmp_path / "out", "lkj-candipuro", engine="embedded",
                        images_ready=images_ready)
    assert calls == [1]   # once, for the three formats
    assert set(out) == {"html", "pdf", "docx"}
    html = out["html"].read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "figures/gambar-3-1.png" not in html


def test_html_refers_to_no_file_outside_itself(tmp_path):
    nb = make_notebook(tmp_path / "nb")
    html = render.render(nb, tmp_path / "out", "x", formats=("html",),
                         engine="embedded")["html"].read_text(encoding="utf-8")
    import re
    refs = re.findall(r'(?:src|href)="([^"#][^"]*)"', html)
    assert all(r.startswith("data:") for r in refs), refs[:5]
    assert "<link rel=\"stylesheet\"" not in html


def test_report_build_uses_the_helper_only_where_it_can(monkeypatch):
    from lkj import pipeline
    with pipeline.chart_helper() as helper:
        assert (helper is not None) == ((os.cpu_count() or 1) > 1)
        with pipeline.chart_helper() as inner:  # a nested one reuses it
            assert inner is helper
    monkeypatch.setattr(pipeline, "CHARTS_IN_BACKGROUND", False)
    with pipeline.chart_helper() as helper:
        assert helper is None


def _counted_chart(table, log: str):
    """capaian_bands, noting each drawing in ``log`` (written by the fork that draws)."""
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"{len(table)}\n")
    return charts.capaian_bands(table)


def test_a_chart_asked_for_again_with_the_same_data_is_drawn_once(sample, tmp_path):
    log = str(tmp_path / "log.txt")
    with charts.background() as helper:
        for _ in range(3):
            charts.draw(tmp_path / "a.png", _counted_chart, sample.indikator, log)
        helper.wait()
    assert Path(log).read_text(encoding="utf-8").split() == [str(len(sample.indikator))]


def test_a_file_asked_for_again_with_other_data_ends_as_the_last_request(sample, tmp_path):
    log = str(tmp_path / "log.txt")
    one_row = sample.indikator.head(1)
    with charts.background() as helper:
        charts.draw(tmp_path / "a.png", _counted_chart, sample.indikator, log)
        charts.draw(tmp_path / "a.png", _counted_chart, one_row, log)
        helper.wait()
    assert Path(log).read_text(encoding="utf-8").split() == [str(len(sample.indikator)), "1"]
    expected = charts.draw(tmp_path / "here.png", charts.capaian_bands, one_row)
    assert _sha(tmp_path / "a.png") == _sha(expected)


def test_a_report_can_ask_for_all_its_charts_before_any_chapter(sample, tmp_path):
    """lkj report does this first: the helper draws while the notebook starts."""
    from lkj.report import Laporan

    with charts.background() as helper:
        laporan = Laporan(sample, tmp_path / "figures")
        laporan.draw_figures()
        helper.wait()  # no chapter has been shown yet
    assert list(laporan.figures)[:2] == ["target-realisasi", "capaian-kategori"]
    for ident in laporan.figures:
        assert (tmp_path / "figures" / f"{ident}.png").stat().st_size > 1000, ident


def test_without_a_helper_a_report_draws_each_chart_when_its_chapter_is_shown(sample, tmp_path):
    from lkj.report import Laporan

    laporan = Laporan(sample, tmp_path / "figures")
    assert not (tmp_path / "figures").exists()
    laporan.section("anggaran")
    assert [p.name for p in (tmp_path / "figures").iterdir()] == ["serapan-program.png"]
