"""Working days and the due date of a quarterly report.

Each kabupaten's rules (lkj.kabupaten) say how many working days after the quarter its report is
due and which holiday list counts; without them, Lumajang's: Perbup Lumajang 6/2018 (as quoted in
seed 002), at the latest 5 working days after the quarter ends. A working day is Monday–Friday
that is neither a national holiday (hari libur nasional) nor a joint leave day (cuti bersama):
government offices, the ones that send and receive these reports, are closed on both.

The days off come from ``data/libur_nasional.csv`` (``tanggal;jenis;keterangan;dasar``), built
from the joint decrees of the Ministers of Religious Affairs, Manpower and PANRB (SKB 3 Menteri)
for 2023–2026, their amendments, and the Keputusan Presiden for the 2024 election days; the
``dasar`` column names the decree of every row. A year missing from the file is reported as such
(the due date is then computed with weekends only and flagged), never silently.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lkj.desa import akhir_triwulan
from lkj.errors import LkjError

HARI_KERJA_BATAS = 5
FILE = Path("data") / "libur_nasional.csv"
_SOURCE_TREE = Path(__file__).resolve().parent.parent  # the checkout lkj is installed from


@dataclass(frozen=True)
class Libur:
    tanggal: dt.date
    jenis: str        # "libur nasional" | "cuti bersama"
    keterangan: str


@dataclass(frozen=True)
class BatasWaktu:
    tanggal: dt.date
    lengkap: bool          # False when a year in the window is missing from the holiday list
    tahun_tanpa_data: tuple[int, ...] = ()


def holiday_file(root: Path | None = None, name: str | Path = FILE) -> Path:
    """The project's holiday list; a copy of the project without data/ uses the source tree's."""
    for base in (root, _SOURCE_TREE):
        if base is not None and (Path(base) / name).is_file():
            return Path(base) / name
    raise LkjError(f"Daftar hari libur {name} tidak ditemukan.")


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int) -> tuple[dict[dt.date, Libur], frozenset[int]]:
    days: dict[dt.date, Libur] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh, delimiter=";"), start=2):
            try:
                day = dt.date.fromisoformat((row.get("tanggal") or "").strip())
            except ValueError:
                raise LkjError(f"{path}, baris {n}: tanggal {row.get('tanggal')!r} bukan "
                               "tanggal TTTT-BB-HH.") from None
            days[day] = Libur(day, (row.get("jenis") or "").strip(),
                              (row.get("keterangan") or "").strip())
    return days, frozenset(d.year for d in days)


def libur(root: Path | None = None, name: str | Path = FILE
          ) -> tuple[dict[dt.date, Libur], frozenset[int]]:
    """(days off by date, years the list covers)."""
    path = holiday_file(root, name)
    return _load(str(path), path.stat().st_mtime_ns)


def is_hari_kerja(day: dt.date, days_off: dict[dt.date, Libur]) -> bool:
    return day.weekday() < 5 and day not in days_off


def tambah_hari_kerja(start: dt.date, n: int, root: Path | None = None,
                      name: str | Path = FILE) -> BatasWaktu:
    """The n-th working day after ``start`` (``start`` itself is not counted)."""
    days_off, years = libur(root, name)
    day, counted, missing = start, 0, set()
    while counted < n:
        day += dt.timedelta(days=1)
        if day.year not in years:
            missing.add(day.year)
        if is_hari_kerja(day, days_off):
            counted += 1
    return BatasWaktu(day, not missing, tuple(sorted(missing)))


def batas_laporan(tahun: int, tw: int, root: Path | None = None, aturan=None) -> BatasWaktu:
    """Due date of the report for quarter ``tw`` of ``tahun``: the kabupaten's number of working
    days after quarter end (``aturan``: lkj.kabupaten.Aturan; None: 5, Lumajang's)."""
    n, name = (aturan.hari_kerja, aturan.libur) if aturan else (HARI_KERJA_BATAS, FILE)
    return tambah_hari_kerja(akhir_triwulan(tahun, tw), n, root, name)


def hari_kerja_antara(a: dt.date, b: dt.date, root: Path | None = None,
                      name: str | Path = FILE) -> int:
    """Working days in (a, b]: how many working days late a report signed on b is, due on a."""
    days_off, _ = libur(root, name)
    n, day = 0, a
    while day < b:
        day += dt.timedelta(days=1)
        if is_hari_kerja(day, days_off):
            n += 1
    return n


@dataclass(frozen=True)
class Ketepatan:
    batas: BatasWaktu
    tanggal: dt.date | None     # signing date from laporan.csv
    tepat_waktu: bool | None    # None when the signing date is unknown
    terlambat_hari_kerja: int = 0

    @property
    def label(self) -> str:
        if self.tepat_waktu is None:
            return "tanggal belum diisi"
        if self.tepat_waktu:
            return "tepat waktu"
        return f"terlambat {self.terlambat_hari_kerja} hari kerja"


def ketepatan(tahun: int, tw: int, tanggal: dt.date | None, root: Path | None = None,
              aturan=None) -> Ketepatan:
    """Was a report signed on ``tanggal`` on time? The signing date in laporan.csv is the date
    the report was issued; it is compared with the due date."""
    batas = batas_laporan(tahun, tw, root, aturan)
    if tanggal is None:
        return Ketepatan(batas, None, None)
    if tanggal <= batas.tanggal:
        return Ketepatan(batas, tanggal, True)
    return Ketepatan(batas, tanggal, False, hari_kerja_antara(
        batas.tanggal, tanggal, root, aturan.libur if aturan else FILE))
