"""One report from raw data to published files: validate → process → execute → render → publish.

Nothing is published unless every step succeeded: the notebook runs and renders in a private work
directory under build/, and the finished files replace the old ones only at the end. A failed run
leaves reports/ as it was and keeps the partial notebook under build/gagal/ for debugging.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lkj.errors import LkjError, rel
from lkj.params import ReportId

NOTEBOOK = Path("notebooks") / "laporan.ipynb"
KERNEL_NAME = "lkj-venv"
FORMATS = ("html", "pdf", "docx")


def process(root: Path, rid: ReportId):
    """Validate and compute; write data/processed/… atomically. Returns the Result."""
    from lkj.process import build, write_processed

    result = build(root, rid)
    write_processed(result, rid.processed_dir(root))
    return result


def _kernel_dir(workdir: Path) -> Path:
    """A kernelspec for *this* interpreter, found before any kernel in the user's home.

    JUPYTER_PATH is searched first by jupyter_client, so the notebook always runs on the venv that
    runs lkj — never on a ``python3`` kernel registered elsewhere.
    """
    spec_dir = workdir / "jupyter" / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "lkj (venv)", "language": "python",
        "env": {"MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"},
    }), encoding="utf-8")
    return workdir / "jupyter"


def git_commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=5, check=False)
        return out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def execute(root: Path, rid: ReportId, workdir: Path, engine: str) -> Path:
    """Run the report notebook with papermill in ``workdir``; return the executed notebook."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(_kernel_dir(workdir)), *filter(None, [os.environ.get("JUPYTER_PATH")])])
    out = workdir / f"{rid.slug}.ipynb"
    params = {"processed_dir": str(rid.processed_dir(root).resolve()),
              "figures_dir": "figures", "engine": engine, "commit": git_commit(root)}
    try:
        papermill.execute_notebook(
            str(root / NOTEBOOK), str(out), parameters=params, kernel_name=KERNEL_NAME,
            cwd=str(workdir), progress_bar=False, log_output=False, request_save_on_cell_execute=False)
    except PapermillExecutionError as exc:
        failed = root / "build" / "gagal" / f"{rid.slug}.ipynb"
        failed.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            shutil.copyfile(out, failed)
        step = _cell_name(out, exc.exec_count)
        raise LkjError(
            f"Laporan {rid.label()} gagal dibuat pada langkah '{step}': {exc.ename}: "
            f"{exc.evalue}. Notebook yang berhenti di langkah itu disimpan di {rel(failed, root)} "
            "untuk diperiksa; laporan lama di reports/ tidak diubah.") from None
    return out


def _cell_name(notebook: Path, exec_count: int | None) -> str:
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for c in cells:
            if c.get("execution_count") == exec_count:
                return c.get("id", "?")
    except (OSError, ValueError, KeyError):
        pass
    return f"sel {exec_count}"


def publish(files: dict[str, Path], target_dir: Path) -> dict[str, Path]:
    """Move finished files into place. Each file is replaced atomically (os.replace)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target_dir))
    try:
        staged = {}
        for key, src in files.items():
            dst = staging / src.name
            shutil.copyfile(src, dst)
            staged[key] = dst
        placed = {}
        for key, src in staged.items():
            final = target_dir / src.name
            os.replace(src, final)
            placed[key] = final
        return placed
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def render_report(root: Path, rid: ReportId, engine: str = "auto",
                  formats: tuple[str, ...] = FORMATS) -> dict[str, Path]:
    """Execute and render from data/processed (which must be current); publish on success."""
    from lkj import render

    if not (rid.processed_dir(root) / "ringkasan.json").exists():
        raise LkjError(f"Data olahan untuk {rid.label()} belum ada; jalankan dulu "
                       f"'lkj process' atau 'make report'.")
    chosen = render.select_engine(engine)
    build_root = root / "build"
    build_root.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"{rid.slug}-", dir=build_root))
    try:
        executed = execute(root, rid, workdir, chosen)
        outputs = render.render(executed, workdir / "out", rid.slug, formats=formats,
                                engine=chosen, project_root=root)
        outputs["ipynb"] = executed  # the executed notebook is the audit record
        return publish(outputs, rid.report_dir(root))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def build_report(root: Path, rid: ReportId, engine: str = "auto",
                 formats: tuple[str, ...] = FORMATS) -> dict[str, Path]:
    process(root, rid)
    return render_report(root, rid, engine, formats)
