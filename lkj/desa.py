"""Village administration documents (RKPDesa, APBDesa, LPPDesa) and their legal deadlines.

In reporting year Y:
- RKPDesa for Y+1 must be set by Peraturan Desa by the end of September Y
  (Permendagri 114/2014 Pasal 29(4));
- APBDesa for Y+1 must be set by 31 December Y (Permendagri 20/2018 Pasal 38(2));
- LPPDesa for Y−1 must reach the Bupati through the Camat within 3 months after the fiscal year,
  i.e. by 31 March Y (Permendagri 46/2016 Pasal 3(1)).
A document counts for the indicator only when it was on time *and* done by the end of the quarter
being reported; one whose deadline is still ahead counts 0 (not yet due), as seed 000 does.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

DOKUMEN = ("RKPDesa", "APBDesa", "LPPDesa")

TEPAT_WAKTU = "tepat waktu"
TERLAMBAT = "terlambat"
BELUM_DITETAPKAN = "belum ditetapkan pada batas waktu"
BELUM_JATUH_TEMPO = "belum jatuh tempo"

DASAR_HUKUM = {
    "RKPDesa": "ditetapkan dengan Peraturan Desa paling lambat akhir bulan September "
               "(Permendagri 114/2014 Pasal 29 ayat 4)",
    "APBDesa": "ditetapkan dengan Peraturan Desa paling lambat 31 Desember tahun anggaran "
               "sebelumnya (Permendagri 20/2018 Pasal 38 ayat 2)",
    "LPPDesa": "disampaikan Kepala Desa kepada Bupati melalui Camat paling lambat 3 bulan setelah "
               "tahun anggaran berakhir (Permendagri 46/2016 Pasal 3 ayat 1)",
}


def tahun_anggaran(dokumen: str, tahun_laporan: int) -> int:
    """The budget year of the document that falls due in the reporting year."""
    return {"RKPDesa": tahun_laporan + 1, "APBDesa": tahun_laporan + 1,
            "LPPDesa": tahun_laporan - 1}[dokumen]


def batas_waktu(dokumen: str, tahun_anggaran_dokumen: int) -> dt.date:
    """Legal deadline of a document for a given budget year."""
    if dokumen == "RKPDesa":
        return dt.date(tahun_anggaran_dokumen - 1, 9, 30)
    if dokumen == "APBDesa":
        return dt.date(tahun_anggaran_dokumen - 1, 12, 31)
    if dokumen == "LPPDesa":
        return dt.date(tahun_anggaran_dokumen + 1, 3, 31)
    raise ValueError(f"dokumen tidak dikenal: {dokumen!r}")


def akhir_triwulan(tahun: int, tw: int) -> dt.date:
    month = 3 * tw
    return dt.date(tahun, month, calendar.monthrange(tahun, month)[1])


def awal_triwulan(tahun: int, tw: int) -> dt.date:
    return dt.date(tahun, 3 * tw - 2, 1)


@dataclass(frozen=True)
class Status:
    label: str
    tepat_waktu: bool


def status(tanggal: dt.date | None, batas: dt.date, akhir_periode: dt.date) -> Status:
    """Judge one document at the end of the reporting period.

    A date after the end of the period is not yet known to the report of that period, so it is
    treated as "not done yet".
    """
    done = tanggal is not None and tanggal <= akhir_periode
    if done:
        return Status(TEPAT_WAKTU, True) if tanggal <= batas else Status(TERLAMBAT, False)
    if batas <= akhir_periode:  # due by the end of the period at the latest: it is late
        return Status(BELUM_DITETAPKAN, False)
    return Status(BELUM_JATUH_TEMPO, False)
