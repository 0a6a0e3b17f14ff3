"""Budget roll-up by code prefix, in exact integer sen (lkj.anggaran)."""

import pandas as pd
import pytest

from lkj import anggaran


def rows(*items):
    return pd.DataFrame([{"kode": k, "uraian": u, "pagu": p, "realisasi": r, "baris": i + 2}
                         for i, (k, u, p, r) in enumerate(items)])


def test_normalise_code_repairs_split_codes():
    assert anggaran.normalise_kode("7.01.03.2 .06.01") == "7.01.03.2.06.01"
    assert anggaran.normalise_kode(" 7.01.03. 2.06 ") == "7.01.03.2.06"


@pytest.mark.parametrize("kode, level", [("7.01.01", "program"), ("7.01.01.2.01", "kegiatan"),
                                         ("7.01.01.2.01.01", "sub_kegiatan"),
                                         ("7.01.01.2.01.0001", "sub_kegiatan")])
def test_levels_accept_two_and_four_digit_suffixes(kode, level):
    assert anggaran.kode_problem(kode) is None
    assert anggaran.level(kode) == level


@pytest.mark.parametrize("kode", ["7.01", "7.01.01.2", "7.01.01.3.01", "7.01.a1", "", "7..01"])
def test_malformed_codes_are_rejected(kode):
    assert anggaran.kode_problem(kode) is not None


def test_rollup_sums_children_and_computes_sisa_and_persen():
    table, mismatches = anggaran.rollup(rows(
        ("7.01.01", "PROGRAM", None, None),
        ("7.01.01.2.01", "Kegiatan", None, None),
        ("7.01.01.2.01.01", "Sub A", 300_000_000, 150_000_000),   # sen
        ("7.01.01.2.01.0002", "Sub B", 250_000_000, 0),
    ))
    assert mismatches == []
    prog = table.iloc[0]
    assert (prog.pagu, prog.realisasi, prog.sisa) == (550_000_000, 150_000_000, 400_000_000)
    assert float(prog.persen) == pytest.approx(150 / 550 * 100)
    assert list(table["level"]) == ["program", "kegiatan", "sub_kegiatan", "sub_kegiatan"]
    assert prog.sumber_baris == [4, 5]


def test_rollup_reports_parent_not_equal_to_children():
    # Seed defect class: a sub-total copied from the parent row instead of summed.
    _, mismatches = anggaran.rollup(rows(
        ("7.01.06", "PROGRAM", 26_960_000_000, None),
        ("7.01.06.2.01", "Kegiatan", 26_960_000_000, None),
        ("7.01.06.2.01.02", "Sub", 25_210_000_000, 0),
    ))
    assert {(m.kode, m.kolom) for m in mismatches} == {("7.01.06", "pagu"), ("7.01.06.2.01", "pagu")}


def test_codes_sort_numerically_not_as_text():
    table, _ = anggaran.rollup(rows(
        ("7.01.01", "P", None, None), ("7.01.01.2.10", "K10", 1, 0), ("7.01.01.2.09", "K9", 1, 0)))
    assert list(table["kode"]) == ["7.01.01", "7.01.01.2.09", "7.01.01.2.10"]


def test_total_counts_each_rupiah_once():
    table, _ = anggaran.rollup(rows(
        ("7.01.01", "P1", None, None), ("7.01.01.2.01", "K", None, None),
        ("7.01.01.2.01.01", "S", 100, 40), ("7.01.02", "P2", None, None),
        ("7.01.02.2.01", "K", 50, 50)))
    t = anggaran.total(table)
    assert (t.pagu, t.realisasi, t.sisa) == (150, 90, 60)
    assert t.persen == 60


def test_zero_pagu_has_no_percentage():
    assert anggaran.persen(0, 0) is None
