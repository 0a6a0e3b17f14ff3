"""The Quarto engine: one ``quarto render`` writes every requested format.

It renders the same document as the embedded engine, with the same pandoc options: the writers
of :mod:`lkj.render.embedded` (template, metadata, variables, header, table of contents) become
the ``format:`` options of a ``_quarto.yml`` in the work directory, lkj.lua runs before Quarto's
own filters (``at: pre-ast``: Quarto then finds no cross-reference or title of its own to make),
and the DOCX gets the same styling (:mod:`lkj.render.docx`). Quarto reads the date, when it
formats one, in English ("Invalid Date" for "23 Agustus 2023"): the date it is given is the one
lkj already wrote (``lkj-date``).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from lkj import tools
from lkj.errors import LkjError
from lkj.render.docx import _postprocess_docx
from lkj.render.embedded import (
    PANDOC_TIMEOUT,
    _pandoc_path,
    _pandoc_rts,
    _docx_writer,
    _embed_images,
    _html_writer,
    _pdf_writer,
    _tail,
    _Writer,
    document,
)
from lkj.render.markdown import _read_notebook
from lkj.render.settings import (
    _QUARTO_TO,
    LUA_FILTER,
    PAGE_RULES,
    PANDOC_READER,
    TYPST_TEMPLATE,
    _page_setup,
    _source_date_epoch,
    _tool_env,
    _typst_fonts,
    load_settings,
)

QUARTO_TIMEOUT = 900  # seconds for all formats; Quarto starts slowly


def _quarto_path() -> str | None:
    return shutil.which("quarto")


def _format_options(w: _Writer) -> dict[str, Any]:
    """A pandoc writer of the embedded engine as Quarto format options (pandoc defaults keys)."""
    opts: dict[str, Any] = {
        "metadata-files": [str(w.metadata_file)], **w.metadata, "lkj-templates": True,
        "variables": dict(w.variables), "toc": w.toc, "toc-depth": w.toc_depth,
        "number-sections": w.number_sections,
        "output-file": w.output.name,
    }
    for key, value in (("template", w.template), ("wrap", w.wrap), ("reference-doc", w.reference_doc)):
        if value is not None:
            opts[key] = str(value)
    if w.include_in_header:
        opts["include-in-header"] = [str(p) for p in w.include_in_header]
    if w.format == "html":  # no Quarto page furniture: our template, our style sheets
        opts.update({"minimal": True, "embed-resources": bool(w.css), "css": [str(c) for c in w.css],
                     "page-layout": "custom", "anchor-sections": False,
                     "html-table-processing": "none"})  # Quarto reads raw <table>s again
    return opts


def _render_quarto(
    notebook: Path, out_dir: Path, basename: str, formats: tuple[str, ...], project_root: Path | None,
    work_dir: Path,
) -> dict[str, Path]:
    quarto = _quarto_path()
    if quarto is None:  # pragma: no cover - guarded by select_engine
        raise LkjError("Program `quarto` tidak ditemukan di PATH.")
    settings = load_settings(project_root, notebook)
    root, page = settings["root"], _page_setup(settings["pdf"])
    nb = _read_notebook(notebook)
    epoch = _source_date_epoch(nb)
    with tempfile.TemporaryDirectory(prefix="lkj-quarto-", dir=work_dir) as tmp:
        work = Path(tmp)
        meta, body = document(nb, notebook, work, settings)
        res: list[Path] = []  # image paths stay relative to the work dir (work/keluaran/)
        _copy_images(body, notebook.resolve().parent, work)
        writers = {"html": lambda: _html_writer(work, res, settings, page, root, work / f"{basename}.html"),
                   "pdf": lambda: _pdf_writer(work, res, settings, page),
                   "docx": lambda: _docx_writer(work, res, settings, page, root)}
        fmts: dict[str, Any] = {}
        for fmt in formats:
            w = writers[fmt]()
            w.output = work / f"{basename}.{fmt}"
            if w.template == TYPST_TEMPLATE:  # Quarto moves the template away from its partial
                w.template = work / TYPST_TEMPLATE.name
                w.template.write_text(TYPST_TEMPLATE.read_text(encoding="utf-8").replace(
                    f"${PAGE_RULES.name}()$", PAGE_RULES.read_text(encoding="utf-8")), encoding="utf-8")
            fmts[_QUARTO_TO[fmt]] = _format_options(w)
            if settings[fmt].get("toc-title"):  # else Quarto's language file names it
                fmts[_QUARTO_TO[fmt]]["toc-title"] = str(settings[fmt]["toc-title"])
        font_dirs, own_fonts = _typst_fonts(settings["pdf"], root)
        if "typst" in fmts:  # the fonts the embedded engine gives typst
            # relative to the project (the work dir): Quarto reads "/…" as project-relative
            fmts["typst"]["font-paths"] = [os.path.relpath(d, work) for d in font_dirs]
        config = {
            "project": {"type": "default"},
            "execute": {"enabled": False, "echo": False, "warning": False, "error": False,
                        "output": "asis"},
            "filters": [{"path": str(LUA_FILTER), "at": "pre-ast"}],
            "format": fmts,
        }
        (work / "_quarto.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                          encoding="utf-8")
        source = _notebook(work / f"{basename}.ipynb", meta, body, nb.metadata)
        cmd = [quarto, "render", source.name, "--to", "all", "--no-execute"]  # every format: listed
        # No memory limit: Quarto's runtime (deno) reserves far more address space than it
        # uses. Its time limit ends the whole process group (the pandoc and typst it runs).
        env = _tool_env(epoch) or dict(os.environ)
        if "typst" in fmts and own_fonts:
            # as the embedded engine: lkj's own fonts only, never a system copy of another
            # version (LibreOffice installs one), whose widths wrap table cells differently
            env["TYPST_IGNORE_SYSTEM_FONTS"] = "true"
        proc = tools.run(cmd, "Quarto", work, QUARTO_TIMEOUT, env=env, check=False)
        if proc.returncode != 0:
            raise LkjError(f"Quarto gagal merender {notebook.name} (kode {proc.returncode}). "
                           f"Pesan terakhir dari Quarto:\n{_tail(proc.stderr or proc.stdout)}")
        results: dict[str, Path] = {}
        for fmt in formats:
            produced, target = work / f"{basename}.{fmt}", out_dir / f"{basename}.{fmt}"
            if not produced.is_file():
                raise LkjError(f"Quarto selesai tanpa galat, tetapi berkas {produced.name} tidak "
                               f"dihasilkan. Pesan Quarto:\n{_tail(proc.stderr or proc.stdout)}")
            if fmt == "html":
                _embed_images(produced, [work])
            if fmt == "docx":
                _postprocess_docx(produced, target, page, meta)
            else:
                shutil.move(str(produced), str(target))
            results[fmt] = target
    return results


_QUARTO_IDS = re.compile(r"((?<!\\)@|\{#)(tbl|fig)-")


def _copy_images(body: str, nb_dir: Path, work: Path) -> None:
    """Images the Markdown names relative to the notebook, copied beside the copy Quarto reads
    (nothing outside the notebook's folder, no web address)."""
    for src in _image_sources(body):
        if re.match(r"^[A-Za-z][\w+.-]*:", src) or Path(src).is_absolute():
            continue
        origin, dest = (nb_dir / src).resolve(), (work / src).resolve()
        if origin.is_file() and work.resolve() in dest.parents and not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, dest)


def _notebook(target: Path, meta: dict, body: str, metadata) -> Path:
    """What Quarto renders: a notebook holding the collected document as one Markdown output,
    so both engines start from the same text."""
    import nbformat

    # Quarto numbers tbl-/fig- targets itself, before any filter runs ("Tabel 1: Tabel 2.1 …"
    # and no Daftar Tabel): our captions carry their numbers, so the ids get a prefix of ours.
    body = _QUARTO_IDS.sub(r"\1lkj-\2-", body)
    front = dict(meta)
    if "date" in front:
        front["lkj-date"] = front.pop("date")
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": body})]
    head = nbformat.v4.new_raw_cell("---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---")
    nbformat.write(nbformat.v4.new_notebook(cells=[head, cell], metadata=metadata), str(target))
    return target


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



class QuartoEngine:
    name = "quarto"
    unavailable = ("Engine 'quarto' diminta, tetapi program `quarto` tidak ditemukan di PATH. "
                   "Pasang Quarto (https://quarto.org) atau pakai engine 'embedded' / 'auto'.")
    available = staticmethod(lambda: _quarto_path() is not None)
    render = staticmethod(_render_quarto)
