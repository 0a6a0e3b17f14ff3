"""A real `make report` stopped at any moment never costs a report (README, "Tidak ada yang hilang").

Ctrl+C, SIGTERM and SIGHUP go to the whole process group of make (as a terminal sends them),
SIGKILL to the lkj process alone (as the OOM killer would), at several moments of a rebuild.
After each, reports/ holds the complete old set of files, or the complete new one when the switch
had finished; no process of the run is left; and the next `make report` leaves no staging
folder, journal, work folder or temporary folder behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from lkj import publish

ROOT = Path(__file__).resolve().parent.parent
NARASI = Path("data/raw/candipuro/2023/camat/tw2/narasi/kata_pengantar.md")
OUT = Path("reports/candipuro/2023/tw2")
SLUG = "lkj-candipuro-2023-tw2-camat"
EXTS = ("html", "pdf", "docx", "ipynb")
# the report's files and its audit trail beside it: one set
NAMES = {f"{SLUG}.{e}" for e in EXTS} | {f"{SLUG}-jejak-audit.{e}" for e in ("html", "pdf")}
MAKE = ["make", "--no-print-directory", "report", "KEC=candipuro", "TW=2", "ENGINE=embedded"]


def copy_project(dst: Path) -> Path:
    """What `make report` needs, with the modification times kept (make compares them) and this
    checkout's venv."""
    for name in ("data/raw", "notebooks", "_quarto.yml", "Makefile", "pyproject.toml",
                 "constraints.txt"):
        src, target = ROOT / name, dst / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, target) if src.is_dir() else shutil.copy2(src, target)
    (dst / ".venv").symlink_to(ROOT / ".venv")
    return dst


def make_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LKJ_ROOT", "LKJ_CRASH_AT")}
    return {**env, **extra}


def build(root: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(MAKE, cwd=root, env=make_env(**env), capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("dibangun"))
    # The copy shares this checkout's venv: make must not reinstall it from the copy.
    if subprocess.run(["make", "-q", ".venv/.lkj-installed"], cwd=root).returncode != 0:
        pytest.skip("venv belum disiapkan oleh make (jalankan lewat `make test`)")
    done = build(root)
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def proyek(built, tmp_path) -> Path:
    root = tmp_path / "proyek"
    shutil.copytree(built, root, symlinks=True)  # keeps the times: nothing to rebuild yet
    return root


def files(root: Path) -> dict[str, str]:
    """The report's folder: every entry (hidden ones too) with its content's hash."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
            for p in sorted((root / OUT).iterdir())}


def edit(root: Path, n: int) -> str:
    """Change one input (a new sentence in the Kata Pengantar): the report must be rebuilt."""
    marker = f"Kalimat penanda uji nomor {n}."
    path = root / NARASI
    text = (ROOT / NARASI).read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + f"\n\n{marker}\n", encoding="utf-8")
    return marker


def session(sid: int) -> list[str]:
    """The live processes of a session (the run's make, lkj, pandoc, chart helper …)."""
    found = []
    for d in Path("/proc").iterdir():
        try:
            stat = (d / "stat").read_text() if d.name.isdigit() else ""
        except OSError:
            continue
        if not stat:
            continue
        state, _ppid, _pgrp, sess = stat[stat.rindex(")") + 2:].split()[:4]
        if int(sess) == sid and state != "Z":
            found.append(f"{d.name} {stat[stat.index('(') + 1:stat.rindex(')')]}")
    return found


def wait_for(what, timeout: float = 60.0, every: float = 0.002, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(every)
    said = log.read_text(errors="replace") if log and log.exists() else ""
    raise AssertionError(f"tidak terjadi dalam {timeout} detik: {what.__doc__}\n{said}")


def lkj_process(sid: int) -> int | None:
    """The `lkj report` process of the session."""
    for line in session(sid):
        pid = int(line.split()[0])
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(a.endswith(b"/lkj") for a in cmd[:2]) and b"report" in cmd:
            return pid
    return None


def stopped(sid: int) -> bool:
    """lkj is held (SIGSTOP) at its crash point"""
    pid = lkj_process(sid)
    try:
        return bool(pid) and Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "T"
    except OSError:
        return False


def work_file(root: Path, pattern: str):
    def found():
        """a file of the run's work folder appears"""
        return next((root / "build").glob(pattern), None)
    return found


def start(root: Path, tmp: Path, **env: str) -> subprocess.Popen:
    out = open(tmp / "make.log", "w")
    proc = subprocess.Popen(MAKE, cwd=root, env=make_env(**env), stdout=out, stderr=out,
                            start_new_session=True)  # its own process group, as a terminal's job
    out.close()
    return proc


def finish(proc: subprocess.Popen, tmp: Path) -> str:
    proc.wait(timeout=120)
    gone = lambda: not session(proc.pid)  # noqa: E731
    gone.__doc__ = "every process of the run has ended"
    wait_for(gone, timeout=20, every=0.05)
    return (tmp / "make.log").read_text(encoding="utf-8", errors="replace")


def assert_new_set(root: Path, old: dict[str, str], marker: str) -> None:
    now = files(root)
    assert set(now) == NAMES, now  # nothing else, nothing missing
    for name in NAMES:
        path = root / OUT / name
        assert now[name] != old[name], name  # every file is the new one …
        publish.verify(path)                          # … and complete
    assert marker in (root / OUT / f"{SLUG}.html").read_text(encoding="utf-8")


def assert_nothing_left(root: Path) -> None:
    assert not [p for p in (root / "reports").rglob(".*")], "staging/jurnal tersisa di reports/"
    # build/deps: each report's inputs and settings (lkj/layout.py), not a leftover
    assert sorted(p.name for p in (root / "build").iterdir() if p.name != "deps") in ([], ["gagal"]), \
        list((root / "build").iterdir())
    assert not list((root / "data/processed").rglob(".*")), "sisa di data/processed/"


@pytest.mark.slow
def test_make_report_stopped_by_a_signal_at_any_moment_keeps_a_complete_report(proyek, tmp_path):
    moments = [
        # Ctrl+C while data/processed is being replaced: the old folder is aside, the new one
        # not yet in place (lkj is held there, then the signal comes).
        (signal.SIGINT, "processed:after-rename-1:SIGSTOP", None),
        (signal.SIGTERM, "", work_file(proyek, "lkj-*/figures/*.png")),   # notebook running
        (signal.SIGHUP, "", work_file(proyek, "lkj-*/lkj-render-*")),  # render running
    ]
    for n, (sig, crash_at, moment) in enumerate(moments, 1):
        old = files(proyek)
        edit(proyek, n)
        proc = start(proyek, tmp_path, LKJ_CRASH_AT=crash_at)
        if moment is None:
            wait_for(lambda proc=proc: stopped(proc.pid))
            os.killpg(proc.pid, sig)
            os.killpg(proc.pid, signal.SIGCONT)
        else:
            wait_for(moment, log=tmp_path / "make.log")
            os.killpg(proc.pid, sig)
        log = finish(proc, tmp_path)
        assert proc.returncode != 0, log
        assert "Dibatalkan. Laporan lama di reports/ tidak diubah." in log, log
        assert files(proyek) == old, (sig, log)
        assert (proyek / "data/processed/candipuro/2023/camat/tw2/ringkasan.json").is_file()

    # Just after the switch: the new set is published, complete, and make leaves it alone.
    old = files(proyek)
    marker = edit(proyek, 9)
    proc = start(proyek, tmp_path)
    pdf = proyek / OUT / f"{SLUG}.pdf"
    inode = pdf.stat().st_ino
    published = lambda: pdf.stat().st_ino != inode  # noqa: E731
    published.__doc__ = "the new PDF is in place"
    wait_for(published)
    os.killpg(proc.pid, signal.SIGINT)
    log = finish(proc, tmp_path)
    assert "Laporan lama di reports/ tidak diubah" not in log, log  # it was changed
    assert_new_set(proyek, old, marker)
    assert "Laporan candipuro" not in build(proyek).stdout  # make: nothing to do

    marker = edit(proyek, 10)
    old = files(proyek)
    done = build(proyek)
    assert done.returncode == 0, done.stderr
    assert_new_set(proyek, old, marker)
    assert_nothing_left(proyek)


@pytest.mark.slow
def test_lkj_killed_at_any_point_loses_nothing(proyek, tmp_path):
    # Killed while it renders (SIGKILL to lkj only, as the OOM killer does).
    old = files(proyek)
    edit(proyek, 1)
    proc = start(proyek, tmp_path)
    wait_for(work_file(proyek, "lkj-*/lkj-render-*"))
    os.kill(lkj_process(proc.pid), signal.SIGKILL)
    log = finish(proc, tmp_path)
    assert proc.returncode != 0 and files(proyek) == old, log
    assert list((proyek / "build").glob("lkj-*")), "the killed run's work folder is left …"

    # Killed between two renames of the switch: a mix, until the next lkj run puts the old
    # set back before it does anything else (here: a report with broken data, which fails).
    proc = start(proyek, tmp_path, LKJ_CRASH_AT="publish:after-rename-2")
    log = finish(proc, tmp_path)
    assert proc.returncode != 0, log
    staging = [p for p in (proyek / OUT).iterdir() if p.name.startswith(".staging-")]
    assert len(staging) == 1 and (staging[0] / publish.JOURNAL).is_file()
    anggaran = proyek / "data/raw/candipuro/2023/camat/tw2/anggaran.csv"
    good = anggaran.read_bytes()
    anggaran.write_bytes(good.replace(b"2.011.493.161", b"dua milyar", 1))
    broken = build(proyek)
    assert broken.returncode != 0 and "bukan angka yang sah" in broken.stderr, broken.stderr
    assert files(proyek) == old
    anggaran.write_bytes(good)

    # Killed right after the switch: the new set stays, the staging folder is left …
    marker = edit(proyek, 2)
    proc = start(proyek, tmp_path, LKJ_CRASH_AT="publish:switched")
    log = finish(proc, tmp_path)
    assert proc.returncode != 0, log
    assert [n for n in files(proyek) if n.startswith(".staging-")]
    (proyek / OUT / next(n for n in files(proyek) if n.startswith("."))).rename(
        tmp_path / "sisa")  # … checked here, and put back after
    assert_new_set(proyek, old, marker)
    (tmp_path / "sisa").rename(proyek / OUT / ".staging-sisa")

    # … and the next run cleans up after all of them.
    old = files(proyek)
    marker = edit(proyek, 3)
    done = build(proyek)
    assert done.returncode == 0, done.stderr
    del old[".staging-sisa"]
    assert_new_set(proyek, old, marker)
    assert_nothing_left(proyek)
