"""The `lkj` command line ends with its own exit code, and with everything it printed delivered,
also through a pipe (and a reader that goes away early is no failure)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LKJ = Path(sys.executable).parent / "lkj"
# Output through a pipe is buffered, as for an analyst's `lkj … > log` (not so with
# PYTHONUNBUFFERED, which some shells and CI set).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def _lkj(*args, cwd=ROOT):
    return subprocess.run([str(LKJ), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=ENV)


def test_a_good_check_prints_everything_and_exits_0():
    proc = _lkj("check", "--kec", "candipuro", "--tw", "2", "--tahun", "2023")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.rstrip().splitlines()
    assert any(line.startswith("OK: data candipuro 2023 TW2") for line in lines)
    assert lines[-1].strip() == "(peringatan juga dicantumkan di lampiran jejak audit laporan)"


def test_bad_input_keeps_its_exit_code_and_message(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (tmp_path / "_quarto.yml").write_text("project:\n  type: default\n", encoding="utf-8")
    proc = _lkj("check", "--kec", "tidakada", "--tw", "2", "--tahun", "2023", cwd=tmp_path)
    assert proc.returncode == 1
    assert "tidakada" in proc.stderr


def test_a_wrong_command_line_keeps_exit_code_2():
    proc = _lkj("check", "--tw")
    assert proc.returncode == 2
    assert "Perintah tidak lengkap atau salah" in proc.stderr


def test_output_cut_off_by_the_reader_still_ends_with_the_exit_code():
    """`lkj … | head -1`: the reader goes away; lkj still ends, with its own code."""
    proc = subprocess.run(f"'{LKJ}' check --kec candipuro --tw 2 --tahun 2023 | head -c 1; "
                          "exit ${PIPESTATUS[0]}", shell=True, executable="/bin/bash", cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=ENV)
    assert proc.returncode == 0, proc.stderr
