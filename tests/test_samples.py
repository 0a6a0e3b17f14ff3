"""The three sample data sets in data/raw/ load and give the numbers derived by hand from their
seed reports (/work/shared/seeds/, described in data/raw/README.md).

Where each expected value comes from:

- Candipuro, Camat, Triwulan II 2023 (seed 000): IK-01 = 28 activities followed up (Tabel 3.2) of
  51 (Bab III.A butir 1.a) = 54,90%, capaian 54,90 ÷ 91,50 = 60,00%; IK-02 = (0 RKPDesa + 0
  APBDesa + 10 LPPDesa on time) ÷ (10 desa × 3) = 33,33%, capaian 33,33 ÷ 82,00 = 40,65% (the seed
  truncates to 40,64%). Budget: Tabel 3.5 sub kegiatan rows sum to pagu 2.752.150.911 and
  realisasi 1.483.229.067; sisa = 2.752.150.911 − 1.483.229.067 = 1.268.921.844;
  1.483.229.067 ÷ 2.752.150.911 = 53,89%.
- Senduro, Camat, Triwulan II 2023 (seed 002): Tabel 2.2 targets 85 / 86 / 100 / 86 and realisasi
  50 / 100 / 100 (IK-01, IK-03, IK-04, given as illustrative counts 9/18, 12/12, 14/14), so
  capaian = realisasi ÷ target: 50 ÷ 85 = 58,82% (Rendah), 100 ÷ 100 = 100,00%, 100 ÷ 86 =
  116,28% (both Sangat Tinggi). The seed printed target ÷ realisasi instead (170%, 100%, 86%).
  IK-02 counts village documents: the seed's 77% cannot arise from 12 desa × 3 documents, so the
  sample has illustrative dokumen_desa rows — 11 LPPDesa 2022 on time (one, Ranupani, on
  11 April 2023), RKPDesa/APBDesa 2024 not yet due — 11 ÷ 36 = 30,56%, capaian 30,56 ÷ 86 =
  35,53% (Sangat Rendah). Budget: the four programs of Tabel 2.1/2.3
  sum to pagu 2.520.758.374 (the seed's own JUMLAH) and realisasi 848.489.399 + 44.109.000 +
  117.000.000 + 66.420.000 = 1.076.018.399; sisa 1.444.739.975; 1.076.018.399 ÷ 2.520.758.374 =
  42,69%. Per program: 46,07%, 36,05% (44.109.000 ÷ 122.359.000; the seed printed 35,72%),
  40,23%, 24,97%.
- Candipuro, Kasi Pemberdayaan Masyarakat, Triwulan II 2024 (seed 003): Tabel 2.3 targets 100 and
  realisasi 33,33 / 18,45, so capaian 33,33% and 18,45% (Sangat Rendah); their mean
  (33,33 + 18,45) ÷ 2 = 25,89% (Sangat Rendah; the seed printed 42,55% and 42,38%). Budget: the two
  kegiatan of Tabel 2.5, 48.320.000 + 36.000.000 = 84.320.000 and 9.420.000 + 7.200.000 =
  16.620.000 (the seed printed 16.320.000); sisa 67.700.000; 16.620.000 ÷ 84.320.000 = 19,71%
  (the seed printed 29,5%).
"""

import re
from pathlib import Path

import pytest

import lkj
from lkj import formatting as F

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"

SAMPLES = {
    "candipuro-2023-camat": ("candipuro", 2023, 2, "camat"),
    "senduro-2023-camat": ("senduro", 2023, 2, "camat"),
    "candipuro-2024-kasi": ("candipuro", 2024, 2, "kasi-pemberdayaan"),
}


@pytest.fixture(scope="module")
def loaded():
    """Each sample validated and computed once (lkj.load raises on any input problem)."""
    return {name: lkj.load(kec, tahun, tw, unit, root=ROOT)
            for name, (kec, tahun, tw, unit) in SAMPLES.items()}


def indicator(result, indikator_id):
    rows = result.indikator[result.indikator["indikator_id"] == indikator_id]
    assert len(rows) == 1, indikator_id
    return rows.iloc[0]


def budget_totals(result):
    r = result.meta["ringkasan"]
    return (F.rupiah(r["pagu"]), F.rupiah(r["realisasi_anggaran"]), F.rupiah(r["sisa"]),
            F.percent(r["persen_anggaran"]))


# What a reviewer would raise about each sample, and the report now says itself (issue 15).
WARNINGS = {
    "candipuro-2023-camat": ["target Triwulan II (target_tw2) belum diisi untuk IK-01, IK-02",
                             "ditandatangani 23 Agustus 2023, terlambat 31 hari kerja dari batas "
                             "waktu 7 Juli 2023",
                             "Rp2.011.493.161 (73,09% dari pagu) tidak dikaitkan",
                             "pangkat Drs. AGUS SAMSUL HADI belum diisi"],
    "senduro-2023-camat": ["target Triwulan II (target_tw2) belum diisi",
                           "riwayat.csv belum diisi",
                           "ditandatangani 30 Juni 2023, padahal melaporkan realisasi sampai "
                           "dengan 30 Juni 2023",
                           "Rp1.963.938.374 (77,91% dari pagu) tidak dikaitkan",
                           "anggaran 7.01.03 Pemberdayaan Masyarakat Desa dan Kelurahan dikaitkan "
                           "dengan lebih dari satu indikator (IK-01, IK-03)",
                           "anggaran 7.01.06 Pembinaan dan Pengawasan Pemerintahan Desa dikaitkan "
                           "dengan lebih dari satu indikator (IK-02, IK-04)"],
    "candipuro-2024-kasi": ["target Triwulan II (target_tw2) belum diisi",
                            "riwayat.csv belum diisi",
                            "ditandatangani 28 Juni 2024, padahal melaporkan realisasi sampai "
                            "dengan 30 Juni 2024",
                            "pangkat ARIF SUWARKO belum diisi", "pangkat AKHMAD KHARIRI, SH belum"],
}


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_warns_what_a_reviewer_would_raise_and_nothing_else(loaded, name):
    warnings = loaded[name].meta["warnings"]
    for expected in WARNINGS[name]:
        assert sum(expected in w for w in warnings) == 1, (expected, warnings)
    assert len(warnings) == len(WARNINGS[name]), warnings


# ---- Candipuro, Camat, TW II 2023 ---------------------------------------------------------

@pytest.mark.parametrize("indikator_id, realisasi, capaian, kategori", [
    ("IK-01", "54,90%", "60,00%", "Rendah"),
    ("IK-02", "33,33%", "40,65%", "Sangat Rendah"),
])
def test_candipuro_2023_capaian_is_computed_from_the_counts(loaded, indikator_id, realisasi,
                                                            capaian, kategori):
    row = indicator(loaded["candipuro-2023-camat"], indikator_id)
    assert (F.percent(row["realisasi"]), F.percent(row["capaian"]), row["kategori"]) == \
        (realisasi, capaian, kategori)


def test_candipuro_2023_budget_totals_are_the_sum_of_its_sub_kegiatan(loaded):
    assert budget_totals(loaded["candipuro-2023-camat"]) == \
        ("2.752.150.911", "1.483.229.067", "1.268.921.844", "53,89%")


# ---- Senduro, Camat, TW II 2023 -----------------------------------------------------------

@pytest.mark.parametrize("indikator_id, realisasi, capaian, kategori", [
    ("IK-01", "50,00%", "58,82%", "Rendah"),        # not the seed's 85 ÷ 50 = "170%"
    ("IK-02", "30,56%", "35,53%", "Sangat Rendah"),  # counted: 11 of 36 documents
    ("IK-03", "100,00%", "100,00%", "Sangat Tinggi"),
    ("IK-04", "100,00%", "116,28%", "Sangat Tinggi"),  # not "86%"; above 100% is not capped
])
def test_senduro_capaian_is_realisasi_divided_by_target(loaded, indikator_id, realisasi, capaian,
                                                        kategori):
    row = indicator(loaded["senduro-2023-camat"], indikator_id)
    assert (F.percent(row["realisasi"]), F.percent(row["capaian"]), row["kategori"]) == \
        (realisasi, capaian, kategori)


def test_senduro_two_of_four_targets_are_met(loaded):
    ind = loaded["senduro-2023-camat"].indikator
    assert list(ind.loc[ind["tercapai"], "indikator_id"]) == ["IK-03", "IK-04"]


def test_senduro_budget_totals_are_the_sum_of_its_four_programs(loaded):
    assert budget_totals(loaded["senduro-2023-camat"]) == \
        ("2.520.758.374", "1.076.018.399", "1.444.739.975", "42,69%")


def test_senduro_program_rows_without_children_are_source_rows(loaded):
    ang = loaded["senduro-2023-camat"].anggaran
    assert list(ang["level"]) == ["program"] * 4
    shown = {k: (F.rupiah(p), F.rupiah(r), F.percent(x))
             for k, p, r, x in zip(ang["kode"], ang["pagu"], ang["realisasi"], ang["persen"])}
    assert shown == {
        "7.01.01": ("1.841.579.374", "848.489.399", "46,07%"),
        "7.01.03": ("266.020.000", "66.420.000", "24,97%"),
        "7.01.05": ("122.359.000", "44.109.000", "36,05%"),   # the seed printed 35,72%
        "7.01.06": ("290.800.000", "117.000.000", "40,23%"),
    }


def test_senduro_has_its_twelve_desa_in_official_order(loaded):
    assert list(loaded["senduro-2023-camat"].desa["nama_desa"]) == [
        "Purworejo", "Sarikemuning", "Pandansari", "Senduro", "Burno", "Kandangtepus",
        "Kandangan", "Bedayu", "Bedayutalang", "Wonocepokoayu", "Argosari", "Ranupani"]


# ---- Candipuro, Kasi Pemberdayaan Masyarakat, TW II 2024 -------------------------------------

@pytest.mark.parametrize("indikator_id, capaian", [("IK-01", "33,33%"), ("IK-02", "18,45%")])
def test_kasi_capaian_against_a_target_of_100(loaded, indikator_id, capaian):
    row = indicator(loaded["candipuro-2024-kasi"], indikator_id)
    assert (F.percent(row["capaian"]), row["kategori"], bool(row["tercapai"])) == \
        (capaian, "Sangat Rendah", False)


def test_kasi_average_capaian_is_the_mean_of_both_indicators(loaded):
    r = loaded["candipuro-2024-kasi"].meta["ringkasan"]
    assert (F.percent(r["capaian_rata_rata"]), r["kategori_rata_rata"]) == \
        ("25,89%", "Sangat Rendah")


def test_kasi_program_row_is_computed_from_its_two_kegiatan(loaded):
    ang = loaded["candipuro-2024-kasi"].anggaran
    program = ang[ang["kode"] == "7.01.03"].iloc[0]
    assert (F.rupiah(int(program["pagu"])), F.rupiah(int(program["realisasi"]))) == \
        ("84.320.000", "16.620.000")
    assert budget_totals(loaded["candipuro-2024-kasi"]) == \
        ("84.320.000", "16.620.000", "67.700.000", "19,71%")


def test_kasi_report_is_signed_by_the_kasi_and_acknowledged_by_the_camat(loaded):
    pejabat = loaded["candipuro-2024-kasi"].pejabat
    assert dict(zip(pejabat["peran"], pejabat["nama"])) == {
        "penandatangan": "ARIF SUWARKO", "mengetahui": "AKHMAD KHARIRI, SH"}


# ---- narasi ---------------------------------------------------------------------------------

# docs/data.md 7.3: computed numbers and judgements come from the data, never from the narasi.
JUDGEMENT = re.compile(
    r"\d+(,\d+)?\s*%"                                            # a percentage
    r"|(telah|belum|sudah)\s+(mencapai|memenuhi)\s+target"       # "telah memenuhi target"
    r"|target\s+(\w+\s+)?(telah\s+|belum\s+|sudah\s+)?tercapai"  # "target … belum tercapai"
    r"|\bberhasil\b|sangat\s+(rendah|tinggi)",                   # seed 003 "dinilai Berhasil"
    re.IGNORECASE)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_narasi_states_no_computed_number_or_judgement(name):
    kec, tahun, tw, unit = SAMPLES[name]
    files = sorted((RAW / kec / str(tahun) / unit / f"tw{tw}" / "narasi").glob("*.md"))
    assert files
    found = [(f.name, m.group(0)) for f in files
             for m in JUDGEMENT.finditer(f.read_text(encoding="utf-8"))]
    assert found == []
