"""Bad inputs end in one clear message per problem: file, row, column, value and a hint."""

import pytest

from lkj.errors import LkjError, ValidationError
from lkj.params import resolve
from lkj.validation import load_inputs


def problems(project):
    with pytest.raises(ValidationError) as info:
        load_inputs(project, resolve(project, "candipuro", 2))
    return info.value.problems


def replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_sample_data_is_valid(project):
    inputs = load_inputs(project, resolve(project, "candipuro", 2))
    assert len(inputs.anggaran) == 60 and len(inputs.kegiatan) == 28 and len(inputs.desa) == 10


def test_non_numeric_money_names_file_row_column_and_value(tw2, project):
    replace(tw2 / "anggaran.csv", "2.011.493.161", "dua milyar")
    [p] = problems(project)
    assert p.file.endswith("anggaran.csv") and p.row == 2 and p.column == "pagu"
    assert p.value == "dua milyar" and "1.517.857.163" in p.hint


def test_missing_file(tw2, project):
    (tw2 / "perjanjian_kinerja.csv").unlink()
    [p] = problems(project)
    assert p.file.endswith("perjanjian_kinerja.csv") and "tidak ada" in p.message


def test_misspelled_column_suggests_the_right_name(tw2, project):
    replace(tw2 / "anggaran.csv", "kode;uraian;pagu;realisasi", "kode;uraian;pagu;relisasi")
    found = problems(project)
    assert any(p.column == "relisasi" and "realisasi" in p.hint for p in found)


def test_all_problems_are_reported_at_once(tw2, project):
    replace(tw2 / "anggaran.csv", "2.011.493.161", "x")
    replace(tw2 / "kegiatan.csv", "ditindaklanjuti", "selesai")
    files = {p.file.split("/")[-1] for p in problems(project)}
    assert files == {"anggaran.csv", "kegiatan.csv"}


def test_orphan_sub_kegiatan(tw2, project):
    replace(tw2 / "anggaran.csv", "7.01.01.2.01.01;", "7.01.01.2.77.01;")
    found = problems(project)
    assert any("7.01.01.2.77" in p.message and p.row == 4 and p.column == "kode" for p in found)


def test_parent_not_equal_to_sum_of_children(tw2, project):
    replace(tw2 / "anggaran.csv", "8.500.000,00", "9.500.000,00")
    [p] = problems(project)
    assert p.row == 3 and p.column == "pagu" and "jumlah rinciannya" in p.message


def test_unknown_desa(tw2, project):
    replace(tw2 / "dokumen_desa.csv", "IK-02;Jugosari;LPPDesa", "IK-02;Jugosary;LPPDesa")
    [p] = problems(project)
    assert p.column == "desa" and p.value == "Jugosary" and "Jugosari" in p.hint


def test_impossible_date(tw2, project):
    text = (tw2 / "dokumen_desa.csv").read_text(encoding="utf-8")
    date = text.split("LPPDesa;2022;")[1].split(";")[0]
    replace(tw2 / "dokumen_desa.csv", date, "2023-02-30")
    [p] = problems(project)
    assert p.column == "tanggal" and p.value == "2023-02-30"


def test_numerator_above_denominator(tw2, project):
    replace(tw2 / "realisasi.csv", "IK-01;;51", "IK-01;60;51")
    found = problems(project)
    assert any(p.column == "pembilang" and "lebih besar" in p.message for p in found)


def test_listed_activities_must_equal_numerator(tw2, project):
    replace(tw2 / "realisasi.csv", "IK-01;;51", "IK-01;27;51")
    [p] = problems(project)
    assert p.column == "pembilang" and "28" in p.message


def test_unknown_indicator(tw2, project):
    replace(tw2 / "realisasi.csv", "IK-01;", "IK-09;")
    found = problems(project)
    assert any(p.column == "indikator_id" and p.value == "IK-09" for p in found)


@pytest.mark.parametrize("kec", ["../etc", "candipuro/../../x", "/tmp", "CANDI PURO", ""])
def test_kec_must_be_a_plain_folder_name(project, kec):
    with pytest.raises(LkjError, match="KEC tidak valid"):
        resolve(project, kec, 2)


@pytest.mark.parametrize("tw", ["0", "5", "dua", ""])
def test_tw_must_be_1_to_4(project, tw):
    with pytest.raises(LkjError, match="TW tidak valid"):
        resolve(project, "candipuro", tw)


def test_tahun_defaults_to_latest_year_with_data(project):
    assert resolve(project, "candipuro", 2).tahun == 2023
    newer = project / "data/raw/candipuro/2024/camat/tw2"
    newer.mkdir(parents=True)
    assert resolve(project, "candipuro", 2).tahun == 2024
    assert resolve(project, "candipuro", 2, tahun="2023").tahun == 2023


# ---- reading: what analysts' files look like ---------------------------------------------------

from lkj.reading import read_table  # noqa: E402


def read(tmp_path, name, content, required=("kode", "uraian"), optional=("pagu",), **kw):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return read_table(path, name, list(required), list(optional), **kw)


def test_row_numbers_are_excel_rows_even_after_a_multiline_cell(tmp_path):
    table = read(tmp_path, "a.csv", 'kode;uraian;pagu\n1;"dua\nbaris";5\n\n2;x;abc\n')
    assert list(table.frame["baris"]) == [2, 4]  # Excel: the quoted cell is one row, blank is 3
    assert table.frame["uraian"][0] == "dua\nbaris"


def test_header_only_file_is_empty_when_optional_and_a_problem_when_required(tmp_path):
    assert read(tmp_path, "a.csv", "kode;uraian;pagu\n", allow_empty=True).problems == []
    [p] = read(tmp_path, "b.csv", "kode;uraian;pagu\n").problems
    assert p.row == 2 and "tidak berisi baris data" in p.message


def test_untitled_column_with_data_is_named_by_its_letter(tmp_path):
    [p] = read(tmp_path, "a.csv", "kode;;uraian\n1;x;y\n").problems
    assert p.row == 1 and p.column == "(kolom B tanpa judul)"


def test_decimal_comma_in_a_comma_separated_file_is_one_clear_problem(tmp_path):
    table = read(tmp_path, "a.csv", "kode,uraian,pagu\n1,x,3.000.000,50\n2,y,1.000\n")
    [p] = table.problems
    assert p.row == 2 and p.value == "3.000.000,50" and "titik koma (;)" in p.hint
    assert not table.header_ok  # no cell is converted: every row is suspect


def test_xlsx_rows_are_numbered_as_in_excel(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"], sheet["B1"] = "kode", "uraian"
    sheet["A2"], sheet["B2"] = "1", "a"
    sheet["A5"], sheet["B5"] = "2", "#DIV/0!"
    book.save(tmp_path / "a.xlsx")
    table = read_table(tmp_path / "a.xlsx", "a.xlsx", ["kode", "uraian"])
    assert list(table.frame["baris"]) == [2, 5]
    [p] = table.problems
    assert (p.row, p.column, p.value) == (5, "uraian", "#DIV/0!")


def test_file_saved_as_xlsx_under_a_csv_name_says_so(tmp_path):
    [p] = read(tmp_path, "a.csv", b"PK\x03\x04 rest of a zip").problems
    assert "XLSX" in p.message and ".xlsx" in p.hint


def test_a_quoted_cell_may_hold_line_breaks_and_delimiters(tmp_path):
    table = read(tmp_path, "a.csv", 'kode;uraian;pagu\n1;"Fasilitasi; koordinasi\nlanjutan";5\n')
    assert table.problems == [] and table.frame["uraian"][0] == "Fasilitasi; koordinasi\nlanjutan"


def test_an_unclosed_quote_that_swallows_rows_is_named(tmp_path):
    [p] = read(tmp_path, "a.csv", 'kode;uraian;pagu\n1;"awal;5\n2;x;6\n3;y;7\n').problems
    assert (p.row, p.column) == (2, "uraian") and "tanda petik" in p.message
