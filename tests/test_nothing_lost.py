"""Nothing is lost: raw data is only read, a failed run leaves the previous report byte-identical,
a failing notebook step is named and its partial notebook kept, and text from the inputs prints
as itself in every output format.

One good report (HTML, PDF, DOCX) is built for this module from the sample data, with a uraian
full of markup characters, without network access. The failing runs then happen after it.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import socket
import subprocess
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from lkj import pipeline
from lkj.cli import main
from lkj.errors import LkjError

ROOT = Path(__file__).resolve().parent.parent
TW2 = Path("data/raw/candipuro/2023/camat/tw2")
SLUG = "lkj-candipuro-2023-tw2-camat"
ARGS = ["--kec", "candipuro", "--tw", "2", "--engine", "embedded"]
# Markup of every output format; each must print as the characters themselves.
MARKUP = ["<script>alert(1)</script>", "<b>tebal</b>", "#pagebreak()", "$x^2$", "@fig-x",
          "*bintang*", "_garis_", "a|b"]
URAIAN = "Uji " + " ".join(MARKUP)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def no_network(monkeypatch) -> None:
    """Any connection to another host fails, in this process and in pandoc (via its proxy)."""
    real = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else ""
        if isinstance(address, tuple) and host not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"uji: jaringan tidak boleh dipakai ({host})")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    root = tmp_path_factory.mktemp("utuh")
    for name in ("data/raw", "notebooks", "_quarto.yml", "Makefile", "pyproject.toml",
                 "constraints.txt"):
        src, dst = ROOT / name, root / name
        shutil.copytree(src, dst) if src.is_dir() else shutil.copy2(src, dst)
    (root / ".venv").symlink_to(ROOT / ".venv")
    for name, old in (("anggaran.csv", "Penyusunan Dokumen Perencanaan Perangkat Daerah"),
                      ("kegiatan.csv", "Fasilitasi pembinaan dan pengawasan dalam penyusunan "
                                       "Perdes BUMDes")):
        path = root / TW2 / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, URAIAN, 1), encoding="utf-8")
    raw_before = snapshot(root / "data/raw")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LKJ_ROOT", str(root))
        no_network(mp)
        assert main(["report", *ARGS]) == 0
        root.joinpath(".raw-before.json").write_text(json.dumps(raw_before))
        yield root


@pytest.fixture
def env(good, monkeypatch):
    monkeypatch.setenv("LKJ_ROOT", str(good))
    return good


def out(root: Path, ext: str) -> Path:
    return root / "reports/candipuro/2023/tw2" / f"{SLUG}.{ext}"


@pytest.mark.slow
def test_building_a_report_never_modifies_raw_data(good):
    assert snapshot(good / "data/raw") == json.loads((good / ".raw-before.json").read_text())


@pytest.mark.slow
def test_markup_in_a_uraian_prints_as_itself_in_html(good):
    page = out(good, "html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "<b>tebal</b>" not in page
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
    for piece in MARKUP:
        assert text.count(piece) >= 2, piece  # Tabel anggaran and the activity list


@pytest.mark.slow
def test_markup_in_a_uraian_prints_as_itself_in_pdf(good):
    text = "".join("".join(page.extract_text() for page in PdfReader(out(good, "pdf")).pages)
                   .split())
    for piece in MARKUP:
        assert piece.replace(" ", "") in text, piece


@pytest.mark.slow
def test_markup_in_a_uraian_prints_as_itself_in_docx(good):
    with zipfile.ZipFile(out(good, "docx")) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", "", xml))
    for piece in MARKUP:
        assert piece in text, piece


@pytest.mark.slow
def test_the_audit_trail_names_the_render_engine_and_its_versions(good):
    audit = out(good, "html").with_name(f"{SLUG}-jejak-audit.html")
    page = html.unescape(re.sub(r"<[^>]+>", " ", audit.read_text(encoding="utf-8")))
    text = " ".join(page.split())
    assert re.search(r"mesin render embedded \(pandoc \d+(\.\d+)+, typst \d+(\.\d+)+\)", text)
    sha = hashlib.sha256((good / TW2 / "anggaran.csv").read_bytes()).hexdigest()
    assert sha[:16] in text


def _make(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LKJ_ROOT"}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_make_report_with_broken_input_after_a_good_build_changes_nothing(good):
    # The copy shares this checkout's venv: only run make when that venv is current, otherwise
    # make would reinstall it from the copy.
    if _make(good, "-q", ".venv/.lkj-installed").returncode != 0:
        pytest.skip("venv belum disiapkan oleh make (jalankan lewat `make test`)")
    reports, processed = snapshot(good / "reports"), snapshot(good / "data/processed")
    anggaran = good / TW2 / "anggaran.csv"
    original = anggaran.read_bytes()
    try:
        anggaran.write_bytes(original.replace(b"2.011.493.161", b"dua milyar", 1))
        broken_raw = snapshot(good / "data/raw")
        result = _make(good, "report", "KEC=candipuro", "TW=2", "ENGINE=embedded")
        assert result.returncode != 0
        assert "anggaran.csv, baris 2, kolom 'pagu': bukan angka yang sah" in result.stderr
        assert "Traceback" not in result.stderr
        assert snapshot(good / "reports") == reports
        assert snapshot(good / "data/processed") == processed  # the last good tables stay
        assert snapshot(good / "data/raw") == broken_raw       # raw data only read
    finally:
        anggaran.write_bytes(original)


@pytest.mark.slow
def test_make_refuses_unsafe_parameters_before_any_shell_runs(good, tmp_path):
    marker = tmp_path / "dijalankan"
    for kec in (f"x; touch {marker}", f"$(shell touch {marker})", f'x"; touch {marker}; "'):
        result = _make(good, "-n", "report", f"KEC={kec}", "TW=2")
        assert result.returncode != 0 and "KEC tidak valid" in result.stderr
    assert not marker.exists()


def _break_a_step(root: Path) -> tuple[str, bytes]:
    """Make one report step raise, as a bug would; returns its cell id and the notebook."""
    path = root / "notebooks/laporan.ipynb"
    original = path.read_bytes()
    nb = json.loads(original)
    ids = [c.get("id") for c in nb["cells"] if c.get("id") in pipeline.STEPS
           and c.get("id") not in ("parameter", "parameters", "muat")]
    ident = "bab3-anggaran" if "bab3-anggaran" in ids else ids[-1]
    cell = next(c for c in nb["cells"] if c.get("id") == ident)
    cell["source"] = 'raise ValueError("uji: tabel rusak")'
    path.write_text(json.dumps(nb), encoding="utf-8")
    return ident, original


@pytest.mark.slow
def test_failing_notebook_step_is_named_and_its_notebook_kept(env, capsys):
    reports = snapshot(env / "reports")
    ident, original = _break_a_step(env)
    try:
        assert main(["render", *ARGS]) == 1
    finally:
        (env / "notebooks/laporan.ipynb").write_bytes(original)
    err = capsys.readouterr().err
    assert f"langkah '{pipeline.STEPS[ident]} (sel {ident})'" in err
    assert "nilai tidak sah (ValueError: uji: tabel rusak)" in err
    assert "Traceback" not in err
    kept = env / "build/gagal" / f"{SLUG}.ipynb"
    assert f"build/gagal/{SLUG}.ipynb" in err and kept.is_file()
    cells = json.loads(kept.read_text(encoding="utf-8"))["cells"]
    failed = next(c for c in cells if c.get("id") == ident)
    assert any(o.get("ename") == "ValueError" for o in failed.get("outputs", []))
    earlier = [c for c in cells[:cells.index(failed)] if c["cell_type"] == "code"]
    assert any(c.get("outputs") for c in earlier)  # the steps before it ran and are kept
    assert snapshot(env / "reports") == reports


@pytest.mark.slow
def test_failing_render_keeps_the_executed_notebook_and_the_old_report(env, monkeypatch, capsys):
    from lkj import render

    def broken(*args, **kwargs):
        raise LkjError("Pandoc (html) gagal (kode 1): uji")

    reports = snapshot(env / "reports")
    monkeypatch.setattr(render, "render", broken)
    assert main(["render", *ARGS]) == 1
    err = capsys.readouterr().err
    assert "langkah 'render embedded': Pandoc (html) gagal (kode 1): uji" in err
    assert (env / "build/gagal" / f"{SLUG}.ipynb").is_file()
    assert snapshot(env / "reports") == reports


# ---- fast: no report build needed --------------------------------------------------------------

# publish itself (all or nothing, crash points, signals): tests/test_publish.py


def test_unexpected_error_is_a_message_and_the_details_go_to_a_file(project, monkeypatch, capsys):
    def bug(*args, **kwargs):
        raise RuntimeError("uji: bug")

    monkeypatch.delenv("LKJ_DEBUG", raising=False)
    monkeypatch.setattr(pipeline, "process", bug)
    assert main(["report", "--kec", "candipuro", "--tw", "2"]) == 1
    err = capsys.readouterr().err
    assert "kesalahan tak terduga" in err and "Traceback" not in err
    saved = project / "build/gagal/galat-terakhir.txt"
    assert "build/gagal/galat-terakhir.txt" in err
    assert "RuntimeError: uji: bug" in saved.read_text(encoding="utf-8")


def test_interrupting_a_run_is_not_a_traceback(project, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "process", interrupted)
    assert main(["report", "--kec", "candipuro", "--tw", "2"]) == 130
    assert "Dibatalkan" in capsys.readouterr().err


def test_no_subprocess_is_given_a_shell_string():
    """Commands are argument lists: a file or folder name can never become shell syntax."""
    import ast

    found = []
    for path in sorted((ROOT / "lkj").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            owner = getattr(node.func.value, "id", "")
            if owner == "os" and node.func.attr in ("system", "popen"):
                found.append(f"{path.name}:{node.lineno} os.{node.func.attr}")
            if owner == "subprocess":
                shell = any(k.arg == "shell" and getattr(k.value, "value", False)
                            for k in node.keywords)
                text = node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))
                if shell or text:
                    found.append(f"{path.name}:{node.lineno} subprocess.{node.func.attr}")
    assert found == []
