"""The embedded engine: pandoc writes each format (the three side by side); typst makes the
PDF. Needs only what pip installs."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from lkj import tools
from lkj.errors import LkjError
from lkj.render.docx import _postprocess_docx
from lkj.render.markdown import _collect_markdown, _markdown_document, _read_notebook
from lkj.render.settings import (
    _FONT_RE,
    _LANG_RE,
    DEFAULT_FONT,
    HTML_TEMPLATE,
    LUA_FILTER,
    PANDOC_READER,
    TYPST_TEMPLATE,
    _css_files,
    _page_setup,
    _reference_doc,
    _source_date_epoch,
    _text_width_cm,
    _toc_depth,
    _tool_env,
    _truthy,
    _typst_fonts,
    load_settings,
)
from lkj.safe_markdown import HTML_POLICY


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
    """One pandoc writer run: what `pandoc laporan.md ... --to <to> ...` is given
    (the command line: :func:`_pandoc_cli`)."""

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
    css: list[Path] = field(default_factory=list)   # --css, embedded: see embed_resources

    @property
    def embed_resources(self) -> bool:
        """--embed-resources: style sheets that refer to other files, embedded by pandoc."""
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
        css=[] if inline else css_files,
    )


def _finish_html(w: _Writer, res: list[Path]) -> Path:
    if not w.embed_resources:
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
                work_dir: Path,
                timeout: float = tools.TYPST_TIMEOUT) -> Path:
    """typst: the PDF from pandoc's typst file (which names the images; typst reads them).

    typst runs in a child process whose root is ``work_dir``: the document can read the files
    under it (figures, the render's own files) and nothing else on this machine."""
    _images_from_root(w.output, work_dir)
    font_dirs, embedded_only = _typst_fonts(settings["pdf"], root)
    if epoch is None:  # the PDF's creation date (and typst's document id) from the data
        epoch = _source_date_epoch(None)
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
        _finish_pdf(w, settings, root, trial / "uji.pdf", None, work_dir,
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
    )


def document(nb, notebook: Path, work: Path, settings: dict) -> tuple[dict, str]:
    """The report both engines render: its metadata and Markdown (charts written to
    work/keluaran/), and ``settings`` adjusted by the document's own front matter."""
    meta, body = _collect_markdown(nb, notebook, work / "keluaran")
    if "toc" in meta:  # the document's own front matter wins, as it does in Quarto
        for fmt in ("html", "pdf", "docx"):
            settings[fmt] = {**settings[fmt], "toc": meta["toc"]}
    for lang in (meta.get("lang"), settings["pdf"].get("lang")):
        if lang is not None and not _LANG_RE.match(str(lang)):
            raise LkjError(f"Kode bahasa (lang) tidak valid: {lang!r}. Gunakan misalnya 'id'.")
    return meta, body


def _render_embedded(
    notebook: Path, out_dir: Path, basename: str, formats: tuple[str, ...], project_root: Path | None,
    work_dir: Path,
) -> dict[str, Path]:
    settings = load_settings(project_root, notebook)
    root = settings["root"]
    page = _page_setup(settings["pdf"])
    nb_dir = notebook.resolve().parent
    nb = _read_notebook(notebook)
    epoch = _source_date_epoch(nb)
    with tempfile.TemporaryDirectory(prefix="lkj-render-", dir=work_dir) as tmp:
        work = Path(tmp)
        meta, body = document(nb, notebook, work, settings)
        md = work / "laporan.md"
        md.write_text(_markdown_document(meta, body), encoding="utf-8")
        res = [nb_dir, work]
        env = _tool_env(epoch)
        targets = {fmt: out_dir / f"{basename}.{fmt}" for fmt in formats}
        # One pandoc per format, side by side (one process writing all three saved < 0,3 s:
        # bench/README.md). The PDF's chain is the longest (pandoc, then typst): started first.
        writers = []
        for fmt in sorted(formats, key=("pdf", "html", "docx").index):
            if fmt == "pdf":
                writers.append(_pdf_writer(work, res, settings, page))
            elif fmt == "html":
                writers.append(_html_writer(work, res, settings, page, root, targets["html"]))
            else:
                writers.append(_docx_writer(work, res, settings, page, root))
        finish = {
            "pdf": lambda w: _finish_pdf(w, settings, root, targets["pdf"], epoch,
                                         work_dir),
            "html": lambda w: _finish_html(w, res),
            "docx": lambda w: _postprocess_docx(w.output, targets["docx"], page, meta) or targets["docx"],
        }

        def write(w: _Writer) -> Path:
            proc = _run(_pandoc_cli(w, md, res), "Pandoc", work, env=env)
            _check_pandoc_warnings(proc.stderr, w.format)
            return finish[w.format](w)

        errors = []
        with ThreadPoolExecutor(max_workers=len(writers)) as pool:
            for job in [pool.submit(write, w) for w in writers]:
                try:
                    job.result()
                except LkjError as exc:
                    errors.append(exc)
        if errors:  # which narasi was it? (found by trials while the render's files exist)
            raise _blame_narasi(errors[0], md.read_text(encoding="utf-8"),
                                _narasi_sources(nb, project_root),
                                lambda text: _pdf_fails(text, work, res, settings, page, root,
                                                        work_dir)) from errors[0]
    return targets


class EmbeddedEngine:
    name = "embedded"
    unavailable = ("Engine 'embedded' tidak dapat dipakai: paket pypandoc-binary dan typst harus "
                   "terpasang (pip install -e .).")
    available = staticmethod(_embedded_available)
    render = staticmethod(_render_embedded)
