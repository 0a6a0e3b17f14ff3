"""Quarto is a first-class engine: with a real Quarto on PATH, the three samples built by
``--engine quarto`` are the same document as the embedded engine's — same text in the same
order, same tables and figures with their captions, the same pages (cover first, front matter
in roman numbers, Bab I on page 1), the same fonts. Skipped where no ``quarto`` exists (CI
installs the kit from ../shared/tools/quarto and runs these for real)."""

import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import SAMPLES, copy_project

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    shutil.which("quarto") is None,
    reason="Quarto tidak terpasang: uji engine quarto hanya berjalan bila `quarto` ada di PATH "
           "(bash ../shared/tools/quarto/install.sh DEST; export PATH=DEST/bin:$PATH)")]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """{engine: reports folder} with the three samples built by each engine."""
    from lkj.cli import main

    out = {}
    for engine in ("embedded", "quarto"):
        root = copy_project(tmp_path_factory.mktemp(engine))
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("LKJ_ROOT", str(root))
            for args, _ in SAMPLES.values():
                assert main(["report", *args, "--engine", engine]) == 0, (engine, args)
        out[engine] = root / "reports"
    return out


def _pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def _fonts(path: Path) -> set[str]:
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    # with the subset tag (typst derives it from the font file and the glyphs): the same font
    # files, lkj's own, not a system copy of another version (LibreOffice installs one)
    return {line.split()[0] for line in lines}


class _Structure(HTMLParser):
    """An HTML page as the sequence of its elements (tag, id, class) and texts."""

    def __init__(self):
        super().__init__()
        self.items: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.items.append(f"<{tag} #{a.get('id', '')} .{a.get('class', '')} {a.get('href', '')}>")

    def handle_data(self, data):
        if data.split():
            self.items.append(" ".join(data.split()))


def _html(path: Path) -> list[str]:
    page = re.sub(r"data:[^\"')]+", "DATA", path.read_text(encoding="utf-8"))
    parser = _Structure()
    parser.feed(page)
    # Quarto would number tbl-/fig- targets itself: its engine gives them lkj's own prefix.
    return [re.sub(r"lkj-(tbl|fig)-", r"\1-", item) for item in parser.items]


def _docx(path: Path) -> list[tuple[str, str]]:
    """(style, text) of every paragraph, in order; page and section breaks as their own item."""
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    out = []
    for p in re.findall(r"<w:p[ >].*?</w:p>", xml, re.S):
        style = re.search(r'<w:pStyle w:val="([^"]+)"', p)
        brk = "|halaman" if 'w:type="page"' in p or "<w:sectPr" in p else ""
        out.append(((style.group(1) if style else "") + brk,
                    "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", p))))
    return out


@pytest.mark.parametrize("sample", SAMPLES)
def test_both_engines_print_the_same_pdf(built, sample):
    stem = SAMPLES[sample][1]
    embedded, quarto = (built[e] / f"{stem}.pdf" for e in ("embedded", "quarto"))
    pages_e, pages_q = _pdf_pages(embedded), _pdf_pages(quarto)
    assert len(pages_q) == len(pages_e)
    # the same words in the same order (a table cell may wrap its words differently)
    assert " ".join(pages_q).split() == " ".join(pages_e).split()
    assert _fonts(quarto) == _fonts(embedded)  # every glyph from the same fonts (☐ included)
    # the same page structure: where each chapter starts, and its printed page number
    starts = [(i, p[:40]) for i, p in enumerate(pages_e) if re.match(r"(BAB|KATA|LAMPIRAN|Daftar)", p)]
    assert starts and [(i, pages_q[i][:40]) for i, _ in starts] == starts
    assert pages_q[0] == pages_e[0] and "Invalid Date" not in " ".join(pages_q)


@pytest.mark.parametrize("sample", SAMPLES)
def test_both_engines_write_the_same_html(built, sample):
    stem = SAMPLES[sample][1]
    assert _html(built["quarto"] / f"{stem}.html") == _html(built["embedded"] / f"{stem}.html")


@pytest.mark.parametrize("sample", SAMPLES)
def test_both_engines_write_the_same_docx(built, sample):
    stem = SAMPLES[sample][1]
    quarto, embedded = (_docx(built[e] / f"{stem}.docx") for e in ("quarto", "embedded"))
    assert quarto == embedded
    xml = zipfile.ZipFile(built["quarto"] / f"{stem}.docx").read("word/document.xml").decode()
    assert 'w:fmt="lowerRoman"' in xml and 'w:start="1"' in xml  # i, ii … then Bab I on 1


def test_the_audit_trail_names_the_engine_that_rendered_it(built):
    stem = SAMPLES["candipuro"][1]
    quarto, embedded = (_html(built[e] / f"{stem}-jejak-audit.html") for e in ("quarto", "embedded"))
    assert (built["quarto"] / f"{stem}-jejak-audit.pdf").is_file()
    named = [i for i, (q, e) in enumerate(zip(quarto, embedded)) if q != e]
    assert len(quarto) == len(embedded) and len(named) == 1
    assert "mesin render quarto (Quarto 1." in quarto[named[0]]
    assert "mesin render embedded (pandoc" in embedded[named[0]]
