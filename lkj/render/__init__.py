"""Rendering: executed notebook → HTML, PDF and DOCX, by one of two engines (papermill's way:
small engine classes in a registry, one module each).

The notebook (executed by papermill) holds the report as the ``text/markdown`` data of its
``display_data``/``execute_result`` outputs (and its charts as ``image/png``); the first one is a
YAML metadata block. :mod:`lkj.render.markdown` collects them into one Markdown document, which
both engines render with the same filter (``templates/lkj.lua``), templates (``lkj.typ``,
``html.html``, ``reference.docx``) and DOCX styling (:mod:`lkj.render.docx`):

* ``embedded`` (:mod:`lkj.render.embedded`) — what pip installs: one pandoc process writes every
  format, the ``typst`` package makes the PDF;
* ``quarto`` (:mod:`lkj.render.quarto`) — one ``quarto render`` for every format (chosen by
  ``auto`` when ``quarto`` is on PATH).

``_quarto.yml`` is the one place for settings; both engines read it (:mod:`lkj.render.settings`).
User text never becomes raw HTML/typst: pandoc reads the Markdown with ``raw_html``,
``raw_tex`` and ``raw_attribute`` disabled, so only markup built by our own filter and
templates reaches the output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lkj.errors import LkjError
from lkj.render.embedded import EmbeddedEngine
from lkj.render.markdown import notebook_to_markdown
from lkj.render.quarto import QuartoEngine
from lkj.render.settings import FORMATS, REFERENCE_DOCX, load_settings

__all__ = ["FORMATS", "ENGINES", "REFERENCE_DOCX", "available_engines", "select_engine", "render",
           "notebook_to_markdown", "load_settings"]

# name → engine class (`name`, `available()`, `unavailable` message, `render(...)`)
ENGINES: dict[str, type] = {e.name: e for e in (EmbeddedEngine, QuartoEngine)}
AUTO_ORDER = ("quarto", "embedded")  # auto: Quarto where it is installed


def available_engines() -> dict[str, bool]:
    """Which render engines can run here: ``{"embedded": bool, "quarto": bool}``."""
    return {name: engine.available() for name, engine in ENGINES.items()}


def select_engine(name: str = "auto") -> str:
    """Resolve an engine name: ``auto`` → ``quarto`` if on PATH, else ``embedded``."""
    name = (name or "auto").strip().lower()
    if name == "auto":
        return next((n for n in AUTO_ORDER if ENGINES[n].available()), "embedded")
    if name not in ENGINES:
        raise LkjError(f"Engine render tidak dikenal: {name!r}. Pilihan yang tersedia: auto, "
                       f"{', '.join(ENGINES)}.")
    if not ENGINES[name].available():
        raise LkjError(ENGINES[name].unavailable)
    return name


def render(
    notebook: Path,
    out_dir: Path,
    basename: str,
    formats: Iterable[str] = FORMATS,
    engine: str = "auto",
    project_root: Path | None = None,
    work_dir: Path | None = None,
) -> dict[str, Path]:
    """Render an executed notebook to ``out_dir/basename.{html,pdf,docx}``.

    Returns ``{format: path}`` for the requested formats. Writes nothing outside
    ``out_dir`` except temporary files in a temporary directory inside ``work_dir`` (default:
    the parent of ``out_dir``), which must also hold everything the document refers to (the
    notebook's figures): the PDF can read no file outside it. Raises
    :class:`~lkj.errors.LkjError` (message in Bahasa Indonesia) on any failure.
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
    return ENGINES[chosen].render(notebook, out_dir, basename, fmts, project_root, work_dir)
