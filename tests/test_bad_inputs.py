"""Every class of bad input ends in one clear message and leaves the good report untouched.

A good report is built once for this module (HTML only, to keep it quick). Each case then breaks
one input file the way analysts do, runs ``lkj report`` (which validates before it renders) and
checks three things: the exit code is 1, the message names the file, the row (as Excel numbers it)
and the column, and every file under reports/ and data/processed/ is byte-identical afterwards.
The raw data is restored after each case.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable

import pytest

from lkj.cli import main

ROOT = Path(__file__).resolve().parent.parent
TW2 = Path("data/raw/candipuro/2023/camat/tw2")
KEC_DIR = Path("data/raw/candipuro")
REPORT = ["report", "--kec", "candipuro", "--tw", "2", "--engine", "embedded", "--formats", "html"]
pytestmark = pytest.mark.slow


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (hidden ones included), by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("buruk")
    for name in ("data/raw", "notebooks", "_quarto.yml"):
        src, dst = ROOT / name, root / name
        shutil.copytree(src, dst) if src.is_dir() else shutil.copyfile(src, dst)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LKJ_ROOT", str(root))
        assert main(REPORT) == 0
        assert snapshot(root / "reports"), "the good build wrote nothing"
        yield root


@pytest.fixture
def project(built):
    """The built project; its raw data is put back exactly as it was after the test."""
    raw = built / "data/raw"
    before = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    yield built
    for p in [p for p in raw.rglob("*") if p.is_file() and p not in before]:
        p.unlink()
    for p, data in before.items():
        if not p.exists() or p.read_bytes() != data:
            p.write_bytes(data)


def edit(relpath: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / TW2 / relpath if not relpath.startswith("/") else root / KEC_DIR / relpath[1:]
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path.name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return apply


def write(relpath: str, content: str | bytes) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        (root / TW2 / relpath).write_bytes(data)
    return apply


def delete(relpath: str) -> Callable[[Path], None]:
    return lambda root: (root / TW2 / relpath).unlink()


def drop_column(relpath: str, column: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / TW2 / relpath
        lines = path.read_text(encoding="utf-8").splitlines()
        i = lines[0].split(";").index(column)
        path.write_text("\n".join(";".join(c for j, c in enumerate(line.split(";")) if j != i)
                                  for line in lines) + "\n", encoding="utf-8")
    return apply


def comma_separated(relpath: str) -> Callable[[Path], None]:
    """What Excel with English settings does to a file whose numbers have decimal commas."""
    def apply(root: Path) -> None:
        path = root / TW2 / relpath
        path.write_text(path.read_text(encoding="utf-8").replace(";", ","), encoding="utf-8")
    return apply


@dataclass
class Case:
    name: str
    breaks: Callable[[Path], None]
    where: str          # "<file>, baris <row>, kolom '<column>'" as printed
    says: str           # part of the message
    value: str | None = None


F = f"{TW2.as_posix()}/"
CASES = [
    Case("missing file", delete("perjanjian_kinerja.csv"),
         f"{F}perjanjian_kinerja.csv:", "berkas wajib tidak ada"),
    Case("missing column", drop_column("anggaran.csv", "uraian"),
         f"{F}anggaran.csv, baris 1, kolom 'uraian'", "kolom wajib tidak ada"),
    Case("misspelled column", edit("anggaran.csv", "kode;uraian;pagu;realisasi",
                                   "kode;uraian;pagu;relisasi"),
         f"{F}anggaran.csv, baris 1, kolom 'relisasi'", "mungkin maksudnya 'realisasi'"),
    Case("extra column", edit("realisasi.csv", "nilai;keterangan", "nilai;keterangan;catatan"),
         f"{F}realisasi.csv, baris 1, kolom 'catatan'", "kolom tidak dikenal"),
    Case("empty file", write("anggaran.csv", b""),
         f"{F}anggaran.csv, baris 1, kolom 'kode'", "berkas kosong"),
    Case("required file with header only", write("anggaran.csv", "kode;uraian;pagu;realisasi\n"),
         f"{F}anggaran.csv, baris 2, kolom 'kode'", "berkas tidak berisi baris data"),
    Case("wrong delimiter: comma file with decimal commas", comma_separated("anggaran.csv"),
         f"{F}anggaran.csv, baris 3, kolom '", "titik koma (;)", "8.500.000,00"),
    Case("no delimiter at all", write("realisasi.csv", "indikator_id|pembilang|penyebut\nIK-01||51\n"),
         f"{F}realisasi.csv, baris 1, kolom 'indikator_id|pembilang|penyebut'",
         "pemisah kolom tidak dikenali"),
    Case("unclosed quote", edit("kegiatan.csv", "IK-01;4;Fasilitasi", 'IK-01;4;"Fasilitasi'),
         f"{F}kegiatan.csv, baris 5, kolom 'jenis'", "tanda petik"),
    Case("non-numeric money", edit("anggaran.csv", "2.011.493.161", "dua milyar"),
         f"{F}anggaran.csv, baris 2, kolom 'pagu'", "bukan angka yang sah", "dua milyar"),
    Case("money with three decimals", edit("anggaran.csv", "8.500.000,00", "8.500.000,001"),
         f"{F}anggaran.csv, baris 3, kolom 'pagu'", "lebih dari 2 angka desimal"),
    Case("negative pagu", edit("anggaran.csv", "3.000.000;1.500.000,00", "-3.000.000;1.500.000,00"),
         f"{F}anggaran.csv, baris 4, kolom 'pagu'", "tidak boleh negatif", "-3.000.000"),
    Case("duplicate code", edit("anggaran.csv", "7.01.01.2.01.02;", "7.01.01.2.01.01;"),
         f"{F}anggaran.csv, baris 5, kolom 'kode'", "kode ganda (sama dengan baris 4)"),
    Case("malformed code", edit("anggaran.csv", "7.01.01.2.01.02;", "7.01.01.2.01.x;"),
         f"{F}anggaran.csv, baris 5, kolom 'kode'", "kode"),
    Case("orphan sub kegiatan", edit("anggaran.csv", "7.01.01.2.01.01;", "7.01.01.2.77.01;"),
         f"{F}anggaran.csv, baris 4, kolom 'kode'", "induk kode ini (7.01.01.2.77) tidak ada"),
    Case("parent is not the sum of its children", edit("anggaran.csv", "8.500.000,00",
                                                       "9.500.000,00"),
         f"{F}anggaran.csv, baris 3, kolom 'pagu'", "tidak sama dengan jumlah rinciannya",
         "9.500.000,00"),
    Case("duplicate indicator id", edit("perjanjian_kinerja.csv", ";IK-02;", ";IK-01;"),
         f"{F}perjanjian_kinerja.csv, baris 3, kolom 'indikator_id'", "indikator_id ganda"),
    Case("unknown indicator id", edit("realisasi.csv", "IK-01;", "IK-09;"),
         f"{F}realisasi.csv, baris 2, kolom 'indikator_id'", "tidak ada di perjanjian_kinerja",
         "IK-09"),
    Case("unknown desa", edit("dokumen_desa.csv", "IK-02;Jugosari;LPPDesa", "IK-02;Jugosary;LPPDesa"),
         f"{F}dokumen_desa.csv, baris 4, kolom 'desa'", "desa tidak ada di desa.csv", "Jugosary"),
    Case("impossible date", edit("dokumen_desa.csv", "2023-02-14", "2023-02-30"),
         f"{F}dokumen_desa.csv, baris 4, kolom 'tanggal'", "bukan tanggal yang sah", "2023-02-30"),
    Case("implausible date", edit("dokumen_desa.csv", "2023-02-14", "2032-02-14"),
         f"{F}dokumen_desa.csv, baris 4, kolom 'tanggal'", "di luar rentang yang masuk akal"),
    Case("signing date out of range", edit("laporan.csv", "2023-08-23", "1999-08-23"),
         f"{F}laporan.csv, baris 7, kolom 'nilai'", "di luar rentang"),
    Case("Perjanjian Kinerja date that is no date", edit(
        "laporan.csv", "tanggal;2023-08-23", "tanggal;2023-08-23\ntanggal_perjanjian;31/02/2023"),
         f"{F}laporan.csv, baris 8, kolom 'nilai'", "tanggal_perjanjian (tanggal penandatanganan "
         "perjanjian kinerja) bukan tanggal yang sah", "31/02/2023"),
    Case("Perjanjian Kinerja signed after the report", edit(
        "laporan.csv", "tanggal;2023-08-23", "tanggal;2023-08-23\ntanggal_perjanjian;2023-09-01"),
         f"{F}laporan.csv, baris 8, kolom 'nilai'",
         "tulis tanggal antara 01/10/2022 dan 23/08/2023 (tidak sesudah tanggal laporan ini)",
         "2023-09-01"),
    Case("Perjanjian Kinerja signed before October of the year before", edit(
        "laporan.csv", "tanggal;2023-08-23", "tanggal;2023-08-23\ntanggal_perjanjian;30/09/2022"),
         f"{F}laporan.csv, baris 8, kolom 'nilai'", "tanggal_perjanjian di luar rentang yang masuk "
         "akal untuk perjanjian kinerja tahun 2023", "30/09/2022"),
    Case("numerator above denominator", edit("realisasi.csv", "IK-01;;51", "IK-01;60;51"),
         f"{F}realisasi.csv, baris 2, kolom 'pembilang'", "pembilang lebih besar dari penyebut"),
    Case("numerator disagrees with the activity list", edit("realisasi.csv", "IK-01;;51",
                                                            "IK-01;27;51"),
         f"{F}realisasi.csv, baris 2, kolom 'pembilang'", "kegiatan.csv (28)"),
    Case("negative component", edit("realisasi.csv", "IK-01;;51", "IK-01;;-51"),
         f"{F}realisasi.csv, baris 2, kolom 'penyebut'", "tidak boleh negatif"),
    Case("TW outside 1-4 in laporan.csv", edit("laporan.csv", "triwulan;2", "triwulan;5"),
         f"{F}laporan.csv, baris 3, kolom 'nilai'", "triwulan tidak sesuai dengan folder", "5"),
    Case("year not matching the folder", edit("laporan.csv", "tahun;2023", "tahun;2022"),
         f"{F}laporan.csv, baris 2, kolom 'nilai'", "tahun tidak sesuai dengan folder"),
    Case("unknown choice", edit("perjanjian_kinerja.csv", ";naik;91,50", ";nai;91,50"),
         f"{F}perjanjian_kinerja.csv, baris 2, kolom 'polaritas'", "pilihan yang sah"),
    Case("duplicate key in profil.csv", edit("/profil.csv", "provinsi;", "kabupaten;"),
         "data/raw/candipuro/profil.csv, baris 4, kolom 'kunci'", "kunci ganda"),
    Case("binary file", write("realisasi.csv", bytes(range(256)) * 4),
         f"{F}realisasi.csv, baris 1:", "bukan teks CSV"),
    Case("invisible control character", edit("kegiatan.csv", "Administrasi Penduduk",
                                              "Administrasi\x07Penduduk"),
         f"{F}kegiatan.csv, baris 5, kolom 'uraian'", "karakter kontrol"),
    # Quarto would run it in the cover's title (attacker's pass: profil.csv nama_kecamatan)
    Case("Quarto shortcode in a cell", edit("/profil.csv", "nama_kecamatan;Candipuro",
                                            "nama_kecamatan;Candipuro{{< env HOME >}}"),
         "data/raw/candipuro/profil.csv, baris 2, kolom 'nilai'", "kode Quarto",
         "Candipuro{{< env HOME >}}"),
    Case("Excel formula error", edit("anggaran.csv", "2.011.493.161", "#REF!"),
         f"{F}anggaran.csv, baris 2, kolom 'pagu'", "galat rumus Excel"),
    Case("image over two lines in a narasi", write("narasi/penutup.md",
                                                   "Teks.\n\n![sebuah\ngambar](/etc/passwd)\n"),
         f"{F}narasi/penutup.md, baris 3:", "gambar tidak didukung di narasi"),
    Case("reference-style image in a narasi", write("narasi/penutup.md",
                                                    "Lihat ![foto].\n\n[foto]: /etc/hosts\n"),
         f"{F}narasi/penutup.md, baris 1:", "gambar tidak didukung di narasi"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_named_and_the_good_report_is_untouched(project, case, capsys):
    reports, processed = snapshot(project / "reports"), snapshot(project / "data/processed")
    case.breaks(project)
    code = main(REPORT)
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert case.where in err, err
    line = next(x for x in err.splitlines() if case.where in x)
    assert case.says in line, line
    assert "Perbaikan:" in line or "berkas wajib tidak ada" in line
    if case.value is not None:
        assert f"(nilai: '{case.value}')" in line, line
    assert "laporan lama (bila ada) tidak diubah" in err
    assert snapshot(project / "reports") == reports
    assert snapshot(project / "data/processed") == processed


def test_all_problems_are_reported_at_once(project, capsys):
    edit("anggaran.csv", "2.011.493.161", "x")(project)
    edit("kegiatan.csv", ";ditindaklanjuti", ";selesai")(project)
    edit("pegawai.csv", "PNS;12", "PNS;dua belas")(project)
    assert main(REPORT) == 1
    err = capsys.readouterr().err
    assert "3 masalah ditemukan" in err
    for where in ("anggaran.csv, baris 2, kolom 'pagu'", "kegiatan.csv, baris 2, kolom 'status'",
                  "pegawai.csv, baris 2, kolom 'jumlah'"):
        assert where in err


@pytest.mark.parametrize("argv, says", [
    (["--kec", "../etc", "--tw", "2"], "KEC tidak valid"),
    (["--kec", "candipuro/../../x", "--tw", "2"], "KEC tidak valid"),
    (["--kec", "candipuro", "--tw", "5"], "TW tidak valid"),
    (["--kec", "candipuro", "--tw", "0"], "TW tidak valid"),
    (["--kec", "candipuro", "--tw", "2", "--tahun", "23"], "TAHUN tidak valid"),
    (["--kec", "candipuro", "--tw", "2", "--unit", "../camat"], "UNIT tidak valid"),
    (["--kec", "bandung", "--tw", "2"], "tidak ditemukan"),
])
def test_bad_parameters_are_refused_before_any_file_is_read(project, argv, says, capsys):
    reports = snapshot(project / "reports")
    assert main(["report", *argv]) == 1
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert snapshot(project / "reports") == reports


def test_optional_file_with_only_a_header_is_an_empty_table(project, capsys):
    write("riwayat.csv", "indikator_id;tahun;target;realisasi\n")(project)
    write("pegawai.csv", "\ufeffstatus;jumlah\r\n")(project)
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 0
    assert capsys.readouterr().out.startswith("OK: data candipuro 2023 TW2 camat valid")


def test_warnings_do_not_stop_the_check(project, capsys):
    # realisasi above pagu on a leaf whose parents have no figures of their own (summed)
    edit("anggaran.csv", "7.01.01.2.01;Perencanaan, Penganggaran dan evaluasi Kinerja Perangkat "
         "Daerah;8.500.000,00;1.500.000,00", "7.01.01.2.01;Perencanaan, Penganggaran dan "
         "evaluasi Kinerja Perangkat Daerah;;")(project)
    edit("anggaran.csv", "2.011.493.161;1.038.184.067", ";")(project)
    edit("anggaran.csv", "3.000.000;1.500.000,00", "3.000.000;3.500.000,00")(project)
    # target typed as a fraction (0,915 for 91,50%): capaian 54,90 / 0,915 > 150%
    edit("perjanjian_kinerja.csv", ";naik;91,50;", ";naik;0,915;")(project)
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 0
    out = capsys.readouterr().out
    assert "OK:" in out
    assert "anggaran.csv, baris 4, kolom 'realisasi': realisasi melebihi pagu" in out
    assert "capaian indikator IK-01 di atas 150%" in out


def test_indicator_without_realisasi_is_a_warning(project, capsys):
    write("realisasi.csv", "indikator_id;pembilang;penyebut;nilai;keterangan\n")(project)
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 0
    assert "indikator IK-01 belum punya realisasi" in capsys.readouterr().out


def test_analysts_formats_are_accepted(project, capsys):
    """Windows-1252, UTF-8 with BOM and CRLF, UTF-16 tab-separated text, quoted comma CSV, and
    XLSX with real numbers and a percent-formatted cell."""
    import openpyxl

    tw2 = project / TW2
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["indikator_id", "tahun", "target", "realisasi"])
    sheet.append(["IK-01", 2021, None, 100])
    sheet.append(["IK-01", 2022, 91.39, 0.9183])
    sheet["D3"].number_format = "0.00%"  # shows 91,83%: read as 91,83, not 0,9183
    book.save(tw2 / "riwayat.xlsx")
    (tw2 / "riwayat.csv").unlink()
    keg = tw2 / "kegiatan.csv"
    keg.write_bytes(keg.read_text(encoding="utf-8")
                    .replace("Administrasi Penduduk", "Administrasi “Penduduk” é").encode("cp1252"))
    ang = tw2 / "anggaran.csv"
    ang.write_bytes(b"\xef\xbb\xbf" + ang.read_bytes().replace(b"\n", b"\r\n"))
    pk = tw2 / "perjanjian_kinerja.csv"
    pk.write_bytes(pk.read_text(encoding="utf-8").replace(";", "\t").encode("utf-16"))
    (tw2 / "realisasi.csv").write_text('indikator_id,pembilang,penyebut,nilai,keterangan\n'
                                       'IK-01,,"51,00",,"catatan, dengan koma"\n', encoding="utf-8")
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 0, capsys.readouterr().err
    from lkj.params import resolve
    from lkj.validation import load_inputs
    inputs = load_inputs(project, resolve(project, "candipuro", 2))
    assert list(inputs.riwayat["realisasi"])[1] == Decimal("91.83")
    assert "“Penduduk” é" in " ".join(inputs.kegiatan["uraian"])
