"""lkj — Laporan Kinerja kecamatan, computed from source rows.

For notebooks: ``lkj.load("candipuro", 2023, 2)`` returns the validated, computed tables.
"""

from __future__ import annotations

__version__ = "0.1.0"


def load(kec: str, tahun: int | None = None, tw: int = 1, unit: str | None = None,
         root=None):
    """Validated and computed tables of one report (indikator with capaian and kategori,
    anggaran with roll-ups, dokumen_desa, kegiatan, riwayat, …) as a ``lkj.process.Result``.

    Raises ``lkj.errors.ValidationError`` listing every input problem.
    """
    from pathlib import Path

    from lkj.params import project_root, resolve
    from lkj.process import build

    base = Path(root).resolve() if root is not None else project_root()
    return build(base, resolve(base, kec, tw, tahun, unit))
