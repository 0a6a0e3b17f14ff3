"""Text written by other people, made into Markdown that can format but never run, read or fetch.

Two kinds of untrusted text reach the report. CSV/XLSX cells are printed literally
(:func:`lkj.formatting.md` escapes every ASCII punctuation character). Narasi files are Markdown on
purpose (paragraphs, lists a./1., bold, quotes, tables, notes, links): :func:`sanitize` parses
them with pandoc's own reader — restricted to that formatting — and writes them back through
``templates/narasi.lua``, in one pandoc process for all of a report's narasi. What comes out
holds no raw HTML/typst/OpenXML, no attributes, no divs or spans, no images and no link other
than http(s):// or mailto:, and reads back with the report's reader as the same tree.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"
SCRIPT = TEMPLATES / "narasi.lua"

# The report's Markdown reader (lkj's own markup: fenced divs, attributes, @tbl- references).
# Raw formats are off, and so are HTML-looking divs and spans, metadata in the text and TeX.
DOC_READER = ("markdown-raw_html-raw_tex-raw_attribute-tex_math_dollars-native_divs"
              "-native_spans-bracketed_spans-markdown_in_html_blocks-latex_macros"
              "-pandoc_title_block")
# Narasi: formatting only. No attribute syntax of any kind ({…} on spans, links, headings,
# code, tables), no fenced divs, no citations, no metadata block, no automatic figures or ids.
NARASI_READER = DOC_READER + "".join(f"-{ext}" for ext in (
    "fenced_divs", "link_attributes", "header_attributes", "table_attributes",
    "inline_code_attributes", "fenced_code_attributes", "citations", "yaml_metadata_block",
    "implicit_figures", "auto_identifiers", "implicit_header_references", "example_lists"))
TIMEOUT_S = 60
# Every HTML page lkj writes is one file that is forwarded by e-mail and WhatsApp: it needs no
# script, no request to anywhere, and gets none (images are data: URIs, styles are inline).
HTML_POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
               "base-uri 'none'; form-action 'none'")


@dataclass
class Narasi:
    markdown: str
    # What was refused or changed: (kind, value); kinds: image, link, plain, error.
    found: list[tuple[str, str]] = field(default_factory=list)


class TooComplex(Exception):
    """pandoc did not finish a narasi in time or ran out of memory."""

    def __init__(self, name: str, why: str):
        super().__init__(f"{name}: {why}")
        self.name, self.why = name, why


def sanitize(texts: dict[str, str], timeout: float = TIMEOUT_S) -> dict[str, Narasi]:
    """Every text made safe, in one pandoc run; {name: Narasi}."""
    return start(texts).result(timeout)


class start:
    """:func:`sanitize` begun now and finished by :meth:`result`: pandoc parses the narasi while
    the caller reads the tables."""

    def __init__(self, texts: dict[str, str]):
        self.proc = None
        if not texts:
            return
        from lkj.render.embedded import _pandoc_path

        job = {"reader": NARASI_READER, "doc_reader": DOC_READER,
               "texts": [{"name": k, "text": v} for k, v in texts.items()]}
        self.proc = subprocess.Popen(
            [_pandoc_path(), "+RTS", "-M1024m", "-H16m", "-O16m", "-RTS", "lua", str(SCRIPT)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # pandoc reads all of its input before it writes anything: no pipe can fill up.
        self.proc.stdin.write(json.dumps(job, ensure_ascii=False).encode("utf-8"))
        self.proc.stdin.close()
        self.proc.stdin = None  # so that communicate() does not flush it again

    def result(self, timeout: float = TIMEOUT_S) -> dict[str, Narasi]:
        proc = self.proc
        if proc is None:
            return {}
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            raise TooComplex(_last_started(err), f"pandoc tidak selesai dalam {timeout:.0f} "
                             "detik") from None
        finally:
            if proc.poll() is None:  # interrupted: pandoc must not outlive the caller's wish
                proc.kill()
                proc.wait()
        err = err.decode("utf-8", "replace")
        if proc.returncode != 0:
            why = ("memori habis" if "Heap exhausted" in err
                   else f"pandoc gagal (kode {proc.returncode})")
            raise TooComplex(_last_started(err), why)
        return {r["name"]: Narasi(r["markdown"], [(f["kind"], f["value"]) for f in r["found"]])
                for r in json.loads(out)}


def _last_started(stderr: str | bytes | None) -> str:
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    names = [line[len("narasi "):] for line in (stderr or "").splitlines()
             if line.startswith("narasi ")]
    return names[-1] if names else "?"
