"""Same inputs and same software give byte-identical reports.

The Candipuro TW II 2023 sample is built twice with ``lkj report``, each build in its own
directory and its own process (so different temporary paths, process ids and hash seeds), with
no SOURCE_DATE_EPOCH in the environment — reproducible by default.

Compared byte for byte: the HTML, PDF and DOCX, the documents that are sent, printed and
signed. Not compared: the executed ``.ipynb``. It is the audit record of one particular run and
papermill deliberately records when the run happened (start/end time and duration of the run
and of every cell) and where (input/output paths); its report content (the Markdown outputs) is
the same, and that is checked instead.

Every date stamp inside the documents is the report's own date: laporan.tanggal of the sample
(read here from the raw CSV) for a default build, or SOURCE_DATE_EPOCH when the environment sets
it (third build).
"""

import csv
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
LKJ = Path(sys.executable).parent / "lkj"
SLUG = "lkj-candipuro-2023-tw2-camat"
DOCS = ("html", "pdf", "docx")
EPOCH = 1_700_000_000  # 2023-11-14 22:13:20 UTC
pytestmark = pytest.mark.slow


def _project(base: Path) -> Path:
    for name in ("data/raw/candipuro", "notebooks", "_quarto.yml"):
        src, dst = ROOT / name, base / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, dst) if src.is_dir() else shutil.copyfile(src, dst)
    return base


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Three builds at once (the machine has two cores): a, b by default, c with SOURCE_DATE_EPOCH."""
    env = {k: v for k, v in os.environ.items() if k not in ("LKJ_ROOT", "SOURCE_DATE_EPOCH")}
    roots, procs = {}, {}
    for name, extra in (("a", {}), ("b", {}), ("c", {"SOURCE_DATE_EPOCH": str(EPOCH)})):
        roots[name] = _project(tmp_path_factory.mktemp(f"build-{name}"))
        procs[name] = subprocess.Popen(
            [str(LKJ), "report", "--kec", "candipuro", "--tw", "2", "--engine", "embedded"],
            cwd=roots[name], env={**env, **extra}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"build {name}:\n{out}\n{err}"
    return {name: root / "reports/candipuro/2023/tw2" for name, root in roots.items()}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _report_date() -> dt.date:
    path = ROOT / "data/raw/candipuro/2023/camat/tw2/laporan.csv"
    with path.open(encoding="utf-8-sig") as f:
        rows = {r["kunci"]: r["nilai"] for r in csv.DictReader(f, delimiter=";")}
    return dt.date.fromisoformat(rows["tanggal"])


def _pdf_date(path: Path) -> str:
    return PdfReader(path).metadata["/CreationDate"]


@pytest.mark.parametrize("fmt", DOCS)
def test_two_builds_in_separate_directories_are_byte_identical(builds, fmt):
    assert _sha(builds["a"] / f"{SLUG}.{fmt}") == _sha(builds["b"] / f"{SLUG}.{fmt}")


def test_the_audit_notebooks_differ_only_in_when_and_where_they_ran(builds):
    def content(folder):
        nb = json.loads((folder / f"{SLUG}.ipynb").read_text(encoding="utf-8"))
        return [o.get("data", {}).get("text/markdown") for c in nb["cells"]
                for o in c.get("outputs", [])]
    assert content(builds["a"]) == content(builds["b"])


def test_dates_inside_the_documents_are_the_report_date(builds):
    day = _report_date()
    assert _pdf_date(builds["a"] / f"{SLUG}.pdf").startswith(f"D:{day:%Y%m%d}000000")
    with zipfile.ZipFile(builds["a"] / f"{SLUG}.docx") as z:
        core = z.read("docProps/core.xml").decode("utf-8")
        stamps = {info.date_time for info in z.infolist()}
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]+)<", core) == [
        f"{day:%Y-%m-%d}T00:00:00Z"] * 2
    # Parts pandoc copies from its reference document keep the zip format's fixed minimum date.
    assert stamps <= {(day.year, day.month, day.day, 0, 0, 0), (1980, 1, 1, 0, 0, 0)}
    assert (day.year, day.month, day.day, 0, 0, 0) in stamps


def test_source_date_epoch_from_the_environment_wins(builds):
    when = dt.datetime.fromtimestamp(EPOCH, dt.timezone.utc)
    assert _pdf_date(builds["c"] / f"{SLUG}.pdf").startswith(f"D:{when:%Y%m%d%H%M%S}")
    with zipfile.ZipFile(builds["c"] / f"{SLUG}.docx") as z:
        core = z.read("docProps/core.xml").decode("utf-8")
    assert f"{when:%Y-%m-%dT%H:%M:%SZ}" in core


def test_no_build_directory_leaks_into_the_documents(builds):
    root = str(builds["a"].parents[3])
    assert root.encode() not in (builds["a"] / f"{SLUG}.html").read_bytes()
    with zipfile.ZipFile(builds["a"] / f"{SLUG}.docx") as z:
        for name in z.namelist():
            assert root.encode() not in z.read(name), name
