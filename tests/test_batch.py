"""make all: every report of a quarter, in parallel; one bad input fails only its own report."""

import os
import re
import sys
import time
from pathlib import Path

import pytest

from kabupaten_fixture import BUILT, CORRUPT, kabupaten_project
from lkj import batch, layout, params, report
from lkj.params import ReportId

RID = ReportId("candipuro", 2023, 2, "camat")


# ---- the up-to-date rule and the error summary (no build needed) ---------------------------

@pytest.fixture
def small(tmp_path):
    from kabupaten_fixture import copy_project
    return copy_project(tmp_path)


def _fake_outputs(root: Path, rid: ReportId, mtime: float, formats=batch.FORMATS) -> None:
    for out in layout.outputs(root, rid, formats):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("x")
        os.utime(out, (mtime, mtime))


def _built(root: Path, rid: ReportId = RID, engine="embedded", formats=batch.FORMATS) -> float:
    """Outputs as if built a moment ago with these settings, after every input; their time."""
    layout.record(root, rid, engine, formats)
    now = time.time()
    for f in [*layout.inputs(root, rid), layout.stamp(root, rid)]:
        if root in f.parents:  # not lkj's own code
            os.utime(f, (now - 100, now - 100))
    # after lkj's own code too, should it have been edited a moment ago
    when = max([now - 1] + [f.stat().st_mtime + 0.01 for f in layout.inputs(root, rid)])
    _fake_outputs(root, rid, when, formats)
    return when


def test_report_is_up_to_date_only_when_every_output_is_newer_than_every_input(small):
    _built(small)
    assert layout.up_to_date(small, RID, "embedded", batch.FORMATS)
    raw = small / "data/raw/candipuro/2023/camat/tw2/anggaran.csv"
    os.utime(raw)          # analyst edits a raw file
    assert not layout.up_to_date(small, RID, "embedded", batch.FORMATS)


def test_missing_output_format_means_not_up_to_date(small):
    _built(small)
    layout.outputs(small, RID, batch.FORMATS)[1].unlink()          # the PDF is gone
    assert not layout.up_to_date(small, RID, "embedded", batch.FORMATS)


def test_a_report_built_by_the_embedded_engine_is_rebuilt_when_quarto_is_asked(small):
    _built(small, engine="embedded")
    assert layout.up_to_date(small, RID, "embedded", batch.FORMATS)
    assert not layout.up_to_date(small, RID, "quarto", batch.FORMATS)
    # and back: the quarto request was recorded, so embedded outputs are stale until rebuilt
    assert not layout.up_to_date(small, RID, "embedded", batch.FORMATS)


def test_a_report_built_with_other_formats_is_rebuilt(small):
    _built(small, formats=("html", "pdf", "docx"))
    assert not layout.up_to_date(small, RID, "embedded", ("html",))


def test_auto_is_recorded_as_the_engine_it_picks(small, monkeypatch):
    monkeypatch.setattr(layout.shutil, "which", lambda name: None)
    assert layout.settings("auto", ("html",)) == "engine=embedded formats=html"
    monkeypatch.setattr(layout.shutil, "which", lambda name: "/opt/quarto/bin/quarto")
    assert layout.settings("auto", ("html",)) == "engine=quarto formats=html"


def test_inputs_include_earlier_quarters_narasi_logos_rules_and_code_but_not_later_quarters(small):
    earlier, later = (small / f"data/raw/candipuro/2023/camat/tw{t}/anggaran.csv" for t in (1, 3))
    for f in (earlier, later):
        f.parent.mkdir(parents=True)
        f.write_text("kode;uraian;pagu;realisasi\n")
    for logo in ("logo.jpeg", "logo.jpg", "bagan.png"):
        (small / "data/raw/candipuro" / logo).write_bytes(b"x")
    files = set(layout.inputs(small, RID))
    assert small / "data/raw/candipuro/2023/camat/tw2/narasi/penutup.md" in files
    assert earlier in files
    assert {small / "data/raw/candipuro" / n for n in ("logo.jpeg", "logo.jpg", "bagan.png")} <= files
    names = {f.name for f in files}  # from lkj's own data/ in a copy without them
    assert "libur_nasional.csv" in names and "lumajang.yml" in names
    assert small / "notebooks/laporan.ipynb" in files
    assert Path(batch.__file__).resolve() in files
    assert later not in files


def test_every_chapter_template_is_an_input_including_those_of_one_layout(small):
    # an edited chapter of lkj's (lkj/templates/bab/permenpan/…) or a kecamatan's template for
    # one layout (templat/triwulanan/…) makes `make report` and `make watch` build again
    own = small / "data/raw/candipuro/templat/triwulanan/pendahuluan.md"
    own.parent.mkdir(parents=True)
    own.write_text("{# sendiri #}\n", encoding="utf-8")
    files = set(layout.inputs(small, RID))
    assert own in files
    lkj_templates = set(Path(report.TEMPLATES).rglob("*.md"))
    assert lkj_templates and lkj_templates <= {f.resolve() for f in files}


def test_latest_year_is_one_rule_for_make_all_and_lkj_report(small):
    (small / "data/raw/candipuro/2024/kasi-pemberdayaan/tw2").mkdir(parents=True, exist_ok=True)
    assert layout.latest_year(small, 2) == 2024
    assert layout.with_data(small, 2, 2024) == [ReportId("candipuro", 2024, 2, "kasi-pemberdayaan")]
    assert layout.with_data(small, 2, 2023) == [RID]
    assert layout.latest_year(small, 2, "candipuro", "camat") == 2023
    assert params.resolve(small, "candipuro", 2).tahun == 2023
    assert params.year(small, 2) == 2024 and params.year(small, 2, "2023") == 2023


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
    o = batch.ended(RID, -9)
    assert o.status == "gagal" and "berhenti mendadak (SIGKILL)" in o.error


@pytest.mark.skipif(not __import__("lkj.execute").execute.can_fork(), reason="fork: Linux only")
def test_make_all_learns_each_outcome_as_data_not_from_printed_text(small, monkeypatch):
    """Each report runs `lkj report` in its own forked process, which hands back its Outcome.
    What a report prints is not read: the fakes below print misleading text. A report killed
    by a signal hands back nothing and is a failure that says so. (The forks copy this
    process, the fake build_report included.)"""
    import signal
    from lkj import pipeline
    from lkj.pipeline import Outcome

    def fake_build(root, rid, engine, formats, from_raw=True):
        assert Path.cwd() == small.resolve() and os.environ["LKJ_ROOT"] == str(small)
        print("  Peringatan: satu\n  Peringatan: dua\nGagal: teks cetakan yang menyesatkan")
        print("1. teks cetakan yang menyesatkan", file=sys.stderr)
        if rid.kec == "baik":
            return Outcome(rid, "dibuat", warnings=["realisasi melebihi pagu"], seconds=1.0)
        if rid.kec == "rusak":
            return Outcome(rid, "gagal", ["data/raw/rusak/anggaran.csv, baris 3: bukan angka",
                                          "kedua"], message="Data masukan tidak valid")
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(pipeline, "build_report", fake_build)
    rids = [ReportId(k, 2023, 2, "camat") for k in ("baik", "rusak", "mati")]
    for rid in rids:
        rid.raw_dir(small).mkdir(parents=True)
    started, finished = [], []
    batch._build(small, rids, "embedded", batch.FORMATS, 2, started.append, finished.append,
                 fork=True)
    assert started == rids
    by_kec = {o.rid.kec: o for o in finished}
    assert by_kec["baik"].status == "dibuat" and by_kec["baik"].warnings == ["realisasi melebihi pagu"]
    assert by_kec["rusak"].status == "gagal"
    assert by_kec["rusak"].error == "data/raw/rusak/anggaran.csv, baris 3: bukan angka"
    assert by_kec["mati"].status == "gagal" and "SIGKILL" in by_kec["mati"].error
    assert not list((small / "build").glob("make-all-*"))  # the outcome files are removed


@pytest.mark.skipif(not __import__("lkj.execute").execute.can_fork(), reason="fork: Linux only")
def test_first_report_starts_during_the_warm_up(small, monkeypatch):
    """With two cores, the warm-up (~2 s on one core) need not leave the other idle: the first
    report starts at once and imports for itself."""
    from lkj import pipeline
    from lkj.pipeline import Outcome

    warm = {"done": False}
    monkeypatch.setattr(batch, "warm_up", lambda root: warm.update(done=True))

    def fake_build(root, rid, engine, formats, from_raw=True):  # in the fork: what did it inherit?
        (small / f"{rid.kec}.seen").write_text(f"{warm['done']}")
        return Outcome(rid, "dibuat")

    monkeypatch.setattr(pipeline, "build_report", fake_build)
    kecs = ("satu", "dua", "tiga", "empat")
    rids = [ReportId(k, 2023, 2, "camat") for k in kecs]
    for rid in rids:
        rid.raw_dir(small).mkdir(parents=True)
    batch._build(small, rids, "embedded", batch.FORMATS, 2, lambda r: None, lambda o: None, True)
    seen = {k: (small / f"{k}.seen").read_text() for k in kecs}
    assert seen == {"satu": "False", "dua": "True", "tiga": "True", "empat": "True"}

    # One job at a time: nothing runs beside the warm-up or beside a report.
    warm["done"] = False
    batch._build(small, rids, "embedded", batch.FORMATS, 1, lambda r: None, lambda o: None, True)
    assert {(small / f"{k}.seen").read_text() for k in kecs} == {"True"}


def test_a_report_in_a_new_interpreter_hands_back_its_outcome_too(small):
    """Where there is no fork: `python -m lkj.cli report … --hasil` writes the Outcome."""
    tw2 = small / "data/raw/candipuro/2023/camat/tw2/anggaran.csv"
    tw2.write_text(tw2.read_text(encoding="utf-8").replace("2.011.493.161", "dua milyar", 1),
                   encoding="utf-8")
    finished = []
    batch._build(small, [RID], "embedded", ("html",), 1, lambda r: None, finished.append,
                 fork=False)
    [o] = finished
    assert o.status == "gagal" and o.rid == RID
    assert o.error.startswith("data/raw/candipuro/2023/camat/tw2/anggaran.csv, baris 2, kolom 'pagu': "
                            "bukan angka yang sah (nilai: 'dua milyar')"), o.error
    assert "Laporan tidak dibuat" in o.message
