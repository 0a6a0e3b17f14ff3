"""A full disk or a read-only folder costs no report, and is said in plain words.

Each case runs a real `make report` in a user and mount namespace (`unshare -Urm`) where a
small tmpfs, or a read-only bind mount, covers reports/, build/ or data/processed/: the
message names the folder and what to do, the exit code is not 0, and reports/ is unchanged
(checked inside the namespace, where the mount is). This file is also the helper that runs in
the namespace (``python test_disk_full.py CASE.json``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

KiB = 1024


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            if p.is_file() else "folder" for p in sorted(folder.rglob("*"))}


def _stopped(sid: int) -> int | None:
    """The run's lkj process once it is held (SIGSTOP) at its crash point."""
    for d in Path("/proc").iterdir():
        try:
            stat = (d / "stat").read_text() if d.name.isdigit() else ""
            cmd = (d / "cmdline").read_bytes() if stat else b""
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split() if stat else []
        if fields and int(fields[3]) == sid and fields[0] == "T" and b"report" in cmd:
            return int(d.name)
    return None


def in_namespace(case: dict) -> dict:
    """Mount, run make, report what happened (before the mounts go away with the namespace)."""
    root = Path(case["root"])
    for i, (kind, name, size) in enumerate(case["mounts"]):
        target = root / name
        target.mkdir(parents=True, exist_ok=True)
        if kind == "tmpfs":  # a small disk that already holds what the folder held
            keep = Path(case["scratch"]) / f"kopi-{i}"
            shutil.copytree(target, keep, symlinks=True)
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
                           check=True)
            shutil.copytree(keep, target, symlinks=True, dirs_exist_ok=True)
            if case.get("full"):
                (target / "pengisi").write_bytes(b"\0" * (shutil.disk_usage(target).free))
        else:
            subprocess.run(["mount", "--bind", str(target), str(target)], check=True)
            subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], check=True)
    before = _snapshot(root / "reports")
    env = {k: v for k, v in os.environ.items() if k not in ("LKJ_ROOT", "LKJ_CRASH_AT")}
    env.update(case.get("env", {}))
    log = Path(case["scratch"]) / "make.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(["make", "--no-print-directory", "report", "KEC=candipuro",
                                 "TW=2", "ENGINE=embedded"], cwd=root, env=env, stdout=out,
                                stderr=out, start_new_session=True)
    fill = case.get("fill")  # [folder, bytes left]: fill the disk while lkj is held
    if fill:
        deadline = time.monotonic() + 120
        while (pid := _stopped(proc.pid)) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        filler = root / fill[0] / "pengisi"
        filler.write_bytes(b"\0" * (shutil.disk_usage(filler.parent).free - fill[1]))
        os.kill(pid, signal.SIGCONT)
    proc.wait(timeout=300)
    if fill:
        (root / fill[0] / "pengisi").unlink()
    return {"rc": proc.returncode, "log": log.read_text(errors="replace"), "before": before,
            "after": _snapshot(root / "reports")}


if __name__ == "__main__":  # the helper, inside the namespace
    print(json.dumps(in_namespace(json.loads(Path(sys.argv[1]).read_text()))))
    sys.exit(0)


# ---- the tests --------------------------------------------------------------------------------

import pytest  # noqa: E402

from lkj import publish  # noqa: E402
from test_interrupts import SLUG, copy_project, edit, make_env  # noqa: E402

OUT = Path("reports/candipuro/2023/tw2")
UNSHARE = shutil.which("unshare")


def _namespaces_work() -> bool:
    if not UNSHARE or sys.platform != "linux":
        return False
    probe = subprocess.run([UNSHARE, "-Urm", "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not _namespaces_work(), reason="perlu `unshare -Urm` (namespace pengguna dan mount, Linux) "
    "untuk memasang tmpfs kecil atau folder hanya-baca tanpa hak root")]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("dibangun"))
    if subprocess.run(["make", "-q", ".venv/.lkj-installed"], cwd=root).returncode != 0:
        pytest.skip("venv belum disiapkan oleh make (jalankan lewat `make test`)")
    done = subprocess.run(["make", "report", "KEC=candipuro", "TW=2", "ENGINE=embedded"],
                          cwd=root, env=make_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return root


def run_case(built: Path, tmp_path: Path, mounts, **case) -> dict:
    root = tmp_path / "proyek"
    shutil.copytree(built, root, symlinks=True)
    edit(root, 1)  # an input changed: make runs lkj
    scratch = tmp_path / "ns"
    scratch.mkdir()
    spec = tmp_path / "kasus.json"
    spec.write_text(json.dumps({"root": str(root), "scratch": str(scratch), "mounts": mounts,
                                **case}))
    done = subprocess.run([UNSHARE, "-Urm", sys.executable, __file__, str(spec)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def failed_cleanly(result: dict, message: str) -> None:
    assert result["rc"] != 0, result["log"]
    assert f"Gagal: {message}" in result["log"], result["log"]
    assert "Laporan lama di reports/ tidak diubah." in result["log"]
    assert "Traceback" not in result["log"] and "tak terduga" not in result["log"]
    assert result["after"] == result["before"]  # nothing lost, nothing half-published


@pytest.mark.parametrize("folder, size, says", [
    ("reports", "2m", "Disk penuh: folder reports/candipuro/2023/tw2/ tidak bisa ditulis; "
                      "kosongkan sedikitnya "),
    ("build", "1m", "Disk penuh: folder build/ tidak bisa ditulis; kosongkan sedikitnya "),
    ("data/processed", "256k", "Disk penuh: folder data/processed/candipuro/2023/camat/tw2/ "
                               "tidak bisa ditulis; kosongkan sedikitnya "),
])
def test_a_full_folder_is_named_before_anything_is_written(built, tmp_path, folder, size, says):
    failed_cleanly(run_case(built, tmp_path, [["tmpfs", folder, size]]), says)


def test_disk_full_in_the_middle_of_writing_the_pdf_changes_nothing(built, tmp_path):
    # Room for the check before the run; lkj is held after staging three files, the disk is
    # filled to 64 KiB, and the PDF (≈600 KiB) is cut short as it is copied.
    result = run_case(built, tmp_path, [["tmpfs", "reports", "12m"]],
                      env={"LKJ_CRASH_AT": "publish:staged-3:SIGSTOP"},
                      fill=["reports", 64 * KiB])
    failed_cleanly(result, "Disk penuh: folder reports/candipuro/2023/tw2/ tidak bisa ditulis; "
                           "kosongkan sedikitnya ")


@pytest.mark.parametrize("folder, shown", [
    ("reports", "reports/candipuro/2023/tw2/"), ("build", "build/"),
    ("data/processed", "data/processed/candipuro/2023/camat/tw2/")])
def test_a_read_only_folder_is_named(built, tmp_path, folder, shown):
    failed_cleanly(run_case(built, tmp_path, [["ro", folder, None]]),
                   f"Folder {shown} tidak bisa ditulis (hanya-baca/izin: disknya dipasang "
                   "hanya-baca). ")


def test_a_full_system_temp_dir_does_not_touch_the_report(built, tmp_path):
    full = tmp_path / "tmp-sistem"
    full.mkdir()
    result = run_case(built, tmp_path, [["tmpfs", str(full), "64k"]], full=True,
                      env={"TMPDIR": str(full)})
    assert result["rc"] == 0, result["log"]
    report = tmp_path / "proyek" / OUT
    for ext in ("html", "pdf", "docx", "ipynb"):
        publish.verify(report / f"{SLUG}.{ext}")  # written outside the namespace's tmpfs
    assert "Kalimat penanda uji nomor 1." in (report / f"{SLUG}.html").read_text(encoding="utf-8")
