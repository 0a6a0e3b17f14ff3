"""Rendering layer: executed notebook → HTML, PDF and DOCX.

The notebook (executed by papermill) holds the report as the ``text/markdown`` data of its
``display_data``/``execute_result`` outputs; the first one is a YAML metadata block. Two
engines render it behind one interface:

* ``quarto``   — ``quarto render`` on a cleaned copy of the notebook (used when a ``quarto``
  executable is on PATH);
* ``embedded`` — pure Python + bundled binaries: the outputs are collected into ONE
  intermediate Markdown file, which ONE pandoc process (from ``pypandoc-binary``, running
  ``templates/render.lua``) reads once and writes as typst (compiled to PDF by the ``typst``
  package while pandoc goes on), as self-contained HTML and as DOCX. It does what three
  ``pandoc --lua-filter lkj.lua --to …`` command lines would do, byte for byte (a test
  compares them), for ≈0,3 s less CPU per report: the text is read once and the 160 MB
  program starts once.

``_quarto.yml`` is the single place for shared settings; the embedded engine reads it too
(see :func:`load_settings`). Layout of the custom Markdown divs (``.cover``, ``.pagebreak``,
``.signature``, ``.signatures`` and the optional empty ``.toc`` marker that places the Daftar
Isi after front matter such as the Kata Pengantar) lives in ``templates/lkj.lua`` (+
``lkj.typ``, ``lkj.css``, ``html.html``), shared by both engines.

User text never becomes raw HTML/typst: pandoc reads the Markdown with ``raw_html``,
``raw_tex`` and ``raw_attribute`` disabled, so only markup built by our own filter and
templates reaches the output.
"""

from __future__ import annotations

import base64
import os
import html
import re
import shutil
import subprocess
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from lkj import tools
from lkj.errors import LkjError
from lkj.safe_markdown import DOC_READER, HTML_POLICY

__all__ = [
    "FORMATS",
    "ENGINES",
    "available_engines",
    "select_engine",
    "render",
    "notebook_to_markdown",
    "load_settings",
]

FORMATS = ("html", "pdf", "docx")
ENGINES = ("auto", "embedded", "quarto")

TEMPLATES = Path(__file__).resolve().parent / "templates"
LUA_FILTER = TEMPLATES / "lkj.lua"
TYPST_TEMPLATE = TEMPLATES / "lkj.typ"
PAGE_RULES = TEMPLATES / "lkj-halaman.typ"  # typst rules of both engines (partial of lkj.typ)
HTML_TEMPLATE = TEMPLATES / "html.html"
DEFAULT_CSS = TEMPLATES / "lkj.css"
REFERENCE_DOCX = TEMPLATES / "reference.docx"
DRIVER = TEMPLATES / "render.lua"  # `pandoc lua` script: one pandoc process writes every format

# pandoc Markdown reader: no raw HTML / TeX / {=format} blocks, no TeX math ($ is literal).
PANDOC_READER = DOC_READER

# Fonts compiled into the typst Python package (no system fonts are needed).
TYPST_EMBEDDED_FONTS = ("Libertinus Serif", "New Computer Modern", "DejaVu Sans Mono")
# The body font of an official letter (Tata Naskah Dinas: Arial); Liberation Sans has Arial's
# metrics and ships with lkj (templates/fonts, SIL OFL 1.1), so no machine depends on its own.
DEFAULT_FONT = "Liberation Sans"
FONTS_DIR = TEMPLATES / "fonts"

# Settings used when no _quarto.yml is found (they mirror the project's _quarto.yml).
DEFAULT_SETTINGS: dict[str, Any] = {
    "lang": "id",
    "toc": True,
    "toc-title": "Daftar Isi",
    "toc-depth": 2,
    "number-sections": False,
    "papersize": "a4",
    "margin": {"top": "2cm", "bottom": "2.5cm", "left": "3cm", "right": "2cm"},
    "fontsize": "12pt",
    "mainfont": DEFAULT_FONT,
    "font-paths": ["lkj/templates/fonts"],
}

# output format -> keys under `format:` in _quarto.yml (first found wins)
_QUARTO_FORMAT_KEYS = {"html": ("html",), "pdf": ("typst", "pdf"), "docx": ("docx",)}
_QUARTO_TO = {"html": "html", "pdf": "typst", "docx": "docx"}

# paper name -> (typst paper name or None, width, height)
_PAPERS = {
    "a4": ("a4", "210mm", "297mm"),
    "a5": ("a5", "148mm", "210mm"),
    "a3": ("a3", "297mm", "420mm"),
    "b5": ("iso-b5", "176mm", "250mm"),
    "f4": (None, "215mm", "330mm"),
    "folio": (None, "215mm", "330mm"),
    "letter": ("us-letter", "8.5in", "11in"),
    "us-letter": ("us-letter", "8.5in", "11in"),
    "legal": ("us-legal", "8.5in", "14in"),
    "us-legal": ("us-legal", "8.5in", "14in"),
}

_LENGTH_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(cm|mm|in|pt)\s*$")
_FONT_RE = re.compile(r"^[A-Za-z0-9 ._-]{1,80}$")
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_TWIPS = {"cm": 1440 / 2.54, "mm": 144 / 2.54, "in": 1440.0, "pt": 20.0}


# ---------------------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------------------


def _quarto_path() -> str | None:
    return shutil.which("quarto")


@lru_cache(maxsize=1)
def _pandoc_path() -> str:
    try:
        import pypandoc
    except ImportError as exc:  # pragma: no cover - dependency of the project
        raise LkjError(
            "Paket pypandoc-binary tidak terpasang; pasang dependensi proyek "
            "(pip install -e .) untuk memakai engine bawaan."
        ) from exc
    try:
        path = pypandoc.get_pandoc_path()
    except OSError as exc:
        raise LkjError(
            "Program pandoc tidak ditemukan. Pasang ulang paket pypandoc-binary."
        ) from exc
    return str(path)


QUARTO_TIMEOUT = 900  # seconds per format; Quarto starts slowly


# Pandoc's runtime is built to take 64 MB of heap up front (-H64m); a report needs far less
# (its live data is a few MB): -H16m (133 MB peak instead of 177 MB for the sample report, same
# CPU). With a small heap the old generation would be collected 6–7 times per run; -O16m lets
# it grow to 16 MB first (2 collections): a quarter less CPU for ~2 MB more (measured with
# +RTS -s; larger -O or -H cost more CPU, not less).
# -M: the heap may not grow beyond 1 GB. The largest inputs validation lets through (13 narasi of
# 100 KB) need ~350 MB; pathological Markdown (deeply nested brackets) would take all the
# machine's memory before the time limit ends it.
PANDOC_MEMORY = 1 << 30
PANDOC_RTS = ("+RTS", "-H16m", "-O16m", f"-M{PANDOC_MEMORY >> 20}m", "-RTS")
PANDOC_TIMEOUT = 120  # seconds per step; a report takes about 1 s, the largest inputs ~15 s


@lru_cache(maxsize=1)
def _pandoc_rts() -> tuple[str, ...]:
    """PANDOC_RTS when this pandoc accepts runtime options (builds without -rtsopts refuse)."""
    try:
        probe = tools.run([_pandoc_path(), *PANDOC_RTS, "--version"], "Pandoc", Path.cwd(), 30,
                          check=False)
    except (LkjError, OSError):
        return ()
    return PANDOC_RTS if probe.returncode == 0 else ()


def _embedded_available() -> bool:
    import importlib.util

    if importlib.util.find_spec("typst") is None or importlib.util.find_spec("pypandoc") is None:
        return False
    try:
        return Path(_pandoc_path()).exists()
    except LkjError:
        return False


def available_engines() -> dict[str, bool]:
    """Which render engines can run here: ``{"embedded": bool, "quarto": bool}``."""
    return {"embedded": _embedded_available(), "quarto": _quarto_path() is not None}


def select_engine(name: str = "auto") -> str:
    """Resolve an engine name: ``auto`` → ``quarto`` if on PATH, else ``embedded``."""
    name = (name or "auto").strip().lower()
    if name not in ENGINES:
        raise LkjError(
            f"Engine render tidak dikenal: {name!r}. Pilihan yang tersedia: auto, embedded, quarto."
        )
    if name == "auto":
        return "quarto" if _quarto_path() else "embedded"
    if name == "quarto" and not _quarto_path():
        raise LkjError(
            "Engine 'quarto' diminta, tetapi program `quarto` tidak ditemukan di PATH. "
            "Pasang Quarto (https://quarto.org) atau pakai engine 'embedded' / 'auto'."
        )
    if name == "embedded" and not _embedded_available():
        raise LkjError(
            "Engine 'embedded' tidak dapat dipakai: paket pypandoc-binary dan typst harus "
            "terpasang (pip install -e .)."
        )
    return name


# ---------------------------------------------------------------------------------------
# Settings (_quarto.yml)
# ---------------------------------------------------------------------------------------


def _find_config(project_root: Path | None, notebook: Path | None) -> Path | None:
    candidates: list[Path] = []
    if project_root is not None:
        candidates.append(Path(project_root) / "_quarto.yml")
    if notebook is not None:
        for parent in Path(notebook).resolve().parents:
            candidates.append(parent / "_quarto.yml")
    candidates.append(Path(__file__).resolve().parents[1] / "_quarto.yml")
    for c in candidates:
        if c.is_file():
            return c
    return None


def _read_yaml(path: Path) -> dict:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LkjError(f"Berkas pengaturan {path} tidak dapat dibaca sebagai YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise LkjError(f"Berkas pengaturan {path} harus berisi pemetaan YAML (kunci: nilai).")
    return data


def load_settings(project_root: Path | None = None, notebook: Path | None = None) -> dict:
    """Read ``_quarto.yml`` and return the effective settings per output format.

    Looks in ``project_root``, then the notebook's directory and its parents, then the
    repository that holds this package; built-in defaults (same values) otherwise.
    Returns ``{"config": Path | None, "root": Path, "html": {...}, "pdf": {...},
    "docx": {...}}``; each format dict is top-level options overridden by the options
    under ``format: <html|typst|docx>:``.
    """
    cfg_path = _find_config(project_root, notebook)
    data = _read_yaml(cfg_path) if cfg_path else {}
    root = cfg_path.parent if cfg_path else Path(__file__).resolve().parents[1]
    top = dict(DEFAULT_SETTINGS)
    for key, value in data.items():
        if key not in ("project", "format"):
            top[key] = value
    fmts = data.get("format") or {}
    if not isinstance(fmts, dict):
        raise LkjError(f"Kunci 'format' di {cfg_path} harus berupa pemetaan (html/typst/docx).")
    out: dict[str, Any] = {"config": cfg_path, "root": root}
    for fmt, keys in _QUARTO_FORMAT_KEYS.items():
        merged = dict(top)
        for k in keys:
            sub = fmts.get(k)
            if isinstance(sub, dict):
                merged.update(sub)
                break
        out[fmt] = merged
    return out


def _length(value: Any, what: str) -> str:
    m = _LENGTH_RE.match(str(value))
    if not m:
        raise LkjError(
            f"Nilai {what} di _quarto.yml tidak valid: {value!r}. "
            "Tulis panjang dengan satuan cm, mm, in, atau pt (misalnya 2.5cm)."
        )
    return f"{m.group(1)}{m.group(2)}"


def _twips(length: str) -> int:
    m = _LENGTH_RE.match(length)
    assert m is not None
    return round(float(m.group(1)) * _TWIPS[m.group(2)])


def _page_setup(settings: dict) -> dict:
    """Normalised paper size, margins and font size (taken from the PDF settings)."""
    paper = str(settings.get("papersize", "a4")).strip().lower()
    if paper not in _PAPERS:
        raise LkjError(
            f"Ukuran kertas (papersize) di _quarto.yml tidak dikenal: {paper!r}. "
            f"Pilihan: {', '.join(sorted(_PAPERS))}."
        )
    typst_paper, width, height = _PAPERS[paper]
    margin = settings.get("margin", DEFAULT_SETTINGS["margin"])
    if isinstance(margin, dict):
        x = margin.get("x", "2.5cm")
        y = margin.get("y", "2.5cm")
        sides = {
            "top": margin.get("top", y),
            "bottom": margin.get("bottom", y),
            "left": margin.get("left", x),
            "right": margin.get("right", x),
        }
    else:
        sides = {k: margin for k in ("top", "bottom", "left", "right")}
    sides = {k: _length(v, f"margin.{k}") for k, v in sides.items()}
    fontsize = _length(settings.get("fontsize", DEFAULT_SETTINGS["fontsize"]), "fontsize")
    return {
        "typst_paper": f'paper: "{typst_paper}"' if typst_paper else f"width: {width}, height: {height}",
        "width": width,
        "height": height,
        "margin": sides,
        "fontsize": fontsize,
    }


def _toc_depth(settings: dict) -> int:
    try:
        depth = int(settings.get("toc-depth", 2))
    except (TypeError, ValueError) as exc:
        raise LkjError("Nilai toc-depth di _quarto.yml harus bilangan bulat 1–6.") from exc
    return min(max(depth, 1), 6)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "ya")
    return bool(value)


def _resolve_asset(value: Any, root: Path, what: str) -> Path:
    """A file named in _quarto.yml: relative to the file's directory; a path to one of
    lkj's own templates (``lkj/templates/lkj.css``) falls back to the installed copy, so a
    project without the source tree (or a copied _quarto.yml) still works."""
    p = Path(str(value))
    candidate = p if p.is_absolute() else root / p
    if candidate.is_file():
        return candidate
    packaged = TEMPLATES / p.name
    if p.parent.name == "templates" and packaged.is_file():
        return packaged
    label = f"Berkas {what}" if what else "Berkas"
    raise LkjError(f"{label} yang disebut di _quarto.yml tidak ditemukan: {candidate}")


def _css_files(settings: dict, root: Path) -> list[Path]:
    css = settings.get("css")
    if not css:
        return [DEFAULT_CSS]
    items = css if isinstance(css, list) else [css]
    return [_resolve_asset(item, root, "CSS") for item in items]


def _reference_doc(settings: dict, root: Path) -> Path | None:
    ref = settings.get("reference-doc")
    if ref:
        return _resolve_asset(ref, root, "reference-doc")
    return REFERENCE_DOCX if REFERENCE_DOCX.is_file() else None


# ---------------------------------------------------------------------------------------
# Notebook -> Markdown
# ---------------------------------------------------------------------------------------

_FRONT_MATTER_RE = re.compile(r"\A\s*---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_IMAGE_MIME = (("image/png", "png"), ("image/jpeg", "jpg"), ("image/svg+xml", "svg"))


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return "" if value is None else str(value)


def _read_notebook(notebook: Path):
    import nbformat

    notebook = Path(notebook)
    if not notebook.is_file():
        raise LkjError(f"Notebook tidak ditemukan: {notebook}")
    try:
        return nbformat.read(str(notebook), as_version=4)
    except Exception as exc:  # nbformat raises several unrelated exception types
        raise LkjError(f"Notebook {notebook} tidak dapat dibaca (bukan .ipynb yang sah?): {exc}") from exc


def _split_front_matter(text: str, notebook: Path) -> tuple[dict | None, str]:
    import yaml

    m = _FRONT_MATTER_RE.match(text)
    if not m:
        return None, text
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise LkjError(
            f"Blok metadata YAML (keluaran Markdown pertama) di {notebook} tidak sah: {exc}"
        ) from exc
    if not isinstance(meta, dict):
        raise LkjError(
            f"Blok metadata (keluaran Markdown pertama) di {notebook} harus berupa pemetaan "
            "YAML seperti `title: ...`."
        )
    return meta, text[m.end():]


def _report_outputs(nb) -> Iterable[tuple[str, Any, dict]]:
    """Yield ("markdown", text, lkj metadata) and (("image", ext), payload, lkj metadata) in
    cell order."""
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") not in ("display_data", "execute_result"):
                continue  # stream (stdout/stderr, warnings), error: never part of the report
            data = out.get("data") or {}
            lkj = (out.get("metadata") or {}).get("lkj") or {}
            if "text/markdown" in data:
                yield "markdown", _text(data["text/markdown"]), lkj
                continue
            for mime, ext in _IMAGE_MIME:
                if mime in data:
                    yield ("image", ext), data[mime], lkj
                    break
            # text/plain, text/html, application/* ...: not report content


_FIGURE_ID = re.compile(r"^fig-[a-z0-9-]+$")
_WIDTH = re.compile(r"^\d{1,3}%$")


def _figure_line(src: str, image: dict, caption: str | None) -> str:
    """A chart output (lkj.report.Laporan.show) and its caption output as one figure."""
    ident, width = str(image.get("gambar", "")), str(image.get("width", ""))
    attrs = " ".join(([f"#{ident}"] if _FIGURE_ID.match(ident) else [])
                     + ([f"width={width}"] if _WIDTH.match(width) else []))
    return f"![{(caption or '').strip()}]({src})" + (f"{{{attrs}}}" if attrs else "")


def notebook_to_markdown(notebook: Path, assets_dir: Path | None = None) -> tuple[dict, str]:
    """Collect the report from an executed notebook: ``(metadata, markdown body)``.

    Only the ``text/markdown`` data of ``display_data``/``execute_result`` outputs (in
    cell order) is report content, plus image outputs (``image/png``, ``image/jpeg``,
    ``image/svg+xml``). The first Markdown output, when it is a ``---`` YAML block, is the
    metadata. Code, stream output, errors and ``text/plain`` reprs are dropped.

    Image outputs are written to ``assets_dir`` (and referenced relative to its parent, where
    the Markdown goes) when it is given, otherwise embedded as ``data:`` URIs. A chart output
    of lkj.report and the caption output after it become one figure.
    """
    notebook = Path(notebook)
    return _collect_markdown(_read_notebook(notebook), notebook, assets_dir)


def _collect_markdown(nb, notebook: Path, assets_dir: Path | None) -> tuple[dict, str]:
    meta: dict | None = None
    parts: list[str] = []
    seen_markdown = False
    n_images = 0
    figure: tuple[int, str, dict] | None = None  # a chart waiting for its caption
    for kind, payload, lkj in _report_outputs(nb):
        if figure is not None:
            at, src, image = figure
            caption = payload if kind == "markdown" and lkj.get("keterangan") == image.get(
                "gambar") else None
            parts[at] = _figure_line(src, image, caption)
            figure = None
            if caption is not None:
                continue
        if kind == "markdown":
            text = payload
            if not seen_markdown:
                seen_markdown = True
                meta, text = _split_front_matter(text, notebook)
            if text.strip():
                parts.append(text.strip("\n"))
            continue
        _, ext = kind
        n_images += 1
        if ext == "svg":
            raw = _text(payload).encode("utf-8")
        else:
            try:
                raw = base64.b64decode(_text(payload))
            except (ValueError, TypeError) as exc:
                raise LkjError(f"Keluaran gambar ke-{n_images} di {notebook} rusak: {exc}") from exc
        if assets_dir is not None:
            assets_dir.mkdir(parents=True, exist_ok=True)
            target = assets_dir / f"keluaran-{n_images}.{ext}"
            target.write_bytes(raw)
            # relative to the Markdown file beside assets_dir: only such images are shown
            src = f"{assets_dir.name}/{target.name}"
        else:
            mime = {"png": "image/png", "jpg": "image/jpeg", "svg": "image/svg+xml"}[ext]
            src = f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"
        parts.append(f"![]({src})")
        if lkj.get("gambar"):
            figure = (len(parts) - 1, src, lkj)
    if figure is not None:
        parts[figure[0]] = _figure_line(figure[1], figure[2], None)
    if not parts and meta is None:
        raise LkjError(
            f"Notebook {notebook} tidak berisi keluaran Markdown. Pastikan notebook sudah "
            "dieksekusi (papermill) sebelum dirender."
        )
    return (meta or {}), "\n\n".join(parts) + "\n"


def _markdown_document(meta: dict, body: str) -> str:
    import yaml

    if not meta:
        return body
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return f"---\n{head}---\n\n{body}"


# ---------------------------------------------------------------------------------------
# Reproducible output: one date for every "created" stamp
# ---------------------------------------------------------------------------------------


def _source_date_epoch(nb) -> int | None:
    """SOURCE_DATE_EPOCH from the environment, else the report date lkj.execute recorded.

    Used for the PDF creation date (typst), the DOCX core properties and zip entry times
    (pandoc) and Quarto, so the same inputs give the same bytes instead of the build time.
    """
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env.isdigit():
        return int(env)
    value = ((nb.metadata.get("lkj") or {}) if nb is not None else {}).get("source_date_epoch")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _tool_env(epoch: int | None) -> dict[str, str] | None:
    """Environment for pandoc/Quarto: this one, with SOURCE_DATE_EPOCH when known."""
    if epoch is None:
        return None
    return {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}


# ---------------------------------------------------------------------------------------
# Embedded engine
# ---------------------------------------------------------------------------------------


def _run(cmd: list[str], what: str, cwd: Path, timeout: int = PANDOC_TIMEOUT,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = tools.run(cmd, what, cwd, timeout, env=env, check=False)
    if proc.returncode != 0:
        raise _pandoc_failed(what, proc.returncode, proc.stderr or proc.stdout)
    return proc


def _pandoc_failed(what: str, code: int, stderr: str) -> LkjError:
    if "Heap exhausted" in stderr:  # the -M of PANDOC_RTS
        return LkjError(f"{what}: memori yang diperlukan melebihi batas "
                        f"{tools.size_text(PANDOC_MEMORY)}; proses dihentikan.")
    return LkjError(f"{what} gagal (kode {code}):\n{_tail(stderr)}")


_tail = tools.tail


def _check_pandoc_warnings(stderr: str, fmt: str) -> None:
    # "Could not fetch resource SRC: why" — SRC may itself hold a colon (http://…)
    _raise_if_missing(re.findall(r"Could not fetch resource (.+?)(?::\s|\s*$)", stderr or "", re.M), fmt)


def _raise_if_missing(missing: list[str], fmt: str) -> None:
    if missing:
        from urllib.parse import unquote

        # as the user wrote it: pandoc keeps "grafik kinerja.png" as "grafik%20kinerja.png"
        names = ", ".join(sorted(set(unquote(m.strip()) for m in missing)))
        raise LkjError(
            f"Gambar/berkas yang dirujuk laporan tidak ditemukan saat membuat {fmt.upper()}: "
            f"{names}. Jalur gambar harus relatif terhadap direktori notebook."
        )


def _posix_from_anchor(path: Path) -> str:
    """Absolute path written relative to its filesystem anchor ("/" on POSIX)."""
    path = path.resolve()
    return "/" + path.relative_to(path.anchor).as_posix()


@dataclass
class _Writer:
    """One pandoc writer run: what `pandoc laporan.md ... --to <to> ...` is given.

    Turned into a command line by :func:`_pandoc_cli` or into a job of ``render.lua`` (one
    pandoc process for all formats) by :func:`_driver_job`; a test checks both give the same
    bytes."""

    format: str                       # ours: html, pdf, docx
    to: str                           # pandoc's writer: html5, typst, docx
    output: Path
    metadata_file: Path               # --metadata-file (the document's own metadata wins)
    metadata: dict[str, str | bool] = field(default_factory=dict)   # --metadata (wins)
    template: Path | None = None      # --template (and --standalone)
    variables: dict[str, str] = field(default_factory=dict)         # --variable
    include_in_header: list[Path] = field(default_factory=list)
    toc: bool = False
    toc_depth: int = 3
    number_sections: bool = False
    wrap: str | None = None           # --wrap
    reference_doc: Path | None = None
    needs_images: bool = False        # the writer reads the image files (DOCX)
    css: list[Path] = field(default_factory=list)   # --css, embedded: see embed_resources

    @property
    def embed_resources(self) -> bool:
        """--embed-resources: style sheets that refer to other files, embedded by pandoc. Only
        on the command line (pandoc's Lua has no such step)."""
        return bool(self.css)


def _pandoc_cli(w: _Writer, md: Path, resource_dirs: list[Path]) -> list[str]:
    cmd = [
        _pandoc_path(), *_pandoc_rts(), str(md),
        "--from", PANDOC_READER,
        "--lua-filter", str(LUA_FILTER),
        "--metadata-file", str(w.metadata_file),
        "--resource-path", os.pathsep.join(str(d) for d in resource_dirs),
    ]
    for key, value in w.metadata.items():
        text = ("true" if value else "false") if isinstance(value, bool) else value
        cmd += ["--metadata", f"{key}={text}"]
    cmd += ["--to", w.to]
    if w.template is not None:
        cmd += ["--standalone", "--template", str(w.template)]
    if w.wrap:
        cmd += ["--wrap", w.wrap]
    for key, value in w.variables.items():
        cmd += ["--variable", f"{key}={value}"]
    for path in w.include_in_header:
        cmd += ["--include-in-header", str(path)]
    if w.embed_resources:
        cmd.append("--embed-resources")
    for path in w.css:
        cmd += ["--css", str(path)]
    if w.reference_doc is not None:
        cmd += ["--reference-doc", str(w.reference_doc)]
    if w.toc:
        cmd += ["--toc", "--toc-depth", str(w.toc_depth)]
    if w.number_sections:
        cmd.append("--number-sections")
    return cmd + ["--output", str(w.output)]


def _driver_job(w: _Writer) -> dict[str, Any]:
    if w.embed_resources:
        raise ValueError("render.lua cannot embed resources; use the command line")
    job: dict[str, Any] = {
        "format": w.format, "to": w.to, "output": str(w.output),
        "metadata_file": str(w.metadata_file), "metadata": w.metadata,
        "variables": w.variables, "include_in_header": [str(p) for p in w.include_in_header],
        "toc": w.toc, "toc_depth": w.toc_depth, "number_sections": w.number_sections,
        "needs_images": w.needs_images,
    }
    # JSON null is not Lua's nil: an absent setting is left out
    for key, value in (("template", w.template), ("wrap", w.wrap), ("reference_doc", w.reference_doc)):
        if value is not None:
            job[key] = str(value)
    return job


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[str, ...]:
    """pandoc's abbreviations data file, which its command line reads and its Lua reader
    does not (it decides where "c. " becomes a non-breaking space)."""
    proc = _run([_pandoc_path(), "--print-default-data-file", "abbreviations"], "Pandoc",
                Path.cwd(), timeout=60)
    return tuple(line.strip() for line in proc.stdout.splitlines() if line.strip())


def _run_driver(md: Path, work: Path, resource_dirs: list[Path], writers: list[_Writer],
                env: dict[str, str] | None, images_ready: Callable[[], None],
                on_written: Callable[[_Writer], None], timeout: int = PANDOC_TIMEOUT) -> None:
    """Write ``writers``' outputs with one `pandoc lua render.lua` process (see render.lua).

    ``on_written(w)`` is called as soon as w's file is complete, so that what follows it (typst,
    embedding the images) runs while pandoc writes the next format. Call it from the thread
    that waits for it (pandoc dies with the thread that started it, see lkj.tools)."""
    import json
    import threading

    by_format = {w.format: w for w in writers}
    job_file = work / "pandoc-job.json"
    job_file.write_text(json.dumps({
        "input": str(md), "reader": PANDOC_READER, "filter": str(LUA_FILTER),
        "abbreviations": list(_abbreviations()),
        "resource_path": [str(d) for d in resource_dirs],
        "writers": [_driver_job(w) for w in writers],
    }, ensure_ascii=False), encoding="utf-8")
    cmd = [_pandoc_path(), *_pandoc_rts(), "lua", str(DRIVER), str(job_file)]
    missing: dict[str, list[str]] = {}
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace", dir=work) as err:
        if shutil.which(cmd[0]) is None:
            raise LkjError(f"Pandoc: program {cmd[0]} tidak ditemukan.")
        proc = tools.spawn(cmd, work, env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=err, text=True, encoding="utf-8")
        timed_out = threading.Event()
        timers: list[threading.Timer] = []

        def start_clock() -> None:  # pandoc's own time, not the time charts take to be drawn
            timers.append(threading.Timer(timeout, lambda: (timed_out.set(), tools.kill(proc))))
            timers[-1].start()

        start_clock()
        try:
            for line in proc.stdout:
                word, _, rest = line.rstrip("\n").partition(" ")
                if word == "need-images":
                    timers[-1].cancel()
                    images_ready()
                    start_clock()
                    try:
                        proc.stdin.write("go\n")
                        proc.stdin.flush()
                    except OSError:  # pandoc is gone; its exit code and stderr say why
                        break
                elif word == "missing":
                    fmt, _, src = rest.partition(" ")
                    missing.setdefault(fmt, []).append(src)
                elif word == "written":
                    _raise_if_missing(missing.get(rest, []), rest)
                    on_written(by_format[rest])
            code = proc.wait()
        except BaseException:
            tools.kill(proc)
            raise
        finally:
            timers[-1].cancel()
            for pipe in (proc.stdin, proc.stdout):
                try:
                    pipe.close()
                except OSError:  # pandoc already gone: nothing left to say
                    pass
        err.seek(0)
        stderr = err.read()
    if code != 0 and timed_out.is_set():
        raise LkjError(f"Pandoc: proses melebihi batas waktu {timeout} detik dan dihentikan.")
    if code != 0:
        raise _pandoc_failed("Pandoc", code, stderr)
    for w in writers:
        if w.needs_images:  # render.lua reports images it cannot fetch; this is a second net
            _check_pandoc_warnings(stderr, w.format)


def _write_meta_file(path: Path, settings: dict) -> Path:
    import yaml

    data = {"lang": str(settings.get("lang", "id"))}
    if settings.get("toc-title"):
        data["toc-title"] = str(settings["toc-title"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _common_metadata(resource_dirs: list[Path]) -> dict[str, str | bool]:
    return {f"lkj-resource-dir-{i}": _posix_from_anchor(d) for i, d in enumerate(resource_dirs, 1)}


def _html_writer(work: Path, res: list[Path], settings: dict, page: dict, root: Path,
                 target: Path) -> _Writer:
    s = settings["html"]
    m = page["margin"]
    css_files = _css_files(s, root)
    css = [c.read_text(encoding="utf-8") for c in css_files]
    # The HTML is self-contained. Our style sheets (no url() or @import) go into the page as
    # they are and the images are embedded afterwards (_embed_images), so pandoc can write the
    # page while charts are still being drawn; a style sheet that refers to other files is left
    # to pandoc's --embed-resources (command line only), which then needs the images first.
    inline = not any(_CSS_REFERENCES.search(text) for text in css)
    header = work / "header-html.html"
    header.write_text(
        "".join(f"<style>\n{text}\n</style>\n" for text in css if inline)
        + "<style>\n"
        f"@page {{ size: {page['width']} {page['height']}; "
        f"margin: {m['top']} {m['right']} {m['bottom']} {m['left']}; }}\n"
        f":root {{ --lkj-print-font-size: {page['fontsize']}; }}\n"
        "</style>\n",
        encoding="utf-8",
    )
    return _Writer(
        "html", "html5", target, _write_meta_file(work / "meta-html.yaml", s),
        metadata=_common_metadata(res), template=HTML_TEMPLATE, include_in_header=[header],
        variables={"lkj-csp": HTML_POLICY},
        toc=_truthy(s.get("toc", True)), toc_depth=_toc_depth(s),
        number_sections=_truthy(s.get("number-sections", False)),
        css=[] if inline else css_files, needs_images=not inline,
    )


def _finish_html(w: _Writer, res: list[Path], images_ready: Callable[[], None]) -> Path:
    if not w.embed_resources:
        images_ready()
        _embed_images(w.output, res)
    return w.output


_CSS_REFERENCES = re.compile(r"url\s*\(|@import", re.I)
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")', re.I)
_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"}


def _embed_images(html_file: Path, resource_dirs: list[Path]) -> None:
    """Every ``<img src="file">`` of the page as a ``data:`` URI, found as pandoc would (the path
    as written, else relative to each resource directory)."""
    import html as H
    from urllib.parse import unquote

    missing: list[str] = []

    def data_uri(match: re.Match) -> str:
        src = H.unescape(match.group(2))
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I) and not src.startswith("file:"):
            return match.group(0)  # data: (or a web address) stays as it is
        name = unquote(src.removeprefix("file://"))
        path = Path(name)
        found = next((c for c in ([path] if path.is_absolute() else
                                   [d / path for d in resource_dirs]) if c.is_file()), None)
        if found is None:
            missing.append(src)
            return match.group(0)
        mime = _IMAGE_TYPES.get(found.suffix.lower(), "application/octet-stream")
        payload = base64.b64encode(found.read_bytes()).decode("ascii")
        return f"{match.group(1)}data:{mime};base64,{payload}{match.group(3)}"

    text = _IMG_SRC.sub(data_uri, html_file.read_text(encoding="utf-8"))
    _raise_if_missing(missing, "html")
    html_file.write_text(text, encoding="utf-8")


def _font_dirs(settings: dict, root: Path) -> list[Path]:
    """The ``font-paths`` of _quarto.yml that exist, relative to its directory; lkj's own
    font folder (``…/templates/fonts``) falls back to the installed copy, as templates do."""
    paths = settings.get("font-paths") or []
    if isinstance(paths, str):
        paths = [paths]
    dirs = []
    for p in paths:
        given = Path(str(p))
        d = given if given.is_absolute() else root / given
        if not d.is_dir() and given.parts[-2:] == ("templates", "fonts") and FONTS_DIR.is_dir():
            d = FONTS_DIR
        if d.is_dir() and d.resolve() not in dirs:
            dirs.append(d.resolve())
    return dirs


@lru_cache(maxsize=8)
def _families(dirs: tuple[str, ...]) -> frozenset[str]:
    """Font families typst finds in ``dirs`` and among its embedded fonts (no system font)."""
    import typst

    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True,
                        font_paths=list(dirs))
    return frozenset(f.lower() for f in fonts.families())


def _typst_fonts(settings: dict, root: Path) -> tuple[list[str], bool]:
    """Font directories and whether system fonts may be skipped: they are when the main font
    is in those directories or embedded in typst, so the PDF is the same on every machine
    (a system copy of the font, perhaps another version, is never preferred)."""
    dirs = tuple(str(d) for d in _font_dirs(settings, root))
    font = str(settings.get("mainfont") or DEFAULT_FONT)
    if font in TYPST_EMBEDDED_FONTS:
        return list(dirs), True
    try:
        found = font.lower() in _families(dirs)
    except (ImportError, RuntimeError, OSError):  # typst missing/failing: it will say so itself
        found = False
    return list(dirs), found


def _pdf_writer(work: Path, res: list[Path], settings: dict, page: dict) -> _Writer:
    s = settings["pdf"]
    mainfont = str(s.get("mainfont") or DEFAULT_FONT)
    if not _FONT_RE.match(mainfont):
        raise LkjError(f"Nama fon (mainfont) di _quarto.yml tidak valid: {mainfont!r}")
    m = page["margin"]
    return _Writer(
        "pdf", "typst", work / "laporan.typ", _write_meta_file(work / "meta-pdf.yaml", s),
        metadata=_common_metadata(res), template=TYPST_TEMPLATE,
        wrap="none",  # no line starts inside text that typst could read as markup
        variables={
            "lkj-paper": page["typst_paper"],
            "lkj-margin": f"(top: {m['top']}, bottom: {m['bottom']}, left: {m['left']}, right: {m['right']})",
            "fontsize": page["fontsize"],
            "mainfont": mainfont,
        },
        toc=_truthy(s.get("toc", True)), toc_depth=_toc_depth(s),
    )


def _finish_pdf(w: _Writer, settings: dict, root: Path, target: Path, epoch: int | None,
                images_ready: Callable[[], None], work_dir: Path,
                timeout: float = tools.TYPST_TIMEOUT) -> Path:
    """typst: the PDF from pandoc's typst file (which names the images; typst reads them).

    typst runs in a child process whose root is ``work_dir``: the document can read the files
    under it (figures, the render's own files) and nothing else on this machine."""
    _images_from_root(w.output, work_dir)
    font_dirs, embedded_only = _typst_fonts(settings["pdf"], root)
    if epoch is None:  # the PDF's creation date (and typst's document id) from the data
        epoch = _source_date_epoch(None)
    images_ready()  # pandoc only wrote the image paths; typst reads the files
    tools.typst_compile(w.output, target, work_dir, font_dirs, embedded_only, epoch, timeout)
    return target


def _images_from_root(typ: Path, work_dir: Path) -> None:
    """Image paths under ``work_dir`` as typst reads them with that root: ``/figures/x.png``.
    (pandoc writes them absolute; one outside the root is then simply not found.)"""
    base = work_dir.resolve().as_posix().rstrip("/") + "/"
    quoted = 'image("' + base.replace("\\", "\\\\").replace('"', '\\"')
    text = typ.read_text(encoding="utf-8")
    if quoted in text:
        typ.write_text(text.replace(quoted, 'image("/'), encoding="utf-8")


# ---- naming the narasi that breaks pandoc or typst ------------------------------------------

DIAGNOSIS_TIMEOUT = 20  # seconds per program and trial; a trial normally takes about 1 s


def _narasi_sources(nb, project_root: Path | None) -> dict[str, str]:
    """{raw file as the analyst names it: text} of the narasi the report was made from, found
    through the notebook's ``processed_dir`` parameter (empty when the notebook has none)."""
    import json

    from lkj.params import project_root as find_root

    given = (nb.metadata.get("papermill") or {}).get("parameters") or {}
    try:
        from lkj.params import ReportId
        rid = ReportId(str(given["kec"]), int(given["tahun"]), int(given["tw"]), str(given["unit"]))
    except (KeyError, TypeError, ValueError):
        return {}
    folder = rid.processed_dir(Path(project_root or find_root()))
    try:
        files = json.loads((folder / "ringkasan.json").read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    found = {}
    for item in files:
        label = str(item.get("path", "")) if isinstance(item, dict) else ""
        copy = folder / "narasi" / Path(label).name
        if "/narasi/" in label and copy.is_file():
            text = copy.read_text(encoding="utf-8", errors="replace").strip()
            if text:
                found[label] = text
    return found


def _culprit(markdown: str, narasi: dict[str, str], fails: Callable[[str], bool]) -> str | None:
    """The narasi that makes ``fails`` true on its own (the others left out of the document),
    by halving: a few trials instead of one per file. None when the document fails without any
    narasi too, or when no single narasi is enough to make it fail."""
    present = [(label, text) for label, text in narasi.items() if text in markdown]

    def keeping(kept: list[tuple[str, str]]) -> str:
        doc = markdown
        for item in present:
            if item not in kept:
                doc = doc.replace(item[1], "", 1)
        return doc

    if not present or fails(keeping([])):
        return None
    candidates = present
    while len(candidates) > 1:
        half = candidates[:len(candidates) // 2]
        candidates = half if fails(keeping(half)) else candidates[len(half):]
    return candidates[0][0] if fails(keeping(candidates)) else None


def _pdf_fails(text: str, work: Path, res: list[Path], settings: dict, page: dict, root: Path,
               work_dir: Path) -> bool:
    """Whether pandoc and typst fail to make a PDF of ``text`` (a trial of :func:`_culprit`)."""
    trial = Path(tempfile.mkdtemp(prefix="uji-", dir=work))
    md = trial / "laporan.md"
    md.write_text(text, encoding="utf-8")
    w = _pdf_writer(trial, res, settings, page)
    try:
        _run(_pandoc_cli(w, md, res), "Pandoc", trial, timeout=DIAGNOSIS_TIMEOUT)
        _finish_pdf(w, settings, root, trial / "uji.pdf", None, lambda: None, work_dir,
                    timeout=DIAGNOSIS_TIMEOUT)
    except LkjError:
        return True
    finally:
        shutil.rmtree(trial, ignore_errors=True)
    return False


def _blame_narasi(error: LkjError, markdown: str, narasi: dict[str, str],
                  fails: Callable[[str], bool]) -> LkjError:
    culprit = _culprit(markdown, narasi, fails) if narasi else None
    if culprit is None:
        return error
    return LkjError(
        f"{error}\nPenyebabnya berkas narasi {culprit}: tanpa isi berkas itu laporan dapat "
        "dibuat. Perbaikan: sederhanakan Markdown di berkas itu (daftar atau kutipan yang "
        "bertingkat dalam, tanda kurung siku bersarang, blok <div>), lihat docs/data.md bagian 7.")


def _docx_writer(work: Path, res: list[Path], settings: dict, page: dict, root: Path) -> _Writer:
    s = settings["docx"]
    return _Writer(
        "docx", "docx", work / "laporan.docx", _write_meta_file(work / "meta-docx.yaml", s),
        metadata={
            **_common_metadata(res),
            "lkj-toc": _truthy(s.get("toc", True)),
            "lkj-toc-depth": str(_toc_depth(s)),
            "lkj-text-width-cm": f"{_text_width_cm(page):.2f}",
        },
        reference_doc=_reference_doc(s, root),
        needs_images=True,  # the images are embedded
    )


def _text_width_cm(page: dict) -> float:
    twips = _twips(page["width"]) - _twips(page["margin"]["left"]) - _twips(page["margin"]["right"])
    return max(twips, 1440) * 2.54 / 1440


# ---- DOCX post-processing: page setup, our paragraph styles, document title ------------

_STYLE_RE = re.compile(r"<w:style\b[^>]*>.*?</w:style>", re.S)


def _docx_style_ppr(page: dict) -> dict[str, tuple[str, str]]:
    width = _twips(page["width"])
    text_width = width - _twips(page["margin"]["left"]) - _twips(page["margin"]["right"])
    half = max(text_width // 2, 0)
    return {
        # name: (pPr, rPr)
        "Sampul": (
            '<w:pPr><w:spacing w:before="120" w:after="120"/><w:jc w:val="center"/></w:pPr>',
            '<w:rPr><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr>',
        ),
        "Tanda Tangan": (
            '<w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="0" w:after="0"/>'
            f'<w:ind w:left="{half}"/><w:jc w:val="center"/></w:pPr>',
            "",
        ),
        "Tanda Tangan Kolom": (
            '<w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="0" w:after="0"/>'
            '<w:jc w:val="center"/></w:pPr>',
            "",
        ),
    }


def _patch_styles(xml: str, page: dict) -> str:
    wanted = _docx_style_ppr(page)

    def fix(m: re.Match) -> str:
        block = m.group(0)
        name = re.search(r'<w:name w:val="([^"]*)"', block)
        if not name or name.group(1) not in wanted or "<w:pPr" in block:
            return block  # not ours, or already styled (e.g. by a reference.docx)
        ppr, rpr = wanted[name.group(1)]
        if "<w:rPr" in block:
            rpr = ""
        return block.replace("</w:style>", ppr + rpr + "</w:style>")

    xml = _STYLE_RE.sub(fix, xml)
    half_points = round(_twips(page["fontsize"]) / 10)  # 1 pt = 20 twips = 2 half-points
    if half_points > 0:
        xml = re.sub(
            r"(<w:rPrDefault>\s*<w:rPr>.*?)<w:sz w:val=\"\d+\"\s*/>\s*<w:szCs w:val=\"\d+\"\s*/>",
            lambda mm: f'{mm.group(1)}<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>',
            xml, count=1, flags=re.S,
        )
    # pandoc writes the bare language "id"; Word switches its proofing to Indonesian reliably
    # only with the region, "id-ID".
    xml = re.sub(r'(<w:lang\b[^>]*\bw:val=")id(")', r"\1id-ID\2", xml)
    return xml


_TABLE = re.compile(r'<w:tbl><w:tblPr><w:tblStyle w:val="Table"\s*/>.*?</w:tbl>', re.S)
_ROW = re.compile(r"<w:tr>.*?</w:tr>", re.S)
_CELL = re.compile(r"<w:tc>(.*?)</w:tc>", re.S)
_PAD = 2 * 108 + 40     # the cell margins of the Table style, and a little air


def _text_twips(text: str, points: float, bold: bool) -> float:
    """Width of ``text`` in an Arial-metric font: capitals, digits, narrow marks, the rest."""
    em = sum(0.7 if c.isupper() else 0.56 if c.isdigit() else 0.28 if c in " .,:;()/-'" else 0.53
             for c in text)
    return em * points * 20 * (1.1 if bold else 1.0)


def _fit_tables(xml: str, width: int) -> str:
    """Column widths from content, as a browser sizes them: no column narrower than its
    longest word (a number or a right-aligned cell as a whole, never wrapped), the rest of the
    text width shared by what each column would need on one line. pandoc's widths come from
    the Markdown dashes and break "471.057.750" and "Target" inside cells."""
    def fit(m: re.Match) -> str:
        table = m.group(0)
        rows = []
        for row in _ROW.findall(table):
            cells = []
            head = "<w:tblHeader" in row or "<w:b/>" in row or "<w:b />" in row
            for cell in _CELL.findall(row):
                span = re.search(r'<w:gridSpan w:val="(\d+)"', cell)
                text = html.unescape("".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", cell)))
                cells.append((int(span.group(1)) if span else 1, text, 'w:jc w:val="right"' in cell, head))
            rows.append(cells)
        n = max((sum(c[0] for c in r) for r in rows), default=0)
        if not n:
            return table

        numeric = [False] * n  # columns of right-aligned figures: never narrower than them

        def measure(points: float, pad: float) -> tuple[list[float], list[float]]:
            low, want = [0.0] * n, [0.0] * n
            for cells in rows:
                col = 0
                for span, text, right, bold in cells:
                    if span == 1:
                        words = [text] if right and not bold else text.split()  # headers wrap
                        numeric[col] = numeric[col] or (right and not bold)
                        longest = max((_text_twips(w, points, bold) for w in words), default=0)
                        low[col] = max(low[col], longest + pad)
                        want[col] = max(want[col], _text_twips(text, points, bold) + pad)
                    col += span
            return low, want
        low, want = measure(10, _PAD)
        if sum(low) > width:  # a wide table: 9 pt (the smallest the issue allows), narrow margins
            low, want = measure(9, 2 * 57 + 30)
            table = re.sub(r"(<w:tblLayout\b[^>]*/>)", r'\1<w:tblCellMar><w:left w:w="57" w:type="dxa"/>'
                           r'<w:right w:w="57" w:type="dxa"/></w:tblCellMar>', table, count=1)
            table = table.replace("<w:r><w:t", '<w:r><w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr><w:t')
            table = re.sub(r"<w:r><w:rPr>(?!<w:sz )", '<w:r><w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/>', table)
        need = [max(w - lo, 0) for w, lo in zip(want, low)]
        spare = width - sum(low)
        if spare <= 0:  # even the longest words do not fit: only the widest columns give way
            lo_cap, hi_cap = 0.0, max(low)
            capped = lambda cap: [lo if fix else min(lo, cap) for lo, fix in zip(low, numeric)]  # noqa: E731
            for _ in range(40):
                cap = (lo_cap + hi_cap) / 2
                lo_cap, hi_cap = (cap, hi_cap) if sum(capped(cap)) < width else (lo_cap, cap)
            cols = capped(lo_cap)
        elif sum(need) <= spare:  # everything fits on one line: widen in proportion to need
            cols = [w + (spare - sum(need)) * w / sum(want) for w in want]
        else:
            cols = [lo + spare * nd / sum(need) for lo, nd in zip(low, need)]
        cols = [int(c) for c in cols]
        grid = "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{c}"/>' for c in cols) + "</w:tblGrid>"
        table = re.sub(r"<w:tblGrid>.*?</w:tblGrid>", grid, table, count=1, flags=re.S)
        table = re.sub(r'<w:tblW w:type="pct" w:w="5000"\s*/>', f'<w:tblW w:type="dxa" w:w="{sum(cols)}"/>',
                       table, count=1)

        def row_widths(row: re.Match) -> str:
            col = 0
            head = "<w:tblHeader" in row.group(0)

            def cell(c: re.Match) -> str:
                nonlocal col
                body = c.group(1)
                span = re.search(r'<w:gridSpan w:val="(\d+)"', body)
                k = int(span.group(1)) if span else 1
                w = sum(cols[col:col + k])
                col += k
                number = 'w:jc w:val="right"' in body and not head  # never wrapped
                props = f'<w:tcW w:w="{w}" w:type="dxa"/>' + ("<w:noWrap/>" if number else "")
                body = re.sub(r"<w:tcPr\s*/>", f"<w:tcPr>{props}</w:tcPr>", body, count=1)
                body = re.sub(r"<w:tcPr>(?!<w:tcW)", f"<w:tcPr>{props}", body, count=1)
                return f"<w:tc>{body}</w:tc>"
            return _CELL.sub(cell, row.group(0))
        return _ROW.sub(row_widths, table)
    return _TABLE.sub(fit, xml)


def _patch_document(xml: str, page: dict) -> str:
    xml = _fit_tables(xml, round(_text_width_cm(page) * 1440 / 2.54))
    m = page["margin"]
    pgsz = f'<w:pgSz w:w="{_twips(page["width"])}" w:h="{_twips(page["height"])}"/>'
    pgmar = (
        f'<w:pgMar w:top="{_twips(m["top"])}" w:right="{_twips(m["right"])}" '
        f'w:bottom="{_twips(m["bottom"])}" w:left="{_twips(m["left"])}" '
        'w:header="709" w:footer="709" w:gutter="0"/>'
    )
    last = xml.rfind("<w:sectPr")
    if last == -1:
        return xml.replace("</w:body>", f"<w:sectPr>{pgsz}{pgmar}</w:sectPr></w:body>", 1)
    end = xml.find("</w:sectPr>", last)
    sect = xml[last:end]
    sect = re.sub(r"<w:pgSz\b[^>]*/>", "", sect)
    sect = re.sub(r"<w:pgMar\b[^>]*/>", "", sect)
    # pgSz/pgMar come after header/footer references and footnote/endnote properties.
    insert_at = 0
    for tag in ("</w:endnotePr>", "</w:footnotePr>"):
        pos = sect.rfind(tag)
        if pos != -1:
            insert_at = max(insert_at, pos + len(tag))
    if insert_at == 0:
        refs = [mm.end() for mm in re.finditer(r"<w:(?:headerReference|footerReference)\b[^>]*/>", sect)]
        insert_at = refs[-1] if refs else sect.find(">") + 1
    sect = sect[:insert_at] + pgsz + pgmar + sect[insert_at:]
    return _sections(xml[:last], sect, pgsz + pgmar) + xml[end:]


_SECTION_END = re.compile(r"<w:sectPr><w:type w:val=\"nextPage\"/>(<w:pgNumType [^>]*/>)?</w:sectPr>")


def _sections(before: str, final: str, page: str) -> str:
    """The section ends lkj.lua writes (cover; front matter numbered i, ii …) completed with
    the page and the footers of the document's last section, which then numbers from 1 and
    shows its number on its first page (Bab I)."""
    ends = list(_SECTION_END.finditer(before))
    if not ends:
        return before + final
    default = re.search(r'<w:footerReference r:id="([^"]+)" w:type="default"\s*/>', final)
    empty = re.search(r'<w:footerReference r:id="([^"]+)" w:type="first"\s*/>', final)

    def complete(m: re.Match) -> str:
        numbered = m.group(1) is not None
        footer = default if numbered else empty  # the cover carries no number
        ref = f'<w:footerReference r:id="{footer.group(1)}" w:type="default"/>' if footer else ""
        return f'<w:sectPr>{ref}<w:type w:val="nextPage"/>{page}{m.group(1) or ""}</w:sectPr>'

    before = _SECTION_END.sub(complete, before)
    final = re.sub(r"<w:titlePg\s*/>", "", final)
    final = re.sub(r"<w:pgNumType\b[^>]*/>", "", final)
    final = re.sub(r"(<w:pgMar\b[^>]*/>)", r'\1<w:pgNumType w:fmt="decimal" w:start="1"/>', final, count=1)
    return before + final


def _patch_core(xml: str, meta: dict) -> str:
    """Fill the document title/author when pandoc left them empty (cover replaces title block)."""
    from xml.sax.saxutils import escape

    def put(xml: str, tag: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            return xml
        value = re.sub(r"\\(.)", r"\1", value)  # the metadata is escaped Markdown: its text
        element = f"<{tag}>{escape(value.strip())}</{tag}>"
        empty = re.compile(rf"<{tag}>\s*</{tag}>|<{tag}\s*/>")
        if empty.search(xml):
            return empty.sub(lambda _m: element, xml, count=1)
        if f"<{tag}" not in xml:
            return xml.replace("</cp:coreProperties>", element + "</cp:coreProperties>", 1)
        return xml

    xml = put(xml, "dc:title", meta.get("title"))
    return put(xml, "dc:creator", meta.get("author"))


_CUSTOM_PROPERTY_RE = re.compile(r"<property\b[^>]*>.*?</property>", re.S)


def _patch_custom(xml: str) -> str:
    """Drop the render switches (``lkj-*``) pandoc copies into the custom properties.

    They are instructions to our filter, not document properties, and one of them
    (lkj-resource-dir) is the temporary work directory: it made every DOCX differ.
    """
    kept = [p for p in _CUSTOM_PROPERTY_RE.findall(xml) if not re.search(r'\bname="lkj-', p)]
    kept = [re.sub(r'\bpid="\d+"', f'pid="{i}"', p, count=1) for i, p in enumerate(kept, start=2)]
    m = re.search(r"<Properties\b[^>]*>", xml)
    end = xml.rfind("</Properties>")
    if not m or end == -1:
        return xml
    return xml[:m.end()] + "".join(kept) + xml[end:]


def _postprocess_docx(src: Path, dst: Path, page: dict, meta: dict) -> None:
    patches = {
        "word/document.xml": lambda x: _patch_document(x, page),
        "word/styles.xml": lambda x: _patch_styles(x, page),
        "docProps/core.xml": lambda x: _patch_core(x, meta),
        "docProps/custom.xml": _patch_custom,
    }
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in patches:
                data = patches[item.filename](data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)


def _once(fn: Callable[[], None] | None) -> Callable[[], None]:
    """``fn`` run by the first thread that asks; the others wait for it and share its outcome."""
    import threading

    lock, outcome = threading.Lock(), []
    if fn is None:
        return lambda: None

    def call() -> None:
        with lock:
            if not outcome:
                try:
                    fn()
                    outcome.append(None)
                except BaseException as exc:  # noqa: BLE001 - re-raised in every caller
                    outcome.append(exc)
        if outcome[0] is not None:
            raise outcome[0]
    return call


def _render_embedded(
    notebook: Path, out_dir: Path, basename: str, formats: tuple[str, ...], project_root: Path | None,
    images_ready: Callable[[], None] | None, work_dir: Path,
) -> dict[str, Path]:
    settings = load_settings(project_root, notebook)
    root = settings["root"]
    page = _page_setup(settings["pdf"])
    nb_dir = notebook.resolve().parent
    nb = _read_notebook(notebook)
    epoch = _source_date_epoch(nb)
    with tempfile.TemporaryDirectory(prefix="lkj-render-", dir=work_dir) as tmp:
        work = Path(tmp)
        meta, body = _collect_markdown(nb, notebook, work / "keluaran")
        if "toc" in meta:  # the document's own front matter wins, as it does in Quarto
            for fmt in ("html", "pdf", "docx"):
                settings[fmt] = {**settings[fmt], "toc": meta["toc"]}
        for lang in (meta.get("lang"), settings["pdf"].get("lang")):
            if lang is not None and not _LANG_RE.match(str(lang)):
                raise LkjError(f"Kode bahasa (lang) tidak valid: {lang!r}. Gunakan misalnya 'id'.")
        md = work / "laporan.md"
        md.write_text(_markdown_document(meta, body), encoding="utf-8")
        res = [nb_dir, work]
        wait = _once(images_ready)
        env = _tool_env(epoch)
        targets = {fmt: out_dir / f"{basename}.{fmt}" for fmt in formats}
        # The PDF's chain is the longest (pandoc, then typst): written first, and typst runs
        # while pandoc writes the HTML (which needs no image until it is written, so charts may
        # still be drawn) and then the DOCX (which does need them).
        writers = []
        for fmt in sorted(formats, key=("pdf", "html", "docx").index):
            if fmt == "pdf":
                writers.append(_pdf_writer(work, res, settings, page))
            elif fmt == "html":
                writers.append(_html_writer(work, res, settings, page, root, targets["html"]))
            else:
                writers.append(_docx_writer(work, res, settings, page, root))
        finish = {
            "pdf": lambda w: _finish_pdf(w, settings, root, targets["pdf"], epoch, wait,
                                         work_dir),
            "html": lambda w: _finish_html(w, res, wait),
            "docx": lambda w: _postprocess_docx(w.output, targets["docx"], page, meta) or targets["docx"],
        }
        jobs = {}
        errors = []
        with ThreadPoolExecutor(max_workers=2) as pool:
            for w in writers:
                if w.embed_resources:  # pandoc's embedding exists only on its command line
                    jobs[w.format] = pool.submit(_cli_html, w, md, res, env, wait)
            driven = [w for w in writers if not w.embed_resources]
            try:
                if driven:
                    _run_driver(md, work, res, driven, env, wait,
                                lambda w: jobs.__setitem__(w.format, pool.submit(finish[w.format], w)))
            except LkjError as exc:
                errors.append(exc)
            for fmt in formats:
                if fmt in jobs:
                    try:
                        jobs[fmt].result()
                    except LkjError as exc:
                        errors.append(exc)
        if errors:  # which narasi was it? (found by trials while the render's files exist)
            raise _blame_narasi(errors[0], md.read_text(encoding="utf-8"),
                                _narasi_sources(nb, project_root),
                                lambda text: _pdf_fails(text, work, res, settings, page, root,
                                                        work_dir)) from errors[0]
    return targets


def _cli_html(w: _Writer, md: Path, res: list[Path], env: dict[str, str] | None,
              images_ready: Callable[[], None]) -> Path:
    if w.needs_images:  # --embed-resources reads the images
        images_ready()
    proc = _run(_pandoc_cli(w, md, res), "Pandoc (HTML)", md.parent, env=env)
    _check_pandoc_warnings(proc.stderr, "html")
    return w.output


# ---------------------------------------------------------------------------------------
# Quarto engine
# ---------------------------------------------------------------------------------------


def _image_sources(markdown: str) -> list[str]:
    """Image paths referenced by the Markdown, as parsed by pandoc itself."""
    import json

    proc = tools.run([_pandoc_path(), *_pandoc_rts(), "--from", PANDOC_READER, "--to", "json"],
                     "Pandoc", Path.cwd(), PANDOC_TIMEOUT, input=markdown, check=False)
    if proc.returncode != 0:
        return []
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("t") == "Image":
                target = node["c"][2]
                found.append(target[0])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(proc.stdout).get("blocks", []))
    return found


def _quarto_notebook(notebook: Path, work: Path, meta: dict, body: str) -> Path:
    """What Quarto renders: a notebook (same file name) holding the document lkj collected
    from the executed one — the Markdown the embedded engine reads, charts joined to their
    captions and written beside it — so both engines start from the same text."""
    import nbformat
    import yaml

    front = dict(meta)
    front.setdefault("execute", {"enabled": False, "echo": False, "warning": False, "error": False, "output": "asis"})
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": body})]
    cells = [nbformat.v4.new_raw_cell("---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---"),
             cell]
    copy = nbformat.v4.new_notebook(cells=cells, metadata=_read_notebook(notebook).metadata)
    target = work / notebook.name
    nbformat.write(copy, str(target))
    return target


def _quarto_project(settings: dict, work: Path) -> None:
    """_quarto.yml for the work dir: the project's file with paths pointing to copies."""
    import yaml

    cfg: Path | None = settings["config"]
    data = _read_yaml(cfg) if cfg else {}
    root: Path = settings["root"]
    assets = work / "_lkj"
    assets.mkdir(exist_ok=True)

    def localise(value: Any) -> Any:
        src = _resolve_asset(value, root, "")
        dst = assets / src.name
        shutil.copyfile(src, dst)
        return f"_lkj/{src.name}"

    data.pop("project", None)
    data["project"] = {"type": "default"}
    filters = data.get("filters") or []
    filters = [localise(f) if isinstance(f, str) and f.endswith(".lua") else f for f in filters]
    if not any(str(f).endswith("lkj.lua") for f in filters):
        filters.insert(0, localise(LUA_FILTER))
    data["filters"] = filters
    fmts = data.get("format") or {}
    html = fmts.get("html")
    if isinstance(html, dict):  # the same policy as the embedded engine's pages
        html["include-in-header"] = [{"text": f'<meta http-equiv="Content-Security-Policy" '
                                              f'content="{HTML_POLICY}">'}]
    if isinstance(html, dict) and html.get("css"):
        css = html["css"]
        html["css"] = [localise(c) for c in css] if isinstance(css, list) else localise(css)
    typst_fmt = fmts.get("typst")
    if not isinstance(typst_fmt, dict):
        typst_fmt = {}
        fmts["typst"] = typst_fmt
    # The same font folder as the embedded engine (the project's, else lkj's own copy) ...
    pdf = settings["pdf"]  # _quarto.yml over lkj's defaults, as the embedded engine reads it
    font_dirs = _font_dirs(pdf, root)
    if font_dirs:
        typst_fmt["font-paths"] = [str(d) for d in font_dirs]
    for key in ("mainfont", "fontsize", "margin", "papersize"):
        typst_fmt.setdefault(key, pdf.get(key, DEFAULT_SETTINGS.get(key)))
    # ... and the same typography and page-break rules, after Quarto's own template rules.
    before = typst_fmt.get("include-before-body") or []
    before = [before] if isinstance(before, str) else list(before)
    typst_fmt["include-before-body"] = [localise(PAGE_RULES), *before]
    docx = fmts.get("docx")
    if isinstance(docx, dict) and docx.get("reference-doc"):
        docx["reference-doc"] = localise(docx["reference-doc"])
    elif REFERENCE_DOCX.is_file():
        if not isinstance(docx, dict):
            docx = {}
            fmts["docx"] = docx
        docx["reference-doc"] = localise(REFERENCE_DOCX)
    data["format"] = fmts
    (work / "_quarto.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _render_quarto(
    notebook: Path, out_dir: Path, basename: str, formats: tuple[str, ...], project_root: Path | None,
    work_dir: Path,
) -> dict[str, Path]:
    quarto = _quarto_path()
    if quarto is None:  # pragma: no cover - guarded by select_engine
        raise LkjError("Program `quarto` tidak ditemukan di PATH.")
    settings = load_settings(project_root, notebook)
    nb_dir = notebook.resolve().parent
    results: dict[str, Path] = {}
    epoch = _source_date_epoch(_read_notebook(notebook))
    with tempfile.TemporaryDirectory(prefix="lkj-quarto-", dir=work_dir) as tmp:
        work = Path(tmp)
        meta, body = notebook_to_markdown(notebook, work / "keluaran")
        # Figures are referenced relative to the notebook: copy them next to the copy.
        for src in _image_sources(body):
            if re.match(r"^[A-Za-z][\w+.-]*:", src) or Path(src).is_absolute():
                continue
            origin = (nb_dir / src).resolve()
            dest = (work / src).resolve()
            if not origin.is_file() or work.resolve() not in dest.parents:
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, dest)
        nb_copy = _quarto_notebook(notebook, work, meta, body)
        _quarto_project(settings, work)
        for fmt in formats:
            name = f"{basename}.{fmt}"
            cmd = [quarto, "render", nb_copy.name, "--to", _QUARTO_TO[fmt], "--output", name, "--no-execute"]
            # No memory limit: Quarto's runtime (deno) reserves far more address space than it
            # uses. Its time limit ends the whole process group (the pandoc and typst it runs).
            proc = tools.run(cmd, f"Quarto ({fmt.upper()})", work, QUARTO_TIMEOUT,
                             env=_tool_env(epoch), check=False)
            if proc.returncode != 0:
                raise LkjError(
                    f"Quarto gagal merender {fmt.upper()} dari {notebook.name} (kode "
                    f"{proc.returncode}). Pesan terakhir dari Quarto:\n{_tail(proc.stderr or proc.stdout)}"
                )
            produced = work / name
            if not produced.is_file():
                raise LkjError(
                    f"Quarto selesai tanpa galat, tetapi berkas {name} tidak dihasilkan. "
                    f"Pesan Quarto:\n{_tail(proc.stderr or proc.stdout)}"
                )
            target = out_dir / name
            shutil.move(str(produced), str(target))
            results[fmt] = target
    return results


# ---------------------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------------------


def render(
    notebook: Path,
    out_dir: Path,
    basename: str,
    formats: Iterable[str] = FORMATS,
    engine: str = "auto",
    project_root: Path | None = None,
    images_ready: Callable[[], None] | None = None,
    work_dir: Path | None = None,
) -> dict[str, Path]:
    """Render an executed notebook to ``out_dir/basename.{html,pdf,docx}``.

    Returns ``{format: path}`` for the requested formats. Writes nothing outside
    ``out_dir`` except temporary files in a temporary directory inside ``work_dir`` (default:
    the parent of ``out_dir``), which must also hold everything the document refers to (the
    notebook's figures): the PDF can read no file outside it. Raises
    :class:`~lkj.errors.LkjError` (message in Bahasa Indonesia) on any failure.
    ``images_ready``, when given, is called (once) before the first step that reads the image
    files — for charts still being drawn by :func:`lkj.charts.background`.
    """
    notebook = Path(notebook)
    out_dir = Path(out_dir)
    fmts = tuple(dict.fromkeys(str(f).lower().lstrip(".") for f in formats))
    if not fmts:
        raise LkjError("Tidak ada format keluaran yang diminta (pilih html, pdf, dan/atau docx).")
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown:
        raise LkjError(f"Format keluaran tidak dikenal: {', '.join(unknown)}. Pilihan: html, pdf, docx.")
    if not basename or basename != Path(basename).name or basename in (".", ".."):
        raise LkjError(f"Nama berkas keluaran tidak sah: {basename!r} (tanpa direktori atau garis miring).")
    if not notebook.is_file():
        raise LkjError(f"Notebook tidak ditemukan: {notebook}")
    chosen = select_engine(engine)
    out_dir.mkdir(parents=True, exist_ok=True)
    work_dir = (Path(work_dir) if work_dir is not None else out_dir.parent).resolve()
    if chosen == "quarto":
        if images_ready is not None:
            images_ready()
        return _render_quarto(notebook, out_dir, basename, fmts, project_root, work_dir)
    return _render_embedded(notebook, out_dir, basename, fmts, project_root, images_ready,
                            work_dir)
