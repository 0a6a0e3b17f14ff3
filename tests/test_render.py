"""Tests for lkj.render: executed notebook -> HTML / PDF / DOCX (embedded and Quarto engines)."""

from __future__ import annotations

import os
import re
import subprocess
import shutil
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import nbformat
import pytest

from lkj.errors import LkjError
from lkj import render as R

QUARTO_SKIP_REASON = (
    "Quarto tidak terpasang: engine quarto diuji hanya bila executable `quarto` ada di PATH"
)

# What the producer writes (it escapes Markdown in user text before display).
INJECTION_MD = (
    r"\<script\>alert(1)\</script\> \#set page(width: 1cm) \$x\$ \@ref \<lbl\> \*b\* \_i\_"
)
INJECTION_LITERALS = ["#set page(width: 1cm)", "$x$", "@ref", "<lbl>", "*b*", "_i_"]

META = (
    "---\n"
    'title: "Laporan Kinerja Camat Triwulan II Tahun 2023"\n'
    'subtitle: "Kecamatan Candipuro"\n'
    'author: "Pemerintah Kabupaten Lumajang"\n'
    'date: "23 Agustus 2023"\n'
    "lang: id\n"
    "---"
)

COVER = (
    "::: {.cover}\n"
    "**LAPORAN KINERJA**\n\n"
    "**CAMAT CANDIPURO**\n\n"
    "Triwulan II Tahun 2023\n\n"
    "PEMERINTAH KABUPATEN LUMAJANG\n"
    ":::\n\n"
    "::: {.pagebreak}\n"
    ":::"
)

BODY = (
    "# BAB I PENDAHULUAN {.unnumbered}\n\n"
    "## A. Capaian Kinerja {.unnumbered}\n\n"
    "Kecamatan Candipuro merupakan perangkat daerah yang dipimpin oleh Camat dan "
    "bertanggung jawab kepada Bupati melalui Sekretaris Daerah. Rincian capaian "
    "disajikan pada @tbl-capaian.\n\n"
    "| No | Uraian | Anggaran (Rp) | Realisasi (Rp) | Capaian |\n"
    "|---:|:-------|--------------:|---------------:|--------:|\n"
    "| 1 | Belanja Operasi | 2.752.150.911 | 1.483.210.000 | 53,89% |\n"
    f"| 2 | {INJECTION_MD} | 1.000 | 500 | 50,00% |\n"
    "| 3 | - Belanja modal | 0 | 0 | 0,00% |\n\n"
    ": Tabel 3.1 Capaian Kinerja {#tbl-capaian}\n\n"
    "![Gambar 3.1 Target dan realisasi](figures/gambar-3-1.png){#fig-target width=90%}\n\n"
    "### 1. Capaian Indikator Kinerja Utama {.unnumbered}\n\n"
    "*+ catatan* tambahan.\n\n"
    "::: {.pagebreak}\n"
    ":::\n\n"
    "# BAB II PENUTUP {.unnumbered}\n\n"
    "Demikian laporan ini disusun.\n\n"
    "::: {.signature}\n"
    "Candipuro, 23 Agustus 2023\n\n"
    "Camat Candipuro\n\n"
    "**NAMA CAMAT**\n\n"
    "NIP. 19700101 199001 1 001\n"
    ":::\n\n"
    "::: {.signatures}\n"
    "::: {.signature}\n"
    "Mengetahui,\\\nCamat Candipuro\n\n**NAMA ATASAN**\\\nNIP. 19700101 199001 1 001\n"
    ":::\n\n"
    "::: {.signature}\n"
    "Candipuro, 23 Agustus 2023\\\nKasi Pemerintahan\n\n**NAMA KASI**\\\nNIP. 19800202 200501 1 002\n"
    ":::\n"
    ":::"
)


def _png(width: int = 24, height: int = 12) -> bytes:
    """A tiny valid PNG (solid blue), written without any imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes((31, 58, 110)) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _md_output(text: str):
    return nbformat.v4.new_output(
        "display_data",
        data={"text/markdown": text, "text/plain": "<IPython.core.display.Markdown object>"},
    )


def make_notebook(directory: Path, body: str = BODY, cover: str = COVER) -> Path:
    """An executed notebook as papermill leaves it: report in Markdown outputs, plus noise."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "figures").mkdir(exist_ok=True)
    (directory / "figures" / "gambar-3-1.png").write_bytes(_png())
    cells = [
        nbformat.v4.new_code_cell("tampilkan_metadata()", outputs=[_md_output(META)]),
        nbformat.v4.new_code_cell(
            "tampilkan_sampul()",
            outputs=[
                _md_output(cover),
                nbformat.v4.new_output("stream", name="stderr", text="WARNING noise\n"),
            ],
        ),
        nbformat.v4.new_code_cell(
            "import pandas as pd\ndf_rahasia = hitung()",
            outputs=[
                nbformat.v4.new_output(
                    "execute_result", data={"text/plain": "PLAINONLY repr"}, execution_count=3
                ),
                nbformat.v4.new_output("stream", name="stdout", text="STDOUT noise\n"),
            ],
        ),
        nbformat.v4.new_code_cell(
            "tampilkan_isi()",
            outputs=[
                _md_output(BODY if body is None else body),
                nbformat.v4.new_output(
                    "error", ename="ValueError", evalue="ERRORNOISE",
                    traceback=["Traceback ERRORNOISE"],
                ),
            ],
        ),
    ]
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("Catatan analis: ANALYST NOTE"), *cells],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    path = directory / "laporan.ipynb"
    nbformat.write(nb, str(path))
    return path


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _pdf_text(path: Path) -> tuple[str, list]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages), reader.pages


def _docx_xml(path: Path, part: str = "word/document.xml") -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


@pytest.fixture(scope="module")
def notebook(tmp_path_factory) -> Path:
    return make_notebook(tmp_path_factory.mktemp("nb"))


@pytest.fixture(scope="module")
def rendered(notebook, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("out")
    return R.render(notebook, out, "lkj-candipuro", engine="embedded")


# ---- notebook_to_markdown ----------------------------------------------------------------


def test_notebook_to_markdown_keeps_only_markdown_outputs(notebook):
    meta, body = R.notebook_to_markdown(notebook)
    assert meta["title"] == "Laporan Kinerja Camat Triwulan II Tahun 2023"
    assert meta["subtitle"] == "Kecamatan Candipuro"
    assert meta["lang"] == "id"
    assert body.index("::: {.cover}") < body.index("# BAB I PENDAHULUAN") < body.index("# BAB II")
    assert "title:" not in body
    for noise in ("IPython", "WARNING noise", "STDOUT noise", "PLAINONLY", "ERRORNOISE",
                  "df_rahasia", "ANALYST NOTE", "Traceback"):
        assert noise not in body


def test_notebook_to_markdown_image_outputs(tmp_path):
    import base64

    png = base64.b64encode(_png()).decode()
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("m", outputs=[_md_output(META)]),
        nbformat.v4.new_code_cell("plot()", outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
        ]),
    ])
    path = tmp_path / "gambar.ipynb"
    nbformat.write(nb, str(path))
    _, inline = R.notebook_to_markdown(path)
    assert "data:image/png;base64," in inline
    _, body = R.notebook_to_markdown(path, assets_dir=tmp_path / "aset")
    assert (tmp_path / "aset" / "keluaran-1.png").read_bytes() == _png()
    assert "keluaran-1.png" in body and "<Figure>" not in body


def test_unexecuted_notebook_is_an_error(tmp_path):
    path = tmp_path / "kosong.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), str(path))
    with pytest.raises(LkjError, match="dieksekusi"):
        R.notebook_to_markdown(path)


# ---- embedded engine: HTML ---------------------------------------------------------------


def test_render_returns_the_three_files(rendered):
    assert set(rendered) == {"html", "pdf", "docx"}
    for fmt, path in rendered.items():
        assert path.name == f"lkj-candipuro.{fmt}"
        assert path.is_file() and path.stat().st_size > 0


def test_html_content(rendered):
    html = rendered["html"].read_text(encoding="utf-8")
    flat = _squash(html)
    assert '<html lang="id">' in html
    assert "<table" in html
    assert "2.752.150.911" in html and "53,89%" in html
    assert html.count("Tabel 3.1 Capaian Kinerja") == 1  # caption exactly once, no prefix
    assert "data:image/png;base64" in html  # self-contained
    assert "DAFTAR ISI" in html and 'id="TOC"' in html
    assert "Gambar 3.1 Target dan realisasi" in html
    assert 'class="signature"' in html and 'class="signatures"' in html
    assert 'class="cover"' in html
    assert "<script" not in html.lower()  # no JavaScript at all, injected or ours
    for bad in ("IPython", "WARNING noise", "STDOUT noise", "PLAINONLY", "ERRORNOISE",
                "df_rahasia", "tampilkan_", "ANALYST NOTE", "Table 1", "Figure 1", "Contents"):
        assert bad not in html, bad
    # @tbl-capaian resolved to the number written in the caption, as a link
    assert re.search(r'<a href="#tbl-capaian"[^>]*>Tabel 3\.1</a>', flat)


def test_html_injection_is_literal(rendered):
    flat = _squash(rendered["html"].read_text(encoding="utf-8"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in flat
    for lit in INJECTION_LITERALS:
        assert lit.replace("<", "&lt;").replace(">", "&gt;") in flat, lit


def test_html_css_and_print_settings(rendered):
    html = rendered["html"].read_text(encoding="utf-8")
    assert "@page { size: 210mm 297mm; margin: 2cm 2cm 2.5cm 3cm; }" in html  # top right bottom left
    assert "table-header-group" in html  # lkj.css embedded
    assert 'class="table-wrap"' in html


# ---- embedded engine: PDF ----------------------------------------------------------------


def test_pdf_content(rendered):
    text, pages = _pdf_text(rendered["pdf"])
    flat = _squash(text)
    assert len(pages) >= 2
    assert "2.752.150.911" in flat and "53,89%" in flat
    assert "DAFTAR ISI" in flat
    assert "Tabel 3.1 Capaian Kinerja" in flat
    assert "Gambar 3.1 Target dan realisasi" in flat
    assert "NAMA CAMAT" in flat and "NIP. 19700101 199001 1 001" in flat
    for bad in ("Tabel 1:", "Gambar 1:", "Figure", "Table 1", "Contents", "IPython",
                "WARNING noise", "ERRORNOISE", "PLAINONLY"):
        assert bad not in flat, bad


def test_pdf_layout(rendered):
    text, pages = _pdf_text(rendered["pdf"])
    # A4 everywhere (the injected "#set page(width: 1cm)" did not run)
    for page in pages:
        assert abs(float(page.mediabox.width) - 595.3) < 1
        assert abs(float(page.mediabox.height) - 841.9) < 1
    cover = pages[0].extract_text()
    assert "LAPORAN KINERJA" in cover
    assert not re.search(r"(?m)^\s*\d+\s*$", cover)  # no page number on the cover
    assert "DAFTAR ISI" in pages[1].extract_text()
    # BAB II starts a new page, after a page with BAB I
    bab2 = [i for i, p in enumerate(pages) if "BAB II PENUTUP" in (p.extract_text() or "")]
    assert bab2 and bab2[-1] > 2


def test_pdf_line_start_markup_is_literal(rendered):
    """Typst list/enum markers at the start of headings, cells and emphasis stay text."""
    text, _ = _pdf_text(rendered["pdf"])
    lines = [line.strip() for line in text.splitlines()]
    assert "1. Capaian Indikator Kinerja Utama" in lines
    assert "- Belanja modal" in _squash(text)
    assert "+ catatan tambahan." in _squash(text)
    assert "•" not in text


def test_pdf_injection_is_literal(rendered):
    text, _ = _pdf_text(rendered["pdf"])
    flat = _squash(text)
    assert "<script>alert(1)</script>" in flat
    for lit in INJECTION_LITERALS:
        assert lit in flat, lit


def test_pdf_fonts_are_the_vendored_body_font(rendered):
    """Liberation Sans from lkj/templates/fonts (system fonts are not searched)."""
    _, pages = _pdf_text(rendered["pdf"])
    fonts = set()
    for page in pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    assert fonts and all("LiberationSans" in f for f in fonts), fonts


def test_typst_skips_system_fonts_when_the_main_font_is_vendored(tmp_path):
    settings = R.load_settings(Path(__file__).resolve().parents[1])["pdf"]
    dirs, skip_system = R.settings._typst_fonts(settings, settings.get("root", tmp_path))
    assert skip_system and any(Path(d) == R.settings.FONTS_DIR.resolve() for d in dirs), dirs
    # a font found nowhere but on this machine: system fonts must be searched
    _, skip_system = R.settings._typst_fonts({**settings, "mainfont": "Fon Yang Tidak Ada"}, tmp_path)
    assert not skip_system


# ---- embedded engine: DOCX ---------------------------------------------------------------


def test_docx_content(rendered):
    xml = _docx_xml(rendered["docx"])
    assert "<w:tbl>" in xml
    assert "2.752.150.911" in xml and "53,89%" in xml
    assert xml.count("Tabel 3.1 Capaian Kinerja") >= 1
    assert "DAFTAR ISI" in xml and "PAGEREF _Toc_lkj_1" in xml  # filled when opened
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xml
    assert "#set page(width: 1cm) $x$" in _squash(xml)
    assert 'w:pStyle w:val="Sampul"' in xml and "TandaTangan" in xml
    assert '<w:pgSz w:w="11906" w:h="16838"/>' in xml  # A4 from _quarto.yml
    for bad in ("IPython", "WARNING noise", "ERRORNOISE", "PLAINONLY", "Table 1", "Figure 1"):
        assert bad not in xml, bad
    with zipfile.ZipFile(rendered["docx"]) as z:
        assert any(n.startswith("word/media/") for n in z.namelist())  # the figure
    core = _docx_xml(rendered["docx"], "docProps/core.xml")
    assert "Laporan Kinerja Camat Triwulan II Tahun 2023" in core


def test_toc_marker_puts_front_matter_before_daftar_isi(tmp_path):
    body = (
        "# KATA PENGANTAR {.unnumbered}\n\nPuji syukur kami panjatkan.\n\n"
        "::: {.signature}\nCandipuro, 23 Agustus 2023\n\nCamat\n\n**NAMA CAMAT**\n:::\n\n"
        "::: {.toc}\n:::\n\n" + BODY
    )
    # a logo inside the cover must resolve like any other figure
    cover = COVER.replace("Triwulan II Tahun 2023\n",
                          "Triwulan II Tahun 2023\n\n![](figures/gambar-3-1.png){width=2cm}\n")
    assert cover != COVER
    nb = make_notebook(tmp_path / "nb", body=body, cover=cover)
    out = R.render(nb, tmp_path / "out", "x", engine="embedded")
    _, pages = _pdf_text(out["pdf"])
    texts = [p.extract_text() or "" for p in pages]
    assert "LAPORAN KINERJA" in texts[0] and "/XObject" in pages[0]["/Resources"]  # logo
    assert texts[1].lstrip().startswith("KATA PENGANTAR")
    assert "DAFTAR ISI" in texts[2] and re.search(r"KATA PENGANTAR[ .]*i\b", texts[2])
    assert "BAB I PENDAHULUAN" in texts[3]
    html = out["html"].read_text(encoding="utf-8")
    assert html.index("Puji syukur") < html.index('id="TOC"') < html.index("Capaian Kinerja</h2>")
    assert 'class="toc"' not in html
    toc = html[html.index('id="TOC"'):html.index("</nav>")]  # lists Kata Pengantar, as the PDF's
    assert re.search(r'<a href="#(kata-pengantar)">KATA PENGANTAR</a>', toc)
    assert 'id="kata-pengantar"' in html and toc.index("KATA PENGANTAR") < toc.index("BAB I")
    xml = _docx_xml(out["docx"])
    assert xml.index("Puji syukur") < xml.index("DAFTAR ISI") < xml.index("BAB I PENDAHULUAN")


# ---- settings from _quarto.yml -----------------------------------------------------------


def test_quarto_yml_drives_embedded_engine(tmp_path):
    nb = make_notebook(tmp_path / "proyek" / "notebooks")
    (tmp_path / "proyek" / "gaya.css").write_text("body { color: #123456; }\n", encoding="utf-8")
    (tmp_path / "proyek" / "_quarto.yml").write_text(
        "project:\n  type: default\n"
        "lang: id\ntoc: true\ntoc-title: \"Isi Laporan\"\n"
        "format:\n"
        "  html:\n    css: gaya.css\n"
        "  typst:\n    papersize: letter\n    margin:\n      x: 2cm\n      y: 3cm\n    fontsize: 12pt\n",
        encoding="utf-8",
    )
    out = R.render(nb, tmp_path / "out", "uji", project_root=tmp_path / "proyek", engine="embedded")
    html = out["html"].read_text(encoding="utf-8")
    assert "Isi Laporan" in html and "DAFTAR ISI" not in html
    assert "#123456" in html
    assert "@page { size: 8.5in 11in; margin: 3cm 2cm 3cm 2cm; }" in html
    text, pages = _pdf_text(out["pdf"])
    assert "Isi Laporan" in text
    assert abs(float(pages[0].mediabox.width) - 612) < 1
    xml = _docx_xml(out["docx"])
    assert "Isi Laporan" in xml and '<w:pgSz w:w="12240" w:h="15840"/>' in xml


def test_copied_project_file_uses_packaged_templates(tmp_path):
    """A project holding only a copy of _quarto.yml (no lkj/templates/) still renders."""
    root = Path(__file__).resolve().parents[1]
    (tmp_path / "proyek").mkdir()
    shutil.copyfile(root / "_quarto.yml", tmp_path / "proyek" / "_quarto.yml")
    nb = make_notebook(tmp_path / "proyek" / "nb")
    out = R.render(nb, tmp_path / "out", "x", formats=("html",), engine="embedded",
                   project_root=tmp_path / "proyek")
    assert "table-header-group" in out["html"].read_text(encoding="utf-8")


def test_settings_defaults_match_project_file():
    s = R.load_settings(Path(__file__).resolve().parents[1])
    assert s["config"] is not None and s["config"].name == "_quarto.yml"
    for fmt in ("html", "pdf", "docx"):
        assert s[fmt]["lang"] == "id"
        assert s[fmt]["toc-title"] == "DAFTAR ISI"
    assert str(s["pdf"]["papersize"]).lower() == "a4"
    assert str(s["html"]["css"]).endswith("lkj.css")


def test_bad_settings_are_reported_in_indonesian(tmp_path):
    (tmp_path / "_quarto.yml").write_text("format:\n  typst:\n    papersize: kertas-aneh\n", encoding="utf-8")
    nb = make_notebook(tmp_path / "nb")
    with pytest.raises(LkjError, match="Ukuran kertas"):
        R.render(nb, tmp_path / "out", "x", engine="embedded", project_root=tmp_path)


# ---- errors ------------------------------------------------------------------------------


def test_invalid_arguments(tmp_path, notebook):
    with pytest.raises(LkjError, match="tidak ditemukan"):
        R.render(tmp_path / "tidak-ada.ipynb", tmp_path, "x", engine="embedded")
    with pytest.raises(LkjError, match="Format keluaran"):
        R.render(notebook, tmp_path, "x", formats=("pdf", "odt"), engine="embedded")
    with pytest.raises(LkjError, match="Nama berkas"):
        R.render(notebook, tmp_path, "../x", engine="embedded")
    with pytest.raises(LkjError, match="Engine render tidak dikenal"):
        R.select_engine("latex")


def test_missing_figure_is_an_error(tmp_path):
    nb = make_notebook(tmp_path / "nb")
    (tmp_path / "nb" / "figures" / "gambar-3-1.png").unlink()
    with pytest.raises(LkjError, match="gambar-3-1.png"):
        R.render(nb, tmp_path / "out", "x", formats=("html",), engine="embedded")


def test_single_format_and_nothing_outside_out_dir(tmp_path, notebook):
    before = set(notebook.parent.rglob("*"))
    out = R.render(notebook, tmp_path / "out", "satu", formats=("html",), engine="embedded")
    assert set(out) == {"html"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["satu.html"]
    assert set(notebook.parent.rglob("*")) == before


def test_missing_figure_in_docx_is_an_error(tmp_path):
    nb = make_notebook(tmp_path / "nb")
    (tmp_path / "nb" / "figures" / "gambar-3-1.png").unlink()
    with pytest.raises(LkjError, match="membuat DOCX: figures/gambar-3-1.png"):
        R.render(nb, tmp_path / "out", "x", formats=("docx",), engine="embedded")
    assert not (tmp_path / "out" / "x.docx").exists()


def test_a_web_image_is_never_fetched_its_description_prints_instead(tmp_path):
    """Images come only from the report's own folders (lkj.lua): an address on the web is not
    fetched in any format (it would leak that the report is being read, or fail the build)."""
    nb = make_notebook(tmp_path / "nb", body=BODY + "\n\n![Peta wilayah](http://127.0.0.1:9/peta.png)\n")
    out = R.render(nb, tmp_path / "out", "x", formats=("docx", "html"), engine="embedded")
    with zipfile.ZipFile(out["docx"]) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith("rels"))
        assert "127.0.0.1" not in xml
        assert "Peta wilayah" in z.read("word/document.xml").decode("utf-8")
    page = out["html"].read_text(encoding="utf-8")
    assert "127.0.0.1:9" not in page and "Peta wilayah" in page


def test_missing_figure_is_named_as_written(tmp_path):
    nb = make_notebook(tmp_path / "nb", body=BODY + "\n\n![Grafik](<grafik kinerja.png>)\n")
    with pytest.raises(LkjError, match="membuat DOCX: grafik kinerja.png"):
        R.render(nb, tmp_path / "out", "x", formats=("docx",), engine="embedded")


def test_style_sheet_that_refers_to_files_is_embedded_by_pandoc(tmp_path):
    """A style sheet with url() goes through pandoc's --embed-resources (command line)."""
    nb = make_notebook(tmp_path / "proyek" / "notebooks")
    (tmp_path / "proyek" / "latar.png").write_bytes(_png(4, 4))
    (tmp_path / "proyek" / "gaya.css").write_text(
        "body { color: #123456; background: url(latar.png); }\n", encoding="utf-8")
    (tmp_path / "proyek" / "_quarto.yml").write_text(
        "format:\n  html:\n    css: gaya.css\n", encoding="utf-8")
    html = R.render(nb, tmp_path / "out", "uji", formats=("html",), project_root=tmp_path / "proyek",
                    engine="embedded")["html"].read_text(encoding="utf-8")
    assert "#123456" in html and "url(latar.png)" not in html
    assert "data:image/png;base64," in html and "figures/gambar-3-1.png" not in html


def test_pandoc_failure_is_reported_in_indonesian(tmp_path, monkeypatch):
    nb = make_notebook(tmp_path / "nb")
    broken = tmp_path / "rusak.lua"
    broken.write_text("function Pandoc(doc) error('filter rusak') end\n", encoding="utf-8")
    monkeypatch.setattr(R.embedded, "LUA_FILTER", broken)
    with pytest.raises(LkjError, match=r"(?s)Pandoc gagal \(kode [1-9]\d*\):.*filter rusak"):
        R.render(nb, tmp_path / "out", "x", engine="embedded")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_pandoc_finds_images_along_the_resource_path_in_order_and_knows_abbreviations(tmp_path):
    """The writers' command lines: an image found only in the second resource directory, one in
    both taken from the first, a name with a space and a file: address all reach the DOCX;
    pandoc's abbreviations file makes "c. " a non-breaking "c.~" in the typst file."""
    nb_dir = tmp_path / "nb"
    nb = make_notebook(nb_dir, body=BODY + (
        "\n\n## Rincian {.unnumbered}\n\n"
        "**c. Indikator:** kinerja, lihat pula hlm. 3 dan Fig. 2.\n\n"
        "    kode\tdengan tab\n\n"
        "![Gambar 3.2 Hanya di direktori kerja](hanya-kerja.png)\n\n"
        "![Gambar 3.3 Ada di keduanya](keduanya.png)\n\n"
        "![Gambar 3.4 Nama dengan spasi](<grafik kinerja.png>)\n\n"
        "![Gambar 3.5 Alamat file:](file:figures/gambar-3-1.png)\n"))
    (nb_dir / "keduanya.png").write_bytes(_png(8, 8))
    settings = R.load_settings(None, nb)
    for fmt in ("html", "pdf", "docx"):
        settings[fmt] = {**settings[fmt], "lang": "en", "number-sections": True, "toc-depth": 3,
                         "toc-title": "Isi lapor. c. Bab"}
    page = R.settings._page_setup(settings["pdf"])
    meta, body = R.notebook_to_markdown(nb)
    work = tmp_path / "kerja"
    work.mkdir()
    (work / "hanya-kerja.png").write_bytes(_png(6, 3))
    (work / "keduanya.png").write_bytes(_png(30, 30))  # not this one: nb_dir comes first
    (work / "grafik kinerja.png").write_bytes(_png(5, 9))
    md = work / "laporan.md"
    md.write_text(R.markdown._markdown_document(meta, body), encoding="utf-8")
    res = [nb_dir, work]
    root = settings["root"]

    def writers(where: Path) -> list:
        where.mkdir()
        ws = [R.embedded._pdf_writer(work, res, settings, page),
              R.embedded._html_writer(work, res, settings, page, root, where / "laporan.html"),
              R.embedded._docx_writer(work, res, settings, page, root)]
        for w in ws:
            w.output = where / w.output.name
        return ws

    env = R.settings._tool_env(1688601600)
    for w in writers(tmp_path / "cli"):
        R.embedded._run(R.embedded._pandoc_cli(w, md, res), "Pandoc", work, env=env)
    names = sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert names == ["laporan.docx", "laporan.html", "laporan.typ"]
    typ = (tmp_path / "cli" / "laporan.typ").read_text(encoding="utf-8")
    assert "c.~Indikator" in typ  # the abbreviations file was used
    with zipfile.ZipFile(tmp_path / "cli" / "laporan.docx") as z:
        media = {z.read(n) for n in z.namelist() if n.startswith("word/media/")}
    # each image from where the command line takes it (the same bytes are stored once)
    assert media == {_png(8, 8), _png(6, 3), _png(5, 9), _png()}



# ---- engine selection and the Quarto engine ----------------------------------------------


@pytest.fixture
def fake_quarto(tmp_path, monkeypatch):
    """A `quarto` executable that records its argv, the notebook and _quarto.yml it is given,
    and writes every format (the DOCX as a copy of the reference document)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "quarto-log"
    log.mkdir()
    script = bindir / "quarto"
    script.write_text(
        "#!/bin/sh\n"
        f'LOG="{log}"\n'
        'printf "%s\\n" "$@" > "$LOG/argv-$(date +%s%N).txt"\n'
        'cp "$2" "$LOG/seen.ipynb"; cp _quarto.yml "$LOG/seen-quarto.yml"\n'
        'ls -R . > "$LOG/workdir.txt"\n'
        'stem="${2%.ipynb}"\n'
        'printf "fake html\\n" > "$stem.html"; printf "fake pdf\\n" > "$stem.pdf"\n'
        f'cp "{R.REFERENCE_DOCX}" "$stem.docx"\n'
        "exit 0\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    return log


def test_auto_selects_quarto_when_on_path(fake_quarto):
    assert R.select_engine("auto") == "quarto"
    assert R.available_engines()["quarto"] is True


def test_one_quarto_render_writes_every_format_with_lkj_templates(fake_quarto, notebook, tmp_path):
    import yaml

    out = R.render(notebook, tmp_path / "out", "lkj-candipuro", engine="quarto")
    assert {f: p.name for f, p in out.items()} == {f: f"lkj-candipuro.{f}" for f in ("html", "pdf", "docx")}
    calls = [p.read_text().splitlines() for p in sorted(fake_quarto.glob("argv-*.txt"))]
    assert calls == [["render", "lkj-candipuro.ipynb", "--to", "all", "--no-execute"]]
    # The copy has the YAML front matter as first (raw) cell and no noise outputs.
    seen = nbformat.read(str(fake_quarto / "seen.ipynb"), as_version=4)
    assert seen.cells[0].cell_type == "raw"
    assert "Laporan Kinerja Camat Triwulan II Tahun 2023" in seen.cells[0].source
    text = nbformat.writes(seen)
    for bad in ("WARNING noise", "ERRORNOISE", "PLAINONLY", "IPython", "ANALYST NOTE"):
        assert bad not in text, bad
    assert "2.752.150.911" in text
    # lkj's filter before Quarto's own, lkj's templates and reference document for every format
    cfg = yaml.safe_load((fake_quarto / "seen-quarto.yml").read_text(encoding="utf-8"))
    assert cfg["filters"] == [{"path": str(R.settings.LUA_FILTER), "at": "pre-ast"}]
    assert set(cfg["format"]) == {"html", "typst", "docx"}
    assert cfg["format"]["html"]["template"].endswith("html.html")
    assert cfg["format"]["typst"]["template"].endswith("lkj.typ")
    assert cfg["format"]["docx"]["reference-doc"].endswith("reference.docx")
    assert all(f["lkj-templates"] is True for f in cfg["format"].values())
    assert "gambar-3-1.png" in (fake_quarto / "workdir.txt").read_text()  # an image it names
    # the DOCX went through the same styling as the embedded engine's (A4, official margins)
    assert '<w:pgSz w:w="11906" w:h="16838"/>' in _docx_xml(out["docx"])


def test_quarto_failure_is_reported(tmp_path, monkeypatch, notebook):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "quarto"
    script.write_text("#!/bin/sh\necho 'ERROR: typst compile failed' >&2\nexit 1\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    with pytest.raises(LkjError, match="Quarto gagal merender") as err:
        R.render(notebook, tmp_path / "out", "x", formats=("html",), engine="quarto")
    assert "typst compile failed" in str(err.value)


def test_without_quarto_auto_is_embedded(tmp_path, monkeypatch, notebook):
    empty = tmp_path / "kosong"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert R.select_engine("auto") == "embedded"
    assert R.available_engines() == {"embedded": True, "quarto": False}
    with pytest.raises(LkjError, match="quarto"):
        R.select_engine("quarto")
    with pytest.raises(LkjError, match="tidak ditemukan di PATH"):
        R.render(notebook, tmp_path / "out", "x", engine="quarto")
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(shutil.which("quarto") is None, reason=QUARTO_SKIP_REASON)
def test_real_quarto_render(tmp_path, notebook):
    out = R.render(notebook, tmp_path / "out", "lkj-quarto", engine="quarto")
    html = out["html"].read_text(encoding="utf-8")
    assert "2.752.150.911" in html and "IPython" not in html and "WARNING noise" not in html
    assert html.count("Tabel 3.1 Capaian Kinerja") == 1
    text, pages = _pdf_text(out["pdf"])
    assert "2.752.150.911" in _squash(text) and len(pages) >= 2
    assert "<w:tbl>" in _docx_xml(out["docx"])


def test_html_refers_to_no_file_outside_itself(tmp_path):
    nb = make_notebook(tmp_path / "nb")
    html = R.render(nb, tmp_path / "out", "x", formats=("html",),
                    engine="embedded")["html"].read_text(encoding="utf-8")
    refs = re.findall(r'(?:src|href)="([^"#][^"]*)"', html)
    assert all(r.startswith("data:") for r in refs), refs[:5]
    assert "<link rel=\"stylesheet\"" not in html



def test_table_cells_reach_typst_as_written(tmp_path):
    """lkj.lua keeps a paragraph in bold alone with the text under it (a sticky block 100 %
    wide); a table cell in bold alone (Tabel 3.5's program rows) is not such a paragraph: the
    wide block made typst give all six columns the same width, and a bold program name ran
    over its cell's border."""
    md = ("| Kode | Uraian | Pagu (Rp) |\n|:--|:--|--:|\n"
          "| **7\\.01\\.01** | **PROGRAM PENUNJANG URUSAN** | **2\\.011\\.493\\.161** |\n"
          "| 7\\.01\\.01\\.2\\.01 | Perencanaan, yaitu: | 8\\.500\\.000 |\n\n"
          ": Tabel 3.5 Realisasi Anggaran\n\n**b. Indikator: Persentase**\n\nTeks di bawahnya.\n")
    typ = subprocess.run([R.embedded._pandoc_path(), "-f", "markdown", "-t", "typst", "--wrap=none",
                          "--lua-filter", str(R.settings.TEMPLATES / "lkj.lua")], input=md,
                         capture_output=True, text=True, check=True).stdout
    table, rest = typ.split("kind: table")
    assert "[#strong[PROGRAM PENUNJANG URUSAN]]" in table and "#block" not in table
    assert rest.split()[1:3] == ["#block(sticky:", "true,"]  # the run-in heading, still kept


def test_a_table_too_wide_for_its_lines_gives_the_descriptions_what_the_rest_does_not_need(
        tmp_path):
    """lkj-halaman.typ, any table wider than one line per row: each column gets its longest
    word and shares the rest by what it would need on one line. Typst's own "fair share" gave a
    short header ("Indikator yang Dihambat", over a column of 1s and 2s) as much as the
    descriptions. Each probe cell prints the width its column got."""
    from pypdf import PdfReader

    from lkj import tools

    uraian = "Peningkatan Kesadaran Keluarga dalam Peningkatan Pendidikan dan Keterampilan " * 2
    probe = "layout(s => [W#calc.round(s.width.pt())])"
    (tmp_path / "t.typ").write_text(
        R.settings.PAGE_RULES.read_text(encoding="utf-8") + "\n#table(columns: 6,\n"
        "[Kode], [Uraian], [Pagu (Rp)], [Realisasi (Rp)], [Serapan], [Indikator yang Dihambat],\n"
        f"[7.01.03.2.06.06], [{uraian}], [3.000.000], [0], [0,00%], [1],\n"
        f"[], {probe}, [], [], [], {probe},\n)\n", encoding="utf-8")
    tools.typst_compile(tmp_path / "t.typ", tmp_path / "t.pdf", tmp_path,
                        [str(R.settings.TEMPLATES / "fonts")], True)
    described, dihambat = (int(w) for w in re.findall(
        r"W(\d+)", PdfReader(tmp_path / "t.pdf").pages[0].extract_text()))
    assert described > 2.5 * dihambat, (described, dihambat)
