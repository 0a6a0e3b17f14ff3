"""Due date of a quarterly report: 5 working days after the quarter (Perbup Lumajang 6/2018),
skipping weekends, national holidays and cuti bersama from data/libur_nasional.csv.

Expected dates are counted by hand on the 2023–2025 calendars and the SKB 3 Menteri lists."""

import csv
import datetime as dt

import pytest

from lkj import holidays
from lkj.holidays import batas_laporan, ketepatan

D = dt.date


@pytest.mark.parametrize("tahun, tw, due, why", [
    (2023, 2, D(2023, 7, 7), "30 Jun (Fri) ends the quarter; 3–7 Jul are working days"),
    (2023, 1, D(2023, 4, 10), "3–6 Apr, 7 Apr Wafat Isa Almasih, then Mon 10 Apr"),
    (2023, 4, D(2024, 1, 8), "1 Jan 2024 holiday; 2–5 Jan, then Mon 8 Jan"),
    (2025, 1, D(2025, 4, 14), "31 Mar–1 Apr Idul Fitri, 2–4 and 7 Apr cuti bersama; 8–11, 14 Apr"),
    (2025, 2, D(2025, 7, 7), "30 Jun (Mon) ends the quarter; 1–4 Jul, then Mon 7 Jul"),
    (2024, 1, D(2024, 4, 5), "1–5 Apr 2024 are working days (cuti bersama starts 8 Apr)"),
])
def test_due_date_is_the_fifth_working_day_after_the_quarter(tahun, tw, due, why):
    b = batas_laporan(tahun, tw)
    assert b.tanggal == due, why
    assert b.lengkap


def test_a_year_missing_from_the_holiday_list_is_flagged_not_hidden():
    b = batas_laporan(2030, 2)
    assert not b.lengkap and b.tahun_tanpa_data == (2030,)
    assert b.tanggal == D(2030, 7, 5)   # weekends only: 1–5 July 2030 (Mon–Fri)


def test_signed_on_the_due_date_is_on_time_one_working_day_later_is_late():
    assert ketepatan(2023, 2, D(2023, 7, 7)).label == "tepat waktu"
    assert ketepatan(2023, 2, D(2023, 7, 10)).label == "terlambat 1 hari kerja"
    assert ketepatan(2023, 2, None).tepat_waktu is None


def test_candipuro_tw2_2023_signed_23_august_is_31_working_days_late():
    # 10–14 Jul (5), 17–21 without 19 Jul 1 Muharam (4), 24–28 (5), 31 Jul (1) = 15;
    # 1–4 Aug (4), 7–11 (5), 14–18 without 17 Aug (4), 21–23 (3) = 16 → 31
    assert ketepatan(2023, 2, D(2023, 8, 23)).terlambat_hari_kerja == 31


def test_holiday_file_covers_2023_to_2026_and_names_its_legal_basis():
    rows = list(csv.DictReader(open(holidays.holiday_file(), encoding="utf-8"), delimiter=";"))
    years = {int(r["tanggal"][:4]) for r in rows}
    assert years == {2023, 2024, 2025, 2026}
    assert {r["jenis"] for r in rows} == {"libur nasional", "cuti bersama"}
    assert all(r["dasar"].strip() and r["keterangan"].strip() for r in rows)
    # published totals (SKB 3 Menteri): 2026 has 17 national holidays and 8 cuti bersama
    y2026 = [r["jenis"] for r in rows if r["tanggal"].startswith("2026")]
    assert y2026.count("libur nasional") == 17 and y2026.count("cuti bersama") == 8
