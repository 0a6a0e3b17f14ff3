"""Nothing lost, nothing leaked: bounded inputs and no silent changes (issue 13).

Every input has a limit far above real kecamatan data (docs/data.md, 2.11 and 7.4) and is
refused with a message naming file, row and column when it crosses it; the programs that render
run with time and memory limits and die with lkj; what the data says is never changed without a
word (formulas without a result, mixed encodings, hidden sheets, too many digits, symlinks); the
published notebook names no folder of the build machine. The fixtures are built here.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from lkj import execute, reading, render, tools, validation
from lkj.errors import LkjError, Problem, ValidationError
from lkj.params import resolve
from lkj.reading import read_table
from lkj.validation import load_inputs, narasi_limits

ROOT = Path(__file__).resolve().parent.parent
TW2 = Path("data/raw/candipuro/2023/camat/tw2")
LINUX = sys.platform.startswith("linux")
linux_only = pytest.mark.skipif(not LINUX, reason="/proc, PR_SET_PDEATHSIG and RLIMIT_AS")


def problems(project) -> list[Problem]:
    with pytest.raises(ValidationError) as info:
        load_inputs(project, resolve(project, "candipuro", 2))
    return info.value.problems


@contextmanager
def memory_cap(extra: int = 1 << 30):
    """At most ``extra`` more address space for this process in the block: without the limits
    under test, a case would take all of the machine's memory instead of failing."""
    import resource

    status = Path("/proc/self/status").read_text()
    size = int(re.search(r"VmSize:\s+(\d+) kB", status).group(1)) << 10
    old = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (size + extra, old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, old)


def xlsx(path: Path, rows: list[list], edit=None) -> Path:
    """A workbook of ``rows``; ``edit(book)`` may change it before it is saved."""
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    if edit:
        edit(book)
    book.save(path)
    return path


def rewrite_zip(path: Path, change) -> None:
    """``change(name, data) -> data`` for every member; ``change`` may add members by returning
    a dict for the name None."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    extra = change(None, None) or {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, change(name, data))
        for name, data in extra.items():
            z.writestr(name, data)


# ---- XLSX: the used range, formulas, hidden sheets, archives ---------------------------------

@linux_only
def test_xlsx_is_read_by_its_used_range_not_its_formatting(tmp_path):
    """One formatted cell at XFD1048576: openpyxl's rows are padded to it (17 billion cells)."""
    def far_corner(book):
        book.active["XFD1048576"].number_format = "0.00"

    path = xlsx(tmp_path / "a.xlsx", [["kode", "uraian"], ["1", "a"], ["2", "b"]], far_corner)
    started = time.perf_counter()
    with memory_cap():
        table = read_table(path, "a.xlsx", ["kode", "uraian"])
    assert table.problems == [] and list(table.frame["kode"]) == ["1", "2"]
    assert time.perf_counter() - started < 10


def test_xlsx_value_far_outside_the_table_is_one_problem(tmp_path):
    def stray(book):
        book.active.cell(row=3, column=5000, value="x")

    path = xlsx(tmp_path / "a.xlsx", [["kode", "uraian"], ["1", "a"]], stray)
    [p] = read_table(path, "a.xlsx", ["kode", "uraian"]).problems
    assert (p.row, p.column) == (3, "GJH") and "paling lebar 100 kolom" in p.message


def test_formula_without_a_stored_result_names_sheet_and_cell(tw2, project):
    """openpyxl (like pandas' to_excel) saves formulas without calculating them; one with a
    result stored by Excel is read as that result."""
    path = xlsx(tw2 / "anggaran.xlsx", [["kode", "uraian", "pagu", "realisasi"],
                                             ["7.01", "Program", None, None],
                                             ["7.01.01", "Kegiatan", 100, "=SUM(2,3)"],
                                             ["7.01.02", "Kegiatan", 100, "=40+2"]])
    rewrite_zip(path, lambda name, data: data and (data.replace(
        b"<f>40+2</f><v />", b"<f>40+2</f><v>42</v>") if name.endswith("sheet1.xml") else data))
    table = read_table(path, "anggaran.xlsx", ["kode", "uraian"], ["pagu", "realisasi"])
    [p] = table.problems
    assert (p.row, p.column, p.value) == (3, "realisasi", "=SUM(2,3)")
    assert "sel D3 di lembar 'Sheet'" in p.message and "rumus tanpa hasil" in p.message
    assert table.frame["realisasi"][2] == 42
    (tw2 / "anggaran.csv").unlink()  # the report's own anggaran: one message for the cell
    [p] = [p for p in problems(project) if p.row == 3]
    assert p.column == "realisasi" and "rumus tanpa hasil" in p.message


def test_hidden_first_sheet_is_not_read_and_a_warning_says_so(tmp_path):
    def hidden_first(book):
        old = book.active
        old.title, old.sheet_state = "lama", "hidden"
        new = book.create_sheet("riwayat")
        for row in (["indikator_id", "tahun"], ["IK-01", 2022]):
            new.append(row)

    path = xlsx(tmp_path / "riwayat.xlsx", [["indikator_id", "tahun"], ["IK-99", 1999]],
                hidden_first)
    table = read_table(path, "riwayat.xlsx", ["indikator_id", "tahun"])
    assert list(table.frame["indikator_id"]) == ["IK-01"]
    [w] = table.warnings
    assert "lembar tersembunyi 'lama' diabaikan" in w.message


def test_hidden_sheet_of_masukan_xlsx_is_not_read(tw2, project):
    """A hidden `riwayat` sheet in the quarter's workbook stands in for nothing."""
    (tw2 / "riwayat.csv").unlink()

    def hidden(book):
        book.active.title, book.active.sheet_state = "riwayat", "hidden"
        book.create_sheet("petunjuk")  # a workbook needs one visible sheet

    xlsx(tw2 / "masukan.xlsx", [["indikator_id", "tahun", "target", "realisasi"],
                                ["IK-01", 2022, 90, 80]], hidden)
    inputs = load_inputs(project, resolve(project, "candipuro", 2))
    assert inputs.riwayat.empty
    assert any("lembar tersembunyi tidak dibaca: 'riwayat'" in w.message for w in inputs.warnings)


def test_zip_bomb_is_refused_before_it_is_opened(tmp_path):
    path = xlsx(tmp_path / "a.xlsx", [["kode", "uraian"], ["1", "a"]])
    rewrite_zip(path, lambda name, data: {"xl/media/bom.bin": b"0" * (60 << 20)}
                if name is None else data)
    assert path.stat().st_size < 1 << 20  # 60 MB of zeros pack into ~60 KB
    [p] = read_table(path, "a.xlsx", ["kode", "uraian"]).problems
    assert "isi buku kerja ini bila dibuka 60" in p.message


def test_link_to_another_workbook_is_a_warning(tmp_path):
    path = xlsx(tmp_path / "a.xlsx", [["kode", "uraian"], ["1", "a"]])
    rewrite_zip(path, lambda name, data: {"xl/externalLinks/externalLink1.xml": b"<x/>"}
                if name is None else data)
    table = read_table(path, "a.xlsx", ["kode", "uraian"])
    assert table.problems == [] and "tautan ke berkas Excel lain" in table.warnings[0].message


# ---- CSV: size, rows, columns, cells, encodings ---------------------------------------------

@linux_only
def test_file_beyond_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "a.csv"
    with path.open("wb") as f:  # 2 GB, sparse: nothing is written
        f.write(b"kode;uraian\n")
        f.truncate(2 << 30)
    with memory_cap(256 << 20):
        [p] = read_table(path, "a.csv", ["kode", "uraian"]).problems
    assert p.row == 1 and "berkas terlalu besar (2 GB; paling besar 5 MB)" in p.message


def test_too_many_rows_is_one_problem(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("kode;uraian\n" + "".join(f"{i};x\n" for i in range(10_001)),
                    encoding="utf-8")
    [p] = read_table(path, "a.csv", ["kode", "uraian"]).problems
    assert p.row == 10_002 and "lebih dari 10.000 baris data" in p.message
    # blank rows do not count: Excel writes ";" lines for 50.000 formatted empty rows
    path.write_text("kode;uraian\n" + "".join(f"{i};x\n" for i in range(10_000))
                    + ";\n" * 50_000, encoding="utf-8")
    table = read_table(path, "a.csv", ["kode", "uraian"])
    assert table.problems == [] and len(table.frame) == 10_000


def test_ten_thousand_columns_is_one_problem(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(";".join(["kode", "uraian", *(f"k{i}" for i in range(10_000))]) + "\n1;x\n",
                    encoding="utf-8")
    [p] = read_table(path, "a.csv", ["kode", "uraian"]).problems
    assert (p.row, p.column) == (1, "NTR") and "paling lebar 100 kolom" in p.message


def test_a_cell_beyond_the_length_limit_is_named(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("kode;uraian\n1;" + "kata " * 20_000 + "\n", encoding="utf-8")
    [p] = read_table(path, "a.csv", ["kode", "uraian"]).problems
    assert (p.row, p.column) == (2, "uraian") and "100.000 karakter; paling banyak 2.000" \
        in p.message
    assert len(str(p)) < 500  # the message shows the cell's beginning, not 100 KB


def test_mixed_utf8_and_windows_1252_is_an_error_naming_the_rows(tw2, project):
    path = tw2 / "pejabat.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(lines[1].split(";")[2], "AGÜS")
    path.write_bytes(("\n".join(lines[:2]) + "\n").encode("utf-8")
                     + ("\n".join(lines[2:]) + " é\n").encode("cp1252"))
    [p] = problems(project)
    assert p.file.endswith("pejabat.csv") and p.row == 3
    assert "baris 2 ditulis sebagai UTF-8, baris 3 sebagai Windows-1252" in p.message
    # Windows-1252 alone is still read as it is meant
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    inputs = load_inputs(project, resolve(project, "candipuro", 2))
    assert "AGÜS" in list(inputs.pejabat["nama"])


def test_mixed_encodings_in_a_narasi_name_the_line(tw2, project):
    (tw2 / "narasi/penutup.md").write_bytes("Kepala Desa AGÜS.\n\n".encode("utf-8")
                                            + "Café.\n".encode("cp1252"))
    [p] = problems(project)
    assert p.file.endswith("narasi/penutup.md") and p.row == 3 and "UTF-8" in p.message


# ---- numbers ------------------------------------------------------------------------------

def test_more_than_15_digits_is_refused_by_validation(tw2, project):
    path = tw2 / "realisasi.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "IK-01;;51", "IK-01;;123456789012345678901234567890"), encoding="utf-8")
    [p] = problems(project)
    assert (p.column, p.value) == ("penyebut", "123456789012345678901234567890")
    assert "lebih dari 15 digit" in p.message


@pytest.mark.parametrize("number, digits", [
    (Decimal("784808761.00"), 9), (Decimal("1E+30"), 31), (Decimal("0.0012"), 2),
    (Decimal("999999999999999"), 15), (Decimal("1000"), 4)])
def test_digits_counts_what_a_number_needs(number, digits):
    assert validation.digits(number) == digits


def test_excel_numbers_are_read_with_excels_15_digits():
    assert reading.parse_number(28 / 51 * 100) == Decimal("54.9019607843137")
    assert reading.parse_number(0.1 + 0.2) == Decimal("0.3")
    with pytest.raises(reading.NumberFormatError):
        reading.parse_number(float("inf"))


# ---- symlinks -----------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="symlinks")
@pytest.mark.parametrize("case", ["outside", "inside", "dangling", "folder"])
def test_symlinks_below_data_raw_are_refused(tw2, project, tmp_path_factory, case):
    secret = tmp_path_factory.mktemp("luar") / "rahasia.md"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    narasi = tw2 / "narasi"
    if case == "outside":  # a narasi → a file outside the project
        (narasi / "penutup.md").unlink()
        (narasi / "penutup.md").symlink_to(secret)
    elif case == "inside":  # anggaran.csv → another file in the same folder
        (tw2 / "anggaran.csv").rename(tw2 / "anggaran-asli.csv")
        (tw2 / "anggaran.csv").symlink_to("anggaran-asli.csv")
    elif case == "dangling":
        (tw2 / "anggaran.csv").unlink()
        (tw2 / "anggaran.csv").symlink_to("/tidak/ada.csv")
    else:  # the narasi folder → a folder elsewhere
        elsewhere = secret.parent / "narasi"
        narasi.rename(elsewhere)
        narasi.symlink_to(elsewhere)
    found = problems(project)
    assert found and all("tautan simbolik (symlink)" in p.message for p in found), found
    name = "narasi/" if case in ("outside", "folder") else "anggaran.csv"
    assert any(name in p.file for p in found)
    if case == "folder":
        assert "folder narasi/" in found[0].message


@pytest.mark.skipif(os.name != "posix", reason="hard links")
@pytest.mark.parametrize("name", ["narasi/penutup.md", "anggaran.csv"])
def test_a_file_below_data_raw_with_a_second_name_is_refused(tw2, project, tmp_path, name):
    """A hard link shares its content with a file anywhere on the same disk, as a symlink does."""
    elsewhere = tmp_path / "di-luar-proyek"
    os.link(tw2 / name, elsewhere)
    found = problems(project)
    assert [p.file for p in found if "tautan keras (hard link)" in p.message] == [
        p.file for p in found], found
    assert any(name.split("/")[-1] in p.file for p in found), found
    elsewhere.unlink()  # its only name again: accepted
    load_inputs(project, resolve(project, "candipuro", 2))


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_make_init_does_not_copy_what_a_symlink_points_to(tw2, project, tmp_path_factory):
    """A linked narasi is refused in its own quarter; `make init` must not turn the link's
    target into a plain file of the next quarter."""
    from lkj import scaffold

    secret = tmp_path_factory.mktemp("luar") / "rahasia.md"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (tw2 / "narasi/latar_belakang.md").unlink()
    (tw2 / "narasi/latar_belakang.md").symlink_to(secret)
    scaffold.init(project, "candipuro", 2023, 3)
    carried = project / "data/raw/candipuro/2023/camat/tw3/narasi/latar_belakang.md"
    assert "root:x:0:0" not in carried.read_text(encoding="utf-8")
    assert "BELUM DIISI" in carried.read_text(encoding="utf-8")


# ---- narasi -------------------------------------------------------------------------------

def test_the_sample_narasi_are_within_the_limits():
    files = sorted((ROOT / "data/raw").rglob("narasi/*.md"))
    assert files
    for path in files:
        assert narasi_limits(path.read_text(encoding="utf-8")) == [], path


NESTED_LIST = "".join("    " * i + "- butir\n" for i in range(200))


@pytest.mark.parametrize("text, line, says", [
    ("Teks biasa.\n\nLalu " + "[" * 16 + "isi", 3, "bersarang lebih dari 3"),
    ("Teks " + "[[[[a]]]] " + "\n", 1, "bersarang lebih dari 3"),
    ("\n\n".join("[a]" for _ in range(501)), 1001, "lebih dari 500 tanda kurung"),
    (NESTED_LIST, 7, "daftar bertingkat lebih dari 6"),
    ("- " * 10 + "x\n", 1, "daftar bertingkat lebih dari 6"),
    ("Visi:\n\n> > > > Maju\n", 3, "kutipan ('>') bertingkat lebih dari 3"),
    ("Alamat " + "x" * 1001 + "\n", 1, "kata sepanjang 1001 karakter"),
    ("kata " * 25_000, 1, "berkas narasi terlalu besar (122 KB; paling besar 100 KB)"),
])
def test_narasi_beyond_a_limit_names_the_line(text, line, says):
    [(at, message, _value, hint)] = narasi_limits(text)
    assert at == line and says in message and hint


@pytest.mark.parametrize("text", [
    "a. Satu;\nb. Dua:\n    1. Sub satu;\n    2. Sub dua;\nc. Tiga.\n",
    "Lihat [tautan](https://lumajangkab.go.id) dan [BELUM DIISI] serta [a [b]].\n",
    "> Terwujudnya Lumajang yang maju.\n\n- a\n\nTeks.\n\n- b\n",
    "<div>\nisi\n</div>\n\n::: {.x}\nisi\n:::\n",
])
def test_ordinary_narasi_is_within_the_limits(text):
    assert narasi_limits(text) == []


def test_a_bracket_bomb_is_refused_before_pandoc_sees_it(tw2, project):
    (tw2 / "narasi/penutup.md").write_text("Penutup.\n\n" + "[" * 16 + "isi\n",
                                           encoding="utf-8")
    started = time.perf_counter()
    [p] = problems(project)
    assert p.file.endswith("narasi/penutup.md") and p.row == 3 and "kurung siku" in p.message
    assert time.perf_counter() - started < 10


def test_a_narasi_beyond_the_size_limit_is_not_read(tw2, project):
    with (tw2 / "narasi/penutup.md").open("wb") as f:
        f.truncate(1 << 30)
    [p] = problems(project)
    assert p.file.endswith("penutup.md") and "berkas terlalu besar (1 GB" in p.message


# ---- many problems: the first ones printed, all of them in a file --------------------------

def test_many_problems_are_printed_shortly_and_listed_in_full(tw2, project, capsys):
    from lkj.cli import main

    path = tw2 / "kegiatan.csv"
    head, *rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([head, *(r.replace(";ditindaklanjuti", ";selesai")
                                       for r in rows * 40)]) + "\n", encoding="utf-8")
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 1
    err = capsys.readouterr().err
    numbered = [line for line in err.splitlines() if re.match(r"\s+\d+\. ", line)]
    assert len(numbered) == 30
    saved = "build/gagal/masalah-lkj-candipuro-2023-tw2-camat.txt"
    assert f"… dan 1.090 masalah lain (daftar lengkap: {saved})." in err
    assert len((project / saved).read_text(encoding="utf-8").splitlines()) == 1120
    path.write_text("\n".join([head, *rows[:1], rows[0].replace(";ditindaklanjuti", ";selesai")])
                    + "\n", encoding="utf-8")
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 1
    assert "masalah lain" not in capsys.readouterr().err
    assert not (project / saved).exists()  # no list of an earlier run left to mislead


# ---- programs: time, memory, files they may read, and none outliving lkj --------------------

def test_a_100_kb_line_renders_in_seconds(tmp_path):
    from test_render import make_notebook

    words = " ".join(f"kata{i % 97}" for i in range(15_000))  # one paragraph of ~100 KB
    nb = make_notebook(tmp_path / "nb", body="# Bab\n\n" + words + "\n")
    started = time.perf_counter()
    out = render.render(nb, tmp_path / "out", "x", formats=("html",), engine="embedded")
    assert "kata96" in out["html"].read_text(encoding="utf-8")
    assert time.perf_counter() - started < 20  # was ~100 s (an earlier Lua writer)


def test_pandoc_runs_with_a_memory_limit(tmp_path, monkeypatch):
    from test_render import make_notebook

    assert f"-M{render.embedded.PANDOC_MEMORY >> 20}m" in render.embedded.PANDOC_RTS
    # a heap limit below what brackets eight deep need (the report itself fits in it)
    monkeypatch.setattr(render.embedded, "PANDOC_MEMORY", 4 << 20)
    monkeypatch.setattr(render.embedded, "PANDOC_RTS", ("+RTS", "-M4m", "-RTS"))
    render.embedded._pandoc_rts.cache_clear()
    try:
        nb = make_notebook(tmp_path / "nb", body="Teks " + "[" * 10 + "isi" + "]" * 10 + "\n")
        with pytest.raises(LkjError, match="melebihi batas 4 MB"):
            render.render(nb, tmp_path / "out", "x", formats=("html",), engine="embedded")
    finally:
        render.embedded._pandoc_rts.cache_clear()


# 10⁸ steps in ≈40 MB: range() builds an array, so one range(5·10⁷) would reach the memory
# limit before the time limit on a fast machine (CI did).
SLOW_TYPST = ("#let n = 0\n"
              "#for i in range(10000) { for j in range(10000) { n = n + 1 } }\n#n\n")


def test_typst_runs_with_a_time_limit(tmp_path):
    (tmp_path / "lambat.typ").write_text(SLOW_TYPST, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(LkjError, match="melebihi batas waktu 1 detik"):
        tools.typst_compile(tmp_path / "lambat.typ", tmp_path / "x.pdf", tmp_path, [], True,
                            timeout=1)
    assert time.perf_counter() - started < 10


@linux_only
def test_typst_runs_with_a_memory_limit(tmp_path):
    (tmp_path / "besar.typ").write_text("#let a = range(50000000)\n#a.len()\n", encoding="utf-8")
    with pytest.raises(LkjError, match="memori yang diperlukan melebihi batas 400 MB"):
        tools.typst_compile(tmp_path / "besar.typ", tmp_path / "x.pdf", tmp_path, [], True,
                            memory=400 << 20)


def test_the_pdf_reads_no_file_outside_the_work_dir(tmp_path):
    """typst's root is the report's work dir (it was "/": a document could read any file)."""
    outside = tmp_path / "rahasia.txt"
    outside.write_text("root:x:0:0", encoding="utf-8")
    work = tmp_path / "kerja"
    (work / "render").mkdir(parents=True)
    typ = work / "render" / "laporan.typ"
    typ.write_text(f'#read("{outside.as_posix()}")\n#read("../../rahasia.txt")\n',
                   encoding="utf-8")
    w = render.embedded._Writer("pdf", "typst", typ, typ)
    with pytest.raises(LkjError, match="file not found|outside of project root"):
        render.embedded._finish_pdf(w, render.load_settings(), ROOT, work / "x.pdf", None, work)


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        here = todo.pop()
        for task in Path(f"/proc/{here}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            found += map(int, children)
            todo += map(int, children)
    return found


def _alive(pid: int) -> bool:
    try:  # a zombie has ended; it only waits to be reaped
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _kill_and_check(script: str, wanted: str, tmp_path: Path, timeout: float = 60) -> None:
    """Run ``script`` in a Python of its own; once a process it started has a command line
    matching ``wanted``, SIGKILL that Python: nothing it started may keep running."""
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], cwd=tmp_path)
    try:
        deadline = time.monotonic() + timeout
        while not any(re.match(wanted, _cmdline(p)) for p in _descendants(proc.pid)):
            assert proc.poll() is None, "the script ended before it started what it should"
            assert time.monotonic() < deadline, f"{wanted} was not started"
            time.sleep(0.05)
        started = _descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in started) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [f"{p}: {_cmdline(p)}" for p in started if _alive(p)]
    finally:
        for p in _descendants(proc.pid) if proc.poll() is None else []:
            os.kill(p, signal.SIGKILL)
        proc.kill()
    for p in started:  # the test must not leave them either
        if _alive(p):
            os.kill(p, signal.SIGKILL)
    assert left == []


@linux_only
def test_a_killed_lkj_leaves_no_program_running(tmp_path):
    _kill_and_check("""
        from lkj import tools
        tools.run(["sleep", "60"], "uji", ".", 120)
    """, "sleep 60", tmp_path)


def test_a_program_s_exit_code_reaches_lkj():
    assert tools.run(["sh", "-c", "exit 3"], "uji", ".", 10, check=False).returncode == 3
    assert tools.run(["sh", "-c", "kill -9 $$"], "uji", ".", 10, check=False).returncode in (
        137, -9)  # killed by SIGKILL, as a shell reports it


@linux_only
def test_a_killed_lkj_leaves_nothing_its_program_started_running(tmp_path):
    # as Quarto starts deno, and deno pandoc and typst
    _kill_and_check("""
        from lkj import tools
        tools.run(["sh", "-c", "sleep 61 & sleep 60; wait"], "uji", ".", 120)
    """, "sleep 60", tmp_path)


@linux_only
def test_a_killed_lkj_leaves_no_pandoc_running(tmp_path):
    from test_render import make_notebook

    nb = make_notebook(tmp_path / "nb", body="Teks " + "[" * 14 + "isi" + "]" * 14 + "\n")
    _kill_and_check(f"""
        from lkj import render
        render.render({str(nb)!r}, "out", "x", formats=("html",), engine="embedded")
    """, r"\S*/pandoc \+RTS", tmp_path)


@linux_only
def test_a_killed_lkj_leaves_no_typst_running(tmp_path):
    (tmp_path / "lambat.typ").write_text(SLOW_TYPST, encoding="utf-8")
    _kill_and_check("""
        import threading
        from pathlib import Path
        from lkj import tools
        here = Path(".").resolve()
        job = threading.Thread(target=tools.typst_compile,  # as render runs it: in a thread
                               args=(here / "lambat.typ", here / "x.pdf", here, [], True))
        job.start()
        job.join()
    """, r"\S+ -P -m lkj\.tools", tmp_path)


@linux_only
def test_a_killed_lkj_all_leaves_no_report_running(tmp_path):
    (tmp_path / "log").mkdir()
    _kill_and_check("""
        import os, time
        from pathlib import Path
        from lkj import batch, cli
        from lkj.params import ReportId

        cli.main = lambda argv: os.execvp("sleep", ["sleep", "60"])  # a report, still running
        batch.Child(Path(".").resolve(), ReportId("x", 2023, 2), "embedded", ("html",),
                    Path("log"), fork=True)
        time.sleep(60)
    """, "sleep 60", tmp_path)


# ---- the published notebook ----------------------------------------------------------------

def test_scrub_writes_no_folder_of_this_machine(tmp_path, monkeypatch):
    import nbformat

    monkeypatch.setenv("LKJ_ROOT", str(tmp_path))
    venv_file = Path(sys.prefix) / "lib" / "x.py"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("stream", name="stderr",
                               text=f"{venv_file}:3: FutureWarning: {tmp_path}/data/a.csv\n"),
        nbformat.v4.new_output("error", ename="E", evalue=str(tmp_path / "b"),
                               traceback=[f"File {Path.home() / 'c.py'}"]),
        nbformat.v4.new_output("execute_result", data={"text/plain": repr(tmp_path)},
                               execution_count=1)])])
    nb.metadata["papermill"] = {"input_path": str(tmp_path / "notebooks" / "laporan.ipynb"),
                                "output_path": str(tmp_path / "build" / "k" / "x.ipynb")}
    execute.scrub(nb)
    text = nbformat.writes(nb)
    for folder in (tmp_path, sys.prefix, Path.home()):
        assert str(folder) not in text
    assert "<venv>/lib/x.py:3" in text and "./data/a.csv" in text and '"laporan.ipynb"' in text


@pytest.mark.slow
def test_the_published_notebook_names_no_folder_of_the_build_machine(project):
    from conftest import build_reports

    reports = build_reports(project, ["--kec", "candipuro", "--tw", "2", "--formats", "html"])
    [published] = reports.rglob("*.ipynb")
    text = published.read_text(encoding="utf-8")
    for folder in (project, project.resolve(), sys.prefix, Path.home(), ROOT):
        assert str(folder) not in text, folder
    assert "processed_dir" not in text and '"kec": "candipuro"' in text  # names, not paths


# ---- the second line: a narasi that breaks the renderer is named ---------------------------

@pytest.mark.slow
def test_a_narasi_that_breaks_typst_is_named(project, monkeypatch, capsys):
    """With the narasi sanitiser off (lkj.safe_markdown, which makes ':::' text), an unclosed
    ::: block swallows the signature's page break and typst refuses; trials without the narasi
    name the file."""
    from lkj import safe_markdown
    from lkj.cli import main

    class Raw:  # the narasi as written, not sanitised
        def __init__(self, texts):
            self.texts = texts

        def result(self):
            return {k: safe_markdown.Narasi(v) for k, v in self.texts.items()}

    monkeypatch.setattr(safe_markdown, "start", Raw)
    (project / TW2 / "narasi/penutup.md").write_text("Penutup.\n\n::: {.x}\n\nisi\n",
                                                     encoding="utf-8")
    assert main(["report", "--kec", "candipuro", "--tw", "2", "--engine", "embedded",
                 "--formats", "pdf"]) == 1
    err = capsys.readouterr().err
    assert "Typst gagal menyusun PDF" in err
    assert f"Penyebabnya berkas narasi {TW2.as_posix()}/narasi/penutup.md" in err


def test_culprit_is_found_by_halving():
    narasi = {f"n{i}.md": f"<isi {i}>" for i in range(13)}
    markdown = "awal " + " ".join(narasi.values()) + " akhir"
    trials = []

    def fails(text: str) -> bool:
        trials.append(text)
        return "<isi 9>" in text

    assert render.embedded._culprit(markdown, narasi, fails) == "n9.md"
    assert len(trials) <= 6
    assert render.embedded._culprit(markdown, narasi, lambda text: True) is None  # not a narasi's doing


def test_validation_error_shows_the_first_problems():
    error = ValidationError([Problem("a.csv", f"masalah {i}", i, "c", "x" * 500, "h")
                             for i in range(100)])
    text = str(error)
    assert len(re.findall(r"^  \d+\. a\.csv", text, re.M)) == 30
    assert text.endswith("\n  … dan 70 masalah lain.")
    assert len(text) < 30 * 300
