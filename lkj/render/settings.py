"""Render settings: _quarto.yml read once for both engines, page setup, fonts, dates."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from lkj.errors import LkjError
from lkj.safe_markdown import DOC_READER

FORMATS = ("html", "pdf", "docx")

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
LUA_FILTER = TEMPLATES / "lkj.lua"
TYPST_TEMPLATE = TEMPLATES / "lkj.typ"
PAGE_RULES = TEMPLATES / "lkj-halaman.typ"  # typst rules of both engines (partial of lkj.typ)
HTML_TEMPLATE = TEMPLATES / "html.html"
DEFAULT_CSS = TEMPLATES / "lkj.css"
REFERENCE_DOCX = TEMPLATES / "reference.docx"

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
    "toc-title": "DAFTAR ISI",
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
# Settings (_quarto.yml)
# ---------------------------------------------------------------------------------------


def _find_config(project_root: Path | None, notebook: Path | None) -> Path | None:
    candidates: list[Path] = []
    if project_root is not None:
        candidates.append(Path(project_root) / "_quarto.yml")
    if notebook is not None:
        for parent in Path(notebook).resolve().parents:
            candidates.append(parent / "_quarto.yml")
    candidates.append(Path(__file__).resolve().parents[2] / "_quarto.yml")
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
    root = cfg_path.parent if cfg_path else Path(__file__).resolve().parents[2]
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


def _text_width_cm(page: dict) -> float:
    twips = _twips(page["width"]) - _twips(page["margin"]["left"]) - _twips(page["margin"]["right"])
    return max(twips, 1440) * 2.54 / 1440


