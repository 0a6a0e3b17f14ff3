"""What an Inspektorat or Bagian Organisasi reviewer checks, read in the rendered reports
(HTML and PDF), for the three samples and a variant of Candipuro with quarter targets, a
national standard and a direct value without a source (issue 15, points 1–6; the recap and
portal, point 7, are read in tests/test_rekap.py and tests/test_portal_chromium.py).

Expected figures are derived by hand from the sample rows (data/raw/README.md):
- Candipuro: program 7.01.01 pagu 2.011.493.161 of 2.752.150.911 is linked to no indicator:
  73,09%; signed 23 Agustus 2023, due 7 Juli 2023 (5 working days after 30 June), 31 working
  days late; IK-01 54,90% of 91,50% = 60,00%; the quarter-target variant sets target_tw2 45 and
  30: 54,90 ÷ 45 = 122,00%, 33,33 ÷ 30 = 111,10%.
- Senduro: programs 7.01.01 (1.841.579.374) + 7.01.05 (122.359.000) = 1.963.938.374 of
  2.520.758.374 unlinked = 77,91%; 7.01.03 is credited to IK-01 and IK-03, 7.01.06 to IK-02 and
  IK-04; IK-01 58,82% − 24,97% (66.420.000 ÷ 266.020.000) = 33,85 points; signed 30 Juni 2023,
  the last day of the period.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from conftest import SAMPLES, build_reports, copy_project
from test_report_e2e import text_of_html, text_of_pdf

pytestmark = pytest.mark.slow


def flat(text: str) -> str:
    return " ".join(text.split())


def _set(path, column, values: dict):
    """Set ``column`` of the rows whose indikator_id is a key of ``values``."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))
    if column not in rows[0]:
        rows[0].append(column)
        for r in rows[1:]:
            r.append("")
    at, key = rows[0].index(column), rows[0].index("indikator_id")
    for r in rows[1:]:
        if r[key] in values:
            r[at] = values[r[key]]
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def both(reports, path) -> tuple[str, str]:
    """What a reviewer reads, HTML and PDF: the report, then its audit trail (published
    beside it: data warnings and sources are there, not in the signed text)."""
    return tuple(flat(read(reports / f"{path}.{ext}")) + " "
                 + flat(read(reports / f"{path}-jejak-audit.{ext}"))
                 for ext, read in (("html", text_of_html), ("pdf", text_of_pdf)))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("tinjau"))
    return build_reports(root, *(args for args, _ in SAMPLES.values()))


@pytest.fixture(scope="module")
def texts(reports, tmp_path_factory):
    out = {name: both(reports, path) for name, (_, path) in SAMPLES.items()}
    # the variant: quarter targets, a national standard for IK-01, IK-01 typed in directly
    variant = copy_project(tmp_path_factory.mktemp("varian"))
    tw2 = variant / "data/raw/candipuro/2023/camat/tw2"
    _set(tw2 / "perjanjian_kinerja.csv", "target_tw2", {"IK-01": "45", "IK-02": "30"})
    _set(tw2 / "perjanjian_kinerja.csv", "standar_nasional", {"IK-01": "50"})
    _set(tw2 / "perjanjian_kinerja.csv", "dasar_standar", {"IK-01": "standar contoh uji"})
    _set(tw2 / "perjanjian_kinerja.csv", "cara_hitung", {"IK-01": "nilai_langsung"})
    _set(tw2 / "realisasi.csv", "nilai", {"IK-01": "54,90"})
    _set(tw2 / "realisasi.csv", "penyebut", {"IK-01": ""})
    (tw2 / "kegiatan.csv").unlink()
    built = build_reports(variant, SAMPLES["candipuro"][0])
    path = SAMPLES["candipuro"][1]
    out["varian"] = both(built, path)
    return out


@pytest.mark.parametrize("fmt", [0, 1], ids=["html", "pdf"])
def test_1_every_realisasi_has_a_basis(texts, fmt):
    senduro = texts["senduro"][fmt]
    assert "Realisasi = 9 ÷ 18 × 100% = 50,00%" in senduro
    assert "Realisasi = 11 ÷ 36 × 100% = 30,56%" in senduro  # 11 of 12 LPPDesa on time
    assert "Nilai realisasi yang dilaporkan langsung" not in senduro
    assert "77,00%" not in senduro and "89,53%" not in senduro
    varian = texts["varian"][fmt]   # a direct value without a source is named in the report
    assert "realisasi IK-01 dilaporkan langsung tanpa sumber atau bukti" in varian


@pytest.mark.parametrize("fmt", [0, 1], ids=["html", "pdf"])
def test_2_capaian_is_judged_against_the_quarter_target_when_there_is_one(texts, fmt):
    candipuro = texts["candipuro"][fmt]
    assert "91,50% (target tahunan 2023), sehingga capaian kinerjanya 60,00%" in candipuro
    assert "Target Triwulan II belum ditetapkan, sehingga capaian dinilai terhadap target " \
           "tahunan 2023" in candipuro
    assert "target_tw2) belum diisi untuk IK-01, IK-02" in candipuro
    varian = texts["varian"][fmt]
    assert "(target Triwulan II), sehingga capaian kinerjanya 122,00%" in varian
    assert "Terhadap target tahunan 91,50%, capaiannya 60,00%" in varian
    assert "(target Triwulan II), sehingga capaian kinerjanya 111,10%" in varian
    assert "Target TW II" in varian and "Capaian thd Target 2023" in varian


@pytest.mark.parametrize("fmt", [0, 1], ids=["html", "pdf"])
def test_3_the_efficiency_analysis_covers_the_whole_budget(texts, fmt):
    candipuro, senduro = texts["candipuro"][fmt], texts["senduro"][fmt]
    assert "Rp2.011.493.161 (73,09% dari pagu)" in candipuro
    assert "Rp1.963.938.374 (77,91% dari pagu)" in senduro
    assert "dikaitkan dengan dua (2) indikator (nomor 1 dan 3)" in senduro
    assert "Capaian Kinerja dan Serapan Anggaran per Program" in senduro
    # little spent on an unmet target is not praised as efficient
    # (in the PDF a page number may fall between any two words)
    assert re.search(r"selisihnya \+33,85 (\d+ )?poin (\d+ )?persen, (\d+ )?sehingga (\d+ )?"
                     r"dinilai (\d+ )?Serapan (\d+ )?rendah", senduro)


@pytest.mark.parametrize("fmt", [0, 1], ids=["html", "pdf"])
def test_4_signing_dates_are_checked_in_the_report_itself(texts, fmt):
    """Said in the warnings of the set published with the report (its audit trail); the signed
    text says how many there are and where (tests/test_dokumen.py)."""
    assert "ditandatangani 23 Agustus 2023, terlambat 31 hari kerja dari batas waktu 7 Juli " \
           "2023" in texts["candipuro"][fmt]
    assert "ditandatangani 30 Juni 2023, padahal melaporkan realisasi sampai dengan 30 Juni " \
           "2023" in texts["senduro"][fmt]
    assert "ditandatangani 28 Juni 2024, padahal melaporkan realisasi sampai dengan 30 Juni " \
           "2024" in texts["kasi"][fmt]
    for name in SAMPLES:
        assert "Tidak ada peringatan" not in texts[name][fmt]


@pytest.mark.parametrize("fmt", [0, 1], ids=["html", "pdf"])
def test_5_all_of_bab_iii_a(texts, fmt):
    candipuro = texts["candipuro"][fmt]
    assert "Perbandingan dengan Standar Nasional" in candipuro
    assert "tidak ada standar nasional yang ditetapkan" in candipuro
    assert "Standar nasional untuk indikator Persentase hasil fasilitasi dan koordinasi yang " \
           "ditindaklanjuti adalah 50,00% (standar contoh uji)" in texts["varian"][fmt]
    # the hindering budget lines: the issue counted 13 of the 41 sub kegiatan at Rp0
    # its heading names what it lists (reviewer: "Program" over a list of sub kegiatan)
    assert "Sub Kegiatan yang Menghambat Pencapaian Kinerja" in candipuro
    assert "dari 41 sub kegiatan menyerap kurang dari 25,00% pagu, yaitu separuh" in candipuro
    assert "tiga belas (13) di antaranya belum terealisasi sama sekali (Rp0)" in candipuro
    assert "riwayat.csv belum diisi: perbandingan dengan tahun 2022" in texts["senduro"][fmt]


@pytest.mark.parametrize("fmt", [0, 1], ids=["html", "pdf"])
def test_6_sentences_match_the_printed_figures(texts, fmt):
    candipuro, senduro = texts["candipuro"][fmt], texts["senduro"][fmt]
    assert "+33,86" not in senduro
    assert "0 RKPDesa + 0 APBDesa + 10 LPPDesa = 10 dokumen, dari 30 dokumen yang dinilai" \
           in candipuro
    assert "(kinerja menurun); realisasi triwulan masih bersifat kumulatif" not in candipuro
    assert "sehingga perbandingan di atas belum menilai kinerja tahun 2023" in candipuro
    # program names as the data writes them (Candipuro's anggaran.csv is in capitals)
    assert "PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH KABUPATEN/KOTA" in candipuro


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_signed_pdf_names_no_hash_or_version_and_its_audit_trail_is_beside_it(reports,
                                                                                   sample):
    path = SAMPLES[sample][1]
    signed = flat(text_of_pdf(reports / f"{path}.pdf"))
    assert not re.search(r"[0-9a-f]{64}", signed)
    assert not re.search(r"\b(pandoc|typst|quarto|commit)\b", signed, re.I)
    assert ".csv" not in signed and "baris 2" not in signed
    audit = flat(text_of_pdf(reports / f"{path}-jejak-audit.pdf"))
    assert re.search(r"[0-9a-f]{64}", audit.replace(" ", "")) and "pandoc" in audit
