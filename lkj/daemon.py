"""A warm ``lkj report``: a standby process (*proses siaga*) that has already imported lkj.

Analysts rebuild one report many times while they write its narrative. Most of a cold
``lkj report`` is Python starting and importing pandas, papermill, IPython and matplotlib
(≈1,7 s of CPU on a 2-core machine), not the report itself. So after a report, ``lkj`` leaves a
standby process behind that imports all of that once and then waits. The next ``lkj report``
of the same user connects to it over a Unix socket and hands over its command line, working
directory, environment, umask and terminal (stdin, stdout and stderr themselves are passed
over the socket); the standby forks a copy of itself, which runs exactly the code a cold run
runs (:func:`lkj.cli.main`) and ends with the report. Its exit code is passed back. This is
what ``lkj all`` does per report, and what Quarto does with its Jupyter kernel daemon.

Why it is safe to leave running:

* One standby per *fingerprint*: this Python, its installed packages, lkj's own files and the
  environment variables read at import time. Change any of them and the next report starts
  a new standby; one whose lkj files changed on disk ends itself.
* A report never runs in the standby itself, only in a fork of it: nothing a report does
  (caches, open files, a crash) reaches the next one.
* The socket lives in a directory only this user can open, and a peer of another user is
  refused.
* It ends after :data:`IDLE_S` seconds without a report; ``lkj daemon stop`` ends it now;
  ``LKJ_DAEMON=0`` switches it off. Only on Linux (it forks).
* Ctrl+C (and SIGTERM/SIGHUP, unless ``lkj report`` ignores them, as under ``nohup``) on
  ``lkj report`` are passed to the report; if ``lkj report`` or the standby goes away, the
  report is stopped. Either way the report's own rule holds: nothing is published unless every
  step succeeded.
* A report runs once: a caller that stopped waiting (the standby did not answer within
  :data:`STARTED_S`) runs it itself, and the standby drops the request when it gets to it.

A standby listens only once it is warm; until then, and whenever anything about the standby
fails before the report has started, ``lkj report`` simply runs the report itself (cold).
"""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time
from pathlib import Path

ENV_SWITCH = "LKJ_DAEMON"          # "0"/"off": never use or start a standby
ENV_DIR = "LKJ_DAEMON_DIR"         # where sockets live (tests); default: a private runtime dir
ENV_IDLE = "LKJ_DAEMON_IDLE"       # seconds without a report before the standby ends
IDLE_S = 900                       # 15 minutes: an analyst's edit-and-rebuild rhythm
CHECK_S = 20                       # how often a standby looks whether lkj's files changed
STARTED_S = 10                     # longest wait for a (listening, so warm) standby to answer
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

# Read when modules are imported (or by libraries the standby has loaded): a standby started
# under other values would run reports differently, so they are part of the fingerprint.
# Everything else in the environment is read while the report runs, in its fork, and is
# simply the caller's.
_ENV_PREFIXES = ("PYTHON", "LKJ_", "MPL", "JUPYTER", "IPYTHON", "OPENBLAS", "OMP_", "MKL_",
                 "LC_", "XDG_", "LD_", "MALLOC_")
_ENV_NAMES = {"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "VIRTUAL_ENV"}
_ENV_IGNORED = {ENV_SWITCH, ENV_DIR, ENV_IDLE, "LKJ_ROOT", "LKJ_DEBUG", "LKJ_EXECUTOR",
                "XDG_SESSION_ID", "XDG_VTNR"}


# ---- where, and which standby --------------------------------------------------------------

def enabled() -> bool:
    from lkj.execute import can_fork

    return (os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "off", "no", "false")
            and can_fork() and hasattr(socket, "send_fds"))


def fingerprint(environ=None) -> str:
    """What a standby must share with the caller to run its report exactly as a cold run would."""
    environ = os.environ if environ is None else environ
    h = hashlib.sha256()
    h.update(f"{os.getuid()}\0{os.path.realpath(sys.executable)}\0{sys.version}\0".encode())
    for key in sorted(environ):
        if key not in _ENV_IGNORED and (key in _ENV_NAMES or key.startswith(_ENV_PREFIXES)):
            h.update(f"{key}={environ[key]}\0".encode("utf-8", "surrogateescape"))
    h.update(_files_digest().encode())
    return h.hexdigest()[:20]


def _files_digest() -> str:
    h = hashlib.sha256()
    for path in _watched_files():
        try:
            st = path.stat()
        except OSError:
            continue
        h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _watched_files() -> list[Path]:
    """lkj's own files, and the directories packages are installed in (``pip install`` and
    ``pip uninstall`` change their modification time). Not the script's or the working
    directory, which sys.path may also hold: a report writes there."""
    from lkj import package_files

    dirs = sorted({Path(p) for p in sys.path
                   if Path(p).name in ("site-packages", "dist-packages") and os.path.isdir(p)})
    return package_files() + dirs


def runtime_dir() -> Path:
    """A directory only this user can open (created 0700); refused if someone else owns it."""
    base = os.environ.get(ENV_DIR)
    if base:
        path = Path(base)
    elif os.environ.get("XDG_RUNTIME_DIR"):
        path = Path(os.environ["XDG_RUNTIME_DIR"]) / "lkj"
    else:
        import tempfile
        path = Path(tempfile.gettempdir()) / f"lkj-{os.getuid()}"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.lstat()
    if not path.is_dir() or path.is_symlink() or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise OSError(f"{path} bukan folder pribadi pengguna ini")
    return path


def socket_path(fp: str) -> Path:
    return runtime_dir() / f"siaga-{fp}.sock"


# ---- the caller's side ---------------------------------------------------------------------

def _send(sock: socket.socket, message: dict) -> None:
    sock.sendall(json.dumps(message).encode("utf-8") + b"\n")


class _Lines:
    """Newline-separated JSON messages read from a socket."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buffer = sock, b""

    def next(self) -> dict | None:
        while b"\n" not in self.buffer:
            try:
                chunk = self.sock.recv(4096)
            except InterruptedError:  # pragma: no cover - PEP 475 retries; kept for clarity
                continue
            except OSError:
                return None
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            return None


CANCELLED = "Dibatalkan. Laporan lama di reports/ tidak diubah."


def run_report(argv: list[str]) -> int | None:
    """Run ``lkj <argv>`` in the standby; its exit code, or None when there is no standby to
    run it (the caller then runs the report itself)."""
    if not enabled():
        return None
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
        path = socket_path(fingerprint())
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(STARTED_S)
        sock.connect(str(path))
    except OSError:
        return None
    # Signals this `lkj` ignores (nohup, trap '' HUP) are ignored by its report too.
    ignored = [int(s) for s in FORWARDED if signal.getsignal(s) == signal.SIG_IGN]
    with sock:
        request = json.dumps({"argv": list(argv), "cwd": os.getcwd(), "env": dict(os.environ),
                              "umask": _umask(), "ignored": ignored}
                             ).encode("utf-8", "surrogateescape")
        lines = _Lines(sock)
        try:
            socket.send_fds(sock, [struct.pack("!I", len(request)) + request], [0, 1, 2])
            started = lines.next()  # None after STARTED_S: a stuck standby never gets it
        except OSError:
            return None
        except KeyboardInterrupt:  # closing the socket withdraws the request (see _accept)
            print(CANCELLED, file=sys.stderr)
            return 130
        if not started or "started" not in started:
            return None  # it was ending, refused us, or is stuck: nothing runs for us there
        sock.settimeout(None)
        pid = int(started["started"])
        caught: list[int] = []

        def forward(signum, _frame):
            """Ctrl+C (or SIGTERM/SIGHUP) reaches the report and what it started, as it would
            in the terminal's process group; a second one stops waiting for it."""
            caught.append(signum)
            if len(caught) > 1:
                raise KeyboardInterrupt
            try:
                os.killpg(pid, signum)
            except OSError:
                pass

        previous = {s: signal.signal(s, forward) for s in FORWARDED if int(s) not in ignored}
        try:
            ended = lines.next()
        except KeyboardInterrupt:
            ended = None
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
    if ended and "exit" in ended:
        return int(ended["exit"])
    if caught:
        print(CANCELLED, file=sys.stderr)
        return 130
    # The standby ended under the report; the report ends with it (PR_SET_PDEATHSIG).
    print("Gagal: proses siaga lkj berhenti sebelum laporan selesai. Laporan lama di reports/ "
          "tidak diubah. Jalankan lagi perintahnya (tanpa proses siaga: LKJ_DAEMON=0).",
          file=sys.stderr)
    return 1


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def start_in_background(environ: dict[str, str]) -> None:
    """Leave a standby behind for the next report, started with ``environ`` (the caller's
    environment as it was when lkj started); nothing if one is running or starting."""
    if not enabled():
        return
    try:
        import subprocess

        fp = fingerprint(environ)
        if _taken(socket_path(fp)):
            return
        # -P: nothing from the working directory on sys.path (a cold `lkj` has none either).
        subprocess.Popen([sys.executable, "-P", "-m", "lkj.daemon", "serve", fp],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True,
                         cwd="/", env=environ)
    except OSError:
        pass  # no standby: the next report is simply a cold one


def _taken(path: Path) -> bool:
    """A standby holds the lock of this socket (serving, or still warming up)."""
    import fcntl

    try:
        with open(path.with_suffix(".lock"), "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(lock, fcntl.LOCK_UN)
            return False
    except OSError:
        return False


def _ask(path: Path, message: dict) -> dict | None:
    """Send a standby a command (ping, stop); its answer, or None when nobody answers."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(path))
            _send(s, message)
            return _Lines(s).next()
    except OSError:
        return None


def standbys() -> list[tuple[Path, dict]]:
    """Every standby of this user that answers: (socket, its status)."""
    try:
        paths = sorted(runtime_dir().glob("siaga-*.sock"))
    except OSError:
        return []
    answers = [(path, _ask(path, {"ping": True})) for path in paths]
    return [(path, status) for path, status in answers if status]


def stop_all() -> int:
    """Ask every standby of this user to end (reports they are running finish first)."""
    return sum(1 for path, _status in standbys() if _ask(path, {"stop": True}))


# ---- the standby ---------------------------------------------------------------------------

_REPORT_SIGNALS = {*FORWARDED, signal.SIGCHLD}


class _Standby:
    def __init__(self, fp: str):
        self.fp = fp
        self.environ = dict(os.environ)  # as it was started: what the fingerprint describes
        self.path = socket_path(fp)
        self.idle_s = float(os.environ.get(ENV_IDLE) or IDLE_S)
        self.jobs: dict[int, socket.socket] = {}      # report pid → its caller's connection
        self.callers: dict[socket.socket, int] = {}
        self.last = time.monotonic()
        self.stopping = False
        self.served = 0
        self.pid = os.getpid()

    def lock(self) -> bool:
        """Hold the lock of this fingerprint for life; False when another standby holds it."""
        import fcntl

        self.lockfile = open(self.path.with_suffix(".lock"), "a")  # noqa: SIM115
        try:
            fcntl.flock(self.lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def listen(self) -> None:
        """Take the socket path, once warm: until then a caller finds nobody and runs cold."""
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.path.unlink(missing_ok=True)  # a standby that died: we hold the lock now
        self.listener.bind(str(self.path))
        self.listener.listen(16)
        self.inode = self.path.stat().st_ino

    def release(self) -> None:
        """Remove our socket and lock file (not a successor's), then stop listening."""
        for path, ino in ((self.path, getattr(self, "inode", None)),
                          (self.path.with_suffix(".lock"), os.fstat(self.lockfile.fileno()).st_ino)):
            try:
                if path.stat().st_ino == ino:
                    path.unlink()
            except OSError:
                pass
        if hasattr(self, "listener"):
            self.listener.close()

    def serve(self) -> None:
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake the selector up
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stopping", True))
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        self.wake = (wake_r, wake_w)
        sel = self.sel = selectors.DefaultSelector()
        sel.register(self.listener, selectors.EVENT_READ, "accept")
        sel.register(wake_r, selectors.EVENT_READ, "wake")
        files = _files_digest()
        self.last = checked = time.monotonic()
        while True:
            for key, _ in sel.select(timeout=1.0):
                if key.data == "accept":
                    self._accept()
                elif key.data == "wake":
                    os.read(wake_r, 512)
                else:
                    self._from_caller(key.fileobj)
            self._reap()
            now = time.monotonic()
            if now - checked > CHECK_S:
                checked = now
                if _files_digest() != files:  # lkj or a package changed: a new one is needed
                    self.stopping = True
            if not self.jobs and (self.stopping or now - self.last > self.idle_s):
                return

    def _accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        conn.settimeout(10)
        fds: list[int] = []
        try:
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            _pid, uid, _gid = struct.unpack("3i", creds)
            if uid != os.getuid():
                raise OSError("another user")
            head, fds, _flags, _addr = socket.recv_fds(conn, 65536, 3)
            if head.startswith(b"{"):  # ping or stop, not a report
                self._command(conn, head)
                raise OSError("answered")
            size = struct.unpack("!I", head[:4])[0]
            body = head[4:]
            while len(body) < size:
                chunk = conn.recv(min(65536, size - len(body)))
                if not chunk:
                    raise OSError("connection closed")
                body += chunk
            request = json.loads(body.decode("utf-8", "surrogateescape"))
            if len(fds) != 3 or self.stopping or _gone(conn):
                raise OSError("refused, or the caller gave up waiting and runs it itself")
        except (OSError, ValueError, struct.error):
            for fd in fds:
                os.close(fd)
            conn.close()
            return
        self.last = time.monotonic()
        # Signals stay blocked until the fork has its own handlers: a Ctrl+C that comes at once
        # must stop the report, not reach the standby's handlers in it.
        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _REPORT_SIGNALS)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the report's own process; never returns
            self._run_report(conn, fds, request, old_mask)
        try:
            os.setpgid(pid, pid)  # also here: a signal to the group may come before the fork's
        except OSError:
            pass
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        for fd in fds:
            os.close(fd)
        conn.settimeout(None)
        self.served += 1
        self.jobs[pid] = conn
        self.callers[conn] = pid
        self.sel.register(conn, selectors.EVENT_READ, "caller")
        try:
            _send(conn, {"started": pid})
        except OSError:
            self._signal(pid, signal.SIGTERM)

    def _command(self, conn: socket.socket, head: bytes) -> None:
        try:
            message = json.loads(head.split(b"\n", 1)[0])
            if message.get("stop"):
                self.stopping = True
            _send(conn, {"fingerprint": self.fp, "pid": os.getpid(), "reports": len(self.jobs),
                         "served": self.served, "idle_s": round(time.monotonic() - self.last),
                         "stopping": self.stopping})
        except (OSError, ValueError, AttributeError):
            pass

    def _from_caller(self, conn: socket.socket) -> None:
        pid = self.callers.get(conn)
        try:
            data = conn.recv(4096)
        except OSError:
            data = b""
        if pid is None or data:
            return
        # The caller is gone (killed, terminal closed): stop its report.
        self.sel.unregister(conn)
        self._signal(pid, signal.SIGTERM)

    @staticmethod
    def _signal(pid: int, signum: int) -> None:
        try:
            os.killpg(pid, signum)  # the report and what it started (pandoc, typst)
        except OSError:
            pass

    def _reap(self) -> None:
        while self.jobs:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.jobs.pop(pid, None)
            if conn is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            self.callers.pop(conn, None)
            try:
                self.sel.unregister(conn)
            except (KeyError, ValueError):
                pass
            try:
                _send(conn, {"exit": code if code >= 0 else 128 - code})
            except OSError:
                pass
            conn.close()
            self.last = time.monotonic()

    def _run_report(self, conn: socket.socket, fds: list[int], request: dict, mask) -> None:
        """In the fork: become the caller's ``lkj report`` and end with its exit code."""
        def report() -> int:
            os.setpgid(0, 0)  # a group of its own: the caller's signals reach all of it
            _die_with_parent(self.pid)
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            ignored = {int(s) for s in request.get("ignored", ())}
            for s in FORWARDED:  # stopped the way Ctrl+C stops it: cleaned up, nothing published
                signal.signal(s, signal.SIG_IGN if int(s) in ignored else signal.default_int_handler)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            self.sel.close()
            for fd in self.wake:
                os.close(fd)
            self.listener.close()
            self.lockfile.close()
            for other in self.callers:
                other.close()
            conn.close()  # only the standby speaks to the caller
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            _own_streams()
            os.environ.clear()
            os.environ.update(request["env"])
            time.tzset()
            os.umask(int(request["umask"]))
            os.chdir(request["cwd"])
            sys.argv = ["lkj", *request["argv"]]
            from lkj import cli
            return cli.main(list(request["argv"]))

        from lkj.execute import finish_fork
        finish_fork(report)


def _die_with_parent(parent: int) -> None:
    """A report whose standby is gone stops (SIGTERM, as when its caller goes): nobody would
    tell the caller how it ended, and a second run of the same report could start meanwhile."""
    try:
        import ctypes
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it ended before prctl took effect
        os._exit(1)


def _own_streams() -> None:
    """sys.stdin/stdout/stderr on the caller's descriptors 0–2, buffered as Python buffers them
    when it starts with those (stderr and terminals by line, -u/PYTHONUNBUFFERED unbuffered)."""
    sys.stdin = open(0, encoding=sys.__stdin__.encoding, closefd=False)  # noqa: SIM115
    for name, fd in (("stdout", 1), ("stderr", 2)):
        old = getattr(sys, f"__{name}__")
        stream = open(fd, "w", encoding=old.encoding, errors=old.errors,  # noqa: SIM115
                      closefd=False)
        stream.reconfigure(line_buffering=name == "stderr" or os.isatty(fd),
                           write_through=old.write_through)  # -u, PYTHONUNBUFFERED
        setattr(sys, name, stream)


def _gone(conn: socket.socket) -> bool:
    """The caller closed its end (it stopped waiting for us): nothing to run for it."""
    timeout = conn.gettimeout()
    conn.setblocking(False)  # with a timeout set, recv would first wait for data to come
    try:
        return conn.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        conn.settimeout(timeout)


def serve(fp: str) -> None:
    """The standby: import and warm up once, then serve reports until idle (see module doc)."""
    import gc

    standby = _Standby(fp)
    if not standby.lock():
        return  # another standby with this fingerprint is running or starting
    try:
        from lkj import batch, execute
        execute.single_threaded_blas()
        batch.warm_up()
        if fingerprint(standby.environ) != fp:
            return  # lkj changed while it was starting: it would run other code than asked for
        gc.collect()
        gc.freeze()  # shared with every fork, never copied by their collector
        _release_free_memory()
        standby.listen()
        standby.serve()
    finally:
        standby.release()


def _release_free_memory() -> None:
    """Give the heap the warm-up freed back to the system (~10 MB): the standby stays resident
    for minutes, and every report's memory is counted with it."""
    try:
        import ctypes
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"] and len(argv) == 2:
        serve(argv[1])
        return 0
    print("Pemakaian: python -m lkj.daemon serve <sidik>  (dijalankan oleh lkj report sendiri)",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
