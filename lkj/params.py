"""Report parameters (KEC, TAHUN, TW, UNIT) and where a report's files live.

Parameters come from the command line, so they are checked before they become paths: a KEC or
UNIT is a plain folder name under data/raw/, never a path.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from lkj.errors import LkjError

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
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
    if not _NAME.match(text):
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


@dataclass(frozen=True)
class ReportId:
    kec: str
    tahun: int
    tw: int
    unit: str = DEFAULT_UNIT

    @property
    def slug(self) -> str:
        return f"lkj-{self.kec}-{self.tahun}-tw{self.tw}-{self.unit}"

    @property
    def audit_slug(self) -> str:
        """The audit trail published beside the report (not part of the signed document)."""
        return f"{self.slug}-jejak-audit"

    def raw_dir(self, root: Path) -> Path:
        return root / "data" / "raw" / self.kec / str(self.tahun) / self.unit / f"tw{self.tw}"

    def kec_dir(self, root: Path) -> Path:
        return root / "data" / "raw" / self.kec

    def processed_dir(self, root: Path) -> Path:
        return root / "data" / "processed" / self.kec / str(self.tahun) / self.unit / f"tw{self.tw}"

    def report_dir(self, root: Path) -> Path:
        return root / "reports" / self.kec / str(self.tahun) / f"tw{self.tw}"

    def label(self) -> str:
        return f"{self.kec} {self.tahun} TW{self.tw} {self.unit}"


def available_years(root: Path, kec: str, unit: str, tw: int) -> list[int]:
    base = root / "data" / "raw" / kec
    years = []
    if base.is_dir():
        for d in base.iterdir():
            if d.name.isdigit() and (d / unit / f"tw{tw}").is_dir():
                years.append(int(d.name))
    return sorted(years)


def resolve(root: Path, kec: str, tw: object, tahun: object = None,
            unit: str | None = None) -> ReportId:
    """Validate parameters and find the data; TAHUN defaults to the latest year with data."""
    kec = _name(kec, "KEC", "KEC=candipuro")
    unit = _name(unit or DEFAULT_UNIT, "UNIT", "UNIT=camat")
    tw_n = parse_tw(tw)
    kec_dir = root / "data" / "raw" / kec
    if not kec_dir.is_dir():
        known = sorted(d.name for d in (root / "data" / "raw").iterdir() if d.is_dir()) \
            if (root / "data" / "raw").is_dir() else []
        raise LkjError(
            f"Kecamatan '{kec}' tidak ditemukan: folder data/raw/{kec}/ tidak ada. "
            f"Kecamatan yang tersedia: {', '.join(known) or '(belum ada)'}.")
    if tahun in (None, ""):
        years = available_years(root, kec, unit, tw_n)
        if not years:
            raise LkjError(
                f"Tidak ada data untuk {kec}, unit '{unit}', Triwulan {tw_n}: buat folder "
                f"data/raw/{kec}/<tahun>/{unit}/tw{tw_n}/ (lihat docs/data.md).")
        tahun_n = years[-1]
    else:
        tahun_n = parse_tahun(tahun)
    rid = ReportId(kec, tahun_n, tw_n, unit)
    if not rid.raw_dir(root).is_dir():
        raise LkjError(
            f"Folder data {rid.raw_dir(root).relative_to(root)}/ tidak ada. Periksa KEC, TAHUN, "
            f"TW dan UNIT, atau siapkan datanya (lihat docs/data.md).")
    return rid
