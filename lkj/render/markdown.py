"""Executed notebook → the report's Markdown (the text both engines render)."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any, Iterable

from lkj.errors import LkjError

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


