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
