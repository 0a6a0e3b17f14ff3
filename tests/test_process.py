"""Computed tables, processed/ storage, and the quarterly trend (lkj.process)."""

import shutil
from fractions import Fraction

from lkj import formatting as F
from lkj.params import resolve
from lkj.process import build, read_processed, write_processed
from lkj.report import Laporan


def test_processed_tables_round_trip_to_the_same_printed_values(project, tmp_path):
    result = build(project, resolve(project, "candipuro", 2))
    write_processed(result, tmp_path / "p")
    back = read_processed(tmp_path / "p")
    for a, b in zip(result.indikator.itertuples(), back.indikator.itertuples()):
        assert F.percent(a.realisasi) == F.percent(b.realisasi)
        assert F.percent(a.capaian) == F.percent(b.capaian) and a.kategori == b.kategori
    assert list(back.anggaran["pagu"]) == list(result.anggaran["pagu"])  # exact sen


def test_stored_values_are_truncated_so_display_rounding_is_unchanged(project, tmp_path):
    # 2/3 = 0,666…: stored as 0,6666666666 (never 0,6666666667), prints 0,67 either way.
    result = build(project, resolve(project, "candipuro", 2))
    result.indikator.loc[0, "capaian"] = Fraction(2, 3)
    write_processed(result, tmp_path / "p")
    text = (tmp_path / "p" / "indikator.csv").read_text(encoding="utf-8-sig")
    assert "0,6666666666" in text


def test_efficiency_uses_the_budget_named_by_the_indicator(project):
    ind = build(project, resolve(project, "candipuro", 2)).indikator.set_index("indikator_id")
    # IK-02 ← program 7.01.06: realisasi 121.625.000 of pagu 269.600.000 (seed 000 Tabel 3.5)
    assert F.rupiah(ind.loc["IK-02", "pagu_anggaran"]) == "269.600.000"
    assert F.percent(ind.loc["IK-02", "serapan_anggaran"]) == "45,11%"
    # 40,65 − 45,11 = −4,46 poin: within ±5 → Cukup efisien
    assert ind.loc["IK-02", "efisiensi"] == "Cukup efisien"


def test_earlier_quarters_feed_the_quarterly_trend(project, tw2):
    tw1 = tw2.parent / "tw1"
    shutil.copytree(tw2, tw1)
    lap = (tw1 / "laporan.csv").read_text(encoding="utf-8").replace("triwulan;2", "triwulan;1")
    (tw1 / "laporan.csv").write_text(lap, encoding="utf-8")
    keg = (tw1 / "kegiatan.csv").read_text(encoding="utf-8").splitlines()
    (tw1 / "kegiatan.csv").write_text("\n".join(keg[:11]) + "\n", encoding="utf-8")  # 10 rows
    result = build(project, resolve(project, "candipuro", 2))
    trend = result.triwulan[result.triwulan["indikator_id"] == "IK-01"].set_index("tw")
    assert F.percent(trend.loc[1, "realisasi"]) == "19,61%"   # 10 of 51
    assert F.percent(trend.loc[2, "realisasi"]) == "54,90%"   # 28 of 51
    md = Laporan(result, project / "fig").markdown()
    assert "Realisasi indikator per triwulan tahun 2023" in md


def test_a_broken_earlier_quarter_only_warns(project, tw2):
    tw1 = tw2.parent / "tw1"
    shutil.copytree(tw2, tw1)
    (tw1 / "anggaran.csv").write_text("kode;uraian;pagu;realisasi\nx;y;z;w\n", encoding="utf-8")
    result = build(project, resolve(project, "candipuro", 2))
    assert list(result.triwulan["tw"].unique()) == [2]
    assert any("triwulan 1" in w for w in result.meta["warnings"])


def test_text_a_spreadsheet_would_run_is_stored_as_text_and_reads_back_unchanged(project, tmp_path):
    """data/processed/*.csv are meant to be opened in Excel: a cell from someone else's data such
    as =HYPERLINK(…) must not become a live formula there (attacker's pass), and lkj must still
    read back exactly the text it computed with."""
    result = build(project, resolve(project, "candipuro", 2))
    texts = ['=HYPERLINK("http://evil.example/","klik")', "@SUM(1+1)", "+1+1", "-2+3",
             "'sudah berapostrof", "-", "Penyediaan Jasa"]
    uraian = result.anggaran["uraian"].copy()
    uraian[:len(texts)] = texts
    result.anggaran["uraian"] = uraian
    write_processed(result, tmp_path / "p")
    stored = (tmp_path / "p" / "anggaran.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in stored and "'@SUM" in stored and "'+1+1" in stored
    assert ";=" not in stored and ";@" not in stored
    back = read_processed(tmp_path / "p").anggaran["uraian"]
    assert list(back[:len(texts)]) == texts
