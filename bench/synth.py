"""Synthetic kecamatan for the benchmark: the Candipuro sample under other names, numbers varied.

Every synthetic kecamatan is labelled as such (folder ``sintetis-NN``, name "Sintetis NN") so it
can never be mistaken for real data. The numbers differ per kecamatan — some activities of IK-01
are marked not yet followed up, last year's realisations shift a little — so every report
computes, draws and typesets its own content, as 21 real kecamatan would: no two reports share
a chart or a page.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

SAMPLE = "candipuro"
PERIOD = "2023/camat/tw2"  # the sample report: Camat, Triwulan II 2023


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _decimal_id(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def _format_id(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def copy_report_data(source: Path, dest: Path, period: str = PERIOD) -> None:
    """The kecamatan-level files (profil, desa, …) and one report's folder, nothing else."""
    dest.mkdir(parents=True)
    for item in source.iterdir():
        if item.is_file():
            shutil.copy2(item, dest / item.name)
    shutil.copytree(source / period, dest / period)


def make_kecamatan(raw_root: Path, index: int, source: Path) -> Path:
    """Write ``raw_root/sintetis-NN`` from the sample folder ``source``; return the folder."""
    name = f"sintetis-{index:02d}"
    dest = raw_root / name
    if dest.exists():
        shutil.rmtree(dest)
    copy_report_data(source, dest)

    header, rows = _rows(dest / "profil.csv")
    for row in rows:
        if row[0] == "nama_kecamatan":
            row[1] = f"Sintetis {index:02d}"
    _write(dest / "profil.csv", header, rows)

    for tw_dir in sorted(dest.glob("*/*/tw*")):
        keg = tw_dir / "kegiatan.csv"
        if keg.exists():
            header, rows = _rows(keg)
            col = header.index("status")
            done = [r for r in rows if r[col] == "ditindaklanjuti"]
            for r in done[len(done) - (index % 9):]:  # 0–8 fewer activities followed up
                r[col] = "belum"
            _write(keg, header, rows)
        riw = tw_dir / "riwayat.csv"
        if riw.exists():
            header, rows = _rows(riw)
            col = header.index("realisasi")
            for r in rows:
                if r[col]:
                    r[col] = _format_id(max(0.0, min(100.0, _decimal_id(r[col]) - 0.37 * index)))
            _write(riw, header, rows)
    return dest


def make_all(raw_root: Path, count: int, sample_raw: Path) -> list[str]:
    """``count`` synthetic kecamatan from ``sample_raw/<SAMPLE>``; returns their folder names."""
    raw_root.mkdir(parents=True, exist_ok=True)
    return [make_kecamatan(raw_root, i, sample_raw / SAMPLE).name for i in range(1, count + 1)]
