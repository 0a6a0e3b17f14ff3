"""Starting a quarter: `lkj init` / `make init` (CSV) and `lkj template` (one XLSX workbook)."""

import hashlib
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from kabupaten_fixture import ROOT, copy_project, lkj
from lkj import scaffold, workbook
from lkj.errors import ValidationError
from lkj.params import ReportId
from lkj.process import build
from lkj.validation import SPECS, load_inputs

TW2 = "data/raw/candipuro/2023/camat/tw2"
TW3 = "data/raw/candipuro/2023/camat/tw3"


@pytest.fixture
def root(tmp_path):
    return copy_project(tmp_path)


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _set_key(path: Path, key: str, value: str) -> None:
    lines = [f"{key};{value}" if l.split(";")[0] == key else l
             for l in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _problems(root: Path, rid: ReportId) -> list[str]:
    try:
        load_inputs(root, rid)
    except ValidationError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_init_tw3_carries_the_plan_of_tw2_without_touching_tw2(root):
    before = _hashes(root / TW2)
    result = lkj(root, "init", "--kec", "candipuro", "--tahun", "2023", "--tw", "3")
    assert result.returncode == 0, result.stderr
    assert _hashes(root / TW2) == before
    tw2, tw3 = root / TW2, root / TW3
    for name in ("perjanjian_kinerja", "pejabat", "pegawai", "riwayat", "kegiatan", "dokumen_desa"):
        assert (tw3 / f"{name}.csv").read_bytes() == (tw2 / f"{name}.csv").read_bytes(), name
    old = [l.split(";") for l in (tw2 / "anggaran.csv").read_text(encoding="utf-8").splitlines()]
    new = [l.split(";") for l in (tw3 / "anggaran.csv").read_text(encoding="utf-8").splitlines()]
    assert [r[:3] for r in new] == [r[:3] for r in old]       # kode, uraian, pagu carried
    assert all(r[3] == "" for r in new[1:])                   # realisasi left for TW3
    laporan = (tw3 / "laporan.csv").read_text(encoding="utf-8")
    assert "tahun;2023" in laporan and "triwulan;3" in laporan and "tanggal;\n" in laporan
    assert (tw3 / "narasi/latar_belakang.md").read_bytes() == (tw2 / "narasi/latar_belakang.md").read_bytes()
    assert scaffold.BELUM_DIISI in (tw3 / "narasi/analisis_penyebab.md").read_text(encoding="utf-8")
    # the printout says what to fill, with the quarter's due date (30 Sep 2023 is a Saturday;
    # 2–6 October are working days)
    assert "6 Oktober 2023" in result.stdout
    assert "realisasi.csv: isi angka kumulatif s.d. TW3 untuk IK-01" in result.stdout


def test_the_perjanjian_kinerja_date_carries_over_within_the_year(root):
    laporan = root / TW2 / "laporan.csv"
    laporan.write_text(laporan.read_text(encoding="utf-8") + "tanggal_perjanjian;2023-01-02\n",
                       encoding="utf-8")
    scaffold.init(root, "candipuro", 2023, 3)
    assert "tanggal_perjanjian;2023-01-02\n" in (root / TW3 / "laporan.csv").read_text(encoding="utf-8")


def test_tw3_is_valid_once_the_listed_items_are_filled(root):
    scaffold.init(root, "candipuro", 2023, 3)
    rid = ReportId("candipuro", 2023, 3)
    problems = _problems(root, rid)     # validation reports cell problems first …
    assert problems and all("laporan.csv" in p and "tanggal" in p for p in problems)
    _set_key(root / TW3 / "laporan.csv", "tanggal", "2023-10-06")
    problems = _problems(root, rid)     # … then the rules across cells and files
    assert problems and all("realisasi.csv" in p and "penyebut" in p for p in problems)
    real = root / TW3 / "realisasi.csv"
    real.write_text(real.read_text(encoding="utf-8").replace("IK-01;;;;", "IK-01;;60;;"),
                    encoding="utf-8")
    assert _problems(root, rid) == []


def test_init_never_overwrites_existing_files(root):
    scaffold.init(root, "candipuro", 2023, 3)
    edited = root / TW3 / "anggaran.csv"
    edited.write_text(edited.read_text(encoding="utf-8") + "", encoding="utf-8")
    _set_key(root / TW3 / "laporan.csv", "tanggal", "2023-10-02")
    before = _hashes(root / TW3)
    again = scaffold.init(root, "candipuro", 2023, 3)
    assert again.dibuat == [] and len(again.sudah_ada) == len(before)
    assert _hashes(root / TW3) == before
    assert "Tidak ada berkas baru" in scaffold.describe(again, root)


def test_new_kecamatan_gets_templates_with_one_example_row(root):
    scaffold.init(root, "pasirian", 2024, 1)
    kec = root / "data/raw/pasirian"
    profil = (kec / "profil.csv").read_text(encoding="utf-8")
    assert "nama_kecamatan;Pasirian" in profil and "kode_wilayah;35.08.04" in profil  # reference.md
    folder = kec / "2024/camat/tw1"
    for name in ("perjanjian_kinerja", "anggaran", "pejabat", "realisasi"):
        lines = (folder / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        assert lines[0].split(";") == [c.name for c in SPECS[name]], name
        assert len(lines) == 2, f"{name}: header and exactly one example row"
    assert "CONTOH" in (folder / "perjanjian_kinerja.csv").read_text(encoding="utf-8")
    # the example rows have the right form: only the signing date is missing
    problems = _problems(root, ReportId("pasirian", 2024, 1))
    assert len(problems) == 1 and "tanggal" in problems[0]
    _set_key(folder / "laporan.csv", "tanggal", "2024-04-05")
    assert _problems(root, ReportId("pasirian", 2024, 1)) == []


def test_init_asks_for_the_year(root):
    result = lkj(root, "init", "--kec", "candipuro", "--tw", "3")
    assert result.returncode == 1 and "TAHUN=2023 TW=3" in result.stderr


def test_make_init_creates_the_quarter(tmp_path):
    """`make init` in a copy that shares this checkout's venv (only when the venv is current)."""
    for name in ("Makefile", "pyproject.toml", "constraints.txt", "_quarto.yml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "lkj", tmp_path / "lkj")
    copy_project(tmp_path)
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    make = lambda *a: subprocess.run(["make", "--no-print-directory", *a], cwd=tmp_path,  # noqa: E731
                                     capture_output=True, text=True, timeout=120)
    if make("-q", ".venv/.lkj-installed").returncode != 0:
        pytest.skip("venv belum disiapkan oleh make (jalankan lewat `make test`)")
    result = make("init", "KEC=candipuro", "TAHUN=2023", "TW=3")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / TW3 / "perjanjian_kinerja.csv").is_file()
    assert "Yang harus diisi analis" in result.stdout
    # any kecamatan in Indonesia by its Kemendagri code (issue 17); a path never gets through
    result = make("init", "KEC=35.09.01", "TAHUN=2024", "TW=1")
    assert result.returncode == 0, result.stderr
    assert "nama_kecamatan;Jombang" in (tmp_path / "data/raw/jombang/profil.csv").read_text()
    result = make("init", "KEC=../jombang", "TAHUN=2024", "TW=1")
    assert result.returncode != 0 and "KEC tidak valid" in result.stderr


# ---- the XLSX workbook --------------------------------------------------------------------

def _validations(ws) -> list[tuple[str, str, str]]:
    return [(dv.type, str(dv.formula1), str(dv.sqref)) for dv in ws.data_validations.dataValidation]


def test_template_writes_one_sheet_per_table_with_drop_downs(root):
    path, _ = scaffold.template(root, "pasirian", 2024, 1)
    assert path == root / "data/raw/pasirian/2024/camat/tw1" / workbook.WORKBOOK
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == workbook.PETUNJUK
    assert set(book.sheetnames[1:]) == {"profil", "laporan", *SPECS}
    pk = book["perjanjian_kinerja"]
    assert [c.value for c in pk[1]] == [c.name for c in SPECS["perjanjian_kinerja"]]
    assert ("list", '"naik,turun"') in [v[:2] for v in _validations(pk)]
    assert any(t == "whole" and f == "1" for t, f, _ in _validations(book["laporan"]))  # TW 1–4
    for name, spec in SPECS.items():   # every choice column (ya/tidak, status, peran, …)
        for col in (c for c in spec if c.kind == "choice"):
            assert ("list", '"' + ",".join(col.choices) + '"') in [v[:2] for v in _validations(book[name])]
    # narrative files are created next to it; the workbook is never overwritten
    assert (path.parent / "narasi/penutup.md").is_file()
    with pytest.raises(Exception, match="sudah ada"):
        scaffold.template(root, "pasirian", 2024, 1)


def test_workbook_is_accepted_in_place_of_the_csv_files(root, tmp_path):
    """The Candipuro sample exported to a workbook gives the same report numbers as its CSVs."""
    rid = ReportId("candipuro", 2023, 2)
    from_csv = build(root, rid)
    book = tmp_path / "ekspor.xlsx"
    scaffold.template(root, "candipuro", 2023, 2, keluar=book)
    folder = root / TW2
    for p in [*folder.glob("*.csv"), *(root / "data/raw/candipuro").glob("*.csv")]:
        p.unlink()                                  # only the workbook (and narasi) remain
    shutil.copyfile(book, folder / workbook.WORKBOOK)
    from_xlsx = build(root, rid)
    assert list(from_xlsx.indikator["capaian"]) == list(from_csv.indikator["capaian"])
    assert from_xlsx.meta["ringkasan"] == from_csv.meta["ringkasan"]
    assert {f["path"] for f in from_xlsx.meta["files"] if "masukan.xlsx" in f["path"]} >= {
        f"{TW2}/masukan.xlsx/anggaran", f"{TW2}/masukan.xlsx/perjanjian_kinerja"}


def test_a_bad_cell_in_the_workbook_names_the_sheet(root, tmp_path):
    book = tmp_path / "ekspor.xlsx"
    scaffold.template(root, "candipuro", 2023, 2, keluar=book)
    wb = openpyxl.load_workbook(book)
    wb["anggaran"]["C3"] = "dua juta"
    wb.save(book)
    (root / TW2 / "anggaran.csv").unlink()
    shutil.copyfile(book, root / TW2 / workbook.WORKBOOK)
    problems = _problems(root, ReportId("candipuro", 2023, 2))
    assert problems == [f"{TW2}/masukan.xlsx/anggaran, baris 3, kolom 'pagu': bukan angka yang sah "
                        "(nilai: 'dua juta'). Perbaikan: tulis jumlah rupiah, mis. 1.517.857.163 "
                        "atau 784.808.761,00; kosong atau - berarti 0"]


def test_csv_wins_over_a_sheet_and_a_header_only_sheet_counts_as_absent(root, tmp_path):
    folder = root / TW2
    workbook.write(folder / workbook.WORKBOOK,
                   [("anggaran", ["kode", "uraian", "pagu", "realisasi"], [["7.01.01", "X", "1", ""]]),
                    ("riwayat", ["indikator_id", "tahun", "target", "realisasi"], [])], ["petunjuk"])
    assert workbook.locate(folder, "anggaran") == (folder / "anggaran.csv", None)
    assert workbook.find_sheet(folder, "anggaran") == (folder / workbook.WORKBOOK, "anggaran")
    assert workbook.find_sheet(folder, "riwayat") == (None, None)


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook(tmp_path):
    """A CSV cell "=HYPERLINK(…)" (someone else's input) is written as the text it is: Excel
    would otherwise run it as a formula when the analyst opens the workbook (attacker's pass)."""
    path = workbook.write(tmp_path / workbook.WORKBOOK, [
        ("kegiatan", ["no", "uraian"], [["1", '=HYPERLINK("http://evil.example/","klik")'],
                                        ["2", "+1+1"], ["3", "@SUM(1+1)"]])], ["Petunjuk"])
    cells = list(openpyxl.load_workbook(path)["kegiatan"].iter_rows(min_row=2, values_only=False))
    assert [(c[1].value, c[1].data_type) for c in cells] == [
        ('=HYPERLINK("http://evil.example/","klik")', "s"), ("+1+1", "s"), ("@SUM(1+1)", "s")]
