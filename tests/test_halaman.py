"""The LKj as an official document, read in its PDF pages (issue 16): Tata Naskah Dinas type
(Liberation Sans, Arial's metrics, body 12 pt, nothing under 9 pt, tables included) and page
breaks that hold (no small table split, no heading at the foot of a page, no stray lines on a
page of their own). Checked for the three samples (embedded engine) and, when Quarto is
installed, for Candipuro rendered by Quarto: both engines must give the same look.

Text is read with pypdf: each piece of text with its font and its size on the page (the font
size times the scale of the text and transformation matrices), lines grouped by baseline.
"""

from __future__ import annotations

import html
import math
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import SAMPLES, build_reports, copy_project
from pypdf import PdfReader

pytestmark = pytest.mark.slow

BODY_PT, TABLE_MIN_PT = 12.0, 9.0
SMALL_TABLE_ROWS = 8   # tables up to this many body rows are never split
MIN_LINES = 3          # fewer lines than this make a page "nearly empty" ...
MIN_FILL = 1 / 3       # ... and so does text that ends in the top third of the sheet


# ---- reading the PDF ------------------------------------------------------------------------

class Page:
    """One page: its text pieces (text, font name, size in pt, baseline y) and its images."""

    def __init__(self, page):
        self.pieces: list[tuple[str, str, float, float]] = []

        def visit(text, cm, tm, font, size):
            if not text.strip() or font is None:
                return
            a, b, c, d, e, f = tm
            m = [a * cm[0] + b * cm[2], a * cm[1] + b * cm[3],
                 c * cm[0] + d * cm[2], c * cm[1] + d * cm[3],
                 e * cm[0] + f * cm[2] + cm[4], e * cm[1] + f * cm[3] + cm[5]]
            self.pieces.append((text, str(font.get("/BaseFont", "")),
                                round(size * math.hypot(m[2], m[3]), 2), round(m[5], 1)))

        self.text = page.extract_text(visitor_text=visit) or ""
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        self.images = sum(1 for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image")

    def _rows(self) -> list[list[tuple[str, str, float, float]]]:
        """Text lines top to bottom: pieces within 2 pt of one baseline."""
        rows: dict[float, list] = {}
        for piece in self.pieces:
            key = next((y for y in rows if abs(y - piece[3]) < 2), piece[3])
            rows.setdefault(key, []).append(piece)
        return [rows[y] for y in sorted(rows, reverse=True)]

    @property
    def numbered(self) -> bool:
        """Whether the lowest line is a page number (digits or roman numerals only)."""
        rows = self._rows()
        return bool(rows) and re.fullmatch(r"\s*([0-9]+|[ivxlc]+)\s*",
                                           "".join(p[0] for p in rows[-1])) is not None

    def lines(self) -> list[list[tuple[str, str, float, float]]]:
        """Text lines top to bottom, the page number left out."""
        rows = self._rows()
        return rows[:-1] if self.numbered else rows

    def flat(self) -> str:
        return " ".join(self.text.split())


def pages_of(pdf: Path) -> list[Page]:
    return [Page(p) for p in PdfReader(pdf).pages]


def is_heading(line) -> bool:
    """A heading line: bold and larger than body text (levels 1–3 are 1.3, 1.12, 1.02 em)."""
    return all("Bold" in font and size > BODY_PT + 0.1 for _, font, size, _ in line)


def is_chapter_start(page: Page) -> bool:
    lines = page.lines()
    return bool(lines) and is_heading(lines[0]) and lines[0][0][2] >= BODY_PT * 1.25


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def tables_of(html_file: Path) -> list[tuple[str, int, list[str], str]]:
    """(caption, number of body rows, the last body row's cell texts, the first header cell)
    of each captioned table, read in the HTML made from the same text."""
    found = []
    for table in re.findall(r"<table\b.*?</table>", html_file.read_text(encoding="utf-8"), re.S):
        caption = re.search(r"<caption\b[^>]*>(.*?)</caption>", table, re.S)
        body = re.search(r"<tbody\b[^>]*>(.*?)</tbody>", table, re.S)
        head = re.findall(r"<th\b[^>]*>(.*?)</th>", table, re.S)
        if not caption or not body:
            continue
        rows = re.findall(r"<tr\b.*?</tr>", body.group(1), re.S)
        cells = [_text(c) for c in re.findall(r"<td\b[^>]*>(.*?)</td>", rows[-1], re.S)]
        found.append((_text(caption.group(1)), len(rows), [c for c in cells if c],
                      _text(head[0]) if head else ""))
    return found


# ---- the reports --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("halaman"))
    out = build_reports(root, *(args for args, _ in SAMPLES.values()))
    return {name: out / path for name, (_, path) in SAMPLES.items()}


@pytest.fixture(scope="module")
def quarto_report(tmp_path_factory):
    if shutil.which("quarto") is None:
        pytest.skip("Quarto tidak terpasang: tampilan halaman engine quarto diuji hanya bila "
                    "executable `quarto` ada di PATH")
    from lkj.cli import main

    root = copy_project(tmp_path_factory.mktemp("halaman-quarto"))
    args, path = SAMPLES["candipuro"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LKJ_ROOT", str(root))
        assert main(["report", *args, "--engine", "quarto"]) == 0
    return root / "reports" / path


CASES = [*SAMPLES, "quarto"]


class Report:
    """A report's PDF, and the HTML its tables are read from: the embedded engine's, also for
    the Quarto PDF (same text; Quarto's HTML puts captions outside the tables)."""

    def __init__(self, name: str, pdf: Path, html: Path):
        self.name, self.pdf, self.html = name, pdf, html


@pytest.fixture(params=CASES)
def report(request, reports):
    if request.param == "quarto":
        pdf = request.getfixturevalue("quarto_report").with_suffix(".pdf")
        return Report("candipuro (quarto)", pdf, reports["candipuro"].with_suffix(".html"))
    base = reports[request.param]
    return Report(request.param, base.with_suffix(".pdf"), base.with_suffix(".html"))


# ---- type ---------------------------------------------------------------------------------

def test_every_font_is_liberation_sans(report):
    """Every piece of text is set in the vendored body font: no Libertinus, no DejaVu (a
    glyph the body font lacks would come from another font and show here)."""
    name = report.name
    fonts = {font for page in pages_of(report.pdf) for _, font, _, _ in page.pieces}
    assert fonts, name
    others = {f for f in fonts if "LiberationSans" not in f}
    assert not others, f"{name}: {others}"


def test_body_is_12pt_and_nothing_is_below_9pt(report):
    """The body (most of the characters) is 12 pt; no text, table cells included, is smaller
    than 9 pt."""
    name = report.name
    sizes: Counter = Counter()
    for page in pages_of(report.pdf):
        for text, _, size, _ in page.pieces:
            sizes[size] += len(text.strip())
    body = sizes.most_common(1)[0][0]
    assert abs(body - BODY_PT) < 0.05, f"{name}: teks isi {body} pt"
    smallest = min(sizes)
    assert smallest >= TABLE_MIN_PT - 0.05, f"{name}: teks terkecil {smallest} pt"


# ---- page breaks -----------------------------------------------------------------------------

def test_small_tables_are_not_split(report):
    """A table of at most 8 body rows is on one page: its caption and its last row are on the
    same page (the page of the caption's last occurrence: the Daftar Tabel names it too)."""
    name = report.name
    pages = pages_of(report.pdf)
    tables = tables_of(report.html)
    assert any(rows <= SMALL_TABLE_ROWS for _, rows, _, _ in tables), name
    for caption, rows, last, _ in tables:
        if rows > SMALL_TABLE_ROWS:
            continue
        at = [i for i, p in enumerate(pages) if caption in p.flat()]
        assert at, f"{name}: {caption} tidak ditemukan"
        words = set(pages[at[-1]].flat().split())
        missing = [w for cell in last for w in cell.split() if w not in words]
        assert not missing, f"{name}: {caption} terpotong; baris terakhir di halaman berikutnya ({missing})"


def test_no_page_ends_with_a_heading(report):
    """The last line of a page (above its number) is never a heading: headings go with the
    text they introduce."""
    name = report.name
    for number, page in enumerate(pages_of(report.pdf), 1):
        lines = page.lines()
        if page.numbered and len(lines) > 1:  # the cover (no page number) is all titles
            assert not is_heading(lines[-1]), (
                f"{name}: halaman {number} berakhir dengan judul "
                f"{''.join(p[0] for p in lines[-1])!r}")


def test_no_nearly_empty_page(report):
    """No page's text ends in the top third of the sheet (or holds fewer than 3 lines) when
    it has no figure, unless the next page starts a chapter (BAB …, LAMPIRAN: each begins on a
    new page, so the page before may be short) or it is the last page. Such a page means that
    something was left behind when the block after it did not fit on the page: a sentence, a
    table's JUMLAH row, a heading and its first paragraph before a table moved on whole."""
    name = report.name
    reader = PdfReader(report.pdf)
    pages = [Page(p) for p in reader.pages]
    for number, page in enumerate(pages[1:-1], 2):  # the cover stands alone by design
        if page.images or is_chapter_start(pages[number]):
            continue
        lines = page.lines()
        height = float(reader.pages[number - 1].mediabox.height)
        lowest = min((p[3] for line in lines for p in line), default=height)
        filled = (height - lowest) / height
        assert len(lines) >= MIN_LINES and filled >= MIN_FILL, (
            f"{name}: halaman {number} hampir kosong ({len(lines)} baris, {filled:.0%} "
            f"tinggi halaman): {page.flat()[:120]!r}")


def test_long_tables_repeat_their_header(report):
    """A table broken over pages repeats its header row: when the caption's page does not hold
    the table's last row, the next page starts with the header's first cell."""
    name = report.name
    pages = pages_of(report.pdf)
    for caption, rows, last, first in tables_of(report.html):
        at = [i for i, p in enumerate(pages) if caption in p.flat()]
        if rows <= SMALL_TABLE_ROWS or not at or not first or at[-1] + 1 >= len(pages):
            continue
        words = set(pages[at[-1]].flat().split())
        if all(w in words for cell in last for w in cell.split()):
            continue  # on one page
        top = "".join(p[0] for p in pages[at[-1] + 1].lines()[0])
        assert top.startswith(first), f"{name}: {caption} berlanjut tanpa baris judul kolom ({top!r})"
