"""Nothing lost: how lkj replaces what it wrote before, and cleans up after a run that was killed.

* :func:`publish` — the files of one report replace the old ones as one set. They are copied
  into a staging folder next to them (same file system), checked (:func:`verify`) and fsynced;
  the old files are hard-linked into the staging folder and a journal is written there; then
  the new files are renamed into place while SIGINT/SIGTERM/SIGHUP wait, and removing the
  journal ends the switch. A run killed in between (SIGKILL, power cut) leaves the journal, and
  the next run puts the old set back (:func:`recover`) before it does anything else.
* :func:`replace_dir` — the same for a folder of derived tables (data/processed/…).
* :func:`work_dir` — a private folder under build/ whose lock file is held while the run lives:
  a folder whose lock nobody holds is from a dead run and is removed.
* :func:`problem` — a full disk or a folder that cannot be written, as a message naming it.

Every folder lkj replaces things in is locked (flock on the folder itself) while it does so, so
that a run cleaning up never takes the work of a live run for a leftover.

LKJ_CRASH_AT=publish:<point>[:SIGNAL] (tests only): SIGKILL (or SIGNAL) to this process there.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from lkj.errors import LkjError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; one lkj run at a time is assumed
    fcntl = None

MB = 1024 * 1024
# Free space a step needs, checked before it starts (a report takes ≈3 MB in build/, ≈1,5 MB
# in reports/, ≈0,1 MB in data/processed/; the rest is room for larger reports and `lkj all`).
NEED = {"build": 32 * MB, "reports": 8 * MB, "data/processed": 2 * MB}
JOURNAL = "jurnal.json"
OLD = "lama"
LOCK = ".lock"
WAIT_S = 60  # for another run to finish replacing the same files (normally well under 1 s)
# Renamed first: the audit notebook, which make does not look at; last: files make does look
# at, so a switch cut short leaves one of them old and the next `make report` runs lkj again.
ORDER = (".ipynb", ".html", ".docx", ".pdf")
SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))

published: list[Path] = []  # folders whose new set is complete, in this process (for messages)


class NoSpace(OSError):
    """Not enough free space for a step, found before writing (or after a program that does not
    check its writes)."""

    def __init__(self, folder: Path, need: int):
        super().__init__(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder))
        self.need = need


# ---- checks ---------------------------------------------------------------------------------

def verify(path: Path) -> None:
    """LkjError unless ``path`` is a complete output: a write cut short leaves a file that looks
    fine until it is opened."""
    path = Path(path)
    data = path.read_bytes()
    ext = path.suffix.lower()
    if ext == ".pdf":
        tail = data[-2048:]
        xref = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", tail)
        ok = data.startswith(b"%PDF-") and xref is not None and (
            re.match(rb"xref|\d+ \d+ obj", data[int(xref.group(1)):]) is not None)
    elif ext == ".docx":
        try:
            with zipfile.ZipFile(path) as z:
                ok = "word/document.xml" in z.namelist() and z.testzip() is None
        except (zipfile.BadZipFile, OSError, EOFError):
            ok = False
    elif ext == ".html":
        ok = data.rstrip().lower().endswith(b"</html>")
    elif ext == ".ipynb":
        try:
            ok = isinstance(json.loads(data).get("cells"), list)
        except (ValueError, AttributeError):
            ok = False
    else:
        ok = bool(data)
    if not ok:
        raise LkjError(
            f"Berkas {path.name} yang baru dibuat tidak utuh (terpotong atau rusak), jadi laporan "
            "tidak diterbitkan. Periksa ruang kosong disk folder build/ lalu jalankan lagi; bila "
            "terulang, kirimkan pesan ini kepada pengelola lkj.")


def ensure_free(folder: Path, need: int) -> None:
    """NoSpace / PermissionError before a step writes into ``folder`` (which may not exist yet)."""
    here = Path(folder)
    while not here.exists() and here != here.parent:
        here = here.parent
    if hasattr(os, "statvfs") and os.statvfs(here).f_flag & os.ST_RDONLY:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(folder))
    if not os.access(here, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))
    if shutil.disk_usage(here).free < need:
        raise NoSpace(folder, need)


_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
_WRITTEN = ("build", "reports", "data/processed")
# The same errors as text, from programs that report them in words (typst, pandoc).
_TEXT = ((re.compile(r"No space left on device|os error 28\b|\[Errno 28\]"), errno.ENOSPC),
         (re.compile(r"Disk quota exceeded|os error 122\b"), errno.EDQUOT),
         (re.compile(r"Read-only file system|os error 30\b|\[Errno 30\]"), errno.EROFS))


def problem(exc: BaseException, root: Path, where: Path | None = None) -> LkjError | None:
    """A full disk or a folder lkj may not write, as the message the user reads (naming the
    folder and the fix); None for any other error. ``where``: the folder being written, for
    errors that name no file."""
    code = exc.errno if isinstance(exc, OSError) else None
    if code not in _NO_SPACE | _READ_ONLY:
        code = next((c for pattern, c in _TEXT if pattern.search(str(exc))), None)
    if code is None:
        return None
    named = (exc.filename2 or exc.filename) if isinstance(exc, OSError) else None
    named = os.fsdecode(named) if isinstance(named, (str, bytes)) else None  # not a descriptor
    path = named or where
    if path is None:
        return None
    shown, top = _shown(Path(path), Path(root))
    if code in _NO_SPACE:
        need = getattr(exc, "need", None) or NEED.get(top, NEED["reports"])
        free = _free(Path(root) / shown)
        short = max(1, -(-(need - free) // MB))
        return LkjError(
            f"Disk penuh: folder {shown} tidak bisa ditulis; kosongkan sedikitnya {short} MB di "
            f"disk tempat folder itu berada, lalu jalankan lagi. {outcome(root)}")
    if named and top is None:
        return None  # e.g. a raw file that cannot be read: not a folder lkj writes
    why = "disknya dipasang hanya-baca" if code == errno.EROFS else "tidak ada izin menulis"
    return LkjError(
        f"Folder {shown} tidak bisa ditulis (hanya-baca/izin: {why}). Pastikan folder itu bisa "
        "ditulis oleh pengguna yang menjalankan lkj (pasang disknya baca-tulis atau ubah izin "
        f"foldernya), lalu jalankan lagi. {outcome(root)}")


def outcome(root: Path) -> str:
    """What reports/ holds after a run that stopped, in the words of its last message."""
    from lkj.errors import rel

    if published:
        return f"Laporan baru sudah lengkap di {', '.join(rel(f, root) + '/' for f in published)}."
    return "Laporan lama di reports/ tidak diubah."


def _shown(path: Path, root: Path) -> tuple[str, str | None]:
    """("reports/candipuro/2023/tw2/", "reports"): the folder as the user knows it (staging,
    temporary and work folders are lkj's own), and which of lkj's output folders holds it."""
    path = path if path.is_absolute() else root / path
    try:
        parts = list(path.resolve().relative_to(root.resolve()).parts)
    except ValueError:
        return str(path.parent if path.suffix else path) + "/", None
    top = next((t for t in _WRITTEN if parts[:len(t.split("/"))] == t.split("/")), None)
    if top == "build":
        return "build/", top
    cut = next((i for i, p in enumerate(parts) if p.startswith(".")), None)
    if cut is not None:
        parts = parts[:cut]  # what is left is the folder that holds lkj's temporary one
    elif parts and (path.is_file() or not path.exists() and Path(parts[-1]).suffix):
        parts = parts[:-1]  # a file: its folder
    return ("/".join(parts) + "/") if parts else "./", top


def _free(folder: Path) -> int:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 0


# ---- locks, signals, crash points -----------------------------------------------------------

@contextmanager
def locked(path: Path, wait: bool = True) -> Iterator[bool]:
    """Hold the flock of ``path`` (a folder: nothing is added to it; or a lock file). Yields
    False when ``wait`` is False and a live process holds it; the kernel lets go when the
    holder dies, however it dies."""
    if fcntl is None:  # pragma: no cover
        yield True
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield False
        return
    try:
        held = _flock(fd, path, WAIT_S if wait else 0)
        yield held
    finally:
        os.close(fd)


def _flock(fd: int, path: Path, patience: float) -> bool:
    deadline = time.monotonic() + patience
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if not patience:
                return False
            if time.monotonic() > deadline:  # e.g. a run stopped with Ctrl+Z holds it
                from lkj.errors import rel
                raise LkjError(
                    f"Folder {rel(path)}/ sedang ditulis oleh proses lkj lain lebih dari "
                    f"{patience:.0f} detik. Tunggu sampai proses itu selesai (atau hentikan "
                    "proses itu), lalu jalankan lagi.") from None
            time.sleep(0.05)
        except OSError:  # a file system without flock (some network shares): go on unlocked
            return True


@contextmanager
def deferred_signals() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP wait until the block is done, then act as they would have."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread runs Python's signal handlers, and may set them
        return
    caught: list[int] = []
    saved = {s: signal.signal(s, lambda n, _frame: caught.append(n)) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        for s in caught:
            signal.raise_signal(s)


def _crash_point(name: str) -> None:
    want = os.environ.get("LKJ_CRASH_AT", "").split(":")
    if ":".join(want[:2]) == name:
        os.kill(os.getpid(), getattr(signal, want[2]) if len(want) > 2 else signal.SIGKILL)


# ---- durable writes -------------------------------------------------------------------------

def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF) or not Path(path).is_dir():
            raise OSError(exc.errno, exc.strerror, str(path)) from None
    finally:
        os.close(fd)


def _copy(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)  # raises on a short write (ENOSPC names both files)
    _fsync(dst)


def _write_json(path: Path, data: dict) -> None:
    """``path`` appears complete or not at all (a half-written journal would stop every run)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(tmp)) from None
    os.replace(tmp, path)
    _fsync(path.parent)


def write_atomic(path: Path, text: str) -> Path:
    """``path`` replaced by ``text`` in one rename; a run killed before it leaves a
    ``.<name>.*.tmp`` that :func:`recover` removes."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with locked(path.parent):
        try:
            try:
                with open(tmp, "w", encoding="utf-8") as f:
                    f.write(text)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(tmp)) from None
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return path


# ---- publishing a report's files --------------------------------------------------------------

def publish(files: dict[str, Path], folder: Path) -> dict[str, Path]:
    """Put ``files`` ({format: finished file}) into ``folder``, all or nothing; returns
    {format: published path}. However the run ends, ``folder`` keeps the complete old set or
    gets the complete new one (after SIGKILL or a power cut mid-switch: from the next run on)."""
    folder = Path(folder)
    names = sorted((Path(s).name for s in files.values()),
                   key=lambda n: ORDER.index(Path(n).suffix) if Path(n).suffix in ORDER else 0)
    sources = {Path(s).name: Path(s) for s in files.values()}
    stem = Path(names[0]).stem
    folder.mkdir(parents=True, exist_ok=True)
    with locked(folder):
        _recover_folder(folder)
        ensure_free(folder, sum(p.stat().st_size for p in sources.values()) + MB)
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{stem}-", dir=folder))
        try:
            for i, name in enumerate(names, 1):
                _copy(sources[name], staging / name)
                verify(staging / name)  # what the renderer wrote, and the copy, are complete
                _crash_point(f"publish:staged-{i}")
            (staging / OLD).mkdir()
            present = [n for n in names if (folder / n).exists()]
            for name in present:
                try:
                    os.link(folder / name, staging / OLD / name)
                except OSError:  # no hard links here: a copy keeps the old file as well
                    _copy(folder / name, staging / OLD / name)
            _fsync(staging / OLD)
            _write_json(staging / JOURNAL, {"files": names, "old": present})
            _crash_point("publish:journal")
            with deferred_signals():
                try:
                    for i, name in enumerate(names, 1):
                        os.replace(staging / name, folder / name)
                        _crash_point(f"publish:after-rename-{i}")
                    _fsync(folder)
                except BaseException:
                    _roll_back(folder, staging)
                    raise
                os.unlink(staging / JOURNAL)  # the switch is done: the new set stays
                _fsync(staging)
                published.append(folder)
                _crash_point("publish:switched")
                shutil.rmtree(staging, ignore_errors=True)  # the old files' links: no leftover
        finally:
            if not (staging / JOURNAL).exists():  # else a failed roll-back: the next run's
                shutil.rmtree(staging, ignore_errors=True)
    return {key: folder / Path(src).name for key, src in files.items()}


def _roll_back(folder: Path, staging: Path) -> None:
    """The old set back from ``staging``'s journal (each step can be repeated if cut short)."""
    journal = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
    for name in journal["files"]:
        if (staging / OLD / name).exists():
            os.replace(staging / OLD / name, folder / name)
        elif name not in journal["old"]:
            (folder / name).unlink(missing_ok=True)
    _fsync(folder)
    os.unlink(staging / JOURNAL)


def _recover_folder(folder: Path) -> None:
    """What killed runs left in ``folder``; the caller holds its lock, so they are all dead."""
    for staging in folder.glob(".staging-*"):
        if (staging / JOURNAL).exists():
            _roll_back(folder, staging)
        shutil.rmtree(staging, ignore_errors=True)
    for tmp in folder.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)


# ---- replacing a folder (data/processed/…) --------------------------------------------------

def replace_dir(tmp: Path, folder: Path) -> None:
    """The complete folder ``tmp`` becomes ``folder``: the old one goes aside as .<name>.old
    first, and is removed after. Killed between the two renames, the next run's
    :func:`recover_dir` puts the old one back. The caller holds the lock of the parent."""
    old = folder.with_name(f".{folder.name}.old")
    with deferred_signals():
        if folder.exists():
            os.replace(folder, old)
        _crash_point("processed:after-rename-1")
        try:
            os.replace(tmp, folder)
        except BaseException:
            if not folder.exists() and old.exists():
                os.replace(old, folder)
            raise
    shutil.rmtree(old, ignore_errors=True)


def recover_dir(folder: Path) -> None:
    """Undo a :func:`replace_dir` cut short and remove the temporary folders of dead runs (the
    caller holds the lock of the parent)."""
    old = folder.with_name(f".{folder.name}.old")
    if old.is_dir() and not folder.exists():
        os.replace(old, folder)
    for leftover in folder.parent.glob(f".{folder.name}.*"):
        shutil.rmtree(leftover, ignore_errors=True)


# ---- work folders under build/ --------------------------------------------------------------

@contextmanager
def work_dir(build: Path, prefix: str, temp: bool = False) -> Iterator[Path]:
    """A new private folder ``build/<prefix>…`` for the block, removed at its end. Its lock file
    is held meanwhile; if this process is killed, the next run finds the lock free and removes
    the folder. ``temp``: the folder is also this process's (and its children's) TMPDIR, so
    temporary files go with it and a full system temp dir cannot cut a report short."""
    build = Path(build)
    build.mkdir(parents=True, exist_ok=True)
    clean_build(build)
    while True:
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=build))
        try:
            fd = os.open(path / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:  # a cleaning run took the empty new folder for a dead one
            continue
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # only a cleaning run can hold it, for a moment
        if os.fstat(fd).st_nlink:
            break
        os.close(fd)  # a run cleaning up took the new folder for a dead one first: another
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    try:
        if temp:
            (path / "tmp").mkdir()
            os.environ["TMPDIR"] = tempfile.tempdir = str(path / "tmp")
        yield path
    finally:
        if temp:
            tempfile.tempdir = saved[1]
            if saved[0] is None:
                os.environ.pop("TMPDIR", None)
            else:
                os.environ["TMPDIR"] = saved[0]
        try:
            _remove_work_dir(path)
        except OSError:  # left to the next run's clean_build
            pass
        finally:
            os.close(fd)


def _remove_work_dir(path: Path) -> None:
    """The lock file goes last: cut short, the folder still says whether its run is alive."""
    for entry in path.iterdir():
        if entry.name != LOCK:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
    (path / LOCK).unlink(missing_ok=True)
    path.rmdir()


def clean_build(build: Path) -> None:
    """Remove the work folders of dead runs: those whose lock file nobody holds, and those
    without one (a run stopped between making its folder and its lock file, or cut short while
    removing it: the lock file goes last, and a late file of one of its programs may follow)."""
    for folder in Path(build).iterdir():
        lock = folder / LOCK
        if folder.name in ("deps", "gagal") or not folder.is_dir():
            continue
        if not lock.exists():
            shutil.rmtree(folder, ignore_errors=True)
            continue
        with locked(lock, wait=False) as dead:
            if dead:
                try:
                    _remove_work_dir(folder)
                except OSError:  # gone meanwhile, or not removable: the next run tries again
                    pass


def recover(root: Path) -> None:
    """Everything killed runs left, cleaned before a command writes: switches cut short in
    reports/ rolled back, data/processed/ folders put back, dead work folders in build/ removed.
    A folder a live run holds is left to that run."""
    root = Path(root)
    reports = root / "reports"
    folders = {p.parent for pattern in ("*/*/*/.staging-*", "*/*/*/.*.tmp", ".*.tmp")
               for p in reports.glob(pattern)}
    for folder in sorted(folders):
        with locked(folder, wait=False) as mine:
            if mine:
                _recover_folder(folder)
    for leftover in sorted((root / "data" / "processed").glob("*/*/*/.*")):
        with locked(leftover.parent, wait=False) as mine:
            if mine and leftover.exists():
                recover_dir(leftover.parent / leftover.name[1:].split(".")[0])
    if (root / "build").is_dir():
        clean_build(root / "build")
