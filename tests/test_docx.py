"""The DOCX looks like an Indonesian government report: lkj/templates/reference.docx.

One small report (the notebook of test_render) is rendered to DOCX once per module. Expected
page values are computed here from the paper and margin in _quarto.yml (A4 = 210 × 297 mm,
margin 2.5 cm; 1 in = 2.54 cm = 1440 twips), not taken from lkj.render.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lkj import render as R
from test_render import BODY, make_notebook

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "lkj" / "templates" / "make_reference_docx.py"

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
A4_TWIPS = (round(210 / 25.4 * 1440), round(297 / 25.4 * 1440))  # (11906, 16838)
# _quarto.yml (Tata Naskah Dinas): top 2 cm, bottom 2,5 cm, left 3 cm, right 2 cm
MARGIN_TWIPS = {side: round(cm / 2.54 * 1440) for side, cm in
                (("top", 2), ("bottom", 2.5), ("left", 3), ("right", 2))}

# A second data table, long enough to need its header on every page it spans.
EXTRA_TABLE = (
    "\n\n| Kode | Program/Kegiatan/Sub Kegiatan | Pagu (Rp) |\n"
    "|:-----|:------------------------------|----------:|\n"
    + "".join(f"| 7.01.01.2.01.{i:04d} | Sub kegiatan nomor {i} | {i}.000 |\n" for i in range(1, 61))
    + "\n: Tabel 3.2 Realisasi Anggaran {#tbl-anggaran}\n"
)
DATA_TABLE_CAPTIONS = ("Tabel 3.1 Capaian Kinerja", "Tabel 3.2 Realisasi Anggaran")


def _parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels"))}


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_reference_docx", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def docx(tmp_path_factory) -> Path:
    # The data table sits before the first heading's chapter ends, the signatures at the end.
    body = BODY.replace("### 1. Capaian", EXTRA_TABLE.strip() + "\n\n### 1. Capaian", 1)
    assert body != BODY
    nb = make_notebook(tmp_path_factory.mktemp("nb"), body=body)
    out = R.render(nb, tmp_path_factory.mktemp("out"), "uji", formats=("docx",), engine="embedded")
    return out["docx"]


@pytest.fixture(scope="module")
def parts(docx) -> dict[str, str]:
    return _parts(docx)


# ---- the template file ------------------------------------------------------------------


def test_reference_docx_is_what_the_generator_builds():
    """reference.docx is generated: editing it by hand or changing _quarto.yml's page
    settings without re-running make_reference_docx.py is caught here."""
    gen = _load_generator()
    assert R.REFERENCE_DOCX.is_file()
    assert gen.read(R.REFERENCE_DOCX) == gen.build(ROOT), (
        "reference.docx belum mutakhir: jalankan .venv/bin/python lkj/templates/make_reference_docx.py")


def test_reference_docx_declares_indonesian_a4():
    ref = _parts(R.REFERENCE_DOCX)
    styles = ref["word/styles.xml"]
    assert re.search(r'<w:rPrDefault>.*<w:lang w:val="id-ID"', styles, re.S)
    sect = re.search(r"<w:sectPr>.*?</w:sectPr>", ref["word/document.xml"], re.S).group(0)
    assert f'<w:pgSz w:w="{A4_TWIPS[0]}" w:h="{A4_TWIPS[1]}"/>' in sect
    for side in ("top", "right", "bottom", "left"):
        assert f'w:{side}="{MARGIN_TWIPS[side]}"' in sect


def test_generator_check_mode_reports_a_stale_file(tmp_path, capsys):
    gen = _load_generator()
    stale = tmp_path / "reference.docx"
    shutil.copyfile(R.REFERENCE_DOCX, stale)
    assert gen.main(["--output", str(stale), "--check", "--project", str(ROOT)]) == 0
    with zipfile.ZipFile(stale, "a") as z:
        z.writestr("word/extra.xml", "<x/>")
    assert gen.main(["--output", str(stale), "--check", "--project", str(ROOT)]) == 1
    assert "belum mutakhir" in capsys.readouterr().out


# ---- the rendered DOCX ------------------------------------------------------------------


def _tree(parts: dict[str, str], name: str) -> ET.Element:
    return ET.fromstring(parts[name].encode("utf-8"))


def _w(tag_path: str) -> str:
    """'pPr/jc' -> ElementTree path in the WordprocessingML namespace."""
    return "/".join(f"{W}{t}" for t in tag_path.split("/"))


def _val(el: ET.Element | None, path: str, attr: str = "val") -> str | None:
    found = el.find(_w(path)) if el is not None else None
    return None if found is None else found.get(f"{W}{attr}")


def _styles(parts) -> dict[str, ET.Element]:
    out: dict[str, ET.Element] = {}
    for st in _tree(parts, "word/styles.xml").iter(f"{W}style"):
        sid = st.get(f"{W}styleId")
        assert sid not in out, f"style {sid} defined twice"
        out[sid] = st
    return out


def _sections(parts) -> list[ET.Element]:
    """The cover, the front matter (Kata Pengantar, Daftar Isi …) and the body."""
    sects = list(_tree(parts, "word/document.xml").iter(f"{W}sectPr"))
    assert len(sects) == 3
    return sects


def _section(parts) -> ET.Element:
    return _sections(parts)[-1]


def test_page_is_a4_with_the_quarto_margins(parts):
    for sect in _sections(parts):
        assert (_val(sect, "pgSz", "w"), _val(sect, "pgSz", "h")) == tuple(str(v) for v in A4_TWIPS)
        for side in ("top", "right", "bottom", "left"):
            assert _val(sect, "pgMar", side) == str(MARGIN_TWIPS[side])


def test_the_cover_is_unnumbered_the_front_matter_roman_and_bab_i_page_one(parts):
    cover, front, body = _sections(parts)
    ref = lambda s: {r.get(f"{W}type"): r.get(f"{R_NS}id")  # noqa: E731
                     for r in s.findall(_w("footerReference"))}
    assert ref(front)["default"] == ref(body)["default"] != ref(cover)["default"]
    assert _val(front, "pgNumType", "fmt") == "lowerRoman" and _val(front, "pgNumType", "start") == "1"
    assert _val(body, "pgNumType", "fmt") == "decimal" and _val(body, "pgNumType", "start") == "1"
    assert body.find(_w("titlePg")) is None  # Bab I prints its number


def test_every_page_but_the_cover_has_a_centred_page_number(parts):
    sect = _section(parts)
    refs = {r.get(f"{W}type"): r.get(f"{R_NS}id") for r in sect.findall(_w("footerReference"))}
    assert set(refs) == {"default", "first"}  # "first": the empty footer the cover uses
    assert sect.find(_w("headerReference")) is None  # no page header
    rels = {r.get("Id"): r for r in _tree(parts, "word/_rels/document.xml.rels")}
    footers = {}
    for kind, rid in refs.items():
        assert rels[rid].get("Type").endswith("/relationships/footer")
        footers[kind] = "word/" + rels[rid].get("Target")
    default = _tree(parts, footers["default"])
    assert [t.text.strip() for t in default.iter(f"{W}instrText")] == ["PAGE"]
    assert _val(default.find(_w("p")), "pPr/jc") == "center"
    first = _tree(parts, footers["first"])
    assert not list(first.iter(f"{W}instrText")) and not list(first.iter(f"{W}t"))
    types = parts["[Content_Types].xml"]
    for part in footers.values():
        assert f'PartName="/{part}"' in types


def test_document_language_is_indonesian(parts):
    lang = _tree(parts, "word/styles.xml").find(_w("docDefaults/rPrDefault/rPr/lang"))
    # pandoc writes the report's `lang` ("id"); lkj.render restores the region for Word.
    assert lang.get(f"{W}val") == "id-ID"


def test_body_font_size_and_spacing(parts):
    defaults = _tree(parts, "word/styles.xml").find(_w("docDefaults"))
    assert _val(defaults, "rPrDefault/rPr/rFonts", "ascii") == "Arial"  # Arial-metric
    assert _val(defaults, "rPrDefault/rPr/sz") == "24"  # fontsize: 12pt in _quarto.yml
    spacing = defaults.find(_w("pPrDefault/pPr/spacing"))
    assert (spacing.get(f"{W}after"), spacing.get(f"{W}line")) == ("120", "276")  # 6 pt, 1,15
    body = _styles(parts)["BodyText"]
    assert _val(body, "pPr/spacing", "after") == "120"
    # justified, as the PDF; a line ending in a line break (check boxes, "Nama : …") is not
    # stretched (Word's and LibreOffice's compatibility option), table cells are not justified
    assert _val(body, "pPr/jc") == "both"
    assert _tree(parts, "word/settings.xml").find(_w("compat/doNotExpandShiftReturn")) is not None
    assert _val(_styles(parts)["Compact"], "pPr/jc") == "left"
    styles = parts["word/styles.xml"]
    for leftover in ("Aptos", "Calibri", "minorHAnsi", "majorHAnsi"):
        assert leftover not in styles, leftover
    theme = parts["word/theme/theme1.xml"]
    assert theme.count('<a:latin typeface="Arial"') == 2  # major and minor fonts


def test_headings(parts):
    styles = _styles(parts)
    h1 = styles["Heading1"]
    assert _val(h1, "pPr/jc") == "center" and h1.find(_w("rPr/b")) is not None
    assert _val(h1, "rPr/sz") == "31"  # 15,5 pt, as the PDF's 1.3em of 12 pt
    # lkj.lua starts each chapter on a new page; the style must not add a second break.
    assert h1.find(_w("pPr/pageBreakBefore")) is None
    for level in (2, 3):
        h = styles[f"Heading{level}"]
        assert _val(h, "pPr/jc") == "left" and h.find(_w("rPr/b")) is not None
    assert _val(styles["Heading2"], "rPr/sz") == "27"  # 13,5 pt: larger than the body's 12


def test_each_chapter_starts_on_exactly_one_new_page(parts):
    body = _tree(parts, "word/document.xml").find(_w("body"))
    blocks = list(body)
    is_break = [b.tag == f"{W}p" and (any(br.get(f"{W}type") == "page" for br in b.iter(f"{W}br"))
                                      or b.find(_w("pPr/sectPr")) is not None)  # a section ends
                for b in blocks]
    assert not any(a and b for a, b in zip(is_break, is_break[1:])), "empty page"
    chapters = [i for i, b in enumerate(blocks) if _val(b, "pPr/pStyle") == "Heading1"]
    assert len(chapters) == 2
    for i in chapters:
        previous = [j for j in range(i) if blocks[j].tag in (f"{W}p", f"{W}tbl", f"{W}sdt")][-1]
        assert is_break[previous]


def test_table_style_has_a_full_grid_and_a_grey_bold_header(parts):
    table = _styles(parts)["Table"]
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        assert _val(table, f"tblPr/tblBorders/{side}") == "single", side
        assert _val(table, f"tblPr/tblBorders/{side}", "sz") == "4"  # 1/2 pt
    [first_row] = [s for s in table.findall(_w("tblStylePr")) if s.get(f"{W}type") == "firstRow"]
    assert first_row.find(_w("rPr/b")) is not None
    assert _val(first_row, "tcPr/shd", "fill") == "D9D9D9"
    assert 18 <= int(_val(table, "rPr/sz")) <= 20  # 9–10 pt text in tables
    assert int(_val(table, "tblPr/tblCellMar/left", "w")) <= 120  # small cell margins


def test_every_markdown_table_is_a_word_table_with_a_repeating_header(parts):
    tables = list(_tree(parts, "word/document.xml").iter(f"{W}tbl"))
    # the two data tables and the two-column signature table
    assert len(tables) == len(DATA_TABLE_CAPTIONS) + 1
    for caption in DATA_TABLE_CAPTIONS:
        [table] = [t for t in tables if _val(t, "tblPr/tblCaption") == caption]
        assert _val(table, "tblPr/tblStyle") == "Table"
        rows = table.findall(_w("tr"))
        assert rows[0].find(_w("trPr/tblHeader")) is not None  # repeated on every page
        assert all(r.find(_w("trPr/tblHeader")) is None for r in rows[1:])
    [anggaran] = [t for t in tables if _val(t, "tblPr/tblCaption") == DATA_TABLE_CAPTIONS[1]]
    assert len(anggaran.findall(_w("tr"))) == 61  # header + 60 rows


def test_signatures_sit_in_a_borderless_full_width_table(parts):
    tables = list(_tree(parts, "word/document.xml").iter(f"{W}tbl"))
    [sig] = [t for t in tables if any(_val(p, "pPr/pStyle") == "TandaTanganKolom" for p in t.iter(f"{W}p"))]
    assert _val(sig, "tblPr/tblStyle") == "TabelTandaTangan"
    assert sig.find(_w("tr/trPr/tblHeader")) is None
    assert (_val(sig, "tblPr/tblW", "type"), _val(sig, "tblPr/tblW", "w")) == ("pct", "5000")
    style = _styles(parts)["TabelTandaTangan"]
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        assert _val(style, f"tblPr/tblBorders/{side}") == "nil", side


def test_lkj_paragraph_styles_come_from_the_template(parts):
    styles = _styles(parts)
    text_width = A4_TWIPS[0] - MARGIN_TWIPS["left"] - MARGIN_TWIPS["right"]
    cover = styles["Sampul"]
    assert _val(cover, "pPr/jc") == "center" and _val(cover, "rPr/sz") == "28"
    signature = styles["TandaTangan"]
    assert _val(signature, "pPr/ind", "left") == str(text_width // 2)  # right half of the page
    assert _val(signature, "pPr/jc") == "center" and signature.find(_w("pPr/keepNext")) is not None
    column = styles["TandaTanganKolom"]
    assert _val(column, "pPr/jc") == "center" and _val(column, "rPr/sz") == "24"  # body size, not 10 pt
    used = {_val(p, "pPr/pStyle") for p in _tree(parts, "word/document.xml").iter(f"{W}p")}
    assert {"Sampul", "TandaTangan", "TandaTanganKolom"} <= used


def test_captions_are_centred_and_table_captions_bold(parts):
    styles = _styles(parts)
    for style_id in ("TableCaption", "ImageCaption", "CaptionedFigure"):
        assert _val(styles[style_id], "pPr/jc") == "center", style_id
    table_caption = styles["TableCaption"]
    assert table_caption.find(_w("rPr/b")) is not None
    assert table_caption.find(_w("pPr/keepNext")) is not None  # stays with its table


# ---- what Word-compatible software shows ------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) tidak terpasang")
def test_libreoffice_prints_roman_front_matter_and_arabic_from_bab_i(docx, tmp_path):
    from pypdf import PdfReader

    profile = tmp_path / "profil"  # own profile: never blocked by another running soffice
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(docx)],
        check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)},
    )
    pages = PdfReader(tmp_path / "uji.pdf").pages
    texts = [p.extract_text() or "" for p in pages]
    assert len(pages) >= 4
    assert abs(float(pages[0].mediabox.width) - 595.3) < 1  # A4: 210 mm = 595.3 pt
    assert "LAPORAN KINERJA" in texts[0] and not re.search(r"\n\s*1\s*$", texts[0])
    bab = next(i for i, t in enumerate(texts) if "BAB I PENDAHULUAN" in t and "....." not in t)
    roman = ["i", "ii", "iii", "iv", "v", "vi"]
    for i, text in enumerate(texts[1:bab]):   # front matter: i, ii, …
        assert re.search(rf"(^|\n)\s*{roman[i]}\s*$", text), (roman[i], text[-80:])
    for number, text in enumerate(texts[bab:], start=1):  # Bab I is page 1
        assert re.search(rf"(^|\n)\s*{number}\s*$", text), (number, text[-80:])
    # the 60-row budget table spans pages: its header row is printed on each of them
    spanning = [t for t in texts if "7.01.01.2.01.00" in t]
    assert len(spanning) >= 2 and all("Pagu (Rp)" in t for t in spanning)


def test_blocks_marked_by_lkj_lua_keep_each_paragraph_with_the_next_nested_ones_too():
    from lkj.render.docx import _keep_together
    xml = ("<w:p>a</w:p><!--lkj-keep--><w:p><w:pPr><w:pStyle w:val=\"X\"/></w:pPr>b</w:p>"
           "<!--lkj-keep--><w:p>c</w:p><!--/lkj-keep--><w:p>d</w:p><!--/lkj-keep--><w:p>e</w:p>")
    out = _keep_together(xml)
    assert "lkj-keep" not in out
    assert out == ("<w:p>a</w:p><w:p><w:pPr><w:pStyle w:val=\"X\"/><w:keepNext/></w:pPr>b</w:p>"
                   "<w:p><w:pPr><w:keepNext/></w:pPr>c</w:p><w:p>d</w:p><w:p>e</w:p>")


def test_the_paragraph_after_a_table_keeps_6_pt_from_it_in_schema_order():
    from lkj.render.docx import _space_after_tables
    assert _space_after_tables("</w:tbl><w:p><w:r/></w:p>") == \
        '</w:tbl><w:p><w:pPr><w:spacing w:before="120"/></w:pPr><w:r/></w:p>'
    assert _space_after_tables('</w:tbl><w:p><w:pPr><w:pStyle w:val="B"/><w:jc w:val="left"/>'
                               "</w:pPr></w:p>") == \
        ('</w:tbl><w:p><w:pPr><w:pStyle w:val="B"/><w:spacing w:before="120"/>'
         '<w:jc w:val="left"/></w:pPr></w:p>')
    kept = '</w:tbl><w:p><w:pPr><w:spacing w:before="0"/></w:pPr></w:p>'
    assert _space_after_tables('</w:tbl>\n<w:bookmarkEnd w:id="16" />\n<w:p><w:r/></w:p>') == \
        '</w:tbl>\n<w:bookmarkEnd w:id="16" />\n<w:p><w:pPr><w:spacing w:before="120"/></w:pPr><w:r/></w:p>'
    assert _space_after_tables(kept) == kept  # a paragraph that sets its own spacing


def test_a_row_kept_twice_still_has_one_cant_split():
    from lkj.render.docx import _keep_together
    row = "<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:p>a</w:p></w:tc></w:tr>"
    out = _keep_together(f"<!--lkj-keep--><w:tbl>{row}</w:tbl><w:p>b</w:p><!--/lkj-keep-->")
    assert out.count("<w:cantSplit/>") == 1  # twice is no valid WordprocessingML


def test_a_small_table_is_kept_on_one_page_with_its_caption_and_lead_in(parts):
    """As in the PDF (reviewer: Senduro Tabel 2.2 split after its first row, Candipuro
    Tabel 2.1 a page after its heading): a table of at most 8 rows keeps every paragraph but
    the last row's with the next, and the sentence that leads into it; a long table may break."""
    doc = parts["word/document.xml"]
    tables = re.findall(r"<w:tbl>.*?</w:tbl>", doc, re.S)
    small = next(t for t in tables if "Belanja Operasi" in t)
    rows = re.findall(r"<w:tr\b.*?</w:tr>", small, re.S)
    for row in rows[:-1]:
        assert all("<w:keepNext/>" in p for p in re.findall(r"<w:p\b.*?</w:p>", row, re.S))
    before = doc[:doc.index(small)]
    lead = before[before.rindex("<w:p>", 0, before.index("bertanggung jawab")):]
    assert "<w:keepNext/>" in lead[:lead.index("</w:pPr>")]
    long = next(t for t in tables if "Sub kegiatan nomor 1 " in t or "Sub kegiatan nomor 1<" in t)
    assert "<w:keepNext/>" not in re.findall(r"<w:tr\b.*?</w:tr>", long, re.S)[5]
