"""Report parameters (KEC, TAHUN, TW, UNIT), checked and resolved to a :class:`ReportId`.

Parameters come from the command line, so they are checked before they become paths: a KEC or
UNIT is a plain folder name under data/raw/, never a path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lkj import layout
from lkj.errors import LkjError
from lkj.layout import ReportId

DEFAULT_UNIT = "camat"


def project_root() -> Path:
    """The checkout: LKJ_ROOT if set, else the nearest parent of the cwd holding _quarto.yml."""
    env = os.environ.get("LKJ_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for d in (here, *here.parents):
        if (d / "_quarto.yml").exists() and (d / "data").is_dir():
            return d
    return here


def _name(value: str, what: str, example: str) -> str:
    text = (value or "").strip()
    if not layout.FOLDER.match(text):
        raise LkjError(
            f"{what} tidak valid: {value!r}. {what} adalah nama folder sederhana (huruf kecil, "
            f"angka, '-' atau '_', tanpa '/', '\\' atau '..'), contoh: {example}.")
    return text


def parse_tw(value: object) -> int:
    text = str(value).strip().lower().removeprefix("tw")
    if text not in {"1", "2", "3", "4"}:
        raise LkjError(f"TW tidak valid: {value!r}. Triwulan harus 1, 2, 3 atau 4, contoh: TW=2.")
    return int(text)


def parse_tahun(value: object) -> int:
    text = str(value).strip()
    if not re.fullmatch(r"(19|20|21)\d\d", text):
        raise LkjError(f"TAHUN tidak valid: {value!r}. Tahun ditulis empat angka, contoh: TAHUN=2023.")
    return int(text)


def year(root: Path, tw: int, tahun: object = None) -> int:
    """TAHUN as given, else the latest year in which any kecamatan has data for quarter ``tw``."""
    if tahun not in (None, ""):
        return parse_tahun(tahun)
    latest = layout.latest_year(root, tw)
    if latest is None:
        raise LkjError(f"Tidak ada data Triwulan {tw} di data/raw/ untuk kecamatan mana pun.")
    return latest


def resolve(root: Path, kec: str, tw: object, tahun: object = None,
            unit: str | None = None) -> ReportId:
    """Validate parameters and find the data; TAHUN defaults to the latest year with data."""
    kec = _name(kec, "KEC", "KEC=candipuro")
    unit = _name(unit or DEFAULT_UNIT, "UNIT", "UNIT=camat")
    tw_n = parse_tw(tw)
    unit_arg = "" if unit == "camat" else f" UNIT={unit}"  # for the make init a message names
    if not (root / layout.RAW / kec).is_dir():
        known = layout.kec_folders(root)
        raise LkjError(
            f"Kecamatan '{kec}' tidak ditemukan: folder data/raw/{kec}/ tidak ada. "
            f"Kecamatan yang tersedia: {', '.join(known) or '(belum ada)'}.")
    if tahun in (None, ""):
        tahun_n = layout.latest_year(root, tw_n, kec, unit)
        if tahun_n is None:
            raise LkjError(
                f"Tidak ada data untuk {kec}, unit '{unit}', Triwulan {tw_n}. Siapkan foldernya "
                f"dengan 'make init KEC={kec} TAHUN=<tahun> TW={tw_n}{unit_arg}' (menyalin data "
                f"triwulan sebelumnya bila ada), lalu isi berkasnya (lihat docs/data.md).")
    else:
        tahun_n = parse_tahun(tahun)
    rid = ReportId(kec, tahun_n, tw_n, unit)
    if not rid.raw_dir(root).is_dir():
        raise LkjError(
            f"Folder data {rid.raw_dir(root).relative_to(root)}/ tidak ada. Periksa KEC, TAHUN, "
            f"TW dan UNIT, atau siapkan datanya dengan 'make init KEC={kec} TAHUN={tahun_n} "
            f"TW={tw_n}{unit_arg}' (lihat docs/data.md).")
    return rid
