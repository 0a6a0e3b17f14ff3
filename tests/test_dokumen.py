"""The report as an official document (issue 16): who signs and how, the Perjanjian Kinerja
form, the supervisor's response, and what stays out of the signed text.

Read on the report's Markdown with escapes removed (what every format prints); the page layout
of the same blocks is checked on the rendered files in tests/test_review.py.
"""

from __future__ import annotations

import re

import pytest

from lkj import pipeline
from lkj.cli import main
from lkj.params import ReportId
from lkj.report import Laporan

CANDIPURO = ReportId("candipuro", 2023, 2)
SENDURO = ReportId("senduro", 2023, 2)
KASI = ReportId("candipuro", 2024, 2, "kasi-pemberdayaan")


def text(project, rid=CANDIPURO, part=None) -> str:
    pipeline.process(project, rid)
    lap = Laporan.from_processed(rid.processed_dir(project), project / "gambar")
    markdown = lap.section(part) if part else lap.markdown()
    return re.sub(r"\\(.)", r"\1", markdown)


def signatures(markdown: str) -> list[list[str]]:
    """Each ::: {.signature} block as its lines."""
    return [[x for x in b.split("\n\n") if x.strip()]
            for b in re.findall(r"::: \{\.signature\}\n(.*?)\n:::", markdown, re.S)]


def pejabat(project, rid, rows: str) -> None:
    (rid.raw_dir(project) / "pejabat.csv").write_text(
        "peran;jabatan;nama;nip;pangkat;kedudukan\n" + rows, encoding="utf-8")


def test_the_signer_signs_with_jabatan_name_pangkat_and_nip(project):
    # Senduro's sample names the pangkat (illustrative, data/raw/README.md)
    block = signatures(text(project, SENDURO, "penutup"))[-1]
    assert block == ["Senduro, 30 Juni 2023", "CAMAT SENDURO", "**Drs. PUJIANTO**",
                     "Pembina Tingkat I (IV/b)", "NIP. 19681114 199003 1 004"]


def test_plt_and_plh_are_written_before_the_jabatan_from_their_own_column(project):
    pejabat(project, CANDIPURO, "penandatangan;Camat Candipuro;A;1;Penata (III/c);plt\n")
    assert "Plt. Camat Candipuro" in signatures(text(project, part="penutup"))[-1]
    pejabat(project, CANDIPURO, "penandatangan;Plh. Camat Candipuro;A;1;;plh\n")
    assert "Plh. Camat Candipuro" in signatures(text(project, part="penutup"))[-1]  # not twice


def test_a_kasi_report_is_known_by_the_atasan_langsung(project):
    # seed 003: "Mengetahui / ATASAN LANGSUNG / Plt. Camat Candipuro" beside the Kasi
    left, right = signatures(text(project, KASI, "penutup"))[-2:]
    assert left[:3] == ["Mengetahui", "ATASAN LANGSUNG", "Plt. Camat Candipuro"]
    assert "**AKHMAD KHARIRI, SH**" in left and right[0] == "Candipuro, 28 Juni 2024"


def test_the_supervisors_response_has_room_for_notes_and_a_signature_on_one_page(project):
    part = text(project, KASI, "anggaran")
    block = part[part.index(":::: {.keep}"):]
    block = block[:block.index("\n::::\n")]
    assert "☐ Laporan sudah baik" in block and "| Catatan:" in block
    lines = signatures(block)[0]
    # the Camat, atasan langsung of the Kasi; place and date are written when it is signed
    assert lines[1:4] == ["Atasan Langsung,", "Plt. Camat Candipuro", "**AKHMAD KHARIRI, SH**"]
    assert lines[0].startswith("…") and lines[-1] == "NIP. 19720818 199403 1 009"


def test_a_camats_supervisor_is_the_bupati_with_a_name_to_write_when_not_in_the_data(project):
    lines = signatures(text(project, part="anggaran"))[-1]
    assert lines[-2:] == ["BUPATI LUMAJANG", "**(" + "…" * 14 + ")**"]
    pejabat(project, CANDIPURO, "penandatangan;CAMAT CANDIPURO;A;1;;\n"
                                "atasan;BUPATI LUMAJANG;Nama Bupati;;;\n")
    assert signatures(text(project, part="anggaran"))[-1][-2:] == ["BUPATI LUMAJANG",
                                                                   "**Nama Bupati**"]


def test_the_perjanjian_kinerja_is_dated_when_laporan_csv_gives_its_date(project):
    laporan = CANDIPURO.raw_dir(project) / "laporan.csv"
    original = laporan.read_text(encoding="utf-8")
    assert signatures(text(project, part="lampiran"))[1][0] == "Lumajang, " + "…" * 10  # by hand
    laporan.write_text(original + "tanggal_perjanjian;-\n", encoding="utf-8")  # blank, as 2.8 says
    assert signatures(text(project, part="lampiran"))[1][0] == "Lumajang, " + "…" * 10
    laporan.write_text(original + "tanggal_perjanjian;02/01/2023\n", encoding="utf-8")
    assert signatures(text(project, part="lampiran"))[1][0] == "Lumajang, 2 Januari 2023"


def test_without_a_perjanjian_kinerja_date_the_processed_data_stays_as_it_was(project):
    laporan = CANDIPURO.raw_dir(project) / "laporan.csv"
    laporan.write_text(laporan.read_text(encoding="utf-8") + "tanggal_perjanjian;-\n",
                       encoding="utf-8")
    pipeline.process(project, CANDIPURO)
    ringkasan = (CANDIPURO.processed_dir(project) / "ringkasan.json").read_text(encoding="utf-8")
    assert "tanggal_perjanjian" not in ringkasan


def test_the_perjanjian_kinerja_is_the_form_both_parties_sign(project):
    part = text(project, KASI, "lampiran")
    assert "## Perjanjian Kinerja Kasi Pemberdayaan Masyarakat Kecamatan Candipuro Tahun 2024" in part
    assert "Nama: ARIF SUWARKO" in re.sub(r" +:", ":", part)
    assert "selanjutnya disebut **Pihak Pertama**" in part and "**Pihak Kedua**" in part
    kedua, pertama = signatures(part)
    assert kedua[:2] == ["Pihak Kedua,", "Plt. Camat Candipuro"]
    assert pertama[1:3] == ["Pihak Pertama,", "Plt. Kasi Pemberdayaan Masyarakat"]
    # the agreement's two parts: indicators with targets, programs with their pagu
    assert "Sasaran, Indikator dan Target Perjanjian Kinerja Tahun 2024" in part
    assert re.search(r"Program dan Anggaran Perjanjian Kinerja Tahun 2024", part)
    assert re.search(r"\*\*JUMLAH\*\* \| \*\*[\d.]+\*\*", part)


def test_two_atasan_rows_are_refused(project, capsys):
    pejabat(project, CANDIPURO, "penandatangan;CAMAT;A;1;;\natasan;BUPATI;B;;;\natasan;X;C;;;\n")
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 1
    assert "paling banyak satu baris berperan atasan" in capsys.readouterr().err


def test_kedudukan_is_one_of_the_known_words(project, capsys):
    pejabat(project, CANDIPURO, "penandatangan;CAMAT;A;1;;pejabat sementara\n")
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 1
    err = capsys.readouterr().err
    assert "kedudukan" in err and "definitif, plt, plh" in err


def test_the_signed_text_names_its_data_in_one_line_and_the_audit_trail_is_apart(project):
    report = text(project)
    assert not re.search(r"[0-9a-f]{32}", report)          # no hash
    assert "Sumber data:" not in report and "commit" not in report
    assert "baris 2" not in report and ".csv" not in report
    assert report.count("dokumen Jejak Audit") == 1
    assert "dan empat (4) peringatan data dimuat dalam dokumen Jejak Audit" in report  # signer sees them
    pipeline.process(project, CANDIPURO)
    audit = re.sub(r"\\(.)", r"\1", Laporan.from_processed(CANDIPURO.processed_dir(project)).audit_markdown())
    assert "perjanjian_kinerja.csv" in audit and re.search(r"`[0-9a-f]{32}` `[0-9a-f]{32}`", audit)
    assert "Sumber Data Setiap Indikator" in audit and "Peringatan Data" in audit


@pytest.mark.parametrize("content", [b"<svg onload=alert(1)>", b"GIF89a" + b"\0" * 40])
def test_an_organisation_chart_that_is_not_a_picture_is_refused(project, capsys, content):
    (project / "data/raw/candipuro/bagan.png").write_bytes(content)
    (project / "data/raw/candipuro/profil.csv").open("a").write("bagan_organisasi;bagan.png\n")
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 1
    err = capsys.readouterr().err
    assert "profil.csv" in err and "bagan organisasi" in err and "bagan.png" in err


def test_the_organisation_chart_is_a_numbered_figure_of_bab_i(project):
    from PIL import Image

    Image.new("RGB", (4000, 1000), "white").save(project / "data/raw/candipuro/bagan.jpg")
    (project / "data/raw/candipuro/profil.csv").open("a").write("bagan_organisasi;bagan.jpg\n")
    part = text(project, part="pendahuluan")
    assert "![Gambar 1.1 Bagan organisasi Kecamatan Candipuro]" in part
    # re-encoded as a PNG no larger than 2000 px: only pixels of the file reach the outputs
    with Image.open(CANDIPURO.processed_dir(project) / "bagan_organisasi.png") as img:
        assert img.format == "PNG" and max(img.size) == 2000


@pytest.mark.parametrize("rid", [CANDIPURO, SENDURO, KASI], ids=["candipuro", "senduro", "kasi"])
def test_no_paragraph_is_printed_twice_and_no_technical_word_is_signed(project, rid):
    report = text(project, rid)
    paragraphs = [p.strip() for p in report.split("\n\n")
                  if len(p.strip()) > 80 and not p.lstrip().startswith(("|", ":", "#", "!"))]
    assert [p for p in set(paragraphs) if paragraphs.count(p) > 1] == []
    body = report.split("\n---\n", 1)[-1]  # the signed text, without the YAML metadata
    assert not re.search(r"\b(commit|embedded|mesin render|SHA-256|sha256|pandoc|typst)\b", body, re.I)
