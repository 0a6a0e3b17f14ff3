"""Kabupaten recap (make rekap) and the thin notebooks (rekap, eksplorasi).

Expected values are derived by hand: Candipuro from seed 000 (28 of 51 activities = 54,90%,
capaian 54,90 ÷ 91,50 = 60,00%; budget 1.483.229.067 ÷ 2.752.150.911 = 53,89%), the due date
from the 2023 calendar (5 working days after Friday 30 June 2023 = 7 Juli 2023), the kecamatan
list from reference.md (21 kecamatan of Kabupaten Lumajang).
"""

import html as H
import json
import re
from pathlib import Path

import pytest

from kabupaten_fixture import BUILT, ROOT, kabupaten_project, lkj
from lkj import kabupaten
from lkj.rekap import Rekap, indikator_key

NAME = "rekap-lumajang-2023-tw2"


def _text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", raw, flags=re.S)
    text = " ".join(H.unescape(re.sub(r"<[^>]+>", " ", raw)).split())
    return text.replace("\u2018", "'").replace("\u2019", "'")   # pandoc's typographic quotes


def test_indicator_names_match_across_spelling_of_spaces_case_and_dashes():
    # Candipuro writes "Rata - rata Persentase Desa …", Senduro "Rata-rata persentase desa …"
    assert indikator_key("Rata - rata Persentase Desa yang menyusun") == \
        indikator_key("Rata-rata persentase desa yang  menyusun")
    assert indikator_key("Persentase A") != indikator_key("Persentase B")


def test_notebooks_are_committed_without_outputs_and_only_call_lkj():
    for name in ("rekap.ipynb", "eksplorasi.ipynb"):
        nb = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
        assert any("lkj" in "".join(c["source"]) for c in code)
        assert not any(re.search(r"^\s*def |^\s*class ", "".join(c["source"]), re.M) for c in code)


@pytest.fixture(scope="module")
def kab():
    return kabupaten_project()


@pytest.fixture(scope="module")
def rekap(kab):
    result = lkj(kab["root"], "rekap", "--tahun", "2023", "--tw", "2", "--engine", "embedded")
    assert result.returncode == 0, result.stdout + result.stderr
    return kab["root"] / "reports" / "kabupaten" / "2023" / "tw2"


@pytest.mark.slow
def test_rekap_is_published_in_html_and_pdf_and_linked_from_the_portal(kab, rekap):
    assert (rekap / f"{NAME}.html").stat().st_size > 10_000
    assert (rekap / f"{NAME}.pdf").read_bytes()[:4] == b"%PDF"
    assert f'href="kabupaten/2023/tw2/{NAME}.html"' in (kab["root"] / "reports/index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_rekap_ranks_shared_indicators_and_budget_with_hand_derived_candipuro_values(rekap):
    text = _text(rekap / f"{NAME}.html")
    assert re.search(r"\d+ Candipuro 91,50% 54,90% 60,00% Rendah", text)
    assert re.search(r"\d+ Candipuro 2\.752\.150\.911 1\.483\.229\.067 1\.268\.921\.844 53,89%", text)
    assert "CAPAIAN INDIKATOR BERSAMA" in text and "Persentase hasil fasilitasi dan koordinasi" in text


@pytest.mark.slow
def test_shared_indicator_ranking_is_best_first(kab):
    r = Rekap(kab["root"], 2023, 2, figures_dir=kab["root"] / "build" / "uji-figures")
    shared = r.shared_indicators()
    assert len(shared) >= 2          # IK-01 and IK-02 of Candipuro are used by the synthetic data
    for g in shared:
        caps = [row.capaian for _, row in g["rows"] if row.capaian is not None]
        assert caps == sorted(caps, reverse=True)
        assert {u.rid.kec for u, _ in g["rows"]} == set(BUILT)   # Klakah's data is invalid


@pytest.mark.slow
def test_rekap_lists_missing_late_and_invalid_reports(rekap):
    text = _text(rekap / f"{NAME}.html")
    present = {"candipuro", "pasirian", "tempeh", "klakah"}
    missing = [k.nama for slug, k in kabupaten.KECAMATAN.items() if slug not in present]
    m = re.search(r"Belum masuk \((\d+)\): (.*?)\.", text)
    assert m and int(m.group(1)) == 17 and m.group(2).split(", ") == missing
    assert "7 Juli 2023" in text
    assert re.search(r"Candipuro Camat valid, \d+ peringatan ada 23 Agustus 2023 terlambat 31 "
                     r"hari kerja", text)
    assert "Klakah (data contoh/sintetis) Camat data tidak valid" in text
    assert "Data tidak valid, laporan tidak dapat dibuat: data/raw/klakah/2023/camat/tw2/anggaran.csv, " \
           "baris 3, kolom 'pagu': bukan angka yang sah (nilai: 'dua juta')" in text


@pytest.mark.slow
def test_rekap_says_it_contains_synthetic_data(rekap):
    from pypdf import PdfReader
    text = _text(rekap / f"{NAME}.html")
    assert "Perhatian: rekap ini memuat data contoh/sintetis" in text
    pdf = " ".join(" ".join(p.extract_text() for p in PdfReader(rekap / f"{NAME}.pdf").pages).split())
    assert "data contoh/sintetis" in pdf and "53,89%" in pdf


@pytest.mark.slow
def test_exploration_notebook_runs_on_the_sample(kab, tmp_path, monkeypatch):
    from lkj.execute import run_notebook
    monkeypatch.setenv("LKJ_ROOT", str(kab["root"]))   # lkj.load finds the project's data
    out = run_notebook(ROOT / "notebooks/eksplorasi.ipynb", tmp_path / "eksplorasi.ipynb", {},
                       tmp_path)
    shown = out.read_text(encoding="utf-8")
    assert "60,00%" in shown and "53,89%" in shown   # capaian IK-01 and the budget of seed 000


@pytest.mark.slow
def test_rekap_counts_camat_and_kasi_reports_as_they_are(rekap):
    text = _text(rekap / f"{NAME}.html")
    # four kecamatan folders for TW II 2023, all Camat: not "(Camat dan Kasi)"
    assert re.search(r"seluruhnya 4 laporan \(4 Camat\)", text)


@pytest.mark.slow
def test_rekap_has_a_compliance_row_per_report_with_what_bagian_organisasi_checks(rekap):
    text = _text(rekap / f"{NAME}.html")
    assert "KEPATUHAN LAPORAN" in text
    # Candipuro (seed 000): 2 indicators, no quarter targets, riwayat and Renstra present,
    # 100 − 73,09 = 26,91% of the pagu linked, no tanggapan, signed after the period but late
    assert re.search(r"Candipuro Camat 2 tidak ada ada ada 26,91% kosong ya terlambat 31 hari "
                     r"kerja 0", text)
    assert "Anggaran yang belum terserap" in text


def test_a_folder_prepared_by_init_is_not_yet_entered_and_a_missing_one_not_yet_sent(tmp_path):
    from conftest import copy_project
    from lkj import scaffold
    from lkj.rekap import BELUM_DIINPUT, BELUM_MASUK, Rekap

    root = copy_project(tmp_path)
    scaffold.init(root, "candipuro", 2023, 3)
    r = Rekap(root, 2023, 3)
    status = {row["nama"]: row["status"] for row in r.status_rows()}
    assert status["Candipuro"] == BELUM_DIINPUT
    assert status["Senduro"] == BELUM_MASUK


def test_make_rekap_passes_kab_for_one_kabupaten_only():
    import subprocess

    def rekap_line(*extra: str) -> str:
        out = subprocess.run(["make", "--no-print-directory", "-n", "rekap", "TW=2", "TAHUN=2023",
                              *extra], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return next(line for line in out.stdout.splitlines() if " rekap --tw " in line)

    assert rekap_line("KAB=contoh").endswith('--kab "contoh"')
    assert "--kab" not in rekap_line()  # every kabupaten with data
