"""Build lkj/templates/reference.docx — the Word look of the Laporan Kinerja DOCX.

Run from the repository (after changing page settings in _quarto.yml, or this file):

    .venv/bin/python lkj/templates/make_reference_docx.py          # writes reference.docx
    .venv/bin/python lkj/templates/make_reference_docx.py --check  # exit 1 if out of date

pandoc uses the styles, page setup, footer and theme of this file for every DOCX it writes
(lkj.render passes it with --reference-doc; the Quarto engine gets it in its _quarto.yml).
It starts from pandoc's own default reference.docx, so every style pandoc emits exists, and
edits only the XML parts listed below with plain string/regex substitutions:

  word/styles.xml        fonts, sizes, spacing, headings, the "Table" table style (full grid,
                         grey bold header row), captions, and lkj's own paragraph styles
                         (Sampul, Tanda Tangan, Tanda Tangan Kolom) and table style
                         (TabelTandaTangan, borderless, for side-by-side signatures)
  word/theme/theme1.xml  theme fonts -> the body font (no Aptos/Calibri left anywhere)
  word/document.xml      section properties: A4, margins, centred page-number footer,
                         no number on the first page (the cover)
  word/footer1.xml       PAGE field, centred (new)      word/footer2.xml  empty (new)
  word/settings.xml      theme font language Indonesian; updateFields (page numbers of the lists)
  word/fontTable.xml, word/_rels/document.xml.rels, [Content_Types].xml  for the above

Page size, margins and body font size come from _quarto.yml (format.typst), read through
lkj.render exactly as the renderer reads them, so this file and lkj.render's DOCX
post-processing never disagree. The output is byte-for-byte reproducible (fixed zip times).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "reference.docx"

# Tata Naskah Dinas: an Arial-metric sans. Arial is on every Windows installation (Word
# substitutes nothing); LibreOffice renders it with the metric-compatible Liberation Sans, the
# font of the PDF (lkj/templates/fonts), so line and page breaks match.
BODY_FONT = "Arial"
BODY_FONT_PANOSE = "020B0604020202020204"
LANG = "id-ID"  # Word proofs the text in Bahasa Indonesia

LINE_115 = 276  # line spacing 1.15 (240 = single)
AFTER_6PT = 120  # twips
TABLE_FONT_HALF_POINTS = 20  # 10 pt in tables
GRID_BORDER = 'w:val="single" w:sz="4" w:space="0" w:color="000000"'  # 1/2 pt black
HEADER_FILL = "D9D9D9"  # light grey header row

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_FOOTER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
CT_FOOTER = "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"
FOOTER_DEFAULT_ID = "rIdLkjFooterDefault"
FOOTER_FIRST_ID = "rIdLkjFooterFirst"


# ---------------------------------------------------------------------------------------
# Inputs: pandoc's default reference.docx and the project's page settings
# ---------------------------------------------------------------------------------------


def pandoc_default_reference() -> dict[str, bytes]:
    """Parts of pandoc's built-in reference.docx (the pandoc bundled with pypandoc-binary)."""
    import io

    from lkj.render.embedded import _pandoc_path

    proc = subprocess.run(
        [_pandoc_path(), "--print-default-data-file", "reference.docx"],
        capture_output=True, check=True, timeout=120,
    )
    with zipfile.ZipFile(io.BytesIO(proc.stdout)) as z:
        return {name: z.read(name) for name in z.namelist()}


def page_settings(project_root: Path | None = None) -> dict:
    """Paper, margins (twips) and body font size (half-points), as lkj.render derives them
    from _quarto.yml for the DOCX post-processing (_patch_document / _patch_styles)."""
    from lkj.render import settings as R

    page = R._page_setup(R.load_settings(project_root)["pdf"])
    margin = {side: R._twips(value) for side, value in page["margin"].items()}
    width, height = R._twips(page["width"]), R._twips(page["height"])
    return {
        "width": width,
        "height": height,
        "margin": margin,
        "text_width": width - margin["left"] - margin["right"],
        "font_half_points": round(R._twips(page["fontsize"]) / 10),
    }


# ---------------------------------------------------------------------------------------
# Styles
# ---------------------------------------------------------------------------------------


def _fonts(name: str = BODY_FONT) -> str:
    return f'<w:rFonts w:ascii="{name}" w:hAnsi="{name}" w:eastAsia="{name}" w:cs="{name}"/>'


def _size(half_points: int) -> str:
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


def _para_style(style_id: str, name: str, ppr: str = "", rpr: str = "", *, based_on: str | None = "Normal",
                next_style: str | None = None, link: str | None = None, custom: bool = False,
                ui_priority: int | None = None, extra: str = "<w:qFormat/>") -> str:
    attrs = ' w:customStyle="1"' if custom else ""
    parts = [f'<w:style w:type="paragraph"{attrs} w:styleId="{style_id}">', f'<w:name w:val="{name}"/>']
    if based_on:
        parts.append(f'<w:basedOn w:val="{based_on}"/>')
    if next_style:
        parts.append(f'<w:next w:val="{next_style}"/>')
    if link:
        parts.append(f'<w:link w:val="{link}"/>')
    if ui_priority is not None:
        parts.append(f'<w:uiPriority w:val="{ui_priority}"/>')
    parts.append(extra)
    if ppr:
        parts.append(f"<w:pPr>{ppr}</w:pPr>")
    if rpr:
        parts.append(f"<w:rPr>{rpr}</w:rPr>")
    parts.append("</w:style>")
    return "".join(parts)


def _char_style(style_id: str, name: str, rpr: str, *, link: str | None = None,
                based_on: str = "DefaultParagraphFont") -> str:
    link_xml = f'<w:link w:val="{link}"/>' if link else ""
    return (f'<w:style w:type="character" w:customStyle="1" w:styleId="{style_id}">'
            f'<w:name w:val="{name}"/><w:basedOn w:val="{based_on}"/>{link_xml}'
            f"<w:rPr>{rpr}</w:rPr></w:style>")


def _headings(font_half_points: int) -> dict[str, str]:
    """heading 1..9: black, bold, the body font. Heading 1 (BAB ...) is centred; each
    chapter's page break is inserted by lkj.lua, so no pageBreakBefore here (it would
    give an empty page after the filter's break)."""
    specs = {
        # level: (jc, size in half-points, spacing before, after, extra rPr)
        # sizes as the PDF's (lkj-halaman.typ: 1.3em, 1.12em of 12 pt): a sub-chapter heading
        # the size of the text it heads read as body text
        1: ("center", 31, 0, 180, ""),
        2: ("left", 27, 240, 60, ""),
        3: ("left", font_half_points, 180, 60, ""),
        4: ("left", font_half_points, 120, 60, "<w:i/><w:iCs/>"),
    }
    out: dict[str, str] = {}
    for level in range(1, 10):
        jc, size, before, after, extra = specs.get(level, ("left", font_half_points, 120, 0, "<w:i/><w:iCs/>"))
        ppr = (f'<w:keepNext/><w:keepLines/><w:spacing w:before="{before}" w:after="{after}"/>'
               f'<w:jc w:val="{jc}"/><w:outlineLvl w:val="{level - 1}"/>')
        rpr = f"{_fonts()}<w:b/><w:bCs/>{extra}{_size(size)}"
        extra_flags = "<w:qFormat/>" if level == 1 else "<w:unhideWhenUsed/><w:qFormat/>"
        out[f"Heading{level}"] = _para_style(
            f"Heading{level}", f"heading {level}", ppr, rpr, next_style="BodyText",
            link=f"Heading{level}Char", ui_priority=9, extra=extra_flags)
        out[f"Heading{level}Char"] = _char_style(
            f"Heading{level}Char", f"Heading {level} Char", rpr, link=f"Heading{level}")
    return out


def _table_style() -> str:
    """pandoc writes every table with style "Table": full thin grid, small cell margins,
    10 pt single-spaced text, bold header row on light grey (pandoc marks the header row
    with tblLook firstRow and repeats it on each page with w:tblHeader)."""
    borders = "".join(f"<w:{side} {GRID_BORDER}/>"
                      for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    return (
        '<w:style w:type="table" w:default="1" w:styleId="Table">'
        '<w:name w:val="Table"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/>'
        "<w:qFormat/>"
        f'<w:pPr><w:keepLines/><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
        f"<w:rPr>{_size(TABLE_FONT_HALF_POINTS)}</w:rPr>"
        '<w:tblPr><w:jc w:val="center"/><w:tblInd w:w="0" w:type="dxa"/>'
        f"<w:tblBorders>{borders}</w:tblBorders>"
        '<w:tblCellMar><w:top w:w="28" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
        '<w:bottom w:w="28" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
        "</w:tblPr>"
        "<w:trPr><w:cantSplit/></w:trPr>"
        '<w:tblStylePr w:type="firstRow">'
        '<w:pPr><w:keepNext/><w:jc w:val="center"/></w:pPr>'
        "<w:rPr><w:b/><w:bCs/></w:rPr>"
        f'<w:trPr><w:tblHeader/></w:trPr>'
        f'<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/><w:vAlign w:val="center"/></w:tcPr>'
        "</w:tblStylePr>"
        "</w:style>"
    )


def _signature_table_style() -> str:
    """Borderless table for two signatures side by side (lkj.lua's .signatures). pandoc
    writes a table's custom-style value verbatim as w:tblStyle (a styleId), so the name is
    the styleId too: the style is found whether pandoc looks it up by id or by name."""
    nil = "".join(f'<w:{side} w:val="nil"/>' for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    return (
        '<w:style w:type="table" w:customStyle="1" w:styleId="TabelTandaTangan">'
        '<w:name w:val="TabelTandaTangan"/><w:basedOn w:val="TableNormal"/><w:qFormat/>'
        '<w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
        f"<w:tblBorders>{nil}</w:tblBorders>"
        '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar>'
        "</w:tblPr><w:trPr><w:cantSplit/></w:trPr></w:style>"
    )


def lkj_styles(page: dict) -> dict[str, str]:
    """Every style this template defines, by styleId (pandoc's are replaced, others added)."""
    body = page["font_half_points"]
    half = page["text_width"] // 2  # same right-half indent lkj.render computes
    toc_tab = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{page["text_width"]}"/></w:tabs>'
    styles = {
        "Normal": _para_style("Normal", "Normal", based_on=None, extra="<w:qFormat/>"),
        "BodyText": _para_style(
            "BodyText", "Body Text", f'<w:spacing w:before="0" w:after="{AFTER_6PT}"/><w:jc w:val="both"/>',
            based_on="Normal", link="BodyTextChar"),
        # pandoc uses it after headings and lists: the space before separates a paragraph
        # from the list above it (list items have none).
        "FirstParagraph": _para_style("FirstParagraph", "First Paragraph", f'<w:spacing w:before="{AFTER_6PT}"/>',
                                      based_on="BodyText", next_style="BodyText", custom=True),
        # Tight lists and table cells: no gaps between items.
        "Compact": _para_style("Compact", "Compact", '<w:spacing w:before="0" w:after="0"/><w:jc w:val="left"/>',
                               based_on="BodyText", custom=True),
        "Title": _para_style(
            "Title", "Title", '<w:keepNext/><w:spacing w:before="240" w:after="120" w:line="240" w:lineRule="auto"/>'
            '<w:jc w:val="center"/>', f"{_fonts()}<w:b/><w:bCs/>{_size(32)}",
            next_style="BodyText", link="TitleChar", ui_priority=10),
        "TitleChar": _char_style("TitleChar", "Title Char", f"{_fonts()}<w:b/><w:bCs/>{_size(32)}", link="Title"),
        "Subtitle": _para_style(
            "Subtitle", "Subtitle", '<w:keepNext/><w:spacing w:before="0" w:after="240"/><w:jc w:val="center"/>',
            f"{_fonts()}<w:b/><w:bCs/>{_size(28)}", based_on="Title", next_style="BodyText",
            link="SubtitleChar", ui_priority=11),
        "SubtitleChar": _char_style("SubtitleChar", "Subtitle Char", f"{_fonts()}<w:b/><w:bCs/>{_size(28)}",
                                    link="Subtitle"),
        "Caption": _para_style(
            "Caption", "Caption", f'<w:spacing w:before="{AFTER_6PT}" w:after="{AFTER_6PT}"/><w:jc w:val="center"/>',
            "<w:b/><w:bCs/>", next_style="BodyText", extra="<w:unhideWhenUsed/><w:qFormat/>"),
        # Table captions stand above their table and stay with it.
        "TableCaption": _para_style(
            "TableCaption", "Table Caption", '<w:keepNext/><w:keepLines/><w:jc w:val="center"/>',
            "<w:b/><w:bCs/>", based_on="Caption", custom=True),
        "ImageCaption": _para_style(
            "ImageCaption", "Image Caption", '<w:keepLines/><w:jc w:val="center"/>',
            "<w:b/><w:bCs/>", based_on="Caption", custom=True),
        # space above a chart: right after a table it hid the table's last border
        "Figure": _para_style("Figure", "Figure", '<w:spacing w:before="240"/><w:jc w:val="center"/>',
                              custom=True),
        "CaptionedFigure": _para_style("CaptionedFigure", "Captioned Figure", '<w:keepNext/><w:jc w:val="center"/>',
                                       based_on="Figure", custom=True),
        "TOCHeading": _para_style(
            "TOCHeading", "TOC Heading", '<w:outlineLvl w:val="9"/>', based_on="Heading1",
            next_style="BodyText", ui_priority=39, extra="<w:unhideWhenUsed/><w:qFormat/>"),
        # Entries of the Daftar Isi / Tabel / Gambar (lkj.lua docx_list): the page number after
        # a dotted tab at the right margin.
        "TOC1": _para_style("TOC1", "toc 1", toc_tab + '<w:spacing w:before="60" w:after="0"/>',
                            based_on="Normal", next_style="Normal", ui_priority=39, extra="<w:unhideWhenUsed/>"),
        "TOC2": _para_style("TOC2", "toc 2", toc_tab + '<w:spacing w:before="0" w:after="0"/><w:ind w:left="284"/>',
                            based_on="Normal", next_style="Normal", ui_priority=39, extra="<w:unhideWhenUsed/>"),
        "TOC3": _para_style("TOC3", "toc 3", toc_tab + '<w:spacing w:before="0" w:after="0"/><w:ind w:left="567"/>',
                            based_on="Normal", next_style="Normal", ui_priority=39, extra="<w:unhideWhenUsed/>"),
        "TableofFigures": _para_style("TableofFigures", "table of figures",
                                      toc_tab + '<w:spacing w:before="0" w:after="40"/>', based_on="Normal",
                                      next_style="Normal", ui_priority=99, extra="<w:unhideWhenUsed/>"),
        "Footer": _para_style(
            "Footer", "footer", '<w:tabs><w:tab w:val="center" w:pos="{c}"/><w:tab w:val="right" w:pos="{r}"/></w:tabs>'
            '<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'.format(
                c=page["text_width"] // 2, r=page["text_width"]),
            _size(20), link="FooterChar", ui_priority=99, extra="<w:unhideWhenUsed/>"),
        "FooterChar": _char_style("FooterChar", "Footer Char", _size(20), link="Footer"),
        # Cross references ("Tabel 3.1") are internal links: printed like the text around them.
        "Hyperlink": ('<w:style w:type="character" w:styleId="Hyperlink"><w:name w:val="Hyperlink"/>'
                      '<w:basedOn w:val="BodyTextChar"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>'
                      '<w:rPr><w:color w:val="000000"/></w:rPr></w:style>'),
        # lkj.lua's custom paragraph styles (lkj.render adds a layout only to styles that
        # have none, so these definitions are the ones used).
        "Sampul": _para_style(
            "Sampul", "Sampul", '<w:keepLines/><w:spacing w:before="360" w:after="360"/><w:jc w:val="center"/>',
            _size(28), custom=True),
        "TandaTangan": _para_style(
            "TandaTangan", "Tanda Tangan", '<w:keepNext/><w:keepLines/><w:spacing w:before="0" w:after="0"/>'
            f'<w:ind w:left="{half}"/><w:jc w:val="center"/>', custom=True),
        # Inside the signature table: restore the body size (tables are 10 pt).
        "TandaTanganKolom": _para_style(
            "TandaTanganKolom", "Tanda Tangan Kolom", '<w:keepNext/><w:keepLines/><w:spacing w:before="0" w:after="0"/>'
            '<w:jc w:val="center"/>', _size(body), custom=True),
        # Base of both table styles (Word's "Normal Table"; pandoc's default file lacks it).
        "TableNormal": ('<w:style w:type="table" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
                        '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/>'
                        '<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/>'
                        '<w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
                        '<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'),
        "Table": _table_style(),
        "TabelTandaTangan": _signature_table_style(),
    }
    styles.update(_headings(body))
    return styles


_STYLE_BLOCK = re.compile(r'<w:style\b[^>]*\bw:styleId="([^"]+)"[^>]*>.*?</w:style>', re.S)


def edit_styles(xml: str, page: dict) -> str:
    wanted = lkj_styles(page)
    seen: set[str] = set()

    def replace(m: re.Match) -> str:
        style_id = m.group(1)
        if style_id in wanted:
            seen.add(style_id)
            return wanted[style_id]
        return m.group(0)

    xml = _STYLE_BLOCK.sub(replace, xml)
    missing = "".join(block for sid, block in wanted.items() if sid not in seen)
    xml = xml.replace("</w:styles>", missing + "</w:styles>", 1)

    # Document defaults: body font, size, Indonesian, 1.15 lines, 6 pt after paragraphs.
    # (lkj.render rewrites <w:sz/><w:szCs/> here from _quarto.yml fontsize: keep them adjacent.)
    rpr_default = (f"<w:rPrDefault><w:rPr>{_fonts()}{_size(page['font_half_points'])}"
                   f'<w:lang w:val="{LANG}" w:eastAsia="en-US" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>')
    ppr_default = (f'<w:pPrDefault><w:pPr><w:spacing w:after="{AFTER_6PT}" w:line="{LINE_115}" '
                   'w:lineRule="auto"/></w:pPr></w:pPrDefault>')
    xml, n1 = re.subn(r"<w:rPrDefault>.*?</w:rPrDefault>", rpr_default, xml, count=1, flags=re.S)
    xml, n2 = re.subn(r"<w:pPrDefault>.*?</w:pPrDefault>", ppr_default, xml, count=1, flags=re.S)
    if (n1, n2) != (1, 1):
        raise SystemExit("styles.xml bawaan pandoc tidak berisi docDefaults yang diharapkan.")
    # No theme fonts, colours or tints left over in the styles we kept.
    xml = re.sub(r"<w:rFonts\b[^>]*Theme=[^>]*/>", _fonts(), xml)
    xml = re.sub(r'<w:color w:val="[0-9A-Fa-f]{6}" w:themeColor="[^"]*"(?: w:theme(?:Shade|Tint)="[^"]*")?\s*/>',
                 "", xml)
    return xml


# ---------------------------------------------------------------------------------------
# Section properties, footer, theme, package plumbing
# ---------------------------------------------------------------------------------------


def section_properties(page: dict) -> str:
    """The single section of the document: pandoc copies this sectPr (and the footer parts
    it references) into every DOCX; lkj.render then rewrites pgSz/pgMar from _quarto.yml
    with the same values and header/footer distance 709."""
    m = page["margin"]
    return (
        "<w:sectPr>"
        f'<w:footerReference w:type="default" r:id="{FOOTER_DEFAULT_ID}"/>'
        f'<w:footerReference w:type="first" r:id="{FOOTER_FIRST_ID}"/>'
        '<w:footnotePr><w:numRestart w:val="eachSect"/></w:footnotePr>'
        f'<w:pgSz w:w="{page["width"]}" w:h="{page["height"]}"/>'
        f'<w:pgMar w:top="{m["top"]}" w:right="{m["right"]}" w:bottom="{m["bottom"]}" '
        f'w:left="{m["left"]}" w:header="709" w:footer="709" w:gutter="0"/>'
        '<w:cols w:space="708"/>'
        "<w:titlePg/>"  # first page (the cover) uses the empty first-page footer
        '<w:docGrid w:linePitch="360"/>'
        "</w:sectPr>"
    )


def edit_document(xml: str, page: dict) -> str:
    xml, n = re.subn(r"<w:sectPr>.*?</w:sectPr>", lambda _m: section_properties(page), xml, flags=re.S)
    if n != 1:
        raise SystemExit("document.xml bawaan pandoc harus berisi tepat satu sectPr.")
    if f'xmlns:r="{R_NS}"' not in xml:
        raise SystemExit("document.xml bawaan pandoc tidak mendeklarasikan namespace r.")
    return xml


def footer_xml(with_page_number: bool) -> str:
    if with_page_number:
        runs = (
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            "<w:r><w:t>1</w:t></w:r>"
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        )
    else:
        runs = ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:ftr xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
        f'<w:p><w:pPr><w:pStyle w:val="Footer"/><w:jc w:val="center"/></w:pPr>{runs}</w:p>'
        "</w:ftr>"
    )


def edit_rels(xml: str) -> str:
    rels = "".join(
        f'<Relationship Type="{REL_FOOTER}" Id="{rid}" Target="{target}"/>'
        for rid, target in ((FOOTER_DEFAULT_ID, "footer1.xml"), (FOOTER_FIRST_ID, "footer2.xml"))
    )
    return xml.replace("</Relationships>", rels + "</Relationships>", 1)


def edit_content_types(xml: str) -> str:
    overrides = "".join(f'<Override PartName="/word/{name}" ContentType="{CT_FOOTER}"/>'
                        for name in ("footer1.xml", "footer2.xml"))
    return xml.replace("</Types>", overrides + "</Types>", 1)


def edit_theme(xml: str) -> str:
    # Theme fonts (used by any style that still refers to +Body/+Headings) -> body font.
    return re.sub(r'(<a:(?:major|minor)Font>\s*)<a:latin typeface="[^"]*"(?: panose="[^"]*")?\s*/>',
                  rf'\1<a:latin typeface="{BODY_FONT}" panose="{BODY_FONT_PANOSE}"/>', xml)


def edit_settings(xml: str) -> str:
    xml = re.sub(r'<w:themeFontLang w:val="[^"]*"\s*/>', f'<w:themeFontLang w:val="{LANG}"/>', xml)
    # Word refreshes the page numbers of the Daftar Isi/Tabel/Gambar (PAGEREF) on opening;
    # updateFields sits right after w:zoom in the schema's order.
    if "<w:updateFields" not in xml:
        xml = re.sub(r'(<w:zoom\b[^>]*/>)', r'\1<w:updateFields w:val="true"/>', xml, count=1)
    # Body text is justified, as in the PDF; a line ending in a line break (check boxes, the
    # PK's "Nama : …") is not stretched — Word's and LibreOffice's "don't expand character
    # spaces on a line ending with Shift+Return". w:compat comes before w:rsids.
    if "<w:compat" not in xml:
        xml = xml.replace("<w:rsids>", "<w:compat><w:doNotExpandShiftReturn/></w:compat>\n  <w:rsids>", 1)
    return xml


def build(project_root: Path | None = None) -> dict[str, bytes]:
    """All parts of reference.docx, in pandoc's order followed by the new footer parts."""
    parts = pandoc_default_reference()
    page = page_settings(project_root)
    edits = {
        "word/styles.xml": lambda x: edit_styles(x, page),
        "word/document.xml": lambda x: edit_document(x, page),
        "word/_rels/document.xml.rels": edit_rels,
        "[Content_Types].xml": edit_content_types,
        "word/theme/theme1.xml": edit_theme,
        "word/settings.xml": edit_settings,
    }
    for name, edit in edits.items():
        if name not in parts:
            raise SystemExit(f"reference.docx bawaan pandoc tidak berisi {name}.")
        parts[name] = edit(parts[name].decode("utf-8")).encode("utf-8")
    parts["word/footer1.xml"] = footer_xml(True).encode("utf-8")
    parts["word/footer2.xml"] = footer_xml(False).encode("utf-8")
    return parts


def write(parts: dict[str, bytes], target: Path) -> None:
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        # [Content_Types].xml first, as Word writes it; fixed times -> reproducible bytes.
        for name in sorted(parts, key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, parts[name])
    tmp.replace(target)


def read(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Buat lkj/templates/reference.docx (gaya DOCX laporan).")
    ap.add_argument("--output", type=Path, default=OUTPUT, help="berkas tujuan (bawaan: %(default)s)")
    ap.add_argument("--project", type=Path, default=None, help="direktori yang berisi _quarto.yml")
    ap.add_argument("--check", action="store_true", help="hanya periksa apakah berkas sudah mutakhir")
    args = ap.parse_args(argv)
    parts = build(args.project)
    if args.check:
        if not args.output.is_file() or read(args.output) != parts:
            print(f"{args.output} belum mutakhir: jalankan {Path(__file__).name} tanpa --check.")
            return 1
        print(f"{args.output} mutakhir.")
        return 0
    write(parts, args.output)
    print(f"Ditulis: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
