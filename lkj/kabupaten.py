"""Kabupaten Lumajang (35.08): its 21 kecamatan, and which kecamatan folders hold data.

The list is the reference for "which reports are missing" (rekap, portal) and for the identity
that ``lkj init`` writes into a new kecamatan's profil.csv. Source: Kemendagri region codes as
listed in ../shared/reference.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

KABUPATEN = "Lumajang"
PROVINSI = "Jawa Timur"
KODE_KABUPATEN = "35.08"


@dataclass(frozen=True)
class Kecamatan:
    slug: str   # folder name under data/raw/
    nama: str
    kode: str   # Kemendagri code, e.g. 35.08.03


_NAMES = ("Tempursari", "Pronojiwo", "Candipuro", "Pasirian", "Tempeh", "Kunir", "Yosowilangun",
          "Rowokangkung", "Tekung", "Lumajang", "Pasrujambe", "Senduro", "Gucialit", "Padang",
          "Sukodono", "Kedungjajang", "Jatiroto", "Randuagung", "Klakah", "Ranuyoso",
          "Sumbersuko")
KECAMATAN: dict[str, Kecamatan] = {
    n.lower(): Kecamatan(n.lower(), n, f"{KODE_KABUPATEN}.{i:02d}")
    for i, n in enumerate(_NAMES, 1)}

# Official village lists that the project knows (reference.md); other kecamatan start from a
# template that the analyst fills in.
DESA: dict[str, tuple[str, ...]] = {
    "candipuro": ("Jugosari", "Jarit", "Candipuro", "Sumberejo", "Sumberwuluh", "Sumbermujur",
                  "Penanggal", "Tambahrejo", "Kloposawit", "Tumpeng"),
    "senduro": ("Purworejo", "Sarikemuning", "Pandansari", "Senduro", "Burno", "Kandangtepus",
                "Kandangan", "Bedayu", "Bedayutalang", "Wonocepokoayu", "Argosari", "Ranupani"),
}

SYNTH_MARKER = "SINTETIS.txt"  # written by `lkj synth` into every kecamatan folder it creates
SYNTH_LABEL = "data contoh/sintetis"
_FOLDER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def nama(slug: str) -> str:
    k = KECAMATAN.get(slug)
    return k.nama if k else slug.replace("-", " ").replace("_", " ").title()


def is_synthetic(root: Path, kec: str) -> bool:
    return (Path(root) / "data" / "raw" / kec / SYNTH_MARKER).is_file()


def kec_folders(root: Path) -> list[str]:
    """Kecamatan folders under data/raw/ (plain folder names only; README.md and the like are
    not kecamatan)."""
    base = Path(root) / "data" / "raw"
    if not base.is_dir():
        return []
    return sorted(d.name for d in base.iterdir() if d.is_dir() and _FOLDER.match(d.name))


def units_with_data(root: Path, kec: str, tahun: int, tw: int) -> list[str]:
    """Units (camat first, then the Kasi units alphabetically) that have a folder for the quarter."""
    year = Path(root) / "data" / "raw" / kec / str(tahun)
    if not year.is_dir():
        return []
    units = [u.name for u in year.iterdir()
             if u.is_dir() and _FOLDER.match(u.name) and (u / f"tw{tw}").is_dir()]
    return sorted(units, key=lambda u: (u != "camat", u))


def years_with_data(root: Path, tw: int) -> list[int]:
    """Every year for which some kecamatan has data for quarter ``tw``."""
    years = set()
    for kec in kec_folders(root):
        for d in (Path(root) / "data" / "raw" / kec).iterdir():
            if d.is_dir() and re.fullmatch(r"\d{4}", d.name) and units_with_data(root, kec, int(d.name), tw):
                years.add(int(d.name))
    return sorted(years)
