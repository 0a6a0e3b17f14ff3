"""make all: every report of a quarter, in parallel; one bad input fails only its own report."""

import os
import re
import sys
from pathlib import Path

import pytest

from kabupaten_fixture import BUILT, CORRUPT, kabupaten_project
from lkj import batch
from lkj.params import ReportId

RID = ReportId("candipuro", 2023, 2, "camat")


# ---- the up-to-date rule and the error summary (no build needed) ---------------------------

@pytest.fixture
def small(tmp_path):
    from kabupaten_fixture import copy_project
    return copy_project(tmp_path)


def _fake_outputs(root: Path, rid: ReportId, mtime: float) -> None:
    for out in batch.output_files(root, rid):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("x")
        os.utime(out, (mtime, mtime))


def test_report_is_up_to_date_only_when_every_output_is_newer_than_every_input(small):
    newest = max(f.stat().st_mtime for f in batch.input_files(small, RID))
    _fake_outputs(small, RID, newest + 10)
    assert batch.up_to_date(small, RID)
    raw = small / "data/raw/candipuro/2023/camat/tw2/anggaran.csv"
    os.utime(raw, (newest + 20, newest + 20))          # analyst edits a raw file
    assert not batch.up_to_date(small, RID)


def test_missing_output_format_means_not_up_to_date(small):
    newest = max(f.stat().st_mtime for f in batch.input_files(small, RID))
    _fake_outputs(small, RID, newest + 10)
    batch.output_files(small, RID)[1].unlink()          # the PDF is gone
    assert not batch.up_to_date(small, RID)
    assert batch.up_to_date(small, RID, formats=("html",))


def test_inputs_include_earlier_quarters_narasi_and_code_but_not_later_quarters(small):
    later = small / "data/raw/candipuro/2023/camat/tw3/anggaran.csv"
    later.parent.mkdir(parents=True)
    later.write_text("kode;uraian;pagu;realisasi\n")
    files = set(batch.input_files(small, RID))
    assert small / "data/raw/candipuro/2023/camat/tw2/narasi/penutup.md" in files
    assert small / "notebooks/laporan.ipynb" in files
    assert Path(batch.__file__).resolve() in files
    assert later not in files


def test_first_error_is_the_first_numbered_problem():
    stderr = ("Data masukan tidak valid: 2 masalah ditemukan.\n"
              "  1. data/raw/x/anggaran.csv, baris 3, kolom 'pagu': bukan angka yang sah\n"
              "  2. data/raw/x/laporan.csv: tanggal\n"
              "Laporan tidak dibuat; laporan lama (bila ada) tidak diubah.\n")
    assert batch.first_error(stderr) == "data/raw/x/anggaran.csv, baris 3, kolom 'pagu': bukan angka yang sah"
    assert batch.first_error("[IPKernelApp] WARNING | x\nGagal: Notebook rusak\n") == "Notebook rusak"


def test_discover_finds_every_kecamatan_and_unit_of_the_latest_year(small):
    (small / "data/raw/candipuro/2024/kasi-pemberdayaan/tw2").mkdir(parents=True, exist_ok=True)
    assert batch.discover(small, 2) == (2024, [ReportId("candipuro", 2024, 2, "kasi-pemberdayaan")])
    assert batch.discover(small, 2, 2023) == (2023, [RID])


# ---- a whole quarter, built like `make all` --------------------------------------------------

@pytest.fixture(scope="module")
def kab():
    return kabupaten_project()


@pytest.mark.slow
def test_make_all_builds_the_others_and_reports_the_corrupted_one_as_failed(kab):
    first = kab["first"]
    assert first.returncode == 1, first.stdout + first.stderr   # a failure is not hidden
    out = first.stdout
    assert "3 dibuat, 0 sudah mutakhir, 1 gagal" in out
    failed = out.split("Gagal:")[-1]
    assert f"{CORRUPT} 2023 TW2 camat — data/raw/klakah/2023/camat/tw2/anggaran.csv, baris 3, " \
           "kolom 'pagu': bukan angka yang sah (nilai: 'dua juta')" in failed
    for kec in BUILT:
        for ext in ("html", "pdf", "docx", "ipynb"):
            assert (kab["root"] / f"reports/{kec}/2023/tw2/lkj-{kec}-2023-tw2-camat.{ext}").stat().st_size > 1000
    assert not (kab["root"] / f"reports/{CORRUPT}").exists()


@pytest.mark.slow
def test_progress_shows_each_report_starting_and_finishing(kab):
    out = kab["first"].stdout
    for kec in (*BUILT, CORRUPT):
        assert f"[mulai]   {kec} 2023 TW2 camat" in out
    assert len(re.findall(r"\[\d/4 (selesai|GAGAL  )\]", out)) == 4


@pytest.mark.slow
def test_second_run_rebuilds_nothing_that_is_up_to_date(kab):
    second = kab["second"]
    assert "0 dibuat, 3 sudah mutakhir, 1 gagal" in second.stdout
    for path, stamp in kab["stamps"].items():
        assert path.stat().st_mtime_ns == stamp, f"{path} was rewritten"


@pytest.mark.slow
def test_parallel_builds_do_not_mix_their_reports(kab):
    """Reports built at the same time each carry only their own kecamatan and numbers."""
    import html as H
    texts = {}
    for kec in BUILT:
        raw = (kab["root"] / f"reports/{kec}/2023/tw2/lkj-{kec}-2023-tw2-camat.html").read_text(encoding="utf-8")
        texts[kec] = H.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", raw, flags=re.S)))
    for kec, text in texts.items():
        for other in BUILT:
            if other != kec:
                assert f"Kecamatan {other.title()}" not in text
    # Candipuro: 28 of 51 activities (seed 000) = 54,90%, capaian 54,90 ÷ 91,50 = 60,00%
    assert "54,90%" in texts["candipuro"] and "60,00%" in texts["candipuro"]
    leftovers = [p.name for p in (kab["root"] / "build").iterdir() if p.name.startswith("lkj-")]
    assert leftovers == []   # every private work directory was removed


@pytest.mark.slow
def test_synthetic_reports_are_labelled_in_their_outputs(kab):
    from pypdf import PdfReader
    base = kab["root"] / "reports/pasirian/2023/tw2/lkj-pasirian-2023-tw2-camat"
    assert "data contoh/sintetis" in Path(f"{base}.html").read_text(encoding="utf-8")
    pdf = " ".join(p.extract_text() for p in PdfReader(f"{base}.pdf").pages)
    assert "data contoh/sintetis" in " ".join(pdf.split())


# ---- one process per report: forked copies of a warmed-up `lkj all` ---------------------------

def test_a_killed_report_process_is_a_failure_that_says_so():
    o = batch._outcome(RID, -9, 2.0, "", "")
    assert o.status == "gagal" and "berhenti mendadak (SIGKILL)" in o.error


@pytest.mark.skipif(not __import__("lkj.execute").execute.can_fork(), reason="fork: Linux only")
def test_forked_reports_report_their_own_outcome_and_crashes_do_not_stop_the_others(
        small, monkeypatch):
    """Each report runs `lkj report` in its own forked process; what it prints and how it ends
    become its outcome. (cli.main is replaced: the forks copy this process, fake included.)"""
    import signal
    from lkj import cli

    def fake_main(argv):
        kec = argv[argv.index("--kec") + 1]
        assert Path.cwd() == small.resolve() and os.environ["LKJ_ROOT"] == str(small)
        if kec == "baik":
            print("  Peringatan: realisasi melebihi pagu")
            return 0
        if kec == "rusak":
            print("Gagal: data/raw/rusak/anggaran.csv, baris 3: bukan angka", file=sys.stderr)
            return 1
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(cli, "main", fake_main)
    rids = [ReportId(k, 2023, 2, "camat") for k in ("baik", "rusak", "mati")]
    started, finished = [], []
    batch._build_forked(small, rids, "embedded", batch.FORMATS, 2, started.append,
                        finished.append)
    assert started == rids
    by_kec = {o.rid.kec: o for o in finished}
    assert by_kec["baik"].status == "dibuat" and by_kec["baik"].warnings == 1
    assert by_kec["rusak"].status == "gagal"
    assert by_kec["rusak"].error == "data/raw/rusak/anggaran.csv, baris 3: bukan angka"
    assert by_kec["mati"].status == "gagal" and "SIGKILL" in by_kec["mati"].error
    assert not list((small / "build").glob("make-all-*"))  # the output files are removed


@pytest.mark.skipif(not __import__("lkj.execute").execute.can_fork(), reason="fork: Linux only")
def test_first_report_starts_during_the_warm_up_and_the_last_draws_its_charts_aside(
        small, monkeypatch):
    """With two cores, the warm-up (~2 s on one core) need not leave the other idle: the first
    report starts at once and imports for itself. The last report has cores to spare as the
    others end: it draws its charts in a helper process, as a single `lkj report` does."""
    from lkj import cli, pipeline

    warm = {"done": False}
    monkeypatch.setattr(batch, "warm_up", lambda root: warm.update(done=True))

    def fake_main(argv):  # runs in the fork: what did it inherit?
        kec = argv[argv.index("--kec") + 1]
        (small / f"{kec}.seen").write_text(f"{warm['done']} {pipeline.CHARTS_IN_BACKGROUND}")
        return 0

    monkeypatch.setattr(cli, "main", fake_main)
    kecs = ("satu", "dua", "tiga", "empat")
    rids = [ReportId(k, 2023, 2, "camat") for k in kecs]
    batch._build_forked(small, rids, "embedded", batch.FORMATS, 2, lambda r: None, lambda o: None)
    seen = {k: (small / f"{k}.seen").read_text() for k in kecs}
    assert seen == {"satu": "False False", "dua": "True False", "tiga": "True False",
                    "empat": "True True"}

    # One job at a time: nothing runs beside the warm-up or beside a report.
    warm["done"] = False
    batch._build_forked(small, rids, "embedded", batch.FORMATS, 1, lambda r: None, lambda o: None)
    assert {(small / f"{k}.seen").read_text() for k in kecs} == {"True False"}
