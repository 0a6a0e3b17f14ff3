"""Performance rules: realisasi of an indicator, capaian against its target, and the category.

All values are exact (Fraction); rounding happens only when formatting for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from lkj.formatting import to_decimal

NAIK = "naik"    # higher is better
TURUN = "turun"  # lower is better
POLARITAS = (NAIK, TURUN)

CARA_HITUNG = ("komponen", "daftar_kegiatan", "dokumen_desa", "nilai_langsung")

# Lower-is-better formulas a kabupaten may prescribe (its rules file, lkj.kabupaten).
RUMUS_2T, RUMUS_TR = "(2T-R)/T", "T/R"
RUMUS_TURUN = {
    RUMUS_2T: "Capaian = (2 × Target − Realisasi) ÷ Target × 100%, paling rendah 0%",
    RUMUS_TR: "Capaian = Target ÷ Realisasi × 100%",
}
RUMUS_CAPAIAN = {
    NAIK: "Capaian = Realisasi ÷ Target × 100%",
    TURUN: RUMUS_TURUN[RUMUS_2T],
}
# What the report says when a target is zero, so a division by zero is never silent.
TARGET_NOL = {
    NAIK: "target 0 tidak dapat dipakai sebagai pembagi, sehingga capaian tidak dihitung",
    TURUN: "untuk target 0, capaian 100% bila realisasi 0 dan 0% bila realisasi lebih dari 0",
}
REALISASI_NOL = ("realisasi 0 tidak dapat dipakai sebagai pembagi (Capaian = Target ÷ "
                 "Realisasi), sehingga capaian tidak dihitung")


def frac(value: Decimal | int | Fraction) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def realisasi_from_components(pembilang: Decimal | int, penyebut: Decimal | int) -> Fraction:
    """pembilang ÷ penyebut × 100, as a percentage. The caller guarantees penyebut > 0."""
    return frac(pembilang) / frac(penyebut) * 100


def shown(value: Fraction | Decimal | int) -> Fraction:
    """The value as the report prints it (2 decimals, half-up): what a reader can recompute."""
    return Fraction(to_decimal(frac(value), 2))


def capaian(realisasi: Fraction | Decimal | None, target: Fraction | Decimal | None,
            polaritas: str, rumus_turun: str = RUMUS_2T) -> Fraction | None:
    """Achievement in percent, exact, from the realisasi as printed (a reader who divides the
    printed realisasi by the printed target gets the printed capaian). None when it cannot be
    computed (see TARGET_NOL).

    Higher is better: realisasi ÷ target × 100, not capped (above 100% is reported as such).
    Lower is better: (2 × target − realisasi) ÷ target × 100, floored at 0 — the convention most
    used in LKjIP; a realisasi twice the target or worse scores 0. Where the kabupaten prescribes
    target ÷ realisasi × 100 (``RUMUS_TR``), a realisasi of 0 cannot be divided by
    (REALISASI_NOL); a target of 0 is judged as above.
    """
    if realisasi is None or target is None:
        return None
    r, t = shown(realisasi), frac(target)
    if polaritas == NAIK:
        if t == 0:
            return None
        return r / t * 100
    if polaritas == TURUN:
        if t == 0:
            return Fraction(100) if r == 0 else Fraction(0)
        if rumus_turun == RUMUS_TR:
            return None if r == 0 else t / r * 100
        return max(Fraction(0), (2 * t - r) / t * 100)
    raise ValueError(f"polaritas tidak dikenal: {polaritas!r}")


@dataclass(frozen=True)
class Band:
    label: str
    lower: Decimal | None  # inclusive; None = no lower bound
    upper: Decimal | None  # exclusive; None = no upper bound


# Permendagri 86/2017 bands as seed 003 prints them (91–100, 76–90, 66–75, 51–65, ≤50). The
# printed integers leave gaps (90–91, …); here every band is closed below and open above, so each
# value has exactly one band, and above 100% stays Sangat Tinggi.
SKALA = (
    Band("Sangat Tinggi", Decimal(91), None),
    Band("Tinggi", Decimal(76), Decimal(91)),
    Band("Sedang", Decimal(66), Decimal(76)),
    Band("Rendah", Decimal(51), Decimal(66)),
    Band("Sangat Rendah", None, Decimal(51)),
)


def kategori(value: Fraction | Decimal | None, skala: tuple[Band, ...] = SKALA) -> str:
    """Category of a capaian. Judged on the value as printed (rounded half-up to 2 decimals), so
    the printed number and its category can never disagree (90,996% prints 91,00% → Sangat
    Tinggi)."""
    if value is None:
        return "Tidak dapat dinilai"
    shown = to_decimal(value, 2)
    for band in skala:
        if (band.lower is None or shown >= band.lower) and (band.upper is None or shown < band.upper):
            return band.label
    raise AssertionError("SKALA covers every value")  # pragma: no cover


def band_of(label: str, skala: tuple[Band, ...] = SKALA) -> Band:
    return next(b for b in skala if b.label == label)


def tercapai(value: Fraction | None) -> bool:
    """The target is met only at a capaian of 100% or more (as printed)."""
    return value is not None and to_decimal(value, 2) >= 100


def average(values: list[Fraction | None]) -> Fraction | None:
    """Mean of the computable capaian as printed (the overall achievement of a unit): a reader
    who adds up the printed capaian and divides gets the printed mean."""
    known = [v for v in values if v is not None]
    return sum((shown(v) for v in known), Fraction(0)) / len(known) if known else None


# Efficiency (Permenpan RB 53/2014 asks for it but prescribes no formula): the gap between
# performance achievement and budget absorption, in percentage points, judged as printed.
EFISIENSI_BATAS = Decimal(5)
EFISIEN, SERAPAN_RENDAH, CUKUP, TIDAK = "Efisien", "Serapan rendah", "Cukup efisien", "Tidak efisien"
ATURAN_EFISIENSI = (
    "selisih = capaian kinerja (%) − serapan anggaran (%), dalam poin persen, dihitung dari angka "
    "yang dicetak; selisih lebih dari +5 poin dengan target tercapai: Efisien; lebih dari +5 poin "
    "tetapi target belum tercapai: Serapan rendah (anggaran belum terpakai, bukan penghematan); "
    "dari −5 sampai +5 poin: Cukup efisien; kurang dari −5 poin: Tidak efisien")


def efisiensi(capaian_kinerja: Fraction | Decimal | None,
              serapan: Fraction | Decimal | None) -> tuple[Fraction | None, str]:
    """(gap in percentage points between the printed values, label). No label when either side
    is unknown. Little spent on a target not yet met is not efficiency."""
    if capaian_kinerja is None or serapan is None:
        return None, "Tidak dapat dinilai"
    gap = shown(capaian_kinerja) - shown(serapan)
    if gap > EFISIENSI_BATAS:
        return gap, EFISIEN if tercapai(capaian_kinerja) else SERAPAN_RENDAH
    if gap >= -EFISIENSI_BATAS:
        return gap, CUKUP
    return gap, TIDAK


def tahun_berjalan(tw: int) -> Fraction:
    """The share of the year gone by at the end of quarter ``tw``, in percent."""
    return Fraction(tw, 4) * 100


def ambang_serapan(tw: int) -> Fraction:
    """A sub kegiatan "hindering" at the end of quarter ``tw``: absorption below half of the
    share of the year gone by (TW I 12,5%, TW II 25%, TW III 37,5%, TW IV 50%)."""
    return tahun_berjalan(tw) / 2
