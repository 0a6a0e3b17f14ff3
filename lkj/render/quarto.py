"""The Quarto engine: one `quarto render` of the collected document for every format."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

from lkj import tools
from lkj.errors import LkjError
from lkj.render.embedded import PANDOC_TIMEOUT, _pandoc_path, _pandoc_rts, _tail
from lkj.render.markdown import _read_notebook, notebook_to_markdown
from lkj.render.settings import (
    _QUARTO_TO,
    DEFAULT_SETTINGS,
    LUA_FILTER,
    PAGE_RULES,
    PANDOC_READER,
    REFERENCE_DOCX,
    _font_dirs,
    _read_yaml,
    _resolve_asset,
    _source_date_epoch,
    _tool_env,
    load_settings,
)
from lkj.safe_markdown import HTML_POLICY


def _quarto_path() -> str | None:
    return shutil.which("quarto")


QUARTO_TIMEOUT = 900  # seconds per format; Quarto starts slowly

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
    images_ready: Callable[[], None] | None, work_dir: Path,
) -> dict[str, Path]:
    quarto = _quarto_path()
    if quarto is None:  # pragma: no cover - guarded by select_engine
        raise LkjError("Program `quarto` tidak ditemukan di PATH.")
    if images_ready is not None:
        images_ready()
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




class QuartoEngine:
    name = "quarto"
    unavailable = ("Engine 'quarto' diminta, tetapi program `quarto` tidak ditemukan di PATH. "
                   "Pasang Quarto (https://quarto.org) atau pakai engine 'embedded' / 'auto'.")
    available = staticmethod(lambda: _quarto_path() is not None)
    render = staticmethod(_render_quarto)
