"""Reading and validating every input of one report.

Each input file has a column specification (below); every cell is converted with the parsers of
:mod:`lkj.reading`, so a problem names its file, row, column and value. Cross-file rules follow.
All problems are collected and raised together as one :class:`ValidationError`; warnings do not
stop the report and are listed in it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import pandas as pd

from lkj import anggaran, desa, kinerja, safe_markdown
from lkj.errors import LkjError, Problem, ValidationError
from lkj.params import ReportId
from lkj.reading import (CONTROL_CHARS, ROW, SHORTCODE, MixedEncoding, NumberFormatError, Table,
                         Uncalculated, UnreadableFile, decode, mixed_message, parse_date,
                         parse_number, read_input, read_table, to_sen)

NARASI = ("kata_pengantar", "latar_belakang", "maksud_tujuan", "gambaran_umum",
          "permasalahan_utama", "visi_misi", "analisis_penyebab", "efisiensi",
          "program_pendukung", "program_penghambat", "strategi", "hambatan",
          "rencana_tindak_lanjut", "penutup")
DATE_MIN, DATE_MAX = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
STATUS_KEGIATAN = ("ditindaklanjuti", "belum")
PERAN = ("penandatangan", "mengetahui", "atasan")
KEDUDUKAN = ("definitif", "plt", "plh")  # Plt./Plh. is written before the jabatan
SUSUNAN = ("permenpan", "triwulanan")  # the two chapter layouts of the seeds (lkj/report.py)
YA_TIDAK = ("ya", "tidak")


@dataclass(frozen=True)
class Col:
    name: str
    kind: str = "text"        # text | int | decimal | money | date | choice
    required: bool = False    # the cell must not be empty
    choices: tuple[str, ...] = ()


_TW_TARGETS = [Col(f"target_tw{i}", "decimal") for i in range(1, 5)]
SPECS: dict[str, list[Col]] = {
    "desa": [Col("no", "int"), Col("nama_desa", required=True), Col("kode_desa")],
    "pejabat": [Col("peran", "choice", True, PERAN), Col("jabatan", required=True),
                Col("nama", required=True), Col("nip"), Col("pangkat"),
                Col("kedudukan", "choice", False, KEDUDUKAN)],
    "pegawai": [Col("status", required=True), Col("jumlah", "int", True)],
    "perjanjian_kinerja": [
        Col("no", "int", True), Col("sasaran", required=True), Col("indikator_id", required=True),
        Col("indikator", required=True), Col("satuan", required=True),
        Col("polaritas", "choice", True, kinerja.POLARITAS), Col("target", "decimal", True),
        *_TW_TARGETS, Col("target_renstra", "decimal"),
        Col("cara_hitung", "choice", True, kinerja.CARA_HITUNG),
        Col("label_pembilang"), Col("label_penyebut"), Col("definisi"),
        Col("kode_anggaran"), Col("standar_nasional", "decimal"), Col("dasar_standar"),
        Col("kode_iku")],
    "realisasi": [Col("indikator_id", required=True), Col("pembilang", "decimal"),
                  Col("penyebut", "decimal"), Col("nilai", "decimal"), Col("sumber"),
                  Col("keterangan")],
    "kegiatan": [Col("indikator_id", required=True), Col("no", "int"), Col("jenis"),
                 Col("uraian", required=True), Col("status", "choice", True, STATUS_KEGIATAN)],
    "dokumen_desa": [Col("indikator_id", required=True), Col("desa", required=True),
                     Col("dokumen", "choice", True, desa.DOKUMEN),
                     Col("tahun_anggaran", "int", True), Col("tanggal", "date"),
                     Col("keterangan")],
    "anggaran": [Col("kode", required=True), Col("uraian", required=True),
                 Col("pagu", "money"), Col("realisasi", "money")],
    "riwayat": [Col("indikator_id", required=True), Col("tahun", "int", True),
                Col("target", "decimal"), Col("realisasi", "decimal")],
    "tanggapan_atasan": [Col("butir", required=True), Col("dicentang", "choice", True, YA_TIDAK),
                         Col("catatan")],
}
# Key/value files: (required keys, optional keys)
KEY_VALUES = {
    "profil": (("nama_kecamatan", "kabupaten"), ("provinsi", "kode_wilayah", "alamat", "logo",
                                                 "bagan_organisasi")),
    "laporan": (("tahun", "triwulan", "nama_jabatan", "tempat", "tanggal"),
                ("unit", "susunan", "tanggal_perjanjian")),
}
KEC_LEVEL = ("profil", "desa")
REQUIRED = ("profil", "desa", "laporan", "pejabat", "perjanjian_kinerja", "anggaran")

_HINTS = {
    "int": "tulis bilangan bulat, mis. 12",
    "decimal": "tulis angka, mis. 91,50 atau 91.5 (tanpa teks lain)",
    "money": "tulis jumlah rupiah, mis. 1.517.857.163 atau 784.808.761,00; kosong atau - berarti 0",
    "date": "tulis tanggal sebagai TTTT-BB-HH (2023-03-31) atau HH/BB/TTTT (31/03/2023)",
}


@dataclass(frozen=True)
class SourceFile:
    path: str      # relative to the project root
    sha256: str
    rows: int


@dataclass
class Inputs:
    """Validated, typed inputs of one report (money in integer sen, numbers as Decimal)."""
    rid: ReportId
    profil: dict[str, str]
    laporan: dict[str, object]
    tables: dict[str, pd.DataFrame]
    narasi: dict[str, str]
    files: list[SourceFile]
    warnings: list[Problem] = field(default_factory=list)
    # Where each key of profil/laporan sits ({"laporan": {"tanggal": 7}}) and each table's cells
    # as written, so a cross-file problem can name the row and show the value the analyst typed.
    key_rows: dict[str, dict[str, int]] = field(default_factory=dict)
    raw: dict[str, pd.DataFrame] = field(default_factory=dict)
    # The kabupaten's rules (lkj.kabupaten.Aturan): rating scale, lower-is-better formula,
    # deadline. None: Lumajang's, as lkj.kinerja defines them.
    aturan: object = None

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)


def _find(folder: Path, name: str) -> Path | None:
    for ext in (".csv", ".xlsx"):
        p = folder / f"{name}{ext}"
        if p.is_file() or p.is_symlink():  # a link is found, and then refused (symlink_problem)
            return p
    return None


def symlink_problem(path: Path, root: Path, label: str) -> Problem | None:
    """A symbolic link on the way from data/raw down to ``path`` (the file included) is refused,
    and so is a file with a second name (a hard link).

    Any link, not only one that leaves data/raw: a link can point anywhere (a narasi linked to
    /etc/passwd would be published in the report), and even one inside data/raw makes two
    folders share a file, so editing one quarter's data silently changes another quarter's
    report. data/raw itself may be a link (e.g. to a shared drive)."""
    base = Path(root) / "data" / "raw"
    try:
        parts = Path(path).relative_to(base).parts
    except ValueError:
        return None
    here = base
    for part in parts:
        here = here / part
        if here.is_symlink():
            what = "berkas ini" if here == Path(path) else f"folder {here.name}/"
            return Problem(label, f"{what} adalah tautan simbolik (symlink), bukan berkas atau "
                           "folder biasa; data/raw hanya menerima berkas biasa", None, None,
                           os.readlink(here), "salin berkas atau folder aslinya ke sini "
                           "(bukan tautannya), lihat docs/data.md bagian 1.3")
    try:
        st = Path(path).stat()
    except OSError:
        return None  # a missing file is reported where it is read
    if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
        return Problem(label, f"berkas ini adalah tautan keras (hard link): isinya sama dengan "
                       f"{st.st_nlink - 1} berkas lain, mungkin di luar data/raw; data/raw hanya "
                       "menerima berkas biasa", None, None, None, "ganti dengan salinannya: salin "
                       "berkasnya, hapus yang lama, beri salinannya nama yang lama (lihat "
                       "docs/data.md bagian 1.3)")
    return None


def _convert(table: Table, spec: list[Col]) -> pd.DataFrame:
    """Typed copy of a text table; every bad cell becomes a Problem on ``table``."""
    frame = table.frame
    columns = {ROW: pd.Series(list(frame[ROW]), dtype="int64")}
    for col in spec:
        values = []
        for raw, row in zip(frame[col.name], frame[ROW]):
            if isinstance(raw, Uncalculated):  # reported by read_table; a second message
                values.append(None)             # ("bukan angka") would only repeat it
                continue
            text = raw if isinstance(raw, (int, float)) else "" if raw is None else str(raw).strip()
            # "-" means zero for money (SIPD prints it so); anywhere else it is just empty.
            blank = text == "" or (isinstance(text, str) and text in ("-", "–", "—"))
            if blank and col.kind == "money" and text != "" and not col.required:
                values.append(0)
                continue
            if blank:
                if col.required:
                    table.problem("sel wajib diisi tetapi kosong", row, col.name,
                                  text or None, _HINTS.get(col.kind, f"isi kolom '{col.name}'"))
                values.append(None)
                continue
            try:
                values.append(_parse_cell(text, col))
            except (NumberFormatError, ValueError) as exc:
                hint = _HINTS.get(col.kind, "")
                if col.kind == "choice":
                    hint = "pilih salah satu: " + ", ".join(col.choices)
                message = {"choice": "nilai tidak termasuk pilihan yang sah",
                           "date": "bukan tanggal yang sah"}.get(col.kind, "bukan angka yang sah")
                if "desimal" in str(exc):
                    message = "jumlah rupiah lebih dari 2 angka desimal (sen)"
                if isinstance(exc, TooManyDigits):
                    message = (f"angka lebih dari {MAX_DIGITS} digit (Excel pun hanya menyimpan "
                               f"{MAX_DIGITS} digit angka)")
                    hint = ("periksa angkanya; nomor seperti NIP atau kode bukan angka hitungan: "
                            "tulis di kolom teks")
                table.problem(message, row, col.name, raw, hint)
                values.append(None)
        columns[col.name] = pd.Series(values, dtype=object)
    return pd.DataFrame(columns)


MAX_DIGITS = 15  # what Excel keeps of a number; more is a typo or a code (NIP) in a number column


class TooManyDigits(NumberFormatError):
    pass


def digits(number) -> int:
    """Digits a number needs, without leading zeros or zeros after the last decimal:
    784.808.761,00 → 9, 1E+30 → 31."""
    _, figures, exponent = abs(number).normalize().as_tuple()
    return len(figures) + max(exponent, 0)


def _parse_cell(text: object, col: Col) -> object:
    if col.kind == "text":
        return " ".join(str(text).split())
    if col.kind == "choice":
        wanted = str(text).strip().lower().replace(" ", "_")
        for choice in col.choices:
            if choice.lower() == wanted:
                return choice
        raise ValueError(text)
    if col.kind == "date":
        return parse_date(text)
    number = parse_number(text)
    if number is None:
        return None
    if digits(number) > MAX_DIGITS:
        raise TooManyDigits(text)
    if col.kind == "int":
        if number != number.to_integral_value():
            raise NumberFormatError(text)
        return int(number)
    if col.kind == "money":
        return to_sen(number)
    return number


def _key_values(table: Table, required: tuple[str, ...],
                optional: tuple[str, ...]) -> tuple[dict, dict[str, int]]:
    """(values, row of each key) of a kunci;nilai file."""
    values: dict[str, object] = {}
    rows: dict[str, int] = {}
    for key, value, row in zip(table.frame["kunci"], table.frame["nilai"], table.frame[ROW]):
        k = str(key).strip().lower().replace(" ", "_").replace("-", "_")
        if k in values:
            table.problem(f"kunci ganda (sama dengan baris {rows[k]})", row, "kunci", key,
                          "hapus salah satu baris")
            continue
        if k not in (*required, *optional):
            table.problem("kunci tidak dikenal", row, "kunci", key,
                          "kunci yang dikenal: " + ", ".join((*required, *optional)))
        values[k] = value if not isinstance(value, str) else " ".join(value.split())
        rows[k] = int(row)
    last = max(rows.values(), default=1)
    for k in required:
        if str(values.get(k, "")).strip() == "":
            where = rows.get(k)
            table.problem(f"kunci '{k}' belum diisi", where or last + 1,
                          "nilai" if where else "kunci",
                          hint=(f"isi nilainya pada baris {where}" if where
                                else f"tambahkan baris '{k};<nilai>'"))
    return values, rows


def _read_narasi(root: Path, raw_dir: Path, problems: list[Problem], warnings: list[Problem],
                 label) -> dict[str, tuple[Path, str, bytes]]:
    """{name: (file, text, bytes)} of the narasi files that are plain text within the limits."""
    for p in sorted((raw_dir / "narasi").glob("*.md")):
        if p.stem not in NARASI:
            warnings.append(Problem(label(p), "berkas narasi tidak dikenal dan tidak dipakai",
                                    hint="nama berkas yang dipakai: "
                                    + ", ".join(f"{n}.md" for n in NARASI)))
    found = {}
    for name in NARASI:
        p = raw_dir / "narasi" / f"{name}.md"
        if not (p.is_file() or p.is_symlink()):
            continue
        problem = symlink_problem(p, root, label(p))
        data = b""
        try:
            data = b"" if problem else read_input(p, MAX_NARASI_BYTES)
            text = decode(data).strip()
        except UnreadableFile as exc:
            problem = Problem(label(p), str(exc), exc.row, None, None, exc.hint)
        except MixedEncoding as exc:
            rows = [data.count(b"\n", 0, at) + 1 for at in (exc.utf8_at, exc.other_at)]
            message, hint = mixed_message(*rows)
            problem = Problem(label(p), message, rows[1], None, None, hint)
        if problem:
            problems.append(problem)
            continue
        bad = next((i for i, line in enumerate(text.splitlines(), 1)
                    if CONTROL_CHARS.search(line)), None)
        if data.startswith(b"PK\x03\x04") or "\x00" in text or bad is not None:
            problems.append(Problem(label(p), "berkas narasi bukan teks biasa (berisi karakter "
                                    "kontrol atau data biner)", bad or 1, None, None,
                                    "simpan uraian sebagai teks biasa (UTF-8), mis. dari Notepad; "
                                    "jangan menyimpan berkas Word dengan nama .md"))
            continue
        # The cheap limits first: a text beyond them is given to no parser.
        limits = narasi_limits(text)
        for line, message, value, hint in limits:
            problems.append(Problem(label(p), message, line, None, value, hint))
        if not limits:
            found[name] = (p, text, data)
    return found


def _line_of(text: str, needle: str, nth: int = 1) -> int | None:
    """Line (1-based) of the nth occurrence of needle, if it is there as written."""
    at = -1
    for _ in range(nth):
        at = text.find(needle, at + 1)
        if at < 0:
            return None
    return text.count("\n", 0, at) + 1


def _narasi(pending, narasi_files: dict[str, tuple[Path, str, bytes]], problems: list[Problem],
            warnings: list[Problem], files: list, label) -> dict[str, str]:
    """The sanitised narasi (lkj.safe_markdown); what it refused becomes a problem or a warning
    naming the file and, where the text shows it, the line."""
    try:
        cleaned = pending.result()
    except safe_markdown.TooComplex as exc:
        path = narasi_files.get(exc.name, (Path(f"narasi/{exc.name}.md"), "", b""))[0]
        problems.append(Problem(label(path), f"narasi ini terlalu rumit untuk dibaca ({exc.why})",
                                hint="periksa tanda kurung [ ] dan daftar bertingkat yang sangat "
                                "dalam; tulis uraian sebagai paragraf dan daftar biasa"))
        return dict.fromkeys(NARASI, "")
    narasi = dict.fromkeys(NARASI, "")
    for name, (path, text, data) in narasi_files.items():
        result, where = cleaned[name], label(path)
        images = 0
        for kind, value in result.found:
            if kind == "image":
                images += 1
                problems.append(Problem(where, "gambar tidak didukung di narasi",
                                        _line_of(text, "![", images), None, value,
                                        "hapus gambar ini; grafik laporan dibuat otomatis dari "
                                        "data"))
            elif kind == "link":
                scheme = value.split(":", 1)[0] if ":" in value else value
                warnings.append(Problem(where, f"tautan '{scheme[:20]}' dicetak sebagai teks biasa "
                                        "(hanya tautan http://, https:// dan mailto: yang menjadi "
                                        "tautan)", _line_of(text, value), None, value[:60],
                                        "tulis alamat web lengkap, mis. https://lumajangkab.go.id"))
            elif kind == "plain":
                warnings.append(Problem(where, "bagian narasi ini dicetak sebagai teks biasa "
                                        "(formatnya tidak dapat dipertahankan dengan aman)",
                                        None, None, value, "tulis sebagai paragraf atau daftar "
                                        "biasa"))
            else:
                problems.append(Problem(where, f"narasi tidak dapat dibaca ({value})", hint=
                                        "simpan ulang sebagai teks biasa (UTF-8)"))
        narasi[name] = result.markdown
        files.append(SourceFile(where, hashlib.sha256(data).hexdigest(), text.count("\n") + 1))
    return narasi


# Limits of a narasi (docs/data.md, 7.4): far beyond what analysts write, and low enough that
# pandoc and typst render any text within them in seconds. The nesting limits are not Markdown's
# but the renderers': pandoc's time triples with each level of brackets inside brackets
# (9 levels: 3 s, 12: minutes, 16: 10 minutes and 6 GB), typst stops at ~30 nested lists.
MAX_NARASI_BYTES = 100 << 10   # the longest real narasi has ~30 KB
MAX_WORD = 1_000               # characters without a space (pandoc's typst writer: quadratic)
MAX_BRACKET_DEPTH = 3          # [ … [ … [ … ] ] ] within a paragraph
MAX_BRACKETS = 500             # "[" in one file; real ones have a handful
MAX_LIST_DEPTH = 6             # a list inside a list inside …; real ones have 2–3
MAX_QUOTE_DEPTH = 3            # > > >

_LIST_MARKER = r"[ \t]*(?:[-+*]|\(?(?:\d{1,9}|[a-zA-Z]|[ivxlcdm]+|[IVXLCDM]+)[.)])(?:[ \t]+|$)"
_LIST_MARKERS = re.compile(f"(?:{_LIST_MARKER})+")  # "- - x" is a list in a list
_QUOTES = re.compile(r"(?:[ \t]{0,3}>)+")


def narasi_limits(text: str) -> list[tuple[int, str, str, str]]:
    """Markdown in a narasi too large or too deeply nested to render, or holding a Quarto
    shortcode: (line, message, value, hint), at most one per kind, at the first line that
    crosses the limit.

    Cheap text checks, run before any parser sees the text (a parser is what such text makes
    slow). A ``<div>`` or ``:::`` is not counted: the narasi reader takes them as text
    (lkj.safe_markdown)."""
    size = len(text.encode("utf-8"))
    if size > MAX_NARASI_BYTES:
        return [(1, f"berkas narasi terlalu besar ({size >> 10} KB; paling besar "
                 f"{MAX_NARASI_BYTES >> 10} KB)", None,
                 "ringkas uraiannya; lampiran panjang tidak termasuk narasi laporan")]
    found: dict[str, tuple[int, str, str, str]] = {}

    def over(kind: str, line: int, message: str, value: str, hint: str) -> None:
        found.setdefault(kind, (line, message, value[:60], hint))

    lines = text.replace("\t", "    ").splitlines()
    depth = brackets = 0
    lists: list[int] = []  # indents of the open list items
    for n, line in enumerate(lines, 1):
        if not line.strip():
            depth = 0  # pandoc pairs brackets within one paragraph
            continue
        if SHORTCODE.search(line):  # Quarto runs it even escaped (in the Kata Pengantar) or in code
            over("shortcode", n, "narasi memuat kode Quarto ('{{<' atau '{{%') yang akan "
                 "dijalankan saat laporan dibuat", line, "hapus kurung kurawal ganda itu")
        word = max(line.split(), key=len)
        if len(word) > MAX_WORD:
            over("word", n, f"kata sepanjang {len(word)} karakter tanpa spasi (paling panjang "
                 f"{MAX_WORD})", word, "pisahkan dengan spasi, atau tulis alamat web yang "
                 "lebih pendek")
        for ch in re.findall(r"\\.|[\[\]]", line):
            if ch == "[":
                depth, brackets = depth + 1, brackets + 1
                if depth > MAX_BRACKET_DEPTH:
                    over("depth", n, f"tanda kurung siku '[' bersarang lebih dari "
                         f"{MAX_BRACKET_DEPTH} tingkat", line, "kurangi kurung siku di dalam "
                         "kurung siku, atau tutup setiap '[' dengan ']'")
            elif ch == "]":
                depth = max(0, depth - 1)
        if brackets > MAX_BRACKETS:
            over("brackets", n, f"lebih dari {MAX_BRACKETS} tanda kurung siku '['", line,
                 "kurangi tanda kurung siku; untuk catatan pakai tanda kurung biasa ( )")
        quote = _QUOTES.match(line)
        if quote and quote.group().count(">") > MAX_QUOTE_DEPTH:
            over("quote", n, f"kutipan ('>') bertingkat lebih dari {MAX_QUOTE_DEPTH} tingkat",
                 line, f"pakai paling banyak {MAX_QUOTE_DEPTH} tanda '>' di awal baris")
        rest = line[quote.end():] if quote else line
        indent = len(rest) - len(rest.lstrip())
        markers = _LIST_MARKERS.match(rest)
        if markers:
            while lists and lists[-1] >= indent:
                lists.pop()
            lists.append(indent)
            if len(lists) + len(re.findall(_LIST_MARKER, markers.group())) - 1 > MAX_LIST_DEPTH:
                over("list", n, f"daftar bertingkat lebih dari {MAX_LIST_DEPTH} tingkat", line,
                     f"pakai paling banyak {MAX_LIST_DEPTH} tingkat sub-butir")
        elif indent == 0 and n > 1 and not lines[n - 2].strip():
            lists.clear()  # a paragraph at the margin after a blank line ends every list
    return sorted(found.values())


def _hidden_sheets(raw_dir: Path, label) -> list[Problem]:
    """A warning for the hidden sheets of the quarter's masukan.xlsx (they are not read)."""
    from lkj.workbook import WORKBOOK, sheets

    book = raw_dir / WORKBOOK
    try:
        hidden = sheets(book)[1] if book.is_file() and not book.is_symlink() else ()
    except Exception:  # noqa: BLE001 - an unreadable workbook is reported by its first table
        hidden = ()
    if not hidden:
        return []
    return [Problem(label(book), "lembar tersembunyi tidak dibaca: "
                    + ", ".join(repr(h) for h in hidden), hint="bila data laporan ada di lembar "
                    "itu, tampilkan lembarnya (klik kanan → Unhide)")]


def load_inputs(root: Path, rid: ReportId) -> Inputs:
    """Read and validate everything one report needs; raise ValidationError listing all problems."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    files: list[SourceFile] = []
    tables: dict[str, pd.DataFrame] = {}
    raw: dict[str, pd.DataFrame] = {}
    kv: dict[str, dict] = {}
    key_rows: dict[str, dict[str, int]] = {}
    raw_dir = rid.raw_dir(root)

    def label(p: Path) -> str:
        try:
            return str(p.relative_to(root))
        except ValueError:
            return str(p)

    narasi_files = _read_narasi(root, raw_dir, problems, warnings, label)
    # pandoc parses the narasi while the tables are read
    pending = safe_markdown.start({k: text for k, (_, text, _) in narasi_files.items()})

    for name in (*KEY_VALUES, *SPECS):
        folder = rid.kec_dir(root) if name in KEC_LEVEL else raw_dir
        path, sheet = _find(folder, name), None
        if path is None:  # a sheet of the quarter's masukan.xlsx (`lkj template`) stands in
            from lkj.workbook import find_sheet
            path, sheet = find_sheet(raw_dir, name)
        if path is None:
            if name in REQUIRED:
                problems.append(Problem(label(folder / f"{name}.csv"), "berkas wajib tidak ada",
                                        hint="buat berkas ini (lihat docs/data.md untuk kolomnya)"))
            continue
        where = label(path) + (f"/{sheet}" if sheet else "")  # …/masukan.xlsx/anggaran
        link = symlink_problem(path, root, where)
        if link:
            problems.append(link)
            continue
        # An optional file with only its header row is an empty table; a required one is not.
        optional = name not in REQUIRED
        if name in KEY_VALUES:
            table = read_table(path, where, ["kunci", "nilai"], allow_empty=optional, sheet=sheet)
            if table.header_ok:
                kv[name], key_rows[name] = _key_values(table, *KEY_VALUES[name])
        else:
            spec = SPECS[name]
            table = read_table(path, where, [c.name for c in spec if c.required],
                               [c.name for c in spec if not c.required], allow_empty=optional,
                               sheet=sheet)
            if table.header_ok:
                tables[name] = _convert(table, spec)
                raw[name] = table.frame.set_index(ROW, drop=False)
        problems += table.problems
        warnings += table.warnings
        files.append(SourceFile(where, table.sha256, len(table.frame)))
    warnings += _hidden_sheets(raw_dir, label)
    files += _imported(raw_dir, files, warnings, label)

    narasi = _narasi(pending, narasi_files, problems, warnings, files, label)
    aturan = _aturan(root, rid, kv.get("profil"), key_rows.get("profil", {}), problems,
                     warnings, label)

    if problems:
        raise ValidationError(problems)
    for name in SPECS:
        tables.setdefault(name, pd.DataFrame(columns=[ROW, *(c.name for c in SPECS[name])]))
    inputs = Inputs(rid, kv.get("profil", {}), kv.get("laporan", {}), tables, narasi, files,
                    key_rows=key_rows, raw=raw, aturan=aturan)
    problems += _cross_checks(inputs, root, warnings)
    if problems:
        raise ValidationError(problems)
    inputs.warnings = warnings
    return inputs


def _imported(raw_dir: Path, files: list[SourceFile], warnings: list[Problem],
              label) -> list[SourceFile]:
    """The finance export behind anggaran.csv (``lkj impor anggaran`` wrote ….sumber.csv
    beside it), listed with the input files — while anggaran.csv is byte for byte the imported
    one; an edited one is said so."""
    ang = next((f for f in files if Path(f.path).name == "anggaran.csv"), None)
    if ang is None:
        return []
    found, stale = [], []
    for path in sorted(raw_dir.glob("anggaran*.sumber.csv")):
        t = read_table(path, label(path), ["kunci", "nilai"])
        record = {str(k).strip(): str(v).strip() for k, v in zip(t.frame["kunci"], t.frame["nilai"])}
        if t.problems or not record.get("sha256_hasil"):
            warnings.append(Problem(label(path), "jejak impor anggaran tidak dapat dibaca",
                                    hint="impor ulang dengan lkj impor anggaran, atau hapus "
                                    "berkas ini"))
        elif record["sha256_hasil"] == ang.sha256:
            when = record.get("tanggal_data") or "tidak disebut"
            found.append(SourceFile(
                f"{record.get('berkas', '?')} (ekspor keuangan, data s.d. {when}; diimpor "
                f"{record.get('diimpor', '?')} ke anggaran.csv; jejak {label(path)})",
                record.get("sha256", ""), int(record["baris"]) if record.get("baris", "").isdigit()
                else 0))
        elif record.get("hasil") == "anggaran.csv":
            stale.append((path, record))
    if not found:
        for path, record in stale:
            warnings.append(Problem(ang.path, f"anggaran.csv sudah berbeda dengan hasil impor "
                                    f"dari {record.get('berkas', '?')} ({label(path)}), sehingga "
                                    "jejak impornya tidak dicantumkan",
                                    hint="bila perubahannya disengaja, biarkan; bila tidak, "
                                    "impor ulang"))
    return found


def _aturan(root: Path, rid: ReportId, profil: dict | None, rows: dict[str, int],
            problems: list[Problem], warnings: list[Problem], label):
    """The rules of the kecamatan's kabupaten (lkj.kabupaten), chosen by its profil.csv."""
    from lkj import kabupaten

    if profil is None:
        return None  # profil.csv itself is reported
    try:
        aturan, why = kabupaten.for_profil(root, profil)
    except kabupaten.BadRules as exc:
        problems.append(exc.problem)
        return None
    if why:
        path = _find(rid.kec_dir(root), "profil") or rid.kec_dir(root) / "profil.csv"
        warnings.append(Problem(label(path), why, rows.get("kabupaten"), "nilai",
                                profil.get("kabupaten"),
                                f"salin {kabupaten.CONFIG_DIR}/{aturan.path.name} menjadi "
                                f"{kabupaten.CONFIG_DIR}/<nama kabupaten>.yml dan sesuaikan "
                                "isinya (docs/data.md bagian 9), atau perbaiki kode_wilayah"))
    return aturan


def _file(inputs: Inputs, name: str) -> str:
    for f in inputs.files:
        if Path(f.path).stem == name:
            return f.path
    return f"{name}.csv"


def _as_written(inputs: Inputs, name: str, row: int | None, column: str, value: object) -> object:
    """The cell as the analyst typed it ("-3.000.000"), falling back to the parsed value."""
    try:
        text = inputs.raw[name].at[row, column]
    except (KeyError, TypeError, ValueError):
        return value
    return text if str(text).strip() != "" else value


def _cross_checks(inputs: Inputs, root: Path, warnings: list[Problem]) -> list[Problem]:
    """Rules that need more than one cell or more than one file."""
    out: list[Problem] = []
    rid = inputs.rid
    f = lambda name: _file(inputs, name)  # noqa: E731
    def typed(name: str, r, col: str) -> object:
        return _as_written(inputs, name, r.baris, col, getattr(r, col))

    # laporan.csv agrees with the folder it sits in
    lap = inputs.laporan
    lap_row = inputs.key_rows.get("laporan", {}).get
    for key, expected in (("tahun", rid.tahun), ("triwulan", rid.tw)):
        try:
            number = parse_number(lap.get(key))
        except (NumberFormatError, ValueError, TypeError):
            number = None
        if number != expected:  # exact: "2,5" is not triwulan 2
            hint = (f"triwulan harus 1, 2, 3 atau 4 dan sama dengan folder tw{rid.tw}: tulis "
                    f"{rid.tw}" if key == "triwulan" else
                    f"tulis {expected} sesuai folder {rid.tahun}/")
            out.append(Problem(f("laporan"), f"{key} tidak sesuai dengan folder data",
                               lap_row(key), "nilai", lap.get(key), hint))
    # A signing date is plausible from the start of the report year to the end of the next.
    earliest, latest = dt.date(rid.tahun, 1, 1), dt.date(rid.tahun + 1, 12, 31)
    try:
        tgl = parse_date(lap.get("tanggal"))
    except ValueError:
        tgl = None
        out.append(Problem(f("laporan"), "tanggal penandatanganan bukan tanggal yang sah",
                           lap_row("tanggal"), "nilai", lap.get("tanggal"), _HINTS["date"]))
    if tgl is not None and not earliest <= tgl <= latest:
        out.append(Problem(f("laporan"), "tanggal penandatanganan di luar rentang yang masuk "
                           f"akal untuk laporan tahun {rid.tahun}", lap_row("tanggal"), "nilai",
                           lap.get("tanggal"),
                           f"tulis tanggal antara {earliest:%d/%m/%Y} dan {latest:%d/%m/%Y}"))
    elif tgl is not None:
        lap["tanggal"] = tgl
    # The Perjanjian Kinerja of the year: signed once the budget is set (from October of the
    # year before) or when an official takes office, and before the report it is attached to.
    try:
        pk_tgl = parse_date(lap.get("tanggal_perjanjian"))
    except ValueError:
        pk_tgl = None
        out.append(Problem(f("laporan"), "tanggal_perjanjian (tanggal penandatanganan perjanjian "
                           "kinerja) bukan tanggal yang sah", lap_row("tanggal_perjanjian"),
                           "nilai", lap.get("tanggal_perjanjian"),
                           _HINTS["date"] + "; kosongkan bila belum diketahui"))
    pk_latest = tgl if tgl is not None and earliest <= tgl <= latest else latest
    if pk_tgl is not None and not dt.date(rid.tahun - 1, 10, 1) <= pk_tgl <= pk_latest:
        out.append(Problem(f("laporan"), f"tanggal_perjanjian di luar rentang yang masuk akal "
                           f"untuk perjanjian kinerja tahun {rid.tahun}",
                           lap_row("tanggal_perjanjian"), "nilai", lap.get("tanggal_perjanjian"),
                           f"tulis tanggal antara 01/10/{rid.tahun - 1} dan {pk_latest:%d/%m/%Y} "
                           "(tidak sesudah tanggal laporan ini)"))
    # Blank ("", "-"): the form's dots; the key is dropped so that ringkasan.json of data
    # without it stays as it was.
    if pk_tgl is None:
        lap.pop("tanggal_perjanjian", None)
    else:
        lap["tanggal_perjanjian"] = pk_tgl
    lap["tahun"], lap["triwulan"] = rid.tahun, rid.tw
    susunan = str(lap.get("susunan") or "").strip().lower()
    if susunan and susunan not in SUSUNAN:
        out.append(Problem(f("laporan"), "susunan bab tidak dikenal", lap_row("susunan"), "nilai",
                           lap.get("susunan"), "pilih permenpan (Bab I–IV, Permenpan RB 53/2014) "
                           "atau triwulanan (Bab I–III); kosongkan untuk susunan bawaan"))

    # perjanjian kinerja: unique ids, sensible targets
    pk = inputs.perjanjian_kinerja
    ids = set()
    for r in pk.itertuples(index=False):
        if r.indikator_id in ids:
            out.append(Problem(f("perjanjian_kinerja"), "indikator_id ganda", r.baris, "indikator_id",
                               r.indikator_id, "setiap indikator harus punya id yang berbeda"))
        ids.add(r.indikator_id)
        for col in ("target", "target_renstra", *(c.name for c in _TW_TARGETS)):
            v = getattr(r, col)
            if v is not None and v < 0:
                out.append(Problem(f("perjanjian_kinerja"), "target tidak boleh negatif", r.baris,
                                   col, typed("perjanjian_kinerja", r, col),
                                   "tulis target 0 atau lebih"))

    present = {Path(x.path).stem for x in inputs.files}
    for r in pk.itertuples(index=False):
        if r.cara_hitung in ("komponen", "daftar_kegiatan", "dokumen_desa") and r.satuan != "%":
            out.append(Problem(f("perjanjian_kinerja"), f"cara_hitung {r.cara_hitung} selalu "
                               "menghasilkan persentase, jadi satuannya harus %", r.baris, "satuan",
                               r.satuan, "tulis % atau pakai cara_hitung nilai_langsung"))
        for needed in ("kegiatan", "dokumen_desa"):
            wanted = "daftar_kegiatan" if needed == "kegiatan" else needed
            if r.cara_hitung == wanted and needed not in present:
                out.append(Problem(f"{rid.raw_dir(root).relative_to(root)}/{needed}.csv",
                                   f"berkas wajib ada karena indikator {r.indikator_id} memakai "
                                   f"cara_hitung {wanted}", hint="buat berkas ini (lihat docs/data.md)"))

    def known_id(name: str, frame: pd.DataFrame) -> None:
        for r in frame.itertuples(index=False):
            if r.indikator_id not in ids:
                out.append(Problem(f(name), "indikator_id tidak ada di perjanjian_kinerja", r.baris,
                                   "indikator_id", r.indikator_id,
                                   "gunakan salah satu: " + ", ".join(sorted(ids))))

    for name in ("realisasi", "kegiatan", "dokumen_desa", "riwayat"):
        known_id(name, inputs.tables[name])

    # realisasi rows fit the indicator's cara_hitung
    real = inputs.realisasi
    cara = dict(zip(pk["indikator_id"], pk["cara_hitung"]))
    seen = set()
    for r in real.itertuples(index=False):
        if r.indikator_id in seen:
            out.append(Problem(f("realisasi"), "indikator_id ganda", r.baris, "indikator_id",
                               r.indikator_id, "satu baris untuk setiap indikator"))
        seen.add(r.indikator_id)
        for col in ("pembilang", "penyebut", "nilai"):
            v = getattr(r, col)
            if v is not None and v < 0:
                out.append(Problem(f("realisasi"), "nilai tidak boleh negatif", r.baris, col,
                                   typed("realisasi", r, col), "tulis 0 atau lebih"))
        how = cara.get(r.indikator_id)
        if how in ("komponen", "daftar_kegiatan"):
            if r.penyebut is None or r.penyebut == 0:
                out.append(Problem(f("realisasi"), "penyebut wajib diisi dan lebih dari 0", r.baris,
                                   "penyebut", typed("realisasi", r, "penyebut"),
                                   "isi jumlah seluruh aktivitas/obyek yang diukur"))
            elif r.pembilang is not None and r.pembilang > r.penyebut:
                out.append(Problem(f("realisasi"), "pembilang lebih besar dari penyebut", r.baris,
                                   "pembilang", typed("realisasi", r, "pembilang"),
                                   f"pembilang paling banyak {typed('realisasi', r, 'penyebut')} "
                                   "(penyebut)"))
        if how == "komponen" and r.pembilang is None:
            out.append(Problem(f("realisasi"), "pembilang wajib diisi untuk cara_hitung komponen",
                               r.baris, "pembilang", None, "isi jumlah yang tercapai"))
        if how == "nilai_langsung" and r.nilai is None:
            out.append(Problem(f("realisasi"), "nilai wajib diisi untuk cara_hitung nilai_langsung",
                               r.baris, "nilai", None, "isi realisasi indikator"))
    for r in pk.itertuples(index=False):
        if r.cara_hitung in ("komponen", "daftar_kegiatan", "nilai_langsung") and r.indikator_id not in seen:
            warnings.append(Problem(f("realisasi"), f"indikator {r.indikator_id} belum punya "
                                    "realisasi; realisasi dan capaiannya dicetak kosong",
                                    hint="tambahkan barisnya di realisasi.csv"))

    # activity list agrees with the count it supports
    keg = inputs.kegiatan
    for r in real.itertuples(index=False):
        if cara.get(r.indikator_id) == "daftar_kegiatan":
            listed = int(((keg["indikator_id"] == r.indikator_id)
                          & (keg["status"] == "ditindaklanjuti")).sum())
            if r.pembilang is not None and r.pembilang != listed:
                out.append(Problem(f("realisasi"), "pembilang tidak sama dengan jumlah kegiatan "
                                   f"berstatus ditindaklanjuti di kegiatan.csv ({listed})", r.baris,
                                   "pembilang", typed("realisasi", r, "pembilang"),
                                   "kosongkan pembilang (dihitung otomatis) atau samakan isinya"))
            elif r.penyebut is not None and listed > r.penyebut:
                out.append(Problem(f("realisasi"), f"penyebut lebih kecil dari jumlah kegiatan "
                                   f"berstatus ditindaklanjuti di kegiatan.csv ({listed})", r.baris,
                                   "penyebut", typed("realisasi", r, "penyebut"),
                                   "periksa daftar kegiatan atau penyebutnya"))

    # detail rows belong to an indicator that uses them (otherwise they would be ignored silently)
    for name, wanted in (("kegiatan", "daftar_kegiatan"), ("dokumen_desa", "dokumen_desa")):
        for r in inputs.tables[name].itertuples(index=False):
            how = cara.get(r.indikator_id)
            if how is not None and how != wanted:
                out.append(Problem(f(name), f"indikator {r.indikator_id} memakai cara_hitung "
                                   f"{how}, bukan {wanted}, jadi baris ini tidak dipakai", r.baris,
                                   "indikator_id", r.indikator_id,
                                   "hapus baris ini atau perbaiki indikator_id/cara_hitung"))
    seen_no: dict[tuple, int] = {}
    for r in keg.itertuples(index=False):
        if r.no is None:
            continue
        if (r.indikator_id, r.no) in seen_no:
            out.append(Problem(f("kegiatan"), f"nomor kegiatan ganda untuk {r.indikator_id} "
                               f"(sama dengan baris {seen_no[(r.indikator_id, r.no)]})", r.baris,
                               "no", typed("kegiatan", r, "no"), "beri nomor yang berbeda"))
        else:
            seen_no[(r.indikator_id, r.no)] = r.baris

    # village documents: known desa, expected year, plausible dates, no duplicates
    desa_names: dict[str, str] = {}
    for r in inputs.desa.itertuples(index=False):
        if r.nama_desa.lower() in desa_names:
            out.append(Problem(f("desa"), "nama desa ganda", r.baris, "nama_desa", r.nama_desa,
                               "setiap desa ditulis sekali"))
        desa_names[r.nama_desa.lower()] = r.nama_desa
    seen_kode: dict[str, int] = {}
    for r in inputs.desa.itertuples(index=False):
        if r.kode_desa and r.kode_desa in seen_kode:
            out.append(Problem(f("desa"), f"kode desa ganda (sama dengan baris "
                               f"{seen_kode[r.kode_desa]})", r.baris, "kode_desa", r.kode_desa,
                               "setiap desa punya kode sendiri"))
        seen_kode.setdefault(r.kode_desa, r.baris)
    seen_docs = set()
    for r in inputs.dokumen_desa.itertuples(index=False):
        if r.desa.lower() not in desa_names:
            out.append(Problem(f("dokumen_desa"), "desa tidak ada di desa.csv", r.baris, "desa",
                               r.desa, "tulis nama desa persis seperti di desa.csv: "
                               + ", ".join(desa_names.values())))
        key = (r.indikator_id, r.desa.lower(), r.dokumen)
        if key in seen_docs:
            out.append(Problem(f("dokumen_desa"), "baris ganda untuk desa dan dokumen yang sama",
                               r.baris, "dokumen", r.dokumen, "hapus salah satu baris"))
        seen_docs.add(key)
        expected = desa.tahun_anggaran(r.dokumen, rid.tahun)
        if r.tahun_anggaran != expected:
            out.append(Problem(f("dokumen_desa"), f"{r.dokumen} yang jatuh tempo pada tahun "
                               f"{rid.tahun} adalah {r.dokumen} tahun anggaran {expected}", r.baris,
                               "tahun_anggaran", r.tahun_anggaran, f"tulis {expected}"))
        earliest, latest = dt.date(expected - 2, 1, 1), dt.date(rid.tahun + 1, 12, 31)
        if r.tanggal is not None and not earliest <= r.tanggal <= latest:
            out.append(Problem(f("dokumen_desa"), "tanggal di luar rentang yang masuk akal",
                               r.baris, "tanggal", typed("dokumen_desa", r, "tanggal"),
                               f"periksa tahunnya: tanggal {r.dokumen} tahun anggaran {expected} "
                               f"antara {earliest:%d/%m/%Y} dan {latest:%d/%m/%Y}"))

    # a dokumen_desa indicator's realisasi row, if it gives counts, must agree with the list
    end = desa.akhir_triwulan(rid.tahun, rid.tw)
    for r in real.itertuples(index=False):
        if cara.get(r.indikator_id) != "dokumen_desa":
            continue
        given = {(d.desa.lower(), d.dokumen): d.tanggal for d in inputs.dokumen_desa.itertuples(
            index=False) if d.indikator_id == r.indikator_id}
        total = len(desa_names) * len(desa.DOKUMEN)
        on_time = sum(
            desa.status(given.get((nama, dok)), desa.batas_waktu(
                dok, desa.tahun_anggaran(dok, rid.tahun)), end).tepat_waktu
            for nama in desa_names for dok in desa.DOKUMEN)
        for col, expected_n, what in (("pembilang", on_time, "dokumen tepat waktu menurut "
                                       "dokumen_desa.csv"),
                                      ("penyebut", total, "desa × 3 dokumen menurut desa.csv")):
            v = getattr(r, col)
            if v is not None and v != expected_n:
                out.append(Problem(f("realisasi"), f"{col} tidak sama dengan jumlah {what} "
                                   f"({expected_n})", r.baris, col, typed("realisasi", r, col),
                                   f"kosongkan {col} (dihitung otomatis) atau periksa "
                                   "dokumen_desa.csv"))

    # pegawai: counts are never negative, one row per status
    seen_status: dict[str, int] = {}
    for r in inputs.pegawai.itertuples(index=False):
        if r.jumlah is not None and r.jumlah < 0:
            out.append(Problem(f("pegawai"), "jumlah pegawai tidak boleh negatif", r.baris,
                               "jumlah", typed("pegawai", r, "jumlah"), "tulis 0 atau lebih"))
        key = r.status.lower()
        if key in seen_status:
            out.append(Problem(f("pegawai"), f"status pegawai ganda (sama dengan baris "
                               f"{seen_status[key]})", r.baris, "status", r.status,
                               "gabungkan jumlahnya dalam satu baris"))
        seen_status.setdefault(key, r.baris)

    # budget codes: well formed, unique, nested, parents equal the sum of their children
    out += _check_anggaran(inputs, f("anggaran"), warnings)
    out += _check_kode_anggaran(inputs, f("perjanjian_kinerja"))

    # riwayat: one row per indicator and year, earlier years only
    seen_years = set()
    for r in inputs.riwayat.itertuples(index=False):
        if (r.indikator_id, r.tahun) in seen_years:
            out.append(Problem(f("riwayat"), "baris ganda untuk indikator dan tahun yang sama",
                               r.baris, "tahun", r.tahun, "hapus salah satu baris"))
        seen_years.add((r.indikator_id, r.tahun))
        if not 2000 <= r.tahun < rid.tahun:
            out.append(Problem(f("riwayat"), "tahun riwayat harus sebelum tahun laporan", r.baris,
                               "tahun", typed("riwayat", r, "tahun"),
                               f"tulis tahun 2000–{rid.tahun - 1}"))
        for col in ("target", "realisasi"):
            v = getattr(r, col)
            if v is not None and v < 0:
                out.append(Problem(f("riwayat"), f"{col} tidak boleh negatif", r.baris, col,
                                   typed("riwayat", r, col), "tulis 0 atau lebih"))

    out += _basis_checks(inputs, f, typed, warnings)
    warnings += _period_warnings(inputs, root, f)

    # pejabat: exactly one penandatangan
    signers = list(inputs.pejabat.loc[inputs.pejabat["peran"] == "penandatangan", ROW])
    if len(signers) != 1:
        rows = signers[1:2] or list(inputs.pejabat[ROW][:1]) or [2]
        out.append(Problem(f("pejabat"), f"harus ada tepat satu baris berperan penandatangan "
                           f"(ada {len(signers)})", int(rows[0]), "peran", None,
                           "tandai satu pejabat sebagai penandatangan"))
    superiors = list(inputs.pejabat.loc[inputs.pejabat["peran"] == "atasan", ROW])
    if len(superiors) > 1:
        out.append(Problem(f("pejabat"), "paling banyak satu baris berperan atasan (atasan "
                           "langsung: Pihak Kedua perjanjian kinerja dan pemberi tanggapan)",
                           int(superiors[1]), "peran", "atasan",
                           "hapus baris atasan yang lain"))
    for r in inputs.pejabat.itertuples():  # Tata Naskah Dinas: pangkat under a PNS's name
        if r.nip and not getattr(r, "pangkat", None):
            warnings.append(Problem(f("pejabat"), f"pangkat {r.nama} belum diisi: blok tanda "
                                    "tangan naskah dinas mencetak pangkat dan golongan di "
                                    "bawah nama", int(r.baris), "pangkat", None,
                                    "isi kolom pangkat, mis. Pembina (IV/a)"))
    return out


# An indicator that counts the village documents (seed 002 IK-02 typed 77%, which 12 desa × 3
# documents cannot give): its realisasi comes from dokumen_desa.csv, never typed in.
_COUNTS_DOCUMENTS = re.compile(r"RKPDes|APBDes|LPPDes|dokumen administrasi pemerintahan desa",
                               re.I)


def _attainable(nilai, penyebut) -> bool:
    """Some whole count out of ``penyebut`` prints as ``nilai`` percent (2 decimals)."""
    from lkj.formatting import to_decimal
    n = int(penyebut)
    want = to_decimal(nilai, 2)
    k = round(float(nilai) * n / 100)
    return any(0 <= c <= n and to_decimal(Fraction(c * 100, n), 2) == want
               for c in (k - 1, k, k + 1))


def _basis_checks(inputs: Inputs, f, typed, warnings: list[Problem]) -> list[Problem]:
    """Every realisasi has a basis: counted from rows, or a stated source; a direct value that
    its own denominator cannot give is refused."""
    out: list[Problem] = []
    pk = inputs.perjanjian_kinerja
    real = {r.indikator_id: r for r in inputs.realisasi.itertuples(index=False)}
    for r in pk.itertuples(index=False):
        text = f"{r.indikator} {r.definisi or ''}"
        if r.cara_hitung != "dokumen_desa" and _COUNTS_DOCUMENTS.search(text):
            out.append(Problem(f("perjanjian_kinerja"), f"indikator {r.indikator_id} menghitung "
                               "dokumen desa (RKPDesa, APBDesa, LPPDesa), jadi realisasinya "
                               "dihitung dari dokumen_desa.csv, bukan diketik", r.baris,
                               "cara_hitung", r.cara_hitung,
                               "tulis dokumen_desa dan isi tanggal setiap dokumen setiap desa di "
                               "dokumen_desa.csv (docs/data.md bagian 3.8)"))
        x = real.get(r.indikator_id)
        if r.cara_hitung != "nilai_langsung" or x is None or x.nilai is None:
            continue
        if x.penyebut and x.pembilang is None and not _attainable(x.nilai, x.penyebut):
            out.append(Problem(f("realisasi"), f"{typed('realisasi', x, 'nilai')}% tidak mungkin "
                               f"dihasilkan dari penyebut {typed('realisasi', x, 'penyebut')} "
                               "(tidak ada jumlah bulat yang memberi persentase itu)", x.baris,
                               "nilai", typed("realisasi", x, "nilai"),
                               "periksa nilai dan penyebutnya, atau isi pembilangnya"))
        if not x.sumber:
            warnings.append(Problem(f("realisasi"), f"realisasi {r.indikator_id} dilaporkan "
                                    "langsung tanpa sumber atau bukti", x.baris, "sumber", None,
                                    "isi kolom sumber dengan dokumen yang mendasarinya (mis. "
                                    "rekap kegiatan, berita acara), atau isi pembilang dan "
                                    "penyebut"))
    return out


def _period_warnings(inputs: Inputs, root: Path, f) -> list[Problem]:
    """What a reviewer checks first: targets for the quarter, the earlier years to compare
    with, and when the report is signed."""
    from lkj import holidays
    from lkj.formatting import tanggal, triwulan

    rid = inputs.rid
    out: list[Problem] = []
    col = f"target_tw{rid.tw}"
    missing = [r for r in inputs.perjanjian_kinerja.itertuples(index=False)
               if getattr(r, col) is None]
    if rid.tw < 4 and missing:
        out.append(Problem(f("perjanjian_kinerja"), f"target {triwulan(rid.tw)} ({col}) belum "
                           "diisi untuk " + ", ".join(r.indikator_id for r in missing) + "; "
                           "capaiannya dinilai terhadap target tahunan", missing[0].baris, col,
                           None, "isi target triwulan dari rencana aksi perjanjian kinerja"))
    if not len(inputs.riwayat):
        where = (rid.raw_dir(root) / "riwayat.csv").relative_to(root).as_posix()
        out.append(Problem(where, f"riwayat.csv belum diisi: perbandingan dengan tahun "
                           f"{rid.tahun - 1} dan tahun-tahun sebelumnya serta dengan target "
                           "Renstra tidak dapat disajikan", hint="isi target dan realisasi "
                           "tahun-tahun sebelumnya (docs/data.md bagian 3.10)"))
    signed = inputs.laporan.get("tanggal")
    row = inputs.key_rows.get("laporan", {}).get("tanggal")
    if isinstance(signed, dt.date):
        end = desa.akhir_triwulan(rid.tahun, rid.tw)
        if signed <= end:
            out.append(Problem(f("laporan"), f"laporan ditandatangani {tanggal(signed)}, "
                               f"padahal melaporkan realisasi sampai dengan {tanggal(end)}: "
                               "tanggal penandatanganan harus sesudah akhir periode", row,
                               "nilai", None, "tulis tanggal laporan ditandatangani"))
        k = holidays.ketepatan(rid.tahun, rid.tw, signed, root)
        if k.tepat_waktu is False:
            out.append(Problem(f("laporan"), f"laporan ditandatangani {tanggal(signed)}, "
                               f"terlambat {k.terlambat_hari_kerja} hari kerja dari batas waktu "
                               f"{tanggal(k.batas.tanggal)}", row, "nilai", None,
                               "laporan triwulan disampaikan paling lambat 5 hari kerja sesudah "
                               "akhir triwulan (Perbup Lumajang 6/2018)"))
    return out


def _rp(sen: int | None) -> str:
    from lkj.formatting import rupiah
    return "" if sen is None else "Rp" + rupiah(sen)


def _check_anggaran(inputs: Inputs, name: str, warnings: list[Problem]) -> list[Problem]:
    out: list[Problem] = []
    ang = inputs.anggaran
    ang["kode"] = ang["kode"].map(anggaran.normalise_kode)
    codes: dict[str, int] = {}
    keys: dict[tuple, int] = {}
    for r in ang.itertuples(index=False):
        why = anggaran.kode_problem(r.kode)
        if why:
            out.append(Problem(name, why, r.baris, "kode",
                               _as_written(inputs, "anggaran", r.baris, "kode", r.kode),
                               "salin kode dari DPA/SIPD, mis. program 7.01.01, kegiatan "
                               "7.01.01.2.01, sub kegiatan 7.01.01.2.01.01 (docs/data.md "
                               "bagian 6)"))
            continue
        key = anggaran.sort_key(r.kode)  # 7.01.01.2.01.01 and …0001 are the same sub kegiatan
        if key in keys:
            out.append(Problem(name, f"kode ganda (sama dengan baris {keys[key]})", r.baris,
                               "kode", r.kode, "gabungkan atau hapus salah satu baris"))
            continue
        keys[key] = r.baris
        codes[r.kode] = r.baris
        for col in ("pagu", "realisasi"):
            v = getattr(r, col)
            if v is not None and v < 0:
                out.append(Problem(name, f"{col} tidak boleh negatif", r.baris, col,
                                   _as_written(inputs, "anggaran", r.baris, col, _rp(v)),
                                   "tulis 0 atau lebih"))
    for kode, row in codes.items():
        p = anggaran.parent(kode)
        if p is not None and p not in codes:
            out.append(Problem(name, f"induk kode ini ({p}) tidak ada", row, "kode", kode,
                               f"tambahkan baris {anggaran.LEVEL_LABEL[anggaran.level(p)].lower()} "
                               f"{p} beserta uraiannya"))
    if out:
        return out  # the roll-up needs well-formed, unique, nested codes
    ang = ang[ang["kode"].isin(codes)]
    parents = {anggaran.parent(k) for k in codes}
    leaf = ang[~ang["kode"].isin(parents)]
    for r in leaf.itertuples(index=False):
        if r.pagu is None:
            out.append(Problem(name, "pagu wajib diisi pada baris rincian", r.baris, "pagu", None,
                               _HINTS["money"]))
        elif (r.realisasi or 0) > r.pagu:
            warnings.append(Problem(name, f"realisasi melebihi pagu pada {r.kode}", r.baris,
                                    "realisasi", _rp(r.realisasi),
                                    f"pagu {_rp(r.pagu)}; periksa kembali angka realisasinya"))
    _, mismatches = anggaran.rollup(ang)
    for m in mismatches:
        out.append(Problem(
            name, f"{m.kolom} baris induk tidak sama dengan jumlah rinciannya "
            f"({_rp(m.jumlah_anak)})", m.baris, m.kolom,
            _as_written(inputs, "anggaran", m.baris, m.kolom, _rp(m.diberikan)),
            "perbaiki rinciannya, atau kosongkan angka baris induk (dihitung otomatis)"))
    return out


def split_kode_anggaran(text: str | None) -> list[str]:
    """"7.01.03.2.01, 7.01.03.2.06" → two normalised codes (comma, semicolon or space)."""
    return [anggaran.normalise_kode(k) for k in re.split(r"[,;\s]+", text or "") if k]


def _check_kode_anggaran(inputs: Inputs, name: str) -> list[Problem]:
    """Budget codes that an indicator names must exist in anggaran.csv (used for efisiensi)."""
    known = {anggaran.sort_key(k) for k in inputs.anggaran["kode"]
             if anggaran.kode_problem(k) is None}
    out = []
    for r in inputs.perjanjian_kinerja.itertuples(index=False):
        for kode in split_kode_anggaran(r.kode_anggaran):
            if anggaran.kode_problem(kode) or anggaran.sort_key(kode) not in known:
                out.append(Problem(name, "kode anggaran tidak ada di anggaran.csv", r.baris,
                                   "kode_anggaran", kode,
                                   "tulis kode program/kegiatan/sub kegiatan yang ada di "
                                   "anggaran.csv, dipisah koma"))
    return out


def check(root: Path, rid: ReportId) -> Inputs:
    """Validation only (``lkj check``)."""
    return load_inputs(root, rid)


__all__ = ["Inputs", "SourceFile", "load_inputs", "check", "SPECS", "NARASI", "LkjError"]
