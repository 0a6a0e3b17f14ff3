"""Where lkj's files live, and what a report is built from.

    data/raw/<kec>/                      profil, desa, logos, templat/ (every year)
    data/raw/<kec>/<tahun>/<unit>/tw<N>/ one quarter's data and narasi/
    data/processed/<kec>/<tahun>/<unit>/tw<N>/   the validated, computed tables
    reports/<kec>/<tahun>/tw<N>/<slug>.*         the published report
    build/                               work folders; build/deps/<slug>.mk and .settings

:func:`input_patterns` is the one list of a report's inputs. `make report` reads it from the
fragment lkj writes (:func:`record`, like gcc -MD), `lkj all` and `lkj watch` from here, so all
three agree on when a report is stale. The settings of the last request (engine, formats) are a
stamp file rewritten only when they change: a report built otherwise is built again.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from glob import glob
from pathlib import Path

RAW, PROCESSED, REPORTS, BUILD = Path("data/raw"), Path("data/processed"), Path("reports"), Path("build")
DEPS = BUILD / "deps"
STATUS = BUILD / "status-laporan.json"  # last outcome per report (lkj all), read by the portal
FOLDER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # a kecamatan or unit folder
CODE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ReportId:
    kec: str
    tahun: int
    tw: int
    unit: str = "camat"

    @property
    def slug(self) -> str:
        return f"lkj-{self.kec}-{self.tahun}-tw{self.tw}-{self.unit}"

    @property
    def audit_slug(self) -> str:
        """The audit trail published beside the report (not part of the signed document)."""
        return f"{self.slug}-jejak-audit"

    def kec_dir(self, root: Path) -> Path:
        return root / RAW / self.kec

    def raw_dir(self, root: Path) -> Path:
        return self.kec_dir(root) / str(self.tahun) / self.unit / f"tw{self.tw}"

    def processed_dir(self, root: Path) -> Path:
        return root / PROCESSED / self.kec / str(self.tahun) / self.unit / f"tw{self.tw}"

    def report_dir(self, root: Path) -> Path:
        return root / REPORTS / self.kec / str(self.tahun) / f"tw{self.tw}"

    def label(self) -> str:
        return f"{self.kec} {self.tahun} TW{self.tw} {self.unit}"


# ---- which reports have data -----------------------------------------------------------------

def kec_folders(root: Path) -> list[str]:
    """Kecamatan folders under data/raw/ (plain folder names: README.md is no kecamatan)."""
    base = Path(root) / RAW
    return sorted(d.name for d in base.iterdir() if d.is_dir() and FOLDER.match(d.name)) \
        if base.is_dir() else []


def with_data(root: Path, tw: int | None = None, tahun: int | None = None,
              kec: str | None = None, unit: str | None = None) -> list[ReportId]:
    """Every report with a data folder, of one quarter/year/kecamatan/unit when given; by
    kecamatan, year, quarter, then camat before the Kasi units."""
    found = []
    for k in [kec] if kec else kec_folders(root):
        years = [Path(root) / RAW / k / str(tahun)] if tahun else sorted((Path(root) / RAW / k)
                                                                         .glob("[0-9]" * 4))
        for y in years:
            for u in y.iterdir() if y.is_dir() else ():
                if u.is_dir() and FOLDER.match(u.name) and unit in (None, u.name):
                    found += [ReportId(k, int(y.name), t, u.name) for t in ([tw] if tw else
                              range(1, 5)) if (u / f"tw{t}").is_dir()]
    return sorted(found, key=lambda r: (r.kec, r.tahun, r.tw, r.unit != "camat", r.unit))


def latest_year(root: Path, tw: int, kec: str | None = None, unit: str | None = None) -> int | None:
    """The latest year with data for the quarter (of one kecamatan/unit when given)."""
    return max((r.tahun for r in with_data(root, tw, kec=kec, unit=unit)), default=None)


# ---- what a report is built from -------------------------------------------------------------

def _code(root: Path) -> str:
    """lkj's own folder as make should name it: relative when it is this project's."""
    try:
        return CODE.relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return CODE.as_posix()


def input_patterns(root: Path, rid: ReportId) -> list[str]:
    """Every input of a report as glob patterns relative to the project (make's $(wildcard)
    expands the same ones): a file added later matches too."""
    kec, raw, code = f"{RAW.as_posix()}/{rid.kec}", rid.raw_dir(Path()).as_posix(), _code(root)
    # holidays, the kabupaten's rules and logo; a copy of the project without them uses lkj's
    data = "data" if (Path(root) / "data/kabupaten").is_dir() else f"{code}/../data"
    quarters = [f"{kec}/{rid.tahun}/{rid.unit}/tw{t}" for t in range(1, rid.tw + 1)]
    return [*(f"{kec}/*.{ext}" for ext in ("csv", "xlsx", "png", "jpg", "jpeg")),
            f"{kec}/templat/*.md", f"{kec}/templat/*/*.md", f"{raw}/narasi/*.md",
            # earlier quarters of the year feed the quarterly trend
            *(f"{q}/*.{ext}" for q in quarters for ext in ("csv", "xlsx")),
            f"{data}/*.csv", f"{data}/kabupaten/*",
            f"{code}/*.py", f"{code}/*/*.py", f"{code}/templates/*", f"{code}/templates/*/*",
            f"{code}/templates/*/*/*",  # the chapters of each layout (bab/permenpan/…)
            "notebooks/laporan.ipynb", "_quarto.yml", "pyproject.toml"]


def inputs(root: Path, rid: ReportId) -> list[Path]:
    root = Path(root)
    return sorted({Path(p) for pat in input_patterns(root, rid) for p in glob(str(root / pat))})


def watched(root: Path, rid: ReportId) -> list[Path]:
    """The inputs and the data folders their patterns look in (a file added or removed there;
    not the project folder, where every build adds build/ or reports/)."""
    root = Path(root)
    return inputs(root, rid) + sorted({(root / p).parent for p in input_patterns(root, rid)
                                       if p.startswith(RAW.as_posix())})


def outputs(root: Path, rid: ReportId, formats: tuple[str, ...]) -> list[Path]:
    """What `make report` checks: every format asked for, and the audit trail's."""
    folder = rid.report_dir(Path(root))
    return [folder / f"{rid.slug}.{f}" for f in formats] + \
        [folder / f"{rid.audit_slug}.{f}" for f in formats if f in ("html", "pdf")]


def settings(engine: str, formats: tuple[str, ...] | str) -> str:
    """The render settings as the Makefile writes them (auto: quarto when on PATH)."""
    if engine == "auto":
        engine = "quarto" if shutil.which("quarto") else "embedded"
    return f"engine={engine} formats={formats if isinstance(formats, str) else ','.join(formats)}"


def stamp(root: Path, rid: ReportId) -> Path:
    return Path(root) / DEPS / f"{rid.slug}.settings"


def _write_if_changed(path: Path, text: str) -> None:
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def record(root: Path, rid: ReportId, engine: str, formats: tuple[str, ...]) -> None:
    """The settings asked for (their stamp rewritten only when they change) and the make
    fragment naming this report's inputs."""
    _write_if_changed(stamp(root, rid), settings(engine, formats) + "\n")
    _write_if_changed(Path(root) / DEPS / f"{rid.slug}.mk",
                      "# Ditulis oleh lkj (lkj/layout.py): masukan laporan ini.\n"
                      f"LKJ_INPUTS := $(wildcard {' '.join(input_patterns(root, rid))})\n")


def up_to_date(root: Path, rid: ReportId, engine: str, formats: tuple[str, ...]) -> bool:
    """make's rule: every output exists and is newer than every input and the settings stamp.
    Asking with other settings records them, so the report is stale until built with them."""
    record(root, rid, engine, formats)
    outs = outputs(root, rid, formats)
    if not all(o.is_file() for o in outs):
        return False
    newest = max(p.stat().st_mtime_ns for p in [*inputs(root, rid), stamp(root, rid)])
    return min(o.stat().st_mtime_ns for o in outs) >= newest
