"""`lkj impor anggaran`: anggaran.csv from a SIPD-RI/SIMDA budget-realisation export.

The exports are built here, in SIPD's column layout, from the Candipuro TW II 2023 sample's own
anggaran.csv: every sub kegiatan split into three account (rekening) rows whose amounts add up to
the sample's. Expected values are the sample's rows as typed from seed 000 — program 7.01.01
2.011.493.161 / 1.038.184.067, total 2.752.150.911 / 1.483.229.067 (docs/data.md 6.4) — and,
for the revised pagu, that total plus the one change the test makes (+ 10.000.000).
"""

import csv
import hashlib
import io
from pathlib import Path

import openpyxl
import pytest

from kabupaten_fixture import ROOT, copy_project, lkj
from lkj import anggaran as A
from lkj import impor
from lkj.errors import ValidationError
from lkj.formatting import rupiah
from lkj.params import ReportId
from lkj.process import compute
from lkj.reading import parse_number, to_sen
from lkj.validation import load_inputs

SAMPLE = ROOT / "data/raw/candipuro/2023/camat/tw2/anggaran.csv"
TW2 = "data/raw/candipuro/2023/camat/tw2"
HEADER = ["No", "Kode Sub Unit", "Nama Sub Unit", "KODE  PROGRAM", "nama program",
          "KODE KEGIATAN", "NAMA KEGIATAN", "Kode Sub-Kegiatan", "NAMA SUB KEGIATAN",
          "KODE REKENING", "NAMA REKENING", "PAGU", "REALISASI", "SISA", "%"]
TITLE = [["LAPORAN REALISASI ANGGARAN PER SUB KEGIATAN"], ["PEMERINTAH KABUPATEN LUMAJANG"],
         ["Periode 1 Januari 2023 s.d. 30 Juni 2023"], ["Dicetak 3 Juli 2023"], []]
ACCOUNTS = ("5.1.02.01.01.0024", "5.1.02.02.01.0063", "5.1.02.03.02.0035")


def sample_rows() -> list[dict]:
    rows = list(csv.DictReader(SAMPLE.open(encoding="utf-8"), delimiter=";"))
    for r in rows:
        r["kode"] = A.normalise_kode(r["kode"])
        for col in ("pagu", "realisasi"):
            number = parse_number(r[col])
            r[col] = 0 if number is None else to_sen(number)
    return rows


def _split(sen: int) -> list[int]:
    third = sen // 300 * 100          # whole rupiah; the last account takes the rest
    return [third, third, sen - 2 * third]


def export_rows(unit=("1.01.2.22.0.00.03.0000", "Kecamatan Candipuro"), change=None) -> list[list]:
    """The sample's sub kegiatan as SIPD account rows (4-digit sub-kegiatan suffixes)."""
    rows = sample_rows()
    names = {r["kode"]: r["uraian"] for r in rows}
    out = []
    for r in rows:
        k = r["kode"]
        if A.level(k) != "sub_kegiatan":
            continue
        prog, keg = ".".join(k.split(".")[:3]), ".".join(k.split(".")[:5])
        sub = f"{keg}.{int(k.split('.')[5]):04d}"
        pagu, real = r["pagu"], r["realisasi"]
        if change and k in change:
            pagu, real = change[k]
        for acc, p, x in zip(ACCOUNTS, _split(pagu), _split(real)):
            out.append([len(out) + 1, *unit, prog, names[prog], keg, names[keg], sub,
                        names[k], acc, "Belanja …", p / 100, x / 100, (p - x) / 100, ""])
    return out


def write_xlsx(path: Path, rows: list[list], title=TITLE) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    for line in [*title, HEADER, *rows]:
        ws.append(line)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list], header=HEADER, title=TITLE) -> Path:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    for line in [*title, header]:
        w.writerow(line)
    for r in rows:
        w.writerow([rupiah(round(c * 100)) if isinstance(c, float) else c for c in r])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path):
    return copy_project(tmp_path / "p")


def _anggaran(path: Path) -> dict[tuple, tuple]:
    return {A.sort_key(A.normalise_kode(r["kode"])): (r["uraian"], r["pagu"], r["realisasi"])
            for r in csv.DictReader(path.open(encoding="utf-8"), delimiter=";")}


def _money(text: str) -> int:
    number = parse_number(text)
    return 0 if number is None else to_sen(number)


def test_import_rebuilds_candipuro_tw2_from_account_rows(root, tmp_path):
    (root / TW2 / "anggaran.csv").unlink()
    other = export_rows(("1.01.2.22.0.00.04.0000", "Kecamatan Pasirian"))[:6]
    export = write_xlsx(tmp_path / "Realisasi Sub Kegiatan TW2.xlsx", export_rows() + other)
    result = lkj(root, "impor", "anggaran", str(export), "--kec", "candipuro", "--tahun", "2023",
                 "--tw", "2")
    assert result.returncode == 0, result.stderr
    assert "pagu Rp2.752.150.911, realisasi Rp1.483.229.067" in result.stdout
    assert "sub unit 1.01.2.22.0.00.03.0000 Kecamatan Candipuro" in result.stdout
    written = _anggaran(root / TW2 / "anggaran.csv")
    sample = {A.sort_key(r["kode"]): r for r in sample_rows()}
    assert written.keys() == sample.keys()
    for key, (uraian, pagu, real) in written.items():   # parents: the sample's own sums
        assert (uraian, _money(pagu), _money(real)) == \
            (sample[key]["uraian"], sample[key]["pagu"], sample[key]["realisasi"]), key
    assert written[A.sort_key("7.01.01")][1:] == ("2.011.493.161", "1.038.184.067")
    # no earlier style in the quarter: the export's 4-digit suffixes are kept
    assert "7.01.01.2.01.0001;" in (root / TW2 / "anggaran.csv").read_text(encoding="utf-8")

    inputs = load_inputs(root, ReportId("candipuro", 2023, 2))   # valid as it is
    meta = compute(inputs).meta
    assert (meta["ringkasan"]["pagu"], meta["ringkasan"]["realisasi_anggaran"]) == \
        (275215091100, 148322906700)
    source = next(f for f in inputs.files if f.path.startswith(export.name))
    assert source.sha256 == hashlib.sha256(export.read_bytes()).hexdigest()
    assert "data s.d. 2023-06-30" in source.path and source.rows == len(export_rows())


def test_revised_pagu_apbd_p_replaces_the_original(root, tmp_path):
    (root / TW2 / "anggaran.csv").unlink()
    header = [*HEADER[:11], "PAGU", "APBD-P", "REALISASI"]
    rows = export_rows()
    first = next(i for i, r in enumerate(rows) if r[7] == "7.01.01.2.06.0008")
    rows = [[*r[:12], r[11] + (10_000_000 if i == first else 0), r[12]]
            for i, r in enumerate(rows)]
    export = write_csv(tmp_path / "apbd-p.csv", rows, header)
    hasil = impor.impor_anggaran(root, export, "candipuro", 2023, 2)
    assert (hasil.pagu, hasil.realisasi) == (276215091100, 148322906700)   # + 10.000.000
    rows = _anggaran(root / TW2 / "anggaran.csv")
    assert rows[A.sort_key("7.01.01.2.06.08")][1] == "17.350.000"          # 7.350.000 + 10 juta
    record = dict(csv.reader((root / TW2 / "anggaran.sumber.csv").open(encoding="utf-8"),
                             delimiter=";"))
    assert record["kolom_pagu"] == "APBD-P" and record["berkas"] == "apbd-p.csv"


def test_an_existing_anggaran_is_kept_and_the_diff_says_what_would_change(root, tmp_path):
    before = (root / TW2 / "anggaran.csv").read_bytes()
    change = {"7.01.01.2.02.01": (151785716300, 80000000000)}   # realisasi 800.000.000
    rows = [r for r in export_rows(change=change) if r[7] != "7.01.06.2.01.0006"]
    extra = [r[:] for r in export_rows()[:1]]
    extra[0][7:9] = ["7.01.01.2.01.0007", "Evaluasi Kinerja Perangkat Daerah"]
    export = write_csv(tmp_path / "sipd.csv", rows + extra)
    result = lkj(root, "impor", "anggaran", str(export), "--kec", "candipuro", "--tahun", "2023",
                 "--tw", "2")
    assert result.returncode == 0, result.stderr
    assert (root / TW2 / "anggaran.csv").read_bytes() == before
    new = (root / TW2 / "anggaran.impor.csv").read_text(encoding="utf-8")
    assert "7.01.01.2.01.01;" in new and ".0001" not in new     # the quarter's 2-digit style
    diff = (root / TW2 / "anggaran.impor.diff.txt").read_text(encoding="utf-8")
    assert ("~ 7.01.01.2.02.01 Penyediaan Gaji dan Tunjangan ASN: realisasi 784.808.761 → "
            "800.000.000") in diff
    assert "+ 7.01.01.2.01.07 Evaluasi Kinerja Perangkat Daerah: baru (pagu 1.000.000" in diff
    assert "- 7.01.06.2.01.06 Fasilitasi Pelaksanaan Pemilihan Kepala Desa: tidak ada" in diff
    assert "7.01.01.2.01.01 " not in diff           # 01 and 0001 are the same sub kegiatan
    assert "~ 7.01.01.2.02.01" in result.stdout
    # not in the report until the analyst adopts the import; then it is, with its provenance
    inputs = load_inputs(root, ReportId("candipuro", 2023, 2))
    assert not any("sipd.csv" in f.path for f in inputs.files)
    (root / TW2 / "anggaran.impor.csv").replace(root / TW2 / "anggaran.csv")
    inputs = load_inputs(root, ReportId("candipuro", 2023, 2))
    assert any(f.path.startswith("sipd.csv (ekspor keuangan") for f in inputs.files)


def test_an_import_that_changes_nothing_only_records_where_the_figures_come_from(root, tmp_path):
    before = (root / TW2 / "anggaran.csv").read_bytes()
    export = write_xlsx(tmp_path / "sama.xlsx", export_rows())
    hasil = impor.impor_anggaran(root, export, "candipuro", 2023, 2)
    assert hasil.changes == [] and (root / TW2 / "anggaran.csv").read_bytes() == before
    assert not (root / TW2 / "anggaran.impor.csv").exists()
    inputs = load_inputs(root, ReportId("candipuro", 2023, 2))
    assert any(f.path.startswith("sama.xlsx (ekspor keuangan") for f in inputs.files)
    # edited afterwards: the provenance no longer applies, and the report says so
    path = root / TW2 / "anggaran.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Fasilitasi Kunjungan Tamu",
                                                             "Fasilitasi Kunjungan Tamu Dinas"),
                    encoding="utf-8")
    inputs = load_inputs(root, ReportId("candipuro", 2023, 2))
    assert not any("sama.xlsx" in f.path for f in inputs.files)
    assert any("berbeda dengan hasil impor dari sama.xlsx" in str(w) for w in inputs.warnings)


def test_a_cut_off_that_is_not_the_quarters_last_day_is_refused(root, tmp_path):
    (root / TW2 / "anggaran.csv").unlink()
    title = [["LAPORAN REALISASI ANGGARAN"], ["Posisi s.d. tanggal 31 Mei 2023"]]
    export = write_xlsx(tmp_path / "mei.xlsx", export_rows(), title)
    result = lkj(root, "impor", "anggaran", str(export), "--kec", "candipuro", "--tahun", "2023",
                 "--tw", "2")
    assert result.returncode == 1
    assert ("mei.xlsx, baris 2: berkas berisi realisasi s.d. 31 Mei 2023, bukan akhir "
            "Triwulan II 2023 (30 Juni 2023)") in result.stderr
    assert "Perbaikan: ekspor ulang" in result.stderr
    assert sorted(p.name for p in (root / TW2).iterdir() if p.is_file()) == sorted(
        p.name for p in (ROOT / TW2).iterdir() if p.is_file() and p.name != "anggaran.csv")


def test_an_export_that_does_not_say_its_date_is_imported_with_a_warning(root, tmp_path):
    (root / TW2 / "anggaran.csv").unlink()
    export = write_csv(tmp_path / "tanpa-tanggal.csv", export_rows(), title=[])
    result = lkj(root, "impor", "anggaran", str(export), "--kec", "candipuro", "--tahun", "2023",
                 "--tw", "2")
    assert result.returncode == 0, result.stderr
    assert "tidak menyebut tanggal data" in result.stdout and "30 Juni 2023" in result.stdout


def test_several_sub_units_need_a_choice(root, tmp_path):
    (root / TW2 / "anggaran.csv").unlink()
    rows = export_rows(("1.01.01", "Sekretariat")) + export_rows(("1.01.02", "Bidang Lain"))
    export = write_xlsx(tmp_path / "dua.xlsx", rows)
    with pytest.raises(ValidationError, match=r"dua.xlsx, kolom 'Nama Sub Unit': berkas berisi 2 "
                       r"sub unit.*--sub-unit.*1.01.01 Sekretariat; 1.01.02 Bidang Lain"):
        impor.impor_anggaran(root, export, "candipuro", 2023, 2)
    hasil = impor.impor_anggaran(root, export, "candipuro", 2023, 2, sub_unit="1.01.02")
    assert hasil.sub_unit == "1.01.02 Bidang Lain" and hasil.pagu == 275215091100


def test_bad_cells_are_named_by_file_row_column_and_value(root, tmp_path):
    (root / TW2 / "anggaran.csv").unlink()
    rows = export_rows()
    rows[2][11], rows[4][12] = "dua juta", -5.0
    export = write_csv(tmp_path / "rusak.csv", rows)
    with pytest.raises(ValidationError) as exc:
        impor.impor_anggaran(root, export, "candipuro", 2023, 2)
    text = str(exc.value)
    first = len(TITLE) + 2   # title lines, the header, then data: Excel's row numbers
    assert (f"rusak.csv, baris {first + 2}, kolom 'PAGU': bukan angka yang sah (nilai: "
            "'dua juta'). Perbaikan:") in text
    assert f"rusak.csv, baris {first + 4}, kolom 'REALISASI': realisasi tidak boleh negatif" in text
    assert not (root / TW2 / "anggaran.csv").exists()


def test_a_subtotal_row_that_disagrees_with_its_accounts_is_refused(root, tmp_path):
    (root / TW2 / "anggaran.csv").unlink()
    rows = export_rows()
    subtotal = rows[0][:]
    subtotal[9:11] = ["", ""]
    subtotal[11] = 2_000_000.0   # its accounts add up to 3.000.000
    export = write_csv(tmp_path / "subtotal.csv", [subtotal, *rows])
    with pytest.raises(ValidationError, match=r"subtotal.csv, baris 7, kolom 'pagu': pagu baris "
                       r"jumlah 7.01.01.2.01.0001 tidak sama dengan jumlah rinciannya "
                       r"\(Rp3.000.000\) \(nilai: '2.000.000'\)"):
        impor.impor_anggaran(root, export, "candipuro", 2023, 2)


def test_the_readers_checks_apply_to_exports(root, tmp_path):
    (root / TW2 / "anggaran.csv").unlink()
    export = write_xlsx(tmp_path / "rumus.xlsx", export_rows())
    book = openpyxl.load_workbook(export)
    book.active["L7"] = "=1+1"     # openpyxl stores no result for it
    book.save(export)
    with pytest.raises(ValidationError, match="sel L7 di lembar 'Sheet' berisi rumus tanpa hasil"):
        impor.impor_anggaran(root, export, "candipuro", 2023, 2)
    mixed = tmp_path / "campur.csv"
    write_csv(mixed, export_rows())
    mixed.write_bytes(mixed.read_bytes().replace(b"Belanja", "Belanja Ü".encode("utf-8"), 1)
                      + "7.01;Bélanja\n".encode("cp1252"))
    with pytest.raises(ValidationError, match="bercampur pengodean karakter"):
        impor.impor_anggaran(root, mixed, "candipuro", 2023, 2)
    assert not (root / TW2 / "anggaran.csv").exists()


def test_a_simda_report_with_one_code_column_and_printed_subtotals(root, tmp_path):
    """SIMDA's shape: one KODE column for every level, the amounts on each row, no accounts."""
    (root / TW2 / "anggaran.csv").unlink()
    rows = [[r["kode"], r["uraian"], rupiah(r["pagu"]), rupiah(r["realisasi"])]
            for r in sample_rows()]
    export = write_csv(tmp_path / "simda.csv", rows,
                       ["Kode", "Uraian", "Anggaran", "Realisasi s.d. Triwulan II"],
                       [["Laporan Realisasi Anggaran s/d 30/06/2023"]])
    hasil = impor.impor_anggaran(root, export, "candipuro", 2023, 2)
    assert (hasil.pagu, hasil.realisasi) == (275215091100, 148322906700)
    assert hasil.tanggal.isoformat() == "2023-06-30"
    written, sample = _anggaran(root / TW2 / "anggaran.csv"), _anggaran(SAMPLE)
    assert written.keys() == sample.keys()
    for key, (uraian, pagu, real) in written.items():   # the same rows, amounts to the sen
        assert (uraian, _money(pagu), _money(real)) == \
            (sample[key][0], _money(sample[key][1]), _money(sample[key][2])), key
    # a printed subtotal that disagrees with its rows is refused, not silently replaced
    rows[1][2] = "8.400.000"     # kegiatan 7.01.01.2.01: its sub kegiatan add up to 8.500.000
    write_csv(export, rows, ["Kode", "Uraian", "Anggaran", "Realisasi"], [])
    (root / TW2 / "anggaran.csv").unlink()
    (root / TW2 / "anggaran.sumber.csv").unlink()
    with pytest.raises(ValidationError, match=r"simda.csv, baris 3, kolom 'pagu': pagu baris "
                       r"jumlah 7.01.01.2.01 tidak sama .*\(Rp8.500.000\)"):
        impor.impor_anggaran(root, export, "candipuro", 2023, 2)
