"""The DOCX as a reader opens it: the three samples converted by LibreOffice (headless), as
Bagian Organisasi would open them without Word.

Checked on the converted pages: the Daftar Isi, Daftar Tabel and Daftar Gambar list their
entries with page numbers (not an empty field, not "Error: Reference source not found"); the
cover has no page number, the front matter is numbered i, ii, …, and Bab I starts at page 1;
the hand-derived figures (data/raw/README.md) are printed whole, not broken across lines in a
table cell. Skips when LibreOffice is missing outside CI; with CI=true it must run (.ci/run
installs libreoffice-writer-nogui).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import build_reports, copy_project

pytestmark = pytest.mark.slow

SAMPLES = {
    "candipuro": (["--kec", "candipuro", "--tw", "2", "--tahun", "2023"],
                  "candipuro/2023/tw2/lkj-candipuro-2023-tw2-camat",
                  ["2.011.493.161", "2.752.150.911", "91,50%", "1.483.229.067"], "Tabel 3.1"),
    "senduro": (["--kec", "senduro", "--tw", "2", "--tahun", "2023"],
                "senduro/2023/tw2/lkj-senduro-2023-tw2-camat",
                ["2.520.758.374", "1.076.018.399", "58,82%"], "Tabel 2.2"),
    "kasi": (["--kec", "candipuro", "--tw", "2", "--tahun", "2024", "--unit", "kasi-pemberdayaan"],
             "candipuro/2024/tw2/lkj-candipuro-2024-tw2-kasi-pemberdayaan",
             ["84.320.000", "16.620.000", "33,33%"], "Tabel 2.2"),
}


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe:
        return exe
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true tetapi LibreOffice (soffice) tidak terpasang; .ci/run harus memasangnya")
    pytest.skip("uji DOCX di LibreOffice memerlukan `soffice` (apt-get install libreoffice-writer-nogui)")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    _soffice()
    root = copy_project(tmp_path_factory.mktemp("docx-lo"))
    return build_reports(root, *(args for args, *_ in SAMPLES.values()))


@pytest.fixture(scope="module")
def pages(reports, tmp_path_factory) -> dict[str, list[str]]:
    """Each sample's DOCX as LibreOffice lays it out: the text of every page."""
    exe = _soffice()
    out = tmp_path_factory.mktemp("lo-pdf")
    profile = tmp_path_factory.mktemp("lo-profil")
    docx = [str(reports / f"{path}.docx") for _, path, *_ in SAMPLES.values()]
    subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(out), *docx], check=True, capture_output=True, timeout=600)
    result = {}
    for name, (_, path, *_) in SAMPLES.items():
        pdf = out / f"{Path(path).name}.pdf"
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout
        result[name] = text.split("\f")
    return result


def footer(page: str) -> str:
    """The page number printed at the foot of a page (its last non-empty line)."""
    lines = [x.strip() for x in page.splitlines() if x.strip()]
    return lines[-1] if lines else ""


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_lists_are_filled_with_page_numbers_when_the_file_is_opened(pages, sample):
    text = "\n".join(pages[sample])
    assert "Error: Reference source not found" not in text
    assert re.search(r"KATA PENGANTAR\s*\.{5,}\s*i\n", text)   # Daftar Isi: front matter i, ii …
    assert re.search(r"BAB I PENDAHULUAN\s*\.{5,}\s*1\b", text)   # Daftar Isi
    assert re.search(r"BAB II [A-Z ]+\.{5,}\s*\d+", text)
    assert re.search(SAMPLES[sample][3] + r" [^\n]*\.{5,}\s*\d+", text)  # Daftar Tabel


@pytest.mark.parametrize("sample", SAMPLES)
def test_front_matter_is_numbered_in_roman_and_bab_i_starts_at_one(pages, sample):
    numbers = [footer(p) for p in pages[sample] if p.strip()]
    assert "LAPORAN KINERJA" in pages[sample][0] and not re.fullmatch(r"[ivx\d]+", numbers[0])
    assert numbers[1] == "i"
    bab_i = next(i for i, p in enumerate(pages[sample]) if re.search(r"^\s*BAB I PENDAHULUAN\s*$", p, re.M)
                 and "....." not in p)
    assert footer(pages[sample][bab_i]) == "1"
    assert all(re.fullmatch(r"[ivx]+", n) for n in numbers[1:bab_i])


@pytest.mark.parametrize("sample", SAMPLES)
def test_figures_are_printed_whole_in_table_cells(pages, sample):
    text = "\n".join(pages[sample])
    for figure in SAMPLES[sample][2]:
        assert figure in text, figure


@pytest.mark.parametrize("sample", SAMPLES)
def test_no_number_is_cut_inside_a_table_cell(reports, pages, sample):
    """Every grouped number LibreOffice prints (2.011.493.161, 7.01.02) is one the report's
    HTML prints: none is cut into "2.011.493.16" / "1" by a column a few points too narrow
    (columns are measured as Word draws text, without kerning)."""
    grouped = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{1,3})+(?![\d,])")
    html_text = (reports / f"{SAMPLES[sample][1]}.html").read_text(encoding="utf-8")
    assert sorted(set(grouped.findall("\n".join(pages[sample]))) - set(grouped.findall(html_text))) == []


@pytest.mark.parametrize("sample", SAMPLES)
def test_no_upper_case_word_is_broken_inside_a_table_cell(reports, pages, sample):
    """Each column is at least as wide as its longest word, so the long upper-case program
    names (PROGRAM PENYELENGGARAAN PEMERINTAHAN …) keep their words whole: no "PROGRA" / "M"
    or "PENUNJ" / "ANG" on the lines of a narrow cell. The words are those of the same
    report's HTML, where a browser never breaks one."""
    html_text = (reports / f"{SAMPLES[sample][1]}.html").read_text(encoding="utf-8")
    words = set(re.findall(r"\b[A-Z]{2,}\b", html_text))
    printed = set(re.findall(r"\b[A-Z]{3,}\b", "\n".join(pages[sample])))
    broken = {t for t in printed - words if any(w.startswith(t) or w.endswith(t) for w in words)}
    assert not broken, sorted(broken)
