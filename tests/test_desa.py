"""Village documents against their legal deadlines (lkj.desa)."""

import datetime as dt

import pytest

from lkj import desa

D = dt.date


@pytest.mark.parametrize("dokumen, tahun_laporan, tahun_anggaran, batas", [
    ("RKPDesa", 2023, 2024, D(2023, 9, 30)),    # Permendagri 114/2014 Pasal 29(4)
    ("APBDesa", 2023, 2024, D(2023, 12, 31)),   # Permendagri 20/2018 Pasal 38(2)
    ("LPPDesa", 2023, 2022, D(2023, 3, 31)),    # Permendagri 46/2016 Pasal 3(1)
])
def test_deadlines(dokumen, tahun_laporan, tahun_anggaran, batas):
    assert desa.tahun_anggaran(dokumen, tahun_laporan) == tahun_anggaran
    assert desa.batas_waktu(dokumen, tahun_anggaran) == batas


def test_quarter_ends():
    assert desa.akhir_triwulan(2023, 1) == D(2023, 3, 31)
    assert desa.akhir_triwulan(2023, 2) == D(2023, 6, 30)
    assert desa.akhir_triwulan(2024, 4) == D(2024, 12, 31)


def test_on_the_deadline_is_on_time():
    assert desa.status(D(2023, 3, 31), D(2023, 3, 31), D(2023, 6, 30)).tepat_waktu


def test_one_day_late_is_late():
    s = desa.status(D(2023, 4, 1), D(2023, 3, 31), D(2023, 6, 30))
    assert s.label == desa.TERLAMBAT and not s.tepat_waktu


def test_not_done_and_deadline_ahead_is_not_yet_due():
    # Seed 000, TW II 2023: RKPDesa (due 30 Sep) and APBDesa (due 31 Dec) not yet set → count 0.
    s = desa.status(None, D(2023, 9, 30), D(2023, 6, 30))
    assert s.label == desa.BELUM_JATUH_TEMPO and not s.tepat_waktu


def test_not_done_after_deadline_is_overdue():
    s = desa.status(None, D(2023, 3, 31), D(2023, 6, 30))
    assert s.label == desa.BELUM_DITETAPKAN and not s.tepat_waktu


def test_date_after_the_quarter_is_not_yet_known_to_that_report():
    s = desa.status(D(2023, 7, 5), D(2023, 9, 30), D(2023, 6, 30))
    assert s.label == desa.BELUM_JATUH_TEMPO


def test_a_deadline_on_the_last_day_of_the_quarter_has_passed_at_its_end():
    """At Triwulan III a RKPDesa due 30 September and set 2 Oktober was not set on time: the
    report of 30 September says so, never "belum jatuh tempo"."""
    s = desa.status(D(2023, 10, 2), D(2023, 9, 30), D(2023, 9, 30))
    assert s.label == desa.BELUM_DITETAPKAN == "belum ditetapkan pada batas waktu"
    assert desa.status(None, D(2023, 3, 31), D(2023, 3, 31)).label == desa.BELUM_DITETAPKAN
