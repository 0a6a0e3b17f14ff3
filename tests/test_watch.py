"""`lkj watch` (make watch): a saved edit rebuilds the report and the page shows it; a broken
edit shows its message and keeps the last good report; Ctrl+C leaves nothing running."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psutil
import pytest

from conftest import ROOT, copy_project

NARASI = "data/raw/candipuro/2023/camat/tw2/narasi/penutup.md"
ANGGARAN = "data/raw/candipuro/2023/camat/tw2/anggaran.csv"


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def _until(check, timeout: float = 120, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"tidak terjadi dalam {timeout} s: {what}")


@pytest.mark.slow
def test_watch_rebuilds_on_save_shows_failures_and_stops_cleanly(tmp_path):
    root = copy_project(tmp_path)
    env = {**os.environ, "LKJ_ROOT": str(root)}
    proc = subprocess.Popen([sys.executable, "-m", "lkj.cli", "watch", "--kec", "candipuro",
                             "--tw", "2", "--engine", "embedded", "--port", "0"],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        first = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", first).group(0)
        status = lambda: json.loads(_get(url + "status"))  # noqa: E731
        _until(lambda: status()["keadaan"] == "siap", what="laporan pertama")
        page = _get(url).decode("utf-8")
        assert '<iframe id="laporan" src="/laporan.html"' in page
        assert "Kalimat uji pantau" not in _get(url + "laporan.html").decode("utf-8")
        # a page elsewhere whose name now points here (DNS rebinding) reads nothing
        rebound = urllib.request.Request(url + "laporan.html", headers={"Host": "evil.example"})
        with pytest.raises(urllib.error.HTTPError, match="403"):
            urllib.request.urlopen(rebound, timeout=10)

        versi = status()["versi"]
        path = root / NARASI
        path.write_text(path.read_text(encoding="utf-8") + "\n\nKalimat uji pantau.\n",
                        encoding="utf-8")
        _until(lambda: status()["versi"] > versi and status()["keadaan"] == "siap",
               what="laporan dibangun ulang sesudah narasi disimpan")
        good = _get(url + "laporan.html")
        assert "Kalimat uji pantau." in good.decode("utf-8")

        versi = status()["versi"]
        csv = root / ANGGARAN
        csv.write_text(csv.read_text(encoding="utf-8").replace("2.011.493.161", "dua milyar", 1),
                       encoding="utf-8")
        broken = _until(lambda: (s := status())["versi"] > versi and s, what="build gagal")
        assert broken["keadaan"] == "gagal"
        assert "anggaran.csv, baris 2, kolom 'pagu': bukan angka yang sah" in broken["pesan"]
        assert _get(url + "laporan.html") == good   # the last good report stays

        family = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGINT)   # Ctrl+C
        assert proc.wait(30) == 0
        assert "Pemantauan dihentikan." in proc.stdout.read()
        assert not [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        with pytest.raises(OSError):
            _get(url + "status")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_make_watch_needs_a_kecamatan_and_a_quarter():
    out = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "watch"],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "make watch KEC=candipuro TW=2" in out.stderr
