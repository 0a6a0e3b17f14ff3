"""One report from raw data to published files: validate → process → execute → render → publish.

Nothing is published unless every step succeeded: the notebook runs and renders in a private work
directory under build/ (which also holds every temporary file of the run), and the finished
files replace the old ones only at the end, as one set (lkj/publish.py). A failed run leaves
reports/ as it was and keeps the partial notebook under build/gagal/ for debugging.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lkj import layout
from lkj import publish as _publish
from lkj.errors import LkjError, ValidationError, rel
from lkj.params import ReportId
from lkj.publish import publish  # noqa: F401 - pipeline.publish, as rekap and the tests call it

NOTEBOOK = Path("notebooks") / "laporan.ipynb"
FORMATS = ("html", "pdf", "docx")
DIBUAT, MUTAKHIR, GAGAL = "dibuat", "mutakhir", "gagal"


@dataclass
class Outcome:
    """How building one report ended, as data: what `lkj report` prints, what `lkj all` and
    `lkj watch` are handed back by the process that built it (:meth:`save`, :meth:`load`)."""
    rid: ReportId | None
    status: str                                         # DIBUAT | MUTAKHIR | GAGAL
    problems: list[str] = field(default_factory=list)   # each problem, as the analyst reads it
    warnings: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # "html", "jejak-audit-pdf", … → path
    seconds: float = 0.0
    message: str = ""                                   # the failure as `lkj report` says it

    @property
    def error(self) -> str:
        """The first problem, on one line (the summary of `make all`, the portal)."""
        return self.problems[0].splitlines()[0] if self.problems else ""

    def save(self, path: Path) -> None:
        data = {k: v for k, v in asdict(self).items() if k != "rid"}
        _publish.write_atomic(Path(path), json.dumps(data, ensure_ascii=False))

    @classmethod
    def load(cls, rid: ReportId, path: Path) -> "Outcome":
        return cls(rid, **json.loads(Path(path).read_text(encoding="utf-8")))


def build_report(root: Path, rid: ReportId, engine: str = "auto",
                 formats: tuple[str, ...] = FORMATS, from_raw: bool = True) -> Outcome:
    """One report: validate → process (data/processed) → execute → render → publish.

    A bad input, a failed step or a full disk is a GAGAL outcome naming the problem; reports/
    is then as it was. Only Ctrl+C and bugs raise. ``from_raw`` False: render what
    data/processed already holds (`lkj render`)."""
    started, warnings = time.perf_counter(), []

    def failed(problems: list[str], message: str) -> Outcome:
        return Outcome(rid, GAGAL, problems, warnings, {}, time.perf_counter() - started, message)

    try:
        layout.record(root, rid, engine, formats)  # what make and `lkj all` check next time
        if from_raw:
            warnings = list(process(root, rid).meta["warnings"])
        files = _render(root, rid, engine, formats)
    except ValidationError as exc:
        full = root / "build" / "gagal" / f"masalah-{rid.slug}.txt"  # when too many to print
        exc.save(full, rel(full, root))
        return failed([str(p) for p in exc.problems],
                      f"{exc}\nLaporan tidak dibuat; laporan lama (bila ada) tidak diubah.")
    except LkjError as exc:
        return failed([str(exc)], f"Gagal: {exc}")
    except Exception as exc:
        disk = _publish.problem(exc, root)  # a full disk or a folder that cannot be written
        if disk is None:
            raise
        return failed([str(disk)], f"Gagal: {disk}")
    return Outcome(rid, DIBUAT, [], warnings, {k: str(v) for k, v in files.items()},
                   time.perf_counter() - started)


def process(root: Path, rid: ReportId):
    """Validate and compute; write data/processed/… atomically. Returns the Result."""
    from lkj.process import build, write_processed

    _publish.ensure_free(rid.processed_dir(root), _publish.NEED["data/processed"])
    result = build(root, rid)
    write_processed(result, rid.processed_dir(root))
    return result


# lkj.batch fills this before forking its reports: one answer for all of them.
KNOWN_COMMITS: dict[Path, str] = {}


def git_commit(root: Path) -> str:
    known = KNOWN_COMMITS.get(Path(root).resolve())
    if known is not None:
        return known
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=5, check=False)
        if out.returncode != 0:
            return ""
        # Code changed since the commit: say so, the commit alone would not reproduce the report.
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "lkj",
                                "notebooks", "_quarto.yml"],
                               capture_output=True, text=True, timeout=5, check=False)
        return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return ""


def execute(root: Path, rid: ReportId, workdir: Path, engine: str, commit: str = "") -> Path:
    """Run the report notebook with papermill in ``workdir``; return the executed notebook.

    The cells run inside this interpreter by default (see lkj/execute.py for why and when a
    kernel of this venv is used instead)."""
    from papermill.exceptions import PapermillExecutionError

    from lkj.execute import run_report

    out = workdir / f"{rid.slug}.ipynb"
    try:
        run_report(root, rid, workdir, engine, out, commit=commit or git_commit(root),
                   notebook=root / NOTEBOOK)
    except PapermillExecutionError as exc:
        disk = _publish.problem(exc, root, workdir)  # e.g. a chart that could not be saved
        if disk:
            raise disk from None
        raise _notebook_failed(root, rid, out, _step(out, exc.exec_count),
                               _plain(exc.ename, exc.evalue)) from None
    except LkjError:
        raise
    except Exception as exc:  # the notebook machinery itself stopped (kernel died, timeout, …)
        disk = _publish.problem(exc, root, workdir)
        if disk:
            raise disk from None
        raise _notebook_failed(root, rid, out, "menjalankan notebook",
                               _plain(type(exc).__name__, str(exc))) from None
    return out


# What each cell of notebooks/laporan.ipynb produces, as the analyst would name the step.
STEPS = {
    "parameters": "mengisi parameter", "parameter": "mengisi parameter",
    "injected-parameters": "mengisi parameter dari lkj",
    "muat": "memuat data olahan (data/processed)", "sampul": "sampul",
    "kata-pengantar": "Kata Pengantar", "pendahuluan": "Bab I Pendahuluan",
    "perencanaan": "perencanaan kinerja (perjanjian kinerja)", "capaian": "capaian kinerja",
    "perbandingan": "perbandingan dengan tahun lalu dan target",
    "analisis": "evaluasi dan analisis kinerja", "anggaran": "realisasi anggaran dan tanggapan "
    "atasan", "penutup": "Penutup", "lampiran": "Lampiran Perjanjian Kinerja",
}
_PLAIN_ERRORS = {
    "KeyError": "data yang dicari tidak ada", "FileNotFoundError": "berkas tidak ditemukan",
    "ValueError": "nilai tidak sah", "TypeError": "jenis data tidak cocok",
    "ZeroDivisionError": "pembagian dengan nol", "IndexError": "data yang dicari tidak ada",
    "AttributeError": "data yang dicari tidak ada", "MemoryError": "memori komputer habis",
    "PermissionError": "tidak ada izin membaca atau menulis berkas",
    "DeadKernelError": "proses Python yang menjalankan notebook berhenti mendadak",
    "CellTimeoutError": "langkah ini melebihi batas waktu",
}


def _step(notebook: Path, exec_count: int | None) -> str:
    """"Bab III realisasi anggaran (sel bab3-anggaran)" for the cell that ran as exec_count."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return f"sel {exec_count}"
    failed = next((c for c in cells if c.get("execution_count") == exec_count), None)
    if failed is None:  # papermill marks the failing cell in its metadata
        failed = next((c for c in cells if (c.get("metadata", {}).get("papermill", {})
                                            .get("exception"))), None)
    if failed is None:
        return f"sel {exec_count}"
    ident = failed.get("id") or ""
    tags = failed.get("metadata", {}).get("tags", [])
    name = STEPS.get(ident) or next((STEPS[t] for t in tags if t in STEPS), None)
    return f"{name} (sel {ident})" if name else f"sel {ident or exec_count}"


def _plain(ename: str, evalue: str) -> str:
    """An exception as a sentence: Indonesian words first, the technical name after."""
    evalue = re.sub(r"\x1b\[[0-9;]*m", "", str(evalue or "")).strip()
    if ename in ("LkjError", "ValidationError"):
        return evalue
    words = _PLAIN_ERRORS.get(ename, "terjadi kesalahan")
    return f"{words} ({ename}: {evalue})" if evalue else f"{words} ({ename})"


def _keep_failed(root: Path, rid: ReportId, notebook: Path) -> Path | None:
    """Copy the partial notebook to build/gagal/ (outside reports/) for debugging."""
    failed = root / "build" / "gagal" / f"{rid.slug}.ipynb"
    if not notebook.exists():
        return None
    failed.parent.mkdir(parents=True, exist_ok=True)
    tmp = failed.with_suffix(".ipynb.tmp")
    shutil.copyfile(notebook, tmp)
    os.replace(tmp, failed)
    return failed


def _notebook_failed(root: Path, rid: ReportId, notebook: Path, step: str, why: str) -> LkjError:
    failed = _keep_failed(root, rid, notebook)
    kept = (f"Notebook yang berhenti di langkah itu disimpan di {rel(failed, root)} untuk "
            "diperiksa" if failed else "Notebook belum sempat ditulis")
    return LkjError(
        f"Laporan {rid.label()} gagal dibuat pada langkah '{step}': {why}. {kept}; laporan lama "
        "di reports/ tidak diubah. Bila data sudah lolos 'make check', ini kemungkinan kesalahan "
        "perangkat lunak: kirimkan pesan ini beserta notebook tersebut kepada pengelola lkj.")


def engine_version(engine: str) -> str:
    """The render engine and the versions of the programs it runs, for the audit appendix."""
    if engine == "quarto":
        exe = shutil.which("quarto")
        try:
            out = subprocess.run([exe or "quarto", "--version"], capture_output=True, text=True,
                                 timeout=60, check=False)
            version = out.stdout.strip().splitlines()[0] if out.returncode == 0 else "?"
        except (OSError, subprocess.SubprocessError, IndexError):
            version = "?"
        return f"quarto (Quarto {version})"
    parts = []
    try:
        import pypandoc
        parts.append(f"pandoc {pypandoc.get_pandoc_version()}")
    except Exception:  # noqa: BLE001 - a missing version must not stop the report
        parts.append("pandoc ?")
    try:
        from importlib.metadata import version
        parts.append(f"typst {version('typst')}")
    except Exception:  # noqa: BLE001
        parts.append("typst ?")
    return f"{engine} ({', '.join(parts)})"


def _render(root: Path, rid: ReportId, engine: str, formats: tuple[str, ...]) -> dict[str, Path]:
    """Execute and render from data/processed (which must be current); publish on success."""
    from lkj import render

    if not (rid.processed_dir(root) / "ringkasan.json").exists():
        raise LkjError(f"Data olahan untuk {rid.label()} belum ada; jalankan dulu "
                       f"'lkj process' atau 'make report'.")
    chosen = render.select_engine(engine)
    # Before the notebook runs: a full disk is said now, not after the work.
    _publish.ensure_free(root / "build", _publish.NEED["build"])
    _publish.ensure_free(rid.report_dir(root), _publish.NEED["reports"])
    with _publish.work_dir(root / "build", f"{rid.slug}-", temp=True) as workdir:
        # The notebook's ``engine`` parameter is the label the audit appendix prints, with the
        # versions of the programs that render; rendering itself uses ``chosen``.
        label, commit = engine_version(chosen), git_commit(root)
        executed = execute(root, rid, workdir, label, commit)
        audit = [f for f in ("html", "pdf") if f in formats]
        try:
            # The audit trail, a document of its own beside the report, is rendered at the same
            # time: each engine's programs leave a core idle part of the time (Quarto most).
            with ThreadPoolExecutor(max_workers=1) as pool:
                trail = pool.submit(render.render, _audit_notebook(root, rid, workdir, label, commit),
                                    workdir / "out", rid.audit_slug, formats=audit, engine=chosen,
                                    project_root=root, work_dir=workdir) if audit else None
                outputs = render.render(executed, workdir / "out", rid.slug, formats=formats,
                                        engine=chosen, project_root=root, work_dir=workdir)
                for fmt, path in (trail.result() if trail else {}).items():
                    outputs[f"jejak-audit-{fmt}"] = path
        except Exception as exc:  # keep what ran, say what failed; reports/ is not touched
            disk = _publish.problem(exc, root, workdir)
            if disk:
                raise disk from None
            failed = _keep_failed(root, rid, executed)
            why = str(exc) if isinstance(exc, LkjError) else _plain(type(exc).__name__, str(exc))
            raise LkjError(
                f"Laporan {rid.label()} gagal dibuat pada langkah 'render {chosen}': {why}\n"
                + (f"Notebook yang sudah dijalankan disimpan di {rel(failed, root)}; " if failed
                   else "") + "laporan lama di reports/ tidak diubah.") from None
        # pandoc does not check all of its writes: had the disk filled up meanwhile, a file
        # could be cut short without an error. Half the space asked for above is left
        # unless something filled the disk during the run.
        _publish.ensure_free(workdir, _publish.NEED["build"] // 2)
        outputs["ipynb"] = executed  # the executed notebook is the audit record
        return publish(outputs, rid.report_dir(root))


def _audit_notebook(root: Path, rid: ReportId, workdir: Path, engine: str, commit: str) -> Path:
    """The audit trail (Laporan.audit_markdown) as a one-output notebook, rendered like the
    report: files, rows, hashes and versions stay out of the signed document."""
    import nbformat

    from lkj.report import Laporan

    lap = Laporan.from_processed(rid.processed_dir(root), workdir / "figures", engine, commit)
    cell = nbformat.v4.new_code_cell("laporan.audit_markdown()")
    cell.outputs = [nbformat.v4.new_output("display_data",
                                           data={"text/markdown": lap.audit_markdown()})]
    target = workdir / f"{rid.audit_slug}.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), str(target))
    return target
