"""``lkj watch`` (``make watch KEC=… TW=…``): rebuild a report whenever one of its inputs changes.

For the analyst's edit loop: the report is shown at http://127.0.0.1:PORT/ and the open page
reloads itself after each rebuild. A failed rebuild shows its message on the page and keeps
the last good report (publishing is all or nothing). This process imports everything once;
each rebuild runs in a fork of it (Linux; elsewhere a fresh ``lkj report``), so a rebuild is
as warm as the second report of ``make all`` and shares no state with the one before. Ctrl+C
ends it: the rebuild under way is stopped, the server closes, nothing keeps running.

The page served at / is lkj's own: a frame holding the report and a small script that asks
/status whether a newer build exists. The report itself keeps its strict policy (no script).
"""

from __future__ import annotations

import html
import http.server
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from lkj import execute, layout
from lkj.params import ReportId

POLL_S = 0.1      # how often the inputs are looked at (a look: ≈1 ms, 1 % of a core)
SETTLE_S = 0.1    # an editor may write a file in several steps: wait until it is still
BUILD_POLL_S = 0.05  # while a rebuild runs: the page hears of its end at once


def snapshot(root: Path, rid: ReportId) -> dict[str, tuple[int, int]]:
    """Every input of the report and the folders holding them (for added or removed files),
    with its modification time and size: the list make and `lkj all` use (lkj.layout)."""
    out = {}
    for p in layout.watched(root, rid):
        try:
            st = p.stat()
        except OSError:
            continue
        out[str(p)] = (st.st_mtime_ns, st.st_size)
    return out


@dataclass
class State:
    """What the page asks for at /status."""
    versi: int = 0
    keadaan: str = "membangun"  # membangun | siap | gagal
    pesan: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, **values) -> None:
        with self.lock:
            for k, v in values.items():
                setattr(self, k, v)

    def json(self) -> bytes:
        with self.lock:
            return json.dumps({"versi": self.versi, "keadaan": self.keadaan,
                               "pesan": self.pesan}, ensure_ascii=False).encode("utf-8")


PAGE = """<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-src 'self'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lkj watch — {label}</title>
<style>
body {{ margin: 0; font-family: sans-serif; }}
#pesan {{ display: none; white-space: pre-wrap; margin: 0; padding: .8em 1em;
         background: #fde8e8; color: #7a1010; border-bottom: 2px solid #c53030; }}
#keadaan {{ position: fixed; right: .5em; bottom: .5em; font-size: .8em; color: #555;
           background: #fff; padding: .2em .5em; border: 1px solid #ccc; }}
iframe {{ border: 0; width: 100%; height: 100vh; }}
</style></head><body>
<pre id="pesan"></pre><div id="keadaan">…</div>
<iframe id="laporan" src="/laporan.html" title="Laporan {label}"></iframe>
<script>
let versi = null;
async function tanya() {{
  try {{
    const s = await (await fetch("/status", {{cache: "no-store"}})).json();
    const p = document.getElementById("pesan");
    p.style.display = s.keadaan === "gagal" ? "block" : "none";
    p.textContent = s.keadaan === "gagal" ? "Laporan terakhir TIDAK diperbarui:\\n" + s.pesan : "";
    document.getElementById("keadaan").textContent =
      {{membangun: "sedang membangun…", siap: "mutakhir", gagal: "gagal — laporan lama"}}[s.keadaan];
    if (versi !== null && s.versi !== versi) document.getElementById("laporan").src = "/laporan.html?v=" + s.versi;
    versi = s.versi;
  }} catch (e) {{ document.getElementById("keadaan").textContent = "lkj watch tidak berjalan"; }}
}}
setInterval(tanya, 700); tanya();
</script></body></html>
"""


def _server(root: Path, rid: ReportId, state: State, port: int) -> http.server.HTTPServer:
    report = rid.report_dir(root) / f"{rid.slug}.html"
    page = PAGE.format(label=html.escape(rid.label())).encode("utf-8")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            path = self.path.split("?", 1)[0]
            # a page on another site that renames itself 127.0.0.1 (DNS rebinding) asks with
            # its own name: only this machine's names are answered
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            if host not in ("127.0.0.1", "localhost"):
                self._send(403, "text/plain; charset=utf-8", b"hanya untuk 127.0.0.1")
            elif path == "/":
                self._send(200, "text/html; charset=utf-8", page)
            elif path == "/status":
                self._send(200, "application/json", state.json())
            elif path == "/laporan.html":
                try:
                    self._send(200, "text/html; charset=utf-8", report.read_bytes())
                except OSError:
                    self._send(200, "text/html; charset=utf-8", (
                        "<!DOCTYPE html><meta charset='utf-8'><p>Laporan belum ada; lihat "
                        "pesan di atas.</p>").encode("utf-8"))
            else:
                self._send(404, "text/plain; charset=utf-8", b"tidak ada")

        def _send(self, code: int, kind: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def watch(root: Path, rid: ReportId, engine: str = "auto",
          formats: tuple[str, ...] = ("html", "pdf", "docx"), port: int = 8040,
          out=sys.stdout) -> int:
    from lkj import batch, charts, publish
    from lkj.pipeline import DIBUAT

    state = State()
    try:
        server = _server(root, rid, state, port)
    except OSError as exc:
        print(f"Gagal: port {port} di 127.0.0.1 tidak bisa dipakai ({exc.strerror}). Pilih "
              f"port lain, mis. make watch PORT={port + 1}.", file=sys.stderr)
        return 1
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"Memantau {rid.label()}: buka {url} di peramban. Laporan dibangun ulang setiap kali "
          "berkas datanya disimpan. Hentikan dengan Ctrl+C.", file=out, flush=True)
    if execute.can_fork():
        batch.warm_up(root)
    build: batch.Child | None = None
    seen: dict = {}
    pending = not layout.up_to_date(root, rid, engine, formats)
    if not pending:
        state.set(versi=1, keadaan="siap")
    try:
        with publish.work_dir(root / "build", "watch-") as folder:
            charts.CACHE = folder / "grafik"  # each rebuild forks from here: charts are kept
            while True:
                now = snapshot(root, rid)
                if now != seen:
                    if seen:
                        time.sleep(SETTLE_S)
                        now = snapshot(root, rid)
                        pending = True
                    seen = now
                if build is not None and (o := build.poll()) is not None:
                    if o.status == DIBUAT:
                        state.set(versi=state.versi + 1, keadaan="siap", pesan="")
                        print(f"Laporan diperbarui ({o.seconds:.1f} detik).", file=out, flush=True)
                    else:
                        state.set(versi=state.versi + 1, keadaan="gagal", pesan=o.message)
                        print(f"Laporan TIDAK diperbarui (laporan lama tetap ada):\n{o.message}",
                              file=out, flush=True)
                    build = None
                if pending and build is None:
                    pending = False
                    state.set(keadaan="membangun")
                    build = batch.Child(root, rid, engine, formats, folder)
                time.sleep(POLL_S if build is None else BUILD_POLL_S)
    except KeyboardInterrupt:
        print("Pemantauan dihentikan.", file=out, flush=True)
        return 0
    finally:
        charts.CACHE = None
        if build is not None:
            batch.stop([build])
        server.shutdown()
        server.server_close()
