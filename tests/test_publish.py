"""lkj/publish.py without building a report: a report's files replace the old ones as one set
whatever stops the run and wherever (crash points, signals, failing renames), complete outputs
only, leftovers of dead runs cleaned, and a full or read-only disk said in plain words."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from lkj import pipeline, publish
from lkj.errors import LkjError

SLUG = "lkj-x-2023-tw2-camat"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` (hidden ones too) with its content's hash."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            if p.is_file() else "folder" for p in sorted(folder.rglob("*"))}


def sample(ext: str, text: str) -> bytes:
    """A small complete file of each kind, carrying ``text``."""
    if ext == "pdf":
        body = f"%PDF-1.7\n1 0 obj\n<< /Title ({text}) >>\nendobj\n".encode()
        return body + f"xref\n0 2\ntrailer\n<< /Size 2 >>\nstartxref\n{len(body)}\n%%EOF\n".encode()
    if ext == "docx":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, xml in (("[Content_Types].xml", "<Types/>"),
                              ("word/document.xml", f"<w:document>{text * 200}</w:document>")):
                z.writestr(zipfile.ZipInfo(name, (2023, 7, 1, 0, 0, 0)), xml)
        return buf.getvalue()
    if ext == "html":
        return f"<!DOCTYPE html>\n<html><body>{text}</body></html>\n".encode()
    return json.dumps({"cells": [{"source": text}], "nbformat": 4}).encode()


EXTS = ("html", "pdf", "docx", "ipynb")


def make_set(folder: Path, text: str, exts=EXTS) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for ext in exts:
        files[ext] = folder / f"{SLUG}.{ext}"
        files[ext].write_bytes(sample(ext, text))
    return files


@pytest.fixture
def old_and_new(tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "published", [])
    target = tmp_path / "reports/x/2023/tw2"
    make_set(target, "lama", exts=("html", "pdf", "ipynb"))  # an old set without a DOCX
    (target / "lkj-x-2023-tw2-kasi.pdf").write_bytes(sample("pdf", "unit lain"))
    new = make_set(tmp_path / "build/kerja", "baru")
    return tmp_path, target, new


# ---- verify ----------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", EXTS)
def test_verify_accepts_a_complete_output_and_refuses_it_cut_short(tmp_path, ext):
    path = tmp_path / f"r.{ext}"
    data = sample(ext, "isi laporan " * 50)
    path.write_bytes(data)
    publish.verify(path)
    for size in (0, len(data) // 2, len(data) - 8):
        path.write_bytes(data[:size])
        with pytest.raises(LkjError, match=f"r.{ext} yang baru dibuat tidak utuh"):
            publish.verify(path)


def test_verify_accepts_what_lkj_renders():
    from lkj.render import REFERENCE_DOCX
    publish.verify(REFERENCE_DOCX)  # pandoc's own DOCX, as lkj ships it


# ---- publish ---------------------------------------------------------------------------------

def test_publish_replaces_every_file_and_leaves_other_reports_alone(old_and_new):
    root, target, new = old_and_new
    other = (target / "lkj-x-2023-tw2-kasi.pdf").read_bytes()
    placed = pipeline.publish(new, target)
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [f"{SLUG}.{e}" for e in EXTS] + ["lkj-x-2023-tw2-kasi.pdf"])
    for ext in EXTS:
        assert placed[ext].read_bytes() == sample(ext, "baru")
    assert (target / "lkj-x-2023-tw2-kasi.pdf").read_bytes() == other
    assert publish.published[-1] == target


def test_publish_refuses_an_incomplete_file_and_changes_nothing(old_and_new):
    root, target, new = old_and_new
    before = snapshot(target)
    new["pdf"].write_bytes(sample("pdf", "baru")[:-20])
    with pytest.raises(LkjError, match="tidak utuh"):
        publish.publish(new, target)
    assert snapshot(target) == before


@pytest.mark.parametrize("fail", [{1}, {2}, {3}, {4}, {5}, {3, 4}])
def test_a_failing_rename_anywhere_leaves_the_old_set(old_and_new, monkeypatch, fail):
    """Rename 1 puts the journal in place, 2-5 the four files, the next ones roll back. A
    failure at any of them leaves the old set: at once, or from the next run on when the
    roll-back itself fails ({3, 4})."""
    root, target, new = old_and_new
    before = snapshot(target)
    real, calls = os.replace, []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) in fail:
            raise OSError(errno.EIO, "uji: galat disk", str(dst))
        return real(src, dst)

    monkeypatch.setattr(publish.os, "replace", flaky)
    with pytest.raises(OSError):
        publish.publish(new, target)
    monkeypatch.setattr(publish.os, "replace", real)
    if len(fail) > 1:
        assert (next(target.glob(".staging-*")) / publish.JOURNAL).is_file()
        publish.recover(root)
    assert snapshot(target) == before


CRASH_POINTS = ["staged-1", "staged-4", "journal", "after-rename-1", "after-rename-2",
                "after-rename-3", "after-rename-4", "switched"]
PUBLISH = ("import sys; from pathlib import Path; from lkj import publish; "
           "t = Path(sys.argv[1]); n = Path(sys.argv[2]); "
           "publish.publish({p.suffix[1:]: p for p in sorted(n.iterdir())}, t)")


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_killed_anywhere_while_publishing_the_next_run_finds_a_complete_set(old_and_new, point):
    root, target, new = old_and_new
    before = snapshot(target)
    env = {**os.environ, "LKJ_CRASH_AT": f"publish:{point}"}
    proc = subprocess.run([sys.executable, "-c", PUBLISH, str(target), str(new["html"].parent)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert any(p.name.startswith(".staging-") for p in target.iterdir())  # killed mid-way
    publish.recover(root)  # what the next lkj command does first
    if point == "switched":  # the journal was gone: the new set is the published one
        expected = {f"{SLUG}.{e}": sample(e, "baru") for e in EXTS}
        assert {n: (target / n).read_bytes() for n in expected} == expected
        assert {p.name for p in target.iterdir()} == {*expected, "lkj-x-2023-tw2-kasi.pdf"}
    else:
        assert snapshot(target) == before


def test_a_signal_during_the_switch_waits_until_the_new_set_is_in_place(old_and_new, monkeypatch):
    root, target, new = old_and_new
    monkeypatch.setenv("LKJ_CRASH_AT", "publish:after-rename-2:SIGINT")
    with pytest.raises(KeyboardInterrupt):
        publish.publish(new, target)
    assert {e: (target / f"{SLUG}.{e}").read_bytes() for e in EXTS} == {
        e: sample(e, "baru") for e in EXTS}
    assert not any(p.name.startswith(".") for p in target.iterdir())
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigterm_during_the_switch_ends_the_process_after_it(old_and_new):
    root, target, new = old_and_new
    env = {**os.environ, "LKJ_CRASH_AT": "publish:after-rename-1:SIGTERM"}
    proc = subprocess.run([sys.executable, "-c", PUBLISH, str(target), str(new["html"].parent)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGTERM, proc.stderr
    for ext in EXTS:
        assert (target / f"{SLUG}.{ext}").read_bytes() == sample(ext, "baru")


def test_leftovers_of_a_folder_a_live_run_holds_are_left_to_it(old_and_new):
    root, target, new = old_and_new
    env = {**os.environ, "LKJ_CRASH_AT": "publish:after-rename-1"}
    subprocess.run([sys.executable, "-c", PUBLISH, str(target), str(new["html"].parent)],
                   env=env, capture_output=True, timeout=60)
    left = snapshot(target)
    with publish.locked(target):  # as a publishing run holds it
        publish.recover(root)
        assert snapshot(target) == left
    publish.recover(root)
    assert not any(p.name.startswith(".") for p in target.iterdir())


def test_no_space_for_the_new_set_is_found_before_anything_is_written(old_and_new, monkeypatch):
    root, target, new = old_and_new
    before = snapshot(target)
    monkeypatch.setattr(publish.shutil, "disk_usage", lambda p: SimpleNamespace(free=1000))
    with pytest.raises(publish.NoSpace) as caught:
        publish.publish(new, target)
    assert snapshot(target) == before
    message = str(publish.problem(caught.value, root))
    assert re.match(r"Disk penuh: folder reports/x/2023/tw2/ tidak bisa ditulis; kosongkan "
                    r"sedikitnya \d+ MB di disk tempat folder itu berada", message)
    assert message.endswith("Laporan lama di reports/ tidak diubah.")


# ---- data/processed/… ------------------------------------------------------------------------

REPLACE = ("import sys; from pathlib import Path; from lkj import publish; "
           "f = Path(sys.argv[1]); t = f.with_name('.tw2.abc'); t.mkdir(); "
           "(t / 'ringkasan.json').write_text('baru'); publish.replace_dir(t, f)")


def test_processed_folder_killed_between_its_two_renames_is_put_back(tmp_path):
    folder = tmp_path / "data/processed/x/2023/camat/tw2"
    folder.mkdir(parents=True)
    (folder / "ringkasan.json").write_text("lama")
    stale = folder.with_name(".tw2.mati")  # the temporary folder of an earlier dead run
    stale.mkdir()
    env = {**os.environ, "LKJ_CRASH_AT": "processed:after-rename-1"}
    proc = subprocess.run([sys.executable, "-c", REPLACE, str(folder)], env=env, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not folder.exists()  # moved aside, the new one not yet in place
    publish.recover(tmp_path)
    assert sorted(p.name for p in folder.parent.iterdir()) == ["tw2"]
    assert (folder / "ringkasan.json").read_text() == "lama"
    subprocess.run([sys.executable, "-c", REPLACE, str(folder)], check=True, timeout=60)
    assert sorted(p.name for p in folder.parent.iterdir()) == ["tw2"]
    assert (folder / "ringkasan.json").read_text() == "baru"


# ---- build/ ----------------------------------------------------------------------------------

WORK = ("import sys, time; from pathlib import Path; from lkj import publish\n"
        "with publish.work_dir(Path(sys.argv[1]), 'lkj-uji-', temp=True) as d:\n"
        "    import tempfile; print(d, tempfile.mkdtemp(prefix='lkj-render-'), flush=True)\n"
        "    time.sleep(60)\n")


def test_work_dir_of_a_killed_run_is_removed_by_the_next_and_not_before(tmp_path):
    build = tmp_path / "build"
    (build / "gagal").mkdir(parents=True)  # not a work dir: kept
    proc = subprocess.Popen([sys.executable, "-c", WORK, str(build)], stdout=subprocess.PIPE,
                            text=True)
    try:
        work, temp = map(Path, proc.stdout.readline().split())
        assert temp.parent == work / "tmp"  # temporary files live (and die) with the work dir
        publish.clean_build(build)
        assert work.is_dir()  # its run is alive
    finally:
        proc.kill()
        proc.wait()
    publish.clean_build(build)
    assert sorted(p.name for p in build.iterdir()) == ["gagal"]


def test_a_work_dir_left_without_its_lock_file_is_removed_too(tmp_path):
    """Cut short while it removed its folder (the lock file goes last, a late file after it),
    or between making the folder and its lock file: no lock file, nobody's work."""
    build = tmp_path / "build"
    (build / "lkj-x-abc" / "tmp").mkdir(parents=True)
    (build / "lkj-x-abc" / "tmp" / "terlambat.txt").write_text("x")
    (build / "lkj-y-def").mkdir()
    (build / "deps").mkdir()
    publish.clean_build(build)
    assert sorted(p.name for p in build.iterdir()) == ["deps"]


def test_work_dir_restores_the_temp_dir_setting(tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setenv("TMPDIR", "/tmp")
    saved = tempfile.tempdir
    with publish.work_dir(tmp_path, "lkj-uji-", temp=True) as work:
        assert os.environ["TMPDIR"] == tempfile.gettempdir() == str(work / "tmp")
    assert os.environ["TMPDIR"] == "/tmp" and tempfile.tempdir == saved
    assert list(tmp_path.iterdir()) == []


# ---- messages --------------------------------------------------------------------------------

def test_disk_problems_name_the_folder_the_user_knows(tmp_path):
    def says(exc, where=None):
        found = publish.problem(exc, tmp_path, where)
        return str(found) if found else None

    staging = tmp_path / "reports/x/2023/tw2/.staging-a/r.pdf"
    full = says(OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "build/r.pdf"),
                        None, str(staging)))
    assert full.startswith("Disk penuh: folder reports/x/2023/tw2/ tidak bisa ditulis; "
                           "kosongkan sedikitnya ")
    work = tmp_path / "build/lkj-x-abc/out"
    assert says(OSError(errno.EDQUOT, "Disk quota exceeded", str(work / "r.docx"))).startswith(
        "Disk penuh: folder build/ ")
    typst = LkjError("Typst gagal menyusun PDF: failed to write PDF (No space left on device "
                     "(os error 28))")
    assert says(typst, work).startswith("Disk penuh: folder build/ ")
    processed = tmp_path / "data/processed/x/2023/camat/.tw2.abc/anggaran.csv"
    assert says(OSError(errno.EROFS, "Read-only file system", str(processed))).startswith(
        "Folder data/processed/x/2023/camat/ tidak bisa ditulis (hanya-baca/izin: disknya "
        "dipasang hanya-baca)")
    assert says(PermissionError(errno.EACCES, "Permission denied", str(
        tmp_path / "reports/index.html"))).startswith("Folder reports/ tidak bisa ditulis")
    # Not lkj's to write, or not about the disk: the ordinary message stays.
    assert says(PermissionError(errno.EACCES, "x", str(tmp_path / "data/raw/x/a.csv"))) is None
    assert says(OSError(errno.EIO, "Input/output error", str(work))) is None
    assert says(ValueError("No space in this sentence")) is None


def test_cli_says_disk_full_instead_of_an_unexpected_error(project, monkeypatch, capsys):
    from lkj.cli import main

    def full(root, rid):
        raise OSError(errno.ENOSPC, "No space left on device",
                      str(project / "data/processed/candipuro/2023/camat/.tw2.x/indikator.csv"))

    monkeypatch.setattr(pipeline, "process", full)
    assert main(["report", "--kec", "candipuro", "--tw", "2"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Gagal: Disk penuh: folder data/processed/candipuro/2023/camat/ "
                          "tidak bisa ditulis; kosongkan sedikitnya ")
    assert "tak terduga" not in err and "Laporan lama di reports/ tidak diubah." in err


def test_sigterm_stops_lkj_as_ctrl_c_does(project, monkeypatch, capsys):
    from lkj.cli import main

    def killed(root, rid):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(pipeline, "process", killed)
    assert main(["report", "--kec", "candipuro", "--tw", "2"]) == 128 + signal.SIGTERM
    assert capsys.readouterr().err == "Dibatalkan. Laporan lama di reports/ tidak diubah.\n"
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_folder_held_too_long_by_another_run_is_said(tmp_path, monkeypatch):
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import "
                               "Path; from lkj import publish\nwith publish.locked(Path(sys.argv"
                               "[1])):\n    print(flush=True); time.sleep(60)", str(tmp_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        holder.stdout.readline()
        monkeypatch.setattr(publish, "WAIT_S", 0.2)
        with pytest.raises(LkjError, match="sedang ditulis oleh proses lkj lain lebih dari 0 "
                                           "detik. Tunggu sampai proses itu selesai"):
            publish.write_atomic(tmp_path / "index.html", "<html></html>")
    finally:
        holder.kill()
        holder.wait()
    publish.write_atomic(tmp_path / "index.html", "<html></html>")
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


@pytest.mark.slow
def test_a_disk_filled_while_rendering_publishes_nothing(project, monkeypatch, capsys):
    """pandoc does not check every write it makes: when the disk of build/ has filled up during
    the render, its files are not trusted."""
    import shutil

    from lkj import render
    from lkj.cli import main

    real_render, real_usage, rendered = render.render, shutil.disk_usage, []

    def render_and_fill(*args, **kwargs):
        rendered.append(True)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(render, "render", render_and_fill)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real_usage(path)._replace(
        free=publish.MB) if rendered else real_usage(path))
    assert main(["report", "--kec", "candipuro", "--tw", "2", "--engine", "embedded"]) == 1
    assert rendered
    err = capsys.readouterr().err
    assert err.startswith("Gagal: Disk penuh: folder build/ tidak bisa ditulis; kosongkan "
                          "sedikitnya 15 MB"), err
    assert not list((project / "reports").rglob("*.pdf"))
    assert [p.name for p in (project / "build").iterdir() if p.name != "deps"] in ([], ["gagal"])
