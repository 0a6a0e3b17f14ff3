"""Running the programs a report needs (pandoc, typst, Quarto): bounded, and never left behind.

Each program runs in a process group of its own with a time limit; when it has to be stopped
(time limit, Ctrl+C, an error in lkj) the whole group is killed. On Linux a program is also told
to die with lkj (``PR_SET_PDEATHSIG``), so even an lkj ended by SIGKILL or the out-of-memory killer
leaves no pandoc, typst or Quarto (nor what Quarto started) running. The memory limits are the
programs' own where they have one (pandoc: its runtime's ``-M``); typst compiles in a child
Python under an address-space limit, writing the PDF itself: a runaway document then ends that
child, not lkj.

``python -m lkj.tools '<json>'`` is that typst child.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

LINUX = sys.platform.startswith("linux")
TYPST_TIMEOUT = 120      # seconds; the sample report compiles in ~1 s, the largest inputs in ~4 s
TYPST_MEMORY = 2 << 30   # address space; the largest inputs allowed need ~0,7 GB
_MEMORY_EXIT = 3         # the typst child ran out of memory


def die_with_parent(parent: int) -> None:
    """In a child process: be killed when the thread that started it ends (Linux); and end now
    if that parent is already gone (it died before this line ran)."""
    if LINUX:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


# What die_with_parent does, for a program that is not Python and for all it starts (Quarto
# runs deno, pandoc, typst): a bare Python (-I -S: no site, ≈20 ms) leads the program's process
# group and waits for it; told SIGTERM when lkj's thread ends, it kills the whole group.
_EXEC = """import ctypes, os, signal, sys
signal.signal(signal.SIGTERM, lambda *_: os.killpg(0, signal.SIGKILL))
ctypes.CDLL(None).prctl(1, signal.SIGTERM)
if os.getppid() != int(sys.argv[1]):
    os._exit(1)
try:
    pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
except OSError as exc:
    sys.stderr.write(f"{sys.argv[2]}: {exc}\\n")
    os._exit(127)
code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
os._exit(code if code >= 0 else 128 - code)
"""


def spawn(cmd: list[str], cwd: Path | str, env: dict[str, str] | None = None, *,
          bound: bool = False, **popen: Any) -> subprocess.Popen:
    """Start ``cmd`` in a process group of its own that dies with this thread (Linux).

    Call it from a thread that outlives the program (the kernel sends the signal when the
    *thread* that forked ends). ``bound``: ``cmd`` is a Python child that calls
    :func:`die_with_parent` itself.
    """
    if LINUX and not bound:
        cmd = [sys.executable, "-I", "-S", "-c", _EXEC, str(os.getpid()), *cmd]
    group = {"process_group": 0} if os.name == "posix" else {}
    return subprocess.Popen(cmd, cwd=str(cwd), env=env, **group, **popen)


def kill(proc: subprocess.Popen) -> None:
    """Stop ``proc`` and whatever it started (its process group), and reap it."""
    if proc.poll() is None:
        try:
            if os.name == "posix":
                os.killpg(proc.pid, signal.SIGKILL)
            else:  # pragma: no cover - no process groups to kill
                proc.kill()
        except (ProcessLookupError, PermissionError):
            pass
    proc.wait()


def tail(text: str, lines: int = 25) -> str:
    rows = [r for r in (text or "").strip().splitlines() if r.strip()]
    return "\n".join(rows[-lines:]) if rows else "(tanpa pesan)"


def run(cmd: list[str], what: str, cwd: Path | str, timeout: float, env: dict[str, str] | None
        = None, input: str | None = None, check: bool = True, bound: bool = False
        ) -> subprocess.CompletedProcess:
    """Run ``cmd`` to its end within ``timeout`` seconds; its output as text.

    Raises LkjError (named by ``what``) when the program is missing, runs too long (it is killed
    with its process group), or, with ``check``, ends with another code than 0.
    """
    from lkj.errors import LkjError

    if shutil.which(cmd[0]) is None:
        raise LkjError(f"{what}: program {cmd[0]} tidak ditemukan.")
    proc = spawn(cmd, cwd, env, bound=bound,
                 stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                 errors="replace")
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(proc)
        raise LkjError(f"{what}: proses melebihi batas waktu {timeout:g} detik dan "
                       "dihentikan.") from None
    except BaseException:  # Ctrl+C or an error here: the program must not run on unattended
        kill(proc)
        raise
    done = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    if check and done.returncode != 0:
        raise LkjError(f"{what} gagal (kode {done.returncode}):\n{tail(err or out)}")
    return done


def size_text(size: int) -> str:
    """2 GB, 400 MB: a limit as the messages write it."""
    unit, scale = ("GB", 1 << 30) if size >= 1 << 30 else ("MB", 1 << 20)
    return f"{size / scale:.1f}".replace(".", ",").removesuffix(",0") + f" {unit}"


def typst_compile(source: Path, output: Path, root: Path, font_paths: list[str],
                  ignore_system_fonts: bool, timestamp: int | None = None,
                  timeout: float = TYPST_TIMEOUT, memory: int = TYPST_MEMORY) -> None:
    """``typst.compile(source → output)`` in a child Python; only files under ``root`` can be
    read by the document. Raises LkjError with typst's own message and hints."""
    from lkj.errors import LkjError

    args = {"parent": os.getpid(), "memory": memory, "input": str(source), "output": str(output),
            "root": str(root), "font_paths": list(font_paths),
            "ignore_system_fonts": ignore_system_fonts, "timestamp": timestamp}
    # Few malloc arenas: each one reserves 64 MB of address space, and typst starts a thread
    # per core; on a many-core machine the arenas alone would reach the limit.
    env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
    done = run([sys.executable, "-P", "-m", "lkj.tools", json.dumps(args)], "Typst", root,
               timeout, env=env, check=False, bound=True)
    if done.returncode == 0:
        return
    if done.returncode == _MEMORY_EXIT or "memory allocation" in done.stderr:
        raise LkjError(f"Typst: memori yang diperlukan melebihi batas {size_text(memory)}; proses "
                       "dihentikan.")
    try:
        error = json.loads(done.stdout)
    except ValueError:
        raise LkjError(f"Typst berhenti mendadak (kode {done.returncode}):\n"
                       f"{tail(done.stderr)}") from None
    hints = "; ".join(error.get("hints") or [])
    raise LkjError("Typst gagal menyusun PDF: " + error.get("message", "")
                   + (f" (petunjuk: {hints})" if hints else ""))


def _typst_child(args: dict[str, Any]) -> int:
    die_with_parent(args["parent"])
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (args["memory"], args["memory"]))
    try:
        import typst
        extra = {"timestamp": args["timestamp"]} if args["timestamp"] is not None else {}
        typst.compile(args["input"], output=args["output"], root=args["root"],
                      font_paths=args["font_paths"],
                      ignore_system_fonts=args["ignore_system_fonts"], **extra)
    except MemoryError:
        return _MEMORY_EXIT
    except RuntimeError as exc:  # typst.TypstError is one
        json.dump({"message": getattr(exc, "message", "") or str(exc),
                   "hints": list(getattr(exc, "hints", []) or [])}, sys.stdout)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_typst_child(json.loads(sys.argv[1])))
