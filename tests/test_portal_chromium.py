"""The portal (reports/index.html): its content, and how it renders in a real browser.

The browser test opens the portal and every linked HTML report in headless Chromium (Debian
``chromium``) through the DevTools protocol: no console error or uncaught exception, every link
resolves (files exist, in-page anchors have a target), every image loads, and category chips
carry their category's colour. Screenshots are saved under build/uji-chromium/. The test skips
only when chromium is absent outside CI; with CI=true it must run (.ci/run installs chromium).
"""

import asyncio
import datetime as dt
import itertools
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from kabupaten_fixture import BUILT, ROOT, copy_project, kabupaten_project, lkj
from lkj import portal
from lkj.charts import BAND_COLOURS

SCREENSHOTS = ROOT / "build" / "uji-chromium"
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000")


# ---- content (no browser needed) -----------------------------------------------------------

@pytest.fixture
def sample(tmp_path):
    root = copy_project(tmp_path)
    return root


def test_portal_lists_data_folders_even_before_any_report_exists(sample):
    page = portal.render_html(sample, now=dt.datetime(2023, 9, 1, 8, 0))
    assert "<h2>Triwulan II Tahun 2023</h2>" in page
    assert "Candipuro" in page and "belum dibuat" in page
    assert "<script" not in page and "http://" not in page and "https://" not in page


def test_portal_row_shows_capaian_chips_budget_due_date_and_lateness(sample):
    from lkj import pipeline
    from lkj.params import ReportId
    pipeline.process(sample, ReportId("candipuro", 2023, 2))   # the numbers the report uses
    page = portal.render_html(sample)
    # seed 000: IK-01 28/51 = 54,90% → capaian 60,00% (Rendah); IK-02 10/30 → 40,65% (Sangat
    # Rendah); budget 1.483.229.067 ÷ 2.752.150.911 = 53,89%
    assert re.search(r'background:' + BAND_COLOURS["Rendah"] + r'[^>]*>60,00%</span> 1\. '
                     r'Persentase hasil fasilitasi', page)   # the name is printed: no hover on a phone
    assert re.search(r'background:' + BAND_COLOURS["Sangat Rendah"] + r'[^>]*>40,65%</span> 2\. ',
                     page)
    assert "53,89%" in page and "Rp1.483.229.067 dari Rp2.752.150.911" in page
    # due 5 working days after 30 June 2023 (Fri): 3–7 July, no holiday → 7 Juli 2023; signed
    # 23 Agustus 2023 → late
    assert "7 Juli 2023" in page and "23 Agustus 2023" in page and "terlambat 31 hari kerja" in page


def test_portal_marks_synthetic_kecamatan(sample):
    assert lkj(sample, "synth", "--kec", "tempeh", "--tahun", "2023", "--tw", "2").returncode == 0
    page = portal.render_html(sample)
    assert "Tempeh (data contoh/sintetis)" in page


# ---- in the browser -------------------------------------------------------------------------

def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe:
        return exe
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but `chromium` is not installed; .ci/run must install it")
    pytest.skip("headless browser test needs Debian's `chromium` (apt-get install chromium); "
                "it is not installed on this machine")


class Browser:
    """Headless Chromium with the DevTools protocol on a free port."""

    def __init__(self, exe: str, profile: Path):
        self.log = profile.parent / "chromium.log"
        self.proc = subprocess.Popen(
            [exe, *CHROME_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"))
        port_file = profile / "DevToolsActivePort"
        deadline = time.time() + 60
        while not (port_file.is_file() and port_file.read_text().strip()):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("chromium did not start: " + self.log.read_text(errors="replace")[-2000:])
            time.sleep(0.1)
        self.port = int(port_file.read_text().split()[0])

    def page_ws(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=30) as r:
            pages = [t for t in json.load(r) if t.get("type") == "page"]
        return pages[0]["webSocketDebuggerUrl"]

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


INSPECT = """(async () => {
  await Promise.all(Array.from(document.images).map(i => i.complete ? 1 :
      new Promise(r => { i.onload = i.onerror = r; })));
  const anchors = Array.from(document.querySelectorAll('a[href]'));
  return {
    title: document.title,
    text: document.body.innerText,
    height: document.body.scrollHeight,
    links: anchors.map(a => a.href),
    missingTargets: anchors.map(a => a.getAttribute('href')).filter(h => h.startsWith('#'))
        .filter(h => !document.getElementById(decodeURIComponent(h.slice(1)))),
    brokenImages: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length,
    images: document.images.length,
    chips: Array.from(document.querySelectorAll('span.chip')).map(c =>
        [c.title.split(' — ').pop(), getComputedStyle(c).backgroundColor]),
  };
})()"""


async def _visit(ws_url: str, url: str, screenshot: Path, width: int | None = None,
                 expression: str = INSPECT) -> tuple[dict, list[str]]:
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(ws_url, max_message_size=512 * 2**20)
    ids, events = itertools.count(1), []

    async def call(method: str, **params):
        i = next(ids)
        await conn.write_message(json.dumps({"id": i, "method": method, "params": params}))
        while True:
            msg = await asyncio.wait_for(conn.read_message(), 120)
            if msg is None:
                raise RuntimeError("DevTools connection closed")
            data = json.loads(msg)
            if data.get("id") == i:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                return data.get("result", {})
            events.append(data)

    async def until(event: str):
        while not any(e.get("method") == event for e in events):
            msg = await asyncio.wait_for(conn.read_message(), 120)
            if msg is None:
                raise RuntimeError("DevTools connection closed")
            events.append(json.loads(msg))

    try:
        for domain in ("Page", "Runtime", "Log"):
            await call(f"{domain}.enable")
        if width:  # a phone: its width, a touch screen's scale
            await call("Emulation.setDeviceMetricsOverride", width=width, height=844,
                       deviceScaleFactor=2, mobile=True)
        else:
            await call("Emulation.clearDeviceMetricsOverride")
        events.clear()
        nav = await call("Page.navigate", url=url)
        assert not nav.get("errorText"), f"{url}: {nav.get('errorText')}"
        await until("Page.loadEventFired")
        result = await call("Runtime.evaluate", expression=expression, awaitPromise=True,
                            returnByValue=True)
        info = result["result"]["value"]
        shot = await call("Page.captureScreenshot", format="png")
        import base64
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
    finally:
        conn.close()
    errors = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.exceptionThrown":
            errors.append(json.dumps(p.get("exceptionDetails", {}))[:500])
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            errors.append(p["entry"].get("text", "") + " " + p["entry"].get("url", ""))
    return info, errors


# What a phone user meets: sideways scrolling of the page, words broken across lines inside
# table cells (a word whose Range has two line boxes), the width of the No column, charts
# shrunk below the width their labels were drawn for, links outside the screen.
PHONE = """(async () => {
  await Promise.all(Array.from(document.images).map(i => i.complete ? 1 :
      new Promise(r => { i.onload = i.onerror = r; })));
  const broken = [];
  for (const cell of document.querySelectorAll('th, td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (const m of n.data.matchAll(/[^\\s-]+/g)) {  // a line may end after a hyphen
        const r = document.createRange();
        r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
        const lines = new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  const firstColumns = Array.from(document.querySelectorAll('table'))
      .map(t => t.querySelector('tr > :first-child')).filter(c => c && c.innerText.trim() === "No")
      .map(c => c.getBoundingClientRect().width);
  return {
    viewport: window.innerWidth,
    pageWidth: document.scrollingElement.scrollWidth,
    broken: broken,
    firstColumns: firstColumns,
    charts: Array.from(document.querySelectorAll('figure img')).map(i => i.getBoundingClientRect().width),
    fades: Array.from(document.querySelectorAll('.table-wrap, figure')).map(e =>
        [e.scrollWidth > e.clientWidth + 1, getComputedStyle(e).maskImage !== 'none']),
    linksOutside: Array.from(document.querySelectorAll('a[href]')).filter(a => {
        const r = a.getBoundingClientRect(); return r.width > 0 && r.right > window.innerWidth + 1; })
        .map(a => a.innerText),
  };
})()"""


@pytest.mark.slow
def test_on_a_phone_nothing_scrolls_sideways_no_word_breaks_and_charts_stay_legible(browser):
    root = kabupaten_project()["root"]
    pages = [root / "reports/index.html"] + [root / "reports" / p for p in (
        "candipuro/2023/tw2/lkj-candipuro-2023-tw2-camat.html",)]
    for page in pages:
        info, errors = asyncio.run(_visit(browser.page_ws(), page.as_uri(),
                                          SCREENSHOTS / f"telepon-{page.stem}.png", width=390,
                                          expression=PHONE))
        assert errors == [], errors
        assert info["viewport"] == 390
        assert info["pageWidth"] <= info["viewport"], page.name   # tables scroll in their box
        assert info["broken"] == [], (page.name, info["broken"][:10])
        assert all(w < 60 for w in info["firstColumns"]), (page.name, info["firstColumns"])
        assert all(w >= 500 for w in info["charts"]), (page.name, info["charts"])  # in a scroller
        # what scrolls sideways fades at its right edge (there is more), what fits does not
        assert all(scrolls == fades for scrolls, fades in info["fades"]), (page.name, info["fades"])
        assert info["linksOutside"] == [], (page.name, info["linksOutside"])
    assert info["firstColumns"] and info["charts"]  # the report has both
    assert {scrolls for scrolls, _ in info["fades"]} == {True, False}  # and both kinds


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    exe = _chromium()
    b = Browser(exe, tmp_path_factory.mktemp("chromium") / "profil")
    yield b
    b.close()


@pytest.mark.slow
def test_portal_and_reports_render_in_chromium_without_errors(browser):
    kab = kabupaten_project()
    root = kab["root"]
    index = root / "reports" / "index.html"
    assert index.is_file()   # written by `lkj all`
    info, errors = asyncio.run(_visit(browser.page_ws(), index.as_uri(), SCREENSHOTS / "portal.png"))
    assert errors == [], errors
    assert info["title"].startswith("Laporan Kinerja Kecamatan")
    text = info["text"]
    for name in ("Candipuro", "Pasirian (data contoh/sintetis)", "Tempeh (data contoh/sintetis)",
                 "Klakah (data contoh/sintetis)"):
        assert name in text
    assert "gagal dibuat pada make all terakhir" in text and "dua juta" in text
    assert info["height"] > 300 and info["missingTargets"] == []
    # chips are coloured by their category
    assert info["chips"], "no capaian chips rendered"
    for kategori, colour in info["chips"]:
        if kategori in BAND_COLOURS:
            assert colour == _rgb(BAND_COLOURS[kategori]), (kategori, colour)
    # every link resolves: the three formats of every built report and its audit trail (HTML,
    # PDF), nothing external
    reports = [Path(unquote(urlparse(u).path)) for u in info["links"]]
    assert all(urlparse(u).scheme == "file" for u in info["links"]), info["links"]
    assert {p.name for p in reports if p.name.startswith("lkj-")} == {
        f"lkj-{k}-2023-tw2-camat.{e}" for k in BUILT for e in ("html", "pdf", "docx")} | {
        f"lkj-{k}-2023-tw2-camat-jejak-audit.{e}" for k in BUILT for e in ("html", "pdf")}
    for p in reports:   # (a kabupaten recap, when test_rekap ran first, is linked too)
        assert p.is_file() and p.stat().st_size > 1000, p
        head = p.read_bytes()[:4]
        assert head == {".pdf": b"%PDF", ".docx": b"PK\x03\x04"}.get(p.suffix, head)
    # each linked report renders too
    for p in (p for p in reports if p.suffix == ".html" and p.name.startswith("lkj-")):
        info, errors = asyncio.run(_visit(browser.page_ws(), p.as_uri(),
                                          SCREENSHOTS / f"{p.stem}.png"))
        assert errors == [], (p.name, errors)
        assert info["missingTargets"] == [], (p.name, info["missingTargets"])
        audit = p.stem.endswith("-jejak-audit")  # the audit trail: tables, no charts
        assert info["images"] >= (0 if audit else 3) and info["brokenImages"] == 0
        assert ("Berkas Masukan" if audit else "BAB III") in info["text"]
        assert audit or info["height"] > 2000
    shot = (SCREENSHOTS / "portal.png").read_bytes()
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000
    print(f"screenshots: {SCREENSHOTS}")


@pytest.mark.slow
def test_the_report_printed_from_a_browser_numbers_every_page_but_the_cover(tmp_path):
    from pypdf import PdfReader
    report = kabupaten_project()["root"] / "reports/candipuro/2023/tw2/lkj-candipuro-2023-tw2-camat.html"
    out = tmp_path / "cetak.pdf"
    subprocess.run([_chromium(), *CHROME_FLAGS, f"--user-data-dir={tmp_path / 'profil'}",
                    "--no-pdf-header-footer", f"--print-to-pdf={out}", report.as_uri()],
                   check=True, capture_output=True, timeout=120)
    lines = [[ln.strip() for ln in (p.extract_text() or "").splitlines()] for p in PdfReader(out).pages]
    assert "1" not in lines[0] and all(str(n) in lines[n - 1] for n in range(2, len(lines) + 1))
