"""Text from other people cannot run, read a file or reach the network in any output format.

Every payload of tests/attacks/ (see its README) goes into the inputs of a copy of the
Candipuro sample: narasi payloads into the narasi files, cell payloads into CSV text cells.
A local HTTP server (the canary) stands in for "the network": every payload that would fetch
something points at it. The report must build, print the payloads as text, and then:
the HTML holds no script, event handler, frame or foreign address and carries a strict
Content-Security-Policy; headless Chromium loading it runs nothing and requests nothing; the
PDF holds no line of /etc/passwd; the DOCX refers to no external file. Images in a narasi are
refused by ``lkj check``, naming the file and the line. The fast tests check the narasi
sanitiser alone: what it writes, read as the report reads it, is formatting and nothing else.
"""

from __future__ import annotations

import asyncio
import csv
import html.parser
import http.server
import io
import json
import re
import shutil
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from conftest import copy_project
from lkj import safe_markdown
from lkj.cli import main

ATTACKS = Path(__file__).resolve().parent / "attacks"
TW2 = Path("data/raw/candipuro/2023/camat/tw2")
SLUG = "lkj-candipuro-2023-tw2-camat"
PASSWD = next(line for line in Path("/etc/passwd").read_text().splitlines() if line.strip())


class Canary(http.server.ThreadingHTTPServer):
    """127.0.0.1 on a free port; remembers every path asked for."""

    def __init__(self):
        self.asked: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                canary.asked.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            do_POST = do_HEAD = do_GET

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def canary():
    server = Canary()
    yield server
    server.shutdown()


def payload(path: Path, canary_url: str) -> str:
    return path.read_text(encoding="utf-8").replace("CANARY", canary_url)


NARASI = sorted((ATTACKS / "narasi").glob("*.md"))
GAMBAR = sorted((ATTACKS / "gambar").glob("*.md"))
SHORTCODE = sorted((ATTACKS / "shortcode").glob("*.md"))
SEL = [line for line in (ATTACKS / "sel.txt").read_text(encoding="utf-8").splitlines()
       if line.strip()]


# ---- the narasi sanitiser alone ------------------------------------------------------------

def _report_tree(markdown: str) -> dict:
    """The sanitised Markdown as the report's own reader sees it (pandoc JSON)."""
    from lkj.render.embedded import _pandoc_path

    out = subprocess.run([_pandoc_path(), "--from", safe_markdown.DOC_READER, "--to", "json"],
                         input=markdown, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


ALLOWED = {"Para", "Plain", "Header", "BulletList", "OrderedList", "BlockQuote", "LineBlock",
           "CodeBlock", "HorizontalRule", "Table", "Str", "Space", "SoftBreak", "LineBreak",
           "Emph", "Strong", "Strikeout", "Superscript", "Subscript", "Code", "Link", "Note"}


def inert(node, found: list[str]) -> None:
    """Collect everything in a pandoc JSON tree that is more than formatting."""
    if isinstance(node, list):
        for item in node:
            inert(item, found)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("t")
    if kind is not None and kind[0].isupper() and kind not in ALLOWED and kind not in (
            "Caption", "TableHead", "TableBody", "TableFoot", "Row", "Cell", "AlignLeft",
            "AlignRight", "AlignCenter", "AlignDefault", "ColWidthDefault", "ColWidth",
            "Decimal", "LowerAlpha", "UpperAlpha", "LowerRoman", "UpperRoman", "DefaultStyle",
            "Period", "OneParen", "TwoParens", "DefaultDelim", "Example"):
        found.append(kind)
    c = node.get("c")
    if kind in ("Code", "CodeBlock") and re.search(r"\{\{\s*[<%]", c[1]):
        found.append(f"Quarto shortcode in {kind}: {c[1]}")  # Quarto runs them even in code
    if kind in ("Header", "CodeBlock", "Code", "Link", "Table"):
        attr = c[1] if kind == "Header" else c[0]
        if kind != "Header" and (attr[1] or attr[2] or attr[0]):
            found.append(f"{kind} attributes {attr}")
        if kind == "Header" and (attr[1] or attr[2]):
            found.append(f"Header attributes {attr}")
    if kind == "Link":
        target = c[2][0].lower()
        if not re.match(r"^(https?://|mailto:)\S+$", target):
            found.append(f"link {target}")
    inert(c, found)


@pytest.mark.parametrize("path", NARASI + GAMBAR + SHORTCODE,
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_narasi_payload_becomes_formatting_and_text_only(path, canary):
    text = payload(path, canary.url)
    result = safe_markdown.sanitize({"x": text})["x"]
    found: list[str] = []
    inert(_report_tree(result.markdown)["blocks"], found)
    assert found == []
    assert canary.asked == []
    if path.parent.name == "gambar":
        assert any(kind == "image" for kind, _ in result.found)


def test_narasi_keeps_its_formatting_lists_quotes_tables_and_safe_links():
    text = ("Paragraf **tebal** dan *miring*, catatan^[isi catatan].\n\n"
            "a. Pertama;\n    1. rinci satu;\n    2. rinci dua.\nb. Kedua.\n\n"
            "> kutipan\n\n| Kolom | Nilai |\n|:--|--:|\n| a | 1.000 |\n\n"
            "[situs](https://lumajangkab.go.id) dan <camat@lumajangkab.go.id>\n\n## Subjudul\n")
    result = safe_markdown.sanitize({"x": text})["x"]
    tree = _report_tree(result.markdown)["blocks"]
    kinds = [b["t"] for b in tree]
    assert kinds == ["Para", "OrderedList", "BlockQuote", "Table", "Para", "Header"]
    assert tree[1]["c"][0][1]["t"] == "LowerAlpha"          # a., b. stay letters
    assert tree[1]["c"][1][0][1]["t"] == "OrderedList"       # the 1., 2. inside item a.
    assert tree[5]["c"][0] == 5                              # "##" goes below the report's ###
    links = re.findall(r'"Link",\s*"c":\s*\[[^\]]*\][^"]*"([^"]+)"', json.dumps(tree))
    assert result.found == []
    assert "https://lumajangkab.go.id" in json.dumps(tree) and "mailto:camat@" in json.dumps(tree)
    assert links is not None


MARKUP_BITS = ["[", "]", "(", ")", "{", "}", "<", ">", "!", "`", "*", "_", ":::", "\n", "\n\n",
               "#", "-", "1.", "a.", "|", "$", "@", "^", "~", "\\", "=", '"', "'", "&#58;",
               "javascript:", "https://x.id", "typst:", "=typst", "onload=", "<div>", " ", "x"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.sampled_from(MARKUP_BITS), max_size=40).map("".join),
                min_size=1, max_size=8))
def test_any_mix_of_markup_characters_comes_out_inert(texts):
    results = safe_markdown.sanitize({str(i): t for i, t in enumerate(texts)})
    for result in results.values():
        found: list[str] = []
        inert(_report_tree(result.markdown)["blocks"], found)
        assert found == [], (result.markdown, found)


# ---- images in a narasi: refused, naming the file and the line --------------------------------

@pytest.mark.parametrize("path", GAMBAR, ids=lambda p: p.stem)
def test_an_image_in_a_narasi_is_refused_with_its_file_and_line(project, tw2, capsys, canary,
                                                               path):
    text = payload(path, canary.url)
    (tw2 / "narasi/analisis_penyebab.md").write_text("Paragraf pertama.\n\n" + text,
                                                     encoding="utf-8")
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 1
    err = capsys.readouterr().err
    line = 3 + text[:text.index("![")].count("\n")
    assert (f"narasi/analisis_penyebab.md, baris {line}: gambar tidak didukung di narasi"
            in err), err
    assert canary.asked == []


@pytest.mark.parametrize("path", SHORTCODE, ids=lambda p: p.stem)
def test_a_quarto_shortcode_in_a_narasi_is_refused_with_its_file_and_line(project, tw2, capsys,
                                                                         path):
    text = payload(path, "")
    (tw2 / "narasi/kata_pengantar.md").write_text("Paragraf pertama.\n\n" + text,
                                                  encoding="utf-8")
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 1
    err = capsys.readouterr().err
    line = 3 + text[:re.search(r"\{\{[<%]", text).start()].count("\n")
    assert (f"narasi/kata_pengantar.md, baris {line}: narasi memuat kode Quarto" in err), err


# ---- a whole report built from poisoned inputs -------------------------------------------------

def _poison_cells(root: Path, canary_url: str) -> list[str]:
    """Put a cell payload into text columns of several files; returns the payloads used."""
    cells = [line.replace("CANARY", canary_url) for line in SEL]
    used: list[str] = []
    turn = iter(range(10**6))

    def rewrite(path: Path, columns: tuple[str, ...], rows: int = 3) -> None:
        text = path.read_text(encoding="utf-8-sig")
        table = list(csv.reader(io.StringIO(text), delimiter=";"))
        head = table[0]
        for row in table[1:rows + 1]:
            for col in columns:
                if col in head:
                    value = cells[next(turn) % len(cells)]
                    row[head.index(col)] = value
                    used.append(value)
        out = io.StringIO()
        csv.writer(out, delimiter=";", lineterminator="\n").writerows(table)
        path.write_text(out.getvalue(), encoding="utf-8")

    def rewrite_key(path: Path, keys: tuple[str, ...]) -> None:
        text = path.read_text(encoding="utf-8-sig")
        table = list(csv.reader(io.StringIO(text), delimiter=";"))
        for row in table[1:]:
            if row and row[0] in keys:
                row[1] = cells[next(turn) % len(cells)]
                used.append(row[1])
        out = io.StringIO()
        csv.writer(out, delimiter=";", lineterminator="\n").writerows(table)
        path.write_text(out.getvalue(), encoding="utf-8")

    raw = root / TW2
    rewrite_key(root / "data/raw/candipuro/profil.csv", ("kabupaten",))
    rewrite_key(raw / "laporan.csv", ("tempat", "nama_jabatan"))
    rewrite(raw / "pejabat.csv", ("jabatan", "nama", "nip"))
    rewrite(raw / "pegawai.csv", ("status",))
    rewrite(raw / "perjanjian_kinerja.csv", ("sasaran", "indikator", "definisi",
                                             "label_pembilang", "label_penyebut"))
    rewrite(raw / "kegiatan.csv", ("jenis", "uraian"), rows=6)
    rewrite(raw / "anggaran.csv", ("uraian",), rows=len(SEL))
    return used


ENGINES = ["embedded"] + (["quarto"] if shutil.which("quarto") else [])


@pytest.fixture(scope="module", params=ENGINES)
def poisoned(request, tmp_path_factory, canary):
    root = copy_project(tmp_path_factory.mktemp(f"racun-{request.param}"))
    narasi = root / TW2 / "narasi"
    names = sorted(p.name for p in narasi.glob("*.md"))
    for i, path in enumerate(NARASI):  # each payload appended to a narasi file of its own
        target = narasi / names[i % len(names)]
        target.write_text(target.read_text(encoding="utf-8") + "\n\n"
                          + payload(path, canary.url), encoding="utf-8")
    cells = _poison_cells(root, canary.url)
    # A kecamatan's own chapter template is written by someone else too (lkj/report.py).
    from lkj.report import TEMPLATES
    own = root / "data/raw/candipuro/templat"
    own.mkdir(parents=True)
    (own / "penutup.md").write_text((TEMPLATES / "permenpan/penutup.md").read_text(encoding="utf-8") + "\n\n"
                                 + payload(ATTACKS / "narasi/html.md", canary.url) + "\n\n"
                                 + payload(ATTACKS / "narasi/tautan.md", canary.url),
                                 encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LKJ_ROOT", str(root))
        for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            mp.setenv(var, "http://127.0.0.1:9")  # anything that would go out goes nowhere
        code = main(["report", "--kec", "candipuro", "--tw", "2", "--engine", request.param])
    assert code == 0
    out = root / "reports/candipuro/2023/tw2"
    yield {"root": root, "html": out / f"{SLUG}.html", "pdf": out / f"{SLUG}.pdf",
           "docx": out / f"{SLUG}.docx", "cells": cells, "engine": request.param,
           "asked_during_build": list(canary.asked)}


@pytest.mark.slow
def test_building_from_poisoned_inputs_fetches_nothing(poisoned):
    assert poisoned["asked_during_build"] == []


class _Elements(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


FOREIGN = re.compile(r"^\s*(javascript|vbscript|file|data:text|http://127)", re.I)


@pytest.mark.slow
def test_the_html_holds_no_script_handler_frame_or_foreign_address(poisoned):
    page = poisoned["html"].read_text(encoding="utf-8")
    parser = _Elements()
    parser.feed(page)
    tags = [t for t, _ in parser.found]
    for tag in ("script", "iframe", "object", "embed", "base", "form", "input", "svg", "link"):
        assert tag not in tags, tag
    for tag, attrs in parser.found:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name == "style":  # pandoc's own: alignment and widths of table cells, image sizes
                assert re.fullmatch(r"((text-align: ?(left|right|center)|width: ?[\d.]+(%|cm|px)|"
                                    r"height: ?[\d.]+(%|cm|px));? ?)+", value or ""), (tag, value)
            if name in ("href", "src", "action", "data", "poster"):
                assert not FOREIGN.match(value or ""), (tag, name, value)
            if name == "src":
                assert (value or "").startswith(("data:image/png;", "data:image/jpeg;")), value
        if tag == "meta":
            assert attrs.get("http-equiv", "").lower() != "refresh"
    policy = [a for t, a in parser.found if t == "meta"
              and a.get("http-equiv", "").lower() == "content-security-policy"]
    assert policy and "default-src 'none'" in policy[0]["content"]
    assert "script-src" not in policy[0]["content"]


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return " ".join(html_unescape(re.sub(r"<[^>]+>", " ", page)).split())


def html_unescape(s: str) -> str:
    import html as H
    return H.unescape(s)


@pytest.mark.slow
def test_the_payloads_print_as_text(poisoned):
    text = _text(poisoned["html"].read_text(encoding="utf-8"))
    for piece in ("<script>document.title='PWNED'</script>", "#read(\"/etc/passwd\")",
                  "[fokus]{onfocus=", "javascript:alert(1)"):
        assert piece in text, piece
    assert "[x]{typst:text:fill=\"red\"}" in text            # a cell payload, as typed
    pdf = " ".join("".join(p.extract_text() for p in PdfReader(poisoned["pdf"]).pages).split())
    assert "#read(" in pdf and "[x]{typst:" in pdf  # (shortcodes are refused: see above)


@pytest.mark.slow
def test_the_pdf_holds_no_local_file(poisoned):
    pdf = "".join(p.extract_text() for p in PdfReader(poisoned["pdf"]).pages)
    assert PASSWD not in pdf and "root:x:0:0" not in pdf


@pytest.mark.slow
def test_the_docx_refers_to_no_external_file_or_field(poisoned):
    with zipfile.ZipFile(poisoned["docx"]) as z:
        names = z.namelist()
        xml = {n: z.read(n).decode("utf-8", "replace") for n in names
               if n.endswith((".xml", ".rels"))}
    assert not any("altChunk" in x or "afchunk" in n.lower() for n, x in xml.items())
    for name, text in xml.items():
        assert PASSWD not in text and "root:x:0:0" not in text, name
        for target, mode in re.findall(r'Target="([^"]*)"[^>]*?(?:TargetMode="([^"]*)")?', text):
            if mode == "External":
                assert target.startswith(("https://", "mailto:")), (name, target)
    body = xml["word/document.xml"]
    assert not re.search(r"<w:instrText[^>]*>\s*(INCLUDE|LINK|IMPORT|DDE)", body)
    assert "<w:fldSimple" not in body or "INCLUDE" not in body


@pytest.mark.slow
def test_chromium_runs_no_payload_and_sends_no_request(poisoned, canary, tmp_path):
    from test_portal_chromium import Browser, _chromium

    browser = Browser(_chromium(), tmp_path / "profil")
    try:
        info, requests = asyncio.run(_load(browser.page_ws(), poisoned["html"].as_uri()))
    finally:
        browser.close()
    assert info["title"].startswith("Laporan Kinerja") and not info["marked"]
    assert info["focusedHandlers"] == 0
    outside = [u for u in requests if not u.startswith(("data:", poisoned["html"].as_uri()))]
    assert outside == []
    assert canary.asked == poisoned["asked_during_build"] == []


PROBE = """(async () => {
  await new Promise(r => setTimeout(r, 1500));   // time for autofocus, onload, refresh
  return {title: document.title, marked: document.body.hasAttribute('data-pwned'),
          focusedHandlers: document.querySelectorAll('[onfocus],[onload],[onerror]').length};
})()"""


async def _load(ws_url: str, url: str) -> tuple[dict, list[str]]:
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(ws_url, max_message_size=512 * 2**20)
    events, counter = [], [0]

    async def call(method: str, **params):
        counter[0] += 1
        i = counter[0]
        await conn.write_message(json.dumps({"id": i, "method": method, "params": params}))
        while True:
            data = json.loads(await asyncio.wait_for(conn.read_message(), 120))
            if data.get("id") == i:
                return data.get("result", {})
            events.append(data)

    try:
        for domain in ("Page", "Runtime", "Network"):
            await call(f"{domain}.enable")
        await call("Page.navigate", url=url)
        while not any(e.get("method") == "Page.loadEventFired" for e in events):
            events.append(json.loads(await asyncio.wait_for(conn.read_message(), 120)))
        result = await call("Runtime.evaluate", expression=PROBE, awaitPromise=True,
                            returnByValue=True)
    finally:
        conn.close()
    requests = [e["params"]["request"]["url"] for e in events
                if e.get("method") == "Network.requestWillBeSent"]
    return result["result"]["value"], requests
