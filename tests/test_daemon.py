"""The warm standby (lkj/daemon.py): `lkj report` on the command line hands its report to it.

A report made by the standby must be the report a cold `lkj report` makes — same files, same
messages, same exit code — and everything the cold run promises (a bad input names the file,
row and column; Ctrl+C or a killed terminal publishes nothing) must hold through it.
"""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import copy_project

from lkj import daemon

ROOT = Path(__file__).resolve().parent.parent
LKJ = Path(sys.executable).parent / "lkj"
REPORT = ["report", "--kec", "candipuro", "--tw", "2", "--engine", "embedded"]
OUT = Path("reports/candipuro/2023/tw2")
SLUG = "lkj-candipuro-2023-tw2-camat"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only (fork)")]


def _env(sockets: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LKJ_ROOT", "SOURCE_DATE_EPOCH")}
    return {**env, "LKJ_DAEMON": "1", "LKJ_DAEMON_DIR": str(sockets), **extra}


def _lkj(args, cwd: Path, env: dict) -> tuple[subprocess.CompletedProcess, float]:
    """Run `lkj` as an analyst does; also the CPU time the `lkj` process itself used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([str(LKJ), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return proc, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _hashes(root: Path) -> dict[str, str]:
    return {ext: hashlib.sha256((root / OUT / f"{SLUG}.{ext}").read_bytes()).hexdigest()
            for ext in ("html", "pdf", "docx")}


def _wait_for_standby(env: dict, timeout: float = 60) -> list:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = _standbys(env)
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("no standby came up")


def _served(env: dict) -> int:
    """Reports the test's standby has taken on so far."""
    return sum(status["served"] for _path, status in _standbys(env))


def _standbys(env: dict) -> list:
    saved = {k: os.environ.get(k) for k in ("LKJ_DAEMON_DIR",)}
    os.environ["LKJ_DAEMON_DIR"] = env["LKJ_DAEMON_DIR"]
    try:
        return daemon.standbys()
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A project, the cold report's hashes, and a standby started by that cold report."""
    sockets = tmp_path_factory.mktemp("siaga")
    sockets.chmod(0o700)
    env = _env(sockets)
    cold_root = copy_project(tmp_path_factory.mktemp("cold"))
    cold, cold_cpu = _lkj(REPORT, cold_root, env)
    assert cold.returncode == 0, cold.stderr
    _wait_for_standby(env)
    root = copy_project(tmp_path_factory.mktemp("warm"))
    yield {"env": env, "root": root, "cold": _hashes(cold_root), "cold_out": cold,
           "cold_cpu": cold_cpu}
    subprocess.run([str(LKJ), "daemon", "stop"], env=env, capture_output=True, timeout=60)
    end = time.monotonic() + 30
    while _standbys(env) and time.monotonic() < end:
        time.sleep(0.2)
    assert not _standbys(env), "the standby did not stop"


def test_a_cold_report_leaves_a_standby_that_makes_the_same_report(warm):
    served = _served(warm["env"])
    proc, client_cpu = _lkj(REPORT, warm["root"], warm["env"])
    assert proc.returncode == 0, proc.stderr
    assert _served(warm["env"]) == served + 1
    assert _hashes(warm["root"]) == warm["cold"]  # HTML, PDF, DOCX byte for byte
    # The same message as a cold run, line for line but the duration.
    strip = lambda text: [l for l in text.splitlines() if "selesai dalam" not in l]  # noqa: E731
    assert strip(proc.stdout) == strip(warm["cold_out"].stdout)
    assert "selesai dalam" in proc.stdout
    # Made by the standby: the `lkj` process itself imported nothing heavy (a cold run needs
    # seconds of CPU of its own to import pandas and render).
    assert client_cpu < 0.5 < warm["cold_cpu"], (client_cpu, warm["cold_cpu"])


def test_bad_input_through_the_standby_names_file_row_and_column(warm, tmp_path):
    root = copy_project(tmp_path)
    good, _ = _lkj(REPORT, root, warm["env"])
    assert good.returncode == 0, good.stderr
    before = _hashes(root)
    csv = root / "data/raw/candipuro/2023/camat/tw2/anggaran.csv"
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[1].split(";")
    cells[2] = "dua juta"  # pagu
    lines[1] = ";".join(cells)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    served = _served(warm["env"])
    proc, client_cpu = _lkj(REPORT, root, warm["env"])
    assert _served(warm["env"]) == served + 1  # it was the standby that said so
    assert proc.returncode == 1
    assert "anggaran.csv, baris 2, kolom 'pagu'" in proc.stderr and "dua juta" in proc.stderr
    assert "laporan lama (bila ada) tidak diubah" in proc.stderr
    assert _hashes(root) == before


def test_a_wrong_command_line_gets_the_usual_message_and_exit_code(warm):
    served = _served(warm["env"])
    proc, _ = _lkj(["report", "--kec"], warm["root"], warm["env"])
    assert _served(warm["env"]) == served + 1
    assert proc.returncode == 2
    assert "--kec perlu diberi nilai" in proc.stderr


@pytest.mark.parametrize("how", ["ctrl-c", "terminal killed"])
def test_stopping_lkj_stops_its_report_and_publishes_nothing(warm, tmp_path, how):
    root = copy_project(tmp_path)
    served = _served(warm["env"])
    proc = _under_way(root, warm["env"])
    assert _served(warm["env"]) == served + 1
    proc.send_signal(signal.SIGINT if how == "ctrl-c" else signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    if how == "ctrl-c":
        assert proc.returncode == 130
        assert "Dibatalkan" in err
    # The report itself ends too, cleans up its work directory, and publishes nothing.
    end = time.monotonic() + 30
    while any((root / "build").glob(f"{SLUG}-*")) and time.monotonic() < end:
        time.sleep(0.1)
    assert not any((root / "build").glob(f"{SLUG}-*"))
    assert not (root / OUT).exists()


def _under_way(root: Path, env: dict, **popen) -> subprocess.Popen:
    """`lkj report` started, once its report is under way (its private work directory exists)."""
    proc = subprocess.Popen([str(LKJ), *REPORT], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)
    end = time.monotonic() + 60
    while not any((root / "build").glob(f"{SLUG}-*")) and time.monotonic() < end:
        time.sleep(0.02)
    assert any((root / "build").glob(f"{SLUG}-*")), "the report never started"
    return proc


def test_a_report_whose_standby_dies_stops_and_publishes_nothing(warm, tmp_path):
    root = copy_project(tmp_path)
    proc = _under_way(root, warm["env"])
    [(_path, status)] = _standbys(warm["env"])
    os.kill(status["pid"], signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "proses siaga lkj berhenti" in err
    time.sleep(3)  # long enough for the report to have published, had it gone on
    assert not (root / OUT).exists()
    end = time.monotonic() + 30
    while any((root / "build").glob(f"{SLUG}-*")) and time.monotonic() < end:
        time.sleep(0.1)
    assert not any((root / "build").glob(f"{SLUG}-*"))
    # The next report starts a new standby, as after any cold report.
    again, _ = _lkj(REPORT, root, warm["env"])
    assert again.returncode == 0, again.stderr
    _wait_for_standby(warm["env"])


def test_a_signal_lkj_ignores_is_ignored_by_its_report(warm, tmp_path):
    """`nohup make report …`: closing the terminal must not stop the report."""
    root = copy_project(tmp_path)
    proc = _under_way(root, warm["env"],
                      preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    proc.send_signal(signal.SIGHUP)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert (root / OUT / f"{SLUG}.pdf").is_file()


def test_a_request_the_caller_gave_up_on_is_not_run_later(warm, tmp_path, monkeypatch):
    """A standby that does not answer in time (here: stopped) gets the report withdrawn; the
    caller runs it itself. When the standby goes on, it must not run the report a second time."""
    [(_path, status)] = _standbys(warm["env"])
    served = status["served"]
    for key in ("LKJ_DAEMON", "LKJ_DAEMON_DIR"):
        monkeypatch.setenv(key, warm["env"][key])
    monkeypatch.setattr(daemon, "STARTED_S", 1)
    monkeypatch.chdir(copy_project(tmp_path))
    os.kill(status["pid"], signal.SIGSTOP)
    try:
        assert daemon.run_report(REPORT) is None  # the caller runs it itself
    finally:
        os.kill(status["pid"], signal.SIGCONT)
    time.sleep(1)
    assert _served(warm["env"]) == served
    assert not (tmp_path / "build").exists() and not (tmp_path / OUT).exists()


def test_switched_off_with_LKJ_DAEMON_0(tmp_path, monkeypatch):
    monkeypatch.setenv("LKJ_DAEMON", "0")
    monkeypatch.setenv("LKJ_DAEMON_DIR", str(tmp_path))

    def no_process(*args, **kwargs):
        raise AssertionError(f"started a process: {args}")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    assert not daemon.enabled()
    assert daemon.run_report(REPORT) is None  # the caller runs the report itself
    daemon.start_in_background(dict(os.environ))
    assert list(tmp_path.iterdir()) == []


def test_a_socket_directory_others_can_open_is_refused(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    monkeypatch.setenv("LKJ_DAEMON", "1")
    monkeypatch.setenv("LKJ_DAEMON_DIR", str(shared))
    with pytest.raises(OSError):
        daemon.runtime_dir()
    assert daemon.run_report(REPORT) is None


def test_the_fingerprint_follows_code_and_import_time_environment(tmp_path, monkeypatch):
    code = tmp_path / "kinerja.py"
    code.write_text("x = 1\n")
    monkeypatch.setattr(daemon, "_watched_files", lambda: [code])
    env = {"PATH": "/usr/bin", "LKJ_ROOT": "/a", "PWD": "/a"}
    first = daemon.fingerprint(env)
    # Read at call time, in the report's own process: no new standby for them.
    assert daemon.fingerprint({**env, "LKJ_ROOT": "/b", "PWD": "/b", "TERM": "xterm"}) == first
    # Read when modules are imported: another standby.
    assert daemon.fingerprint({**env, "MPLBACKEND": "pdf"}) != first
    assert daemon.fingerprint({**env, "PYTHONPATH": "/x"}) != first
    # lkj's code changed on disk.
    code.write_text("x = 2  # edited\n")
    assert daemon.fingerprint(env) != first


def test_an_idle_standby_ends_itself(tmp_path):
    sockets = tmp_path / "siaga"
    sockets.mkdir(mode=0o700)
    env = _env(sockets, LKJ_DAEMON_IDLE="4")
    fp = daemon.fingerprint(env)
    proc = subprocess.Popen([sys.executable, "-P", "-m", "lkj.daemon", "serve", fp], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        [(_path, status)] = _wait_for_standby(env)  # up, warm, and waiting for reports
        assert status["served"] == 0 and status["fingerprint"] == fp
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(sockets.iterdir()) == []  # it removed its socket and its lock file
