"""Reading input tables the way analysts actually save them.

CSV with comma, semicolon or tab; UTF-8 with or without BOM, or Windows-1252; XLSX with the same
columns; Indonesian numbers ("1.517.857.163", "784.808.761,00", "Rp 1.234.567", "54,90%", "-").
Every cell is read as text and converted by the parsers below, so each problem can name its file,
row, column and value.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import difflib
import hashlib
import io
import os
import re
import stat
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator

import pandas as pd

from lkj.errors import Problem

# Row numbers are reported as Excel shows them: the header is row 1.
FIRST_DATA_ROW = 2
ROW = "baris"  # column holding each row's number in its source file (provenance)

_BLANKS = {"", "-", "–", "—"}
_THOUSANDS_ONLY = re.compile(r"^\d{1,3}(\.\d{3})+$")
_ID_DECIMAL = re.compile(r"^\d{1,3}(\.\d{3})*(,\d+)?$|^\d+(,\d+)?$")
_PLAIN_DECIMAL = re.compile(r"^\d+(\.\d+)?$")

# Limits on what is read (docs/data.md, 2.11): far above any real kecamatan file, low enough that
# a damaged or hostile file is refused at once instead of filling the memory or the screen.
MAX_CSV_BYTES = 5 << 20        # a real anggaran.csv (60–300 rows) has 6–50 KB
MAX_XLSX_BYTES = 10 << 20      # masukan.xlsx with every table: ~100 KB
MAX_XLSX_UNPACKED = 50 << 20   # its XML, as the file declares it (a "zip bomb" declares GBs)
MAX_ROWS = 10_000              # rows holding something; the largest real table has ~300
MAX_COLUMNS = 100              # the widest table has 17 columns
MAX_CELL_CHARS = 2_000         # the longest real cell (a definisi) has ~300 characters
HEADER_SEARCH_ROWS = 30        # an export's title lines above its header: a handful


class NumberFormatError(ValueError):
    """A cell that is not a number in any format we accept."""


def parse_number(value: object) -> Decimal | None:
    """Parse an Indonesian or plain number exactly; blank and "-" give None.

    "2.752.150.911" → 2752150911; "784.808.761,00" → 784808761.00; "54,90%" → 54.90;
    "91.5" → 91.5 (a single dot that is not a thousands group is a decimal point, as Excel
    exports with an English locale write it); "(1.000)" → -1000.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise NumberFormatError(str(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value:  # NaN from an empty Excel cell
            return None
        return excel_number(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NumberFormatError(str(value))
        return value
    text = str(value).replace("\u00a0", " ").strip()
    if text in _BLANKS:
        return None
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    text = re.sub(r"^rp\.?\s*", "", text, flags=re.IGNORECASE)
    if text.endswith("%"):
        text = text[:-1].strip()
    if text.startswith(("-", "−")):
        negative, text = not negative, text[1:].strip()
    text = text.replace(" ", "")
    if "," in text:
        if not _ID_DECIMAL.match(text):
            raise NumberFormatError(str(value))
        text = text.replace(".", "").replace(",", ".")
    elif _THOUSANDS_ONLY.match(text):
        text = text.replace(".", "")
    elif not _PLAIN_DECIMAL.match(text):
        raise NumberFormatError(str(value))
    try:
        number = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the patterns above exclude this
        raise NumberFormatError(str(value)) from exc
    return -number if negative else number


def excel_number(value: float) -> Decimal:
    """An Excel number as Excel shows it: 15 significant digits, Excel's own precision (a cell
    computed as 28/51*100 stores 54.901960784313729 and means 54.9019607843137)."""
    number = Decimal(format(value, ".15g"))
    if not number.is_finite():  # 1e999 in a hand-made file
        raise NumberFormatError(str(value))
    return number


def to_sen(amount: Decimal) -> int:
    """Rupiah amount → integer sen; more than two decimals is an input error."""
    sen = amount * 100
    if sen != sen.to_integral_value():
        raise NumberFormatError(f"{amount} (lebih dari 2 angka desimal)")
    return int(sen)


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def parse_date(value: object) -> dt.date | None:
    """ISO or day-first dates (Indonesian convention); blank gives None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if text in _BLANKS:
        return None
    text = text.split(" ")[0].split("T")[0]  # "2023-03-15 00:00:00" from Excel
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(str(value))


def normalise_header(name: object) -> str:
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


@dataclass
class Table:
    """One input table as text cells, with each row's line number in its source file."""

    path: Path
    label: str  # file name as shown in messages
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    sha256: str = ""  # of the bytes read
    # False when the file or its header is unusable (missing, empty, no delimiter, missing or
    # doubled column): its cells are then not converted, which would only repeat the problem.
    header_ok: bool = True
    header_row: int = 1
    headers: dict[str, str] = field(default_factory=dict)  # column → its header as written
    preamble: list[tuple[int, str]] = field(default_factory=list)  # rows above the header

    def problem(self, message: str, row: int | None = None, column: str | None = None,
                value: object = None, hint: str = "") -> Problem:
        p = Problem(self.label, message, row, column, value, hint)
        self.problems.append(p)
        return p


class MixedEncoding(ValueError):
    """Text that is partly UTF-8 and partly another encoding (byte offsets of an example of each).

    Read as Windows-1252, its UTF-8 letters would become mojibake ("AGÜS" → "AGÃœS"); read as
    UTF-8, the other letters would be lost: either way the text changes without a word."""

    def __init__(self, utf8_at: int, other_at: int):
        super().__init__(utf8_at, other_at)
        self.utf8_at, self.other_at = utf8_at, other_at


# A UTF-8 encoded letter beyond ASCII; Windows-1252 text holds such byte pairs only by chance
# ("Ã" followed by "©").
_UTF8_LETTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) first; UTF-16 with BOM ("Teks Unicode" from Excel); otherwise
    Windows-1252, which Excel on Windows writes. Raises MixedEncoding for text that is both."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        other = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
    utf8 = _UTF8_LETTER.search(raw)
    if utf8:
        raise MixedEncoding(utf8.start(), other)
    return raw.decode("cp1252", errors="replace")


def mixed_message(utf8_row: int, other_row: int) -> tuple[str, str]:
    """(message, hint) for MixedEncoding, once the offsets are rows."""
    return (f"berkas ini bercampur pengodean karakter: baris {utf8_row} ditulis sebagai UTF-8, "
            f"baris {other_row} sebagai Windows-1252, sehingga huruf seperti Ü atau é akan "
            "tercetak rusak (mis. 'Ãœ')",
            "buka berkas lalu simpan ulang seluruhnya sebagai UTF-8 (Excel: 'CSV UTF-8'; "
            f"Notepad: Encoding UTF-8), atau ketik ulang huruf khusus di baris {other_row}")


def line_of(text: str, offset: int) -> int:
    """The line (1-based) holding character ``offset``, with the line breaks csv knows."""
    return sum(1 for _ in io.StringIO(text[:offset + 1], newline=""))


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f}".replace(".", ",").removesuffix(",0") + f" {unit}"
    return f"{n} byte"


def read_input(path: Path, limit: int) -> bytes:
    """The bytes of an input file; refused before any of it is read when it is not a regular
    file (a FIFO or a device would never end), is a symbolic link, or is larger than ``limit``."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if Path(path).is_symlink():
            raise UnreadableFile("berkas ini adalah tautan simbolik (symlink), bukan berkas",
                                 _NO_LINKS) from None
        raise UnreadableFile(f"berkas tidak dapat dibuka ({exc.strerror})", _RESAVE) from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile("ini bukan berkas biasa (mis. perangkat atau pipa)", _RESAVE)
        data = f.read(limit + 1) if info.st_size <= limit else b""
    if info.st_size > limit or len(data) > limit:
        raise UnreadableFile(
            f"berkas terlalu besar ({_size(max(info.st_size, len(data)))}; paling besar "
            f"{_size(limit)})", "data satu laporan jauh lebih kecil: periksa apakah ini "
            "berkas yang benar (bukan berkas rusak atau gabungan banyak tabel); lihat "
            "docs/data.md bagian 2.11")
    return data


DELIMITERS = (";", ",", "\t")
_DELIMITER_NAMES = {";": "titik koma (;)", ",": "koma (,)", "\t": "tab"}
# Invisible control characters (not tab/newline) break tables in every output format.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Quarto runs "{{< … >}}" (include a file, read the environment) in a title or name even when
# escaped; no value in the data needs it.
SHORTCODE = re.compile(r"\{\{\s*[<%]")
# What Excel writes into a cell whose formula failed; never a real value.
_EXCEL_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!",
                 "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#BUSY!"}
# Two neighbouring cells that are one Indonesian decimal cut in two by a comma delimiter:
# "8.500.000" + "00", "91" + "50".
_SPLIT_LEFT = re.compile(r"^(rp\.?\s*)?[-(]?\d[\d.]*$", re.IGNORECASE)
_SPLIT_RIGHT = re.compile(r"^\d+\)?%?$")
MAX_ROW_PROBLEMS = 5  # per file and kind, in detail; the rest are listed by row number


class UnreadableFile(Exception):
    """A file that cannot be read as a table; the message says what it is instead (and where:
    ``row``, ``column``, ``value``, when one place is the reason)."""

    def __init__(self, message: str, hint: str, row: int = 1, column: str | None = None,
                 value: object = None):
        super().__init__(message)
        self.hint, self.row, self.column, self.value = hint, row, column, value


class Uncalculated(str):
    """An XLSX formula cell without a stored result (saved by a program that does not calculate);
    the text is the formula. Read as empty it would silently count as 0."""

    coordinate = sheet = ""


_NO_LINKS = ("salin berkas aslinya ke sini (bukan tautan/shortcut); data/raw hanya menerima berkas "
             "biasa, lihat docs/data.md bagian 1.3")


def sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


_RESAVE = "simpan ulang dari Excel sebagai CSV (UTF-8) atau XLSX"
# A cell may be as large as the whole file (an unclosed quote): csv's own limit is 128 KB.
csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_BYTES))


def _too_wide(row: int, index: int, value: object) -> UnreadableFile:
    return UnreadableFile(
        f"baris ini berisi sel sampai kolom {column_letter(index)} (kolom ke-{index + 1}), padahal "
        f"tabel masukan paling lebar {MAX_COLUMNS} kolom", "hapus isi sel di luar tabel (di "
        "Excel: pilih kolom-kolom di kanan tabel, lalu Delete)", row, column_letter(index),
        str(value)[:60])


def _bounded(rows: Iterator[tuple[int, list]]) -> list[tuple[int, list]]:
    """The rows that hold something (blank ones are skipped anyway), refusing a table larger than
    MAX_ROWS × MAX_COLUMNS at the first row beyond it."""
    kept = []
    for number, cells in rows:
        last = next((i for i in range(len(cells) - 1, -1, -1) if not _blank(cells[i])), None)
        if last is None:
            continue
        if last >= MAX_COLUMNS:
            raise _too_wide(number, last, cells[last])
        if len(kept) > MAX_ROWS:  # the header and MAX_ROWS data rows are kept
            raise UnreadableFile(
                f"berkas berisi lebih dari {MAX_ROWS:,} baris data".replace(",", "."),
                "data satu laporan jauh lebih sedikit: periksa apakah ini berkas yang benar, "
                "hapus baris di bawah tabel; lihat docs/data.md bagian 2.11", number)
        kept.append((number, cells))
    return kept


def _rows_from_csv(raw: bytes, titled: bool = False) -> tuple[str, list[tuple[int, list[str]]]]:
    """(delimiter, [(Excel row number, cells), …]) of the rows that hold something. ``titled``:
    title lines may come before the header, so the delimiter is the one of the line that has
    the most of them among the first lines."""
    if raw.startswith(b"PK\x03\x04"):
        raise UnreadableFile("berkas ini sebenarnya buku kerja Excel (XLSX), bukan CSV",
                             f"ganti akhiran namanya menjadi .xlsx, atau {_RESAVE}")
    try:
        text, mixed = decode(raw), None
    except MixedEncoding as exc:
        text, mixed = raw.decode("cp1252", errors="replace"), exc  # one character per byte
    if "\x00" in text:
        raise UnreadableFile("berkas ini bukan teks CSV (berisi data biner)", _RESAVE)
    first = next((line for line in text.splitlines() if line.strip()), "")
    if titled:
        lines = [line for line in text.splitlines() if line.strip()][:HEADER_SEARCH_ROWS]
        first = max(lines or [""], key=lambda line: max(line.count(d) for d in DELIMITERS))
    delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    if mixed:
        # Excel numbers rows by record (a quoted cell may span several lines).
        ends = [reader.line_num for _ in reader]
        row = {at: bisect.bisect_left(ends, line_of(text, at)) + 1
               for at in (mixed.utf8_at, mixed.other_at)}
        snippet = text[max(0, mixed.other_at - 20):mixed.other_at + 20].replace("\n", " ")
        raise UnreadableFile(*mixed_message(row[mixed.utf8_at], row[mixed.other_at]),
                             row[mixed.other_at], None, snippet)
    return delimiter, _bounded(enumerate(reader, start=1))


def _xlsx_value(cell) -> object:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    # A cell formatted as percent shows 91,50% but stores 0.915: read what the analyst sees.
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and "%" in str(getattr(cell, "number_format", "") or ""):
        return f"{excel_number(value) * 100}%"
    return value


def open_workbook(raw: bytes):
    """``(workbook, warnings)`` of an XLSX file's bytes, read-only, cell values as last saved.
    An archive that declares more than MAX_XLSX_UNPACKED of content is refused unopened."""
    import zipfile

    import openpyxl

    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        unpacked = sum(i.file_size for i in archive.infolist())
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableFile("berkas ini bukan buku kerja Excel (XLSX) yang utuh "
                             f"({type(exc).__name__})", _RESAVE) from exc
    if unpacked > MAX_XLSX_UNPACKED:
        raise UnreadableFile(f"isi buku kerja ini bila dibuka {_size(unpacked)} (paling besar "
                             f"{_size(MAX_XLSX_UNPACKED)}): berkas rusak atau bukan buku kerja "
                             "biasa", _RESAVE)
    try:  # keep_links=False: a link to another workbook is neither read nor followed
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True,
                                      keep_links=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile("berkas ini bukan buku kerja Excel (XLSX) yang utuh "
                             f"({type(exc).__name__})", _RESAVE) from exc
    warnings = []
    if any(n.startswith("xl/externalLinks/") for n in names):
        warnings.append(("buku kerja ini berisi tautan ke berkas Excel lain; yang dibaca adalah "
                         "nilai yang terakhir disimpan di berkas ini, bukan isi berkas lain itu",
                         "salin sel-sel itu lalu tempel sebagai nilai (Paste Special → Values)"))
    return book, warnings


def sheet_rows(book, ws) -> Iterator[tuple[int, list]]:
    """(row number, cells) of the rows of ``ws`` that have a cell with a value, as wide as their
    last such cell: the sheet's used range, whatever its formatting claims. (openpyxl's
    iter_rows pads every row to the sheet's declared dimension: one formatted cell at XFD1048576
    makes that 17 billion cells.)"""
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class Parser(WorkSheetParser):  # openpyxl's own read-only parser (openpyxl < 4, pinned)
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            # No stored result: no <v>, or an empty one that is not an empty text result
            # (openpyxl writes <v/> after every formula it saves).
            if cell["value"] is None and element.find(FORMULA_TAG) is not None \
                    and (element.find(VALUE_TAG) is None or element.get("t") != "str"):
                cell["value"] = Uncalculated("=" + (element.findtext(FORMULA_TAG) or "…"))
                cell["value"].coordinate = element.get("r", "")
                cell["value"].sheet = ws.title
            return cell

    with ws._get_source() as source:
        parser = Parser(source, ws._shared_strings, data_only=True, epoch=book.epoch,
                        date_formats=book._date_formats,
                        timedelta_formats=book._timedelta_formats)
        for number, cells in parser.parse():
            cells = [c for c in cells if not _blank("" if c["value"] is None else c["value"])]
            if not cells:
                continue
            last = max(cells, key=lambda c: c["column"])
            if last["column"] > MAX_COLUMNS:
                raise _too_wide(number, last["column"] - 1, last["value"])
            row: list = [""] * last["column"]
            for c in cells:
                row[c["column"] - 1] = _xlsx_value(ReadOnlyCell(ws, **c))
            yield number, row


def _rows_from_xlsx(raw: bytes, sheet: str | None
                    ) -> tuple[str, list[tuple[int, list]], list[tuple[str, str]]]:
    book, warnings = open_workbook(raw)
    try:
        if sheet:
            ws = book[sheet]
        else:  # the first sheet the analyst sees: a hidden one is not read
            visible = [w for w in book.worksheets if w.sheet_state == "visible"]
            if not visible:
                raise UnreadableFile("semua lembar buku kerja ini tersembunyi",
                                     "tampilkan lembar datanya (klik kanan → Unhide)")
            ws = visible[0]
            hidden = [w.title for w in book.worksheets[:book.worksheets.index(ws)]]
            if hidden:
                warnings.append((f"lembar tersembunyi {', '.join(map(repr, hidden))} diabaikan; "
                                 f"yang dibaca lembar '{ws.title}'",
                                 "bila datanya ada di lembar tersembunyi, tampilkan lembar itu "
                                 "dan jadikan lembar pertama"))
        return "", _bounded(sheet_rows(book, ws)), warnings
    finally:
        book.close()


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column as Excel labels it."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _row_list(rows: list[str], limit: int = 30) -> str:
    shown = ", ".join(rows[:limit])
    return shown + (f", … ({len(rows) - limit} lagi)" if len(rows) > limit else "")


def _blank(cell: object) -> bool:
    return str(cell).strip() == ""


def _looks_split(cells: list) -> tuple[int, str] | None:
    """(index, "8.500.000,00") when a comma delimiter cut a number into "8.500.000" and "00".

    A left part with thousands dots is the surest sign; otherwise the last candidate pair is
    taken (in "IK-01,2022,91,39" the year 2022 and 91 are not one number, 91 and 39 are).
    """
    pairs = []
    for i, (a, b) in enumerate(zip(cells, cells[1:])):
        a, b = str(a).strip(), str(b).strip()
        if _SPLIT_LEFT.match(a) and _SPLIT_RIGHT.match(b) and any(ch.isdigit() for ch in a):
            pairs.append((i, f"{a},{b}", "." in a))
    if not pairs:
        return None
    i, text, _ = next((p for p in pairs if p[2]), pairs[-1])
    return i, text


def _shape_hint(delimiter: str, split: tuple[int, str] | None) -> str:
    if delimiter == "," and split:
        return (f"angka berkoma desimal seperti '{split[1]}' terpotong menjadi dua sel. Simpan "
                "ulang berkas dengan pemisah titik koma (;) (Excel berbahasa Indonesia: 'CSV "
                "(dipisahkan titik koma)'), atau beri tanda petik pada angka, mis. \"91,50\"")
    if delimiter == ",":
        return ("teks yang memuat koma harus diberi tanda petik, mis. \"Fasilitasi, Rekomendasi\"; "
                "lebih aman: simpan ulang dengan pemisah titik koma (;)")
    return (f"berkas ini dipisah {_DELIMITER_NAMES.get(delimiter, delimiter)}: teks yang memuat "
            "pemisah itu harus diberi tanda petik; hapus sel berlebih di ujung kanan, atau "
            "tambahkan judul kolom yang terlewat di baris judul")


def read_table(path: Path, label: str, required: list[str], optional: list[str] = (),
               sheet: str | None = None, allow_empty: bool = False, rename=None,
               header_at=None) -> Table:
    """Read a CSV/XLSX table as text cells; record (not raise) every structural problem.

    Problems found: unreadable file, empty file, header without a recognisable delimiter, missing
    required column, unknown (misspelled) column, duplicate column, a row that does not fit the
    header (wrong delimiter, unquoted delimiter or decimal comma, unclosed quote), invisible control
    characters and Excel formula errors in a cell. Fully blank rows are skipped. A file with a
    header and no data rows is a problem unless ``allow_empty`` (optional files).

    For a file made by another system (lkj.impor): ``rename(header) → column or None`` maps
    headers to columns, and other columns are ignored instead of refused; ``header_at(cells)``
    tells the header row among the first rows, those above it (a report's title lines) are kept
    as ``preamble``.
    """
    path = Path(path)
    known = [*required, *optional]
    table = Table(path, label, pd.DataFrame(columns=[*known, ROW]))
    xlsx = path.suffix.lower() == ".xlsx"
    try:
        raw = read_input(path, MAX_XLSX_BYTES if xlsx else MAX_CSV_BYTES)
        table.sha256 = hashlib.sha256(raw).hexdigest()
        if xlsx:
            delimiter, all_rows, notes = _rows_from_xlsx(raw, sheet)
            table.warnings += [Problem(label, m, hint=h) for m, h in notes]
        else:
            delimiter, all_rows = _rows_from_csv(raw, header_at is not None)
    except UnreadableFile as exc:
        table.problem(str(exc), exc.row, exc.column, exc.value, exc.hint)
        table.header_ok = False
        return table
    except Exception as exc:  # any reader failure becomes a message, never a traceback
        table.problem(f"berkas tidak dapat dibaca ({type(exc).__name__}: {exc})", row=1,
                      hint=_RESAVE)
        table.header_ok = False
        return table
    start = next((i for i, (_, cells) in enumerate(all_rows)
                  if any(not _blank(c) for c in cells)), None)
    if start is None:
        table.problem("berkas kosong (tidak ada baris judul kolom)", row=1, column=known[0],
                      hint=f"isi baris 1 dengan judul kolom: {';'.join(required)}"
                      + ("; atau hapus berkas opsional ini" if allow_empty else ""))
        table.header_ok = False
        return table
    if header_at is not None:
        found = next((i for i, (_, cells) in enumerate(all_rows[:HEADER_SEARCH_ROWS])
                      if header_at(cells)), None)
        if found is None:
            table.problem(f"baris judul kolom tidak ditemukan di {HEADER_SEARCH_ROWS} baris "
                          "pertama", 1, None, None, "simpan ekspornya apa adanya dari SIPD/SIMDA: "
                          "satu baris judul kolom (kode, pagu, realisasi) di atas baris data")
            table.header_ok = False
            return table
        table.preamble = [(n, " ".join(str(c) for c in cells if not _blank(c)))
                          for n, cells in all_rows[:found]]
        start = found
    header_row, header = all_rows[start][0], [str(h) for h in all_rows[start][1]]
    table.header_row = header_row
    rows = all_rows[start + 1:]
    columns = [normalise_header(h) for h in header]
    if rename is not None:  # unknown columns keep a name, so their cells are not "overflow"
        columns = [rename(h) or (f"\x00{i}" if str(h).strip() else "")
                   for i, h in enumerate(header)]
    for c, h in zip(columns, header):
        if c in known:
            table.headers.setdefault(c, h.strip())

    named = [c for c in columns if c]
    if len(named) == 1 and len(known) > 1 and named[0] not in known:
        # "kode|uraian|pagu" or "kode uraian pagu": no delimiter we know, so no columns at all.
        table.problem("judul kolom tidak terpisah: pemisah kolom tidak dikenali", header_row,
                      header[columns.index(named[0])], None,
                      "pisahkan kolom dengan titik koma (;), koma (,) atau tab, mis. "
                      + ";".join(required))
        table.header_ok = False
        return table
    for col in required:
        if col not in columns:
            table.problem("kolom wajib tidak ada", header_row, col,
                          hint=f"tambahkan kolom '{col}' pada baris judul (baris {header_row})")
            table.header_ok = False
    for i, col in enumerate(columns):
        if col == "" and all(i >= len(c) or _blank(c[i]) for _, c in rows):
            continue  # trailing empty column that Excel sometimes adds
        if col not in known and rename is None:
            guess = difflib.get_close_matches(col, known, n=1)
            hint = (f"mungkin maksudnya '{guess[0]}'" if guess
                    else f"kolom yang dikenal: {', '.join(known)}")
            table.problem("kolom tidak dikenal", header_row,
                          header[i].strip() or f"(kolom {column_letter(i)} tanpa judul)", hint=hint)
    seen = set()
    for col, title in zip(columns, header):
        if col and col in seen:
            table.problem("judul kolom ganda" + (f" (sama artinya dengan '{table.headers[col]}')"
                                                 if rename is not None else ""), header_row,
                          title.strip() if rename is not None else col,
                          hint="hapus salah satu kolom")
            table.header_ok = False
        seen.add(col)

    last = max((i for i, c in enumerate(columns) if c), default=0)
    width = last + 1  # cells beyond the last titled column
    # Rows that do not fit the header, by kind: [(row, column, value, message, hint)]. They are
    # left out of the table (their cells would land in the wrong columns).
    misfits: dict[str, list[tuple]] = {}
    first_split = None  # first decimal comma cut in two by a comma delimiter
    records = []
    for number, cells in rows:
        if not any(not _blank(c) for c in cells):
            continue
        overflow = cells[width:]
        split = _looks_split(cells) if delimiter == "," and len(cells) > width else None
        if any(not _blank(c) for c in overflow) or split:
            first_split = first_split or (split and (number, header[min(split[0], last)],
                                                     split[1]))
            misfits.setdefault("overflow", []).append(
                (number, header[last], delimiter.join(str(c) for c in overflow),
                 f"baris berisi {len(cells)} sel, padahal judul kolom hanya {width} (sel berlebih "
                 f"sesudah kolom terakhir '{header[last]}')", _shape_hint(delimiter, split)))
            continue
        other = next((d for d in DELIMITERS if d != delimiter and len(cells) == 1
                      and width > 1 and d in str(cells[0])), None) if delimiter else None
        if other:
            misfits.setdefault("delimiter", []).append(
                (number, header[0], cells[0],
                 f"baris ini dipisah {_DELIMITER_NAMES[other]}, padahal judul kolom dipisah "
                 f"{_DELIMITER_NAMES[delimiter]}",
                 f"pakai pemisah yang sama di semua baris: {_DELIMITER_NAMES[delimiter]}"))
            continue
        # A quoted cell may hold line breaks (Alt+Enter in Excel); one whose later lines look
        # like whole rows swallowed an unclosed quote.
        broken = next((i for i, c in enumerate(cells[:width]) if isinstance(c, str) and delimiter
                       and any(line.count(delimiter) >= max(1, width - 2)
                               for line in c.split("\n")[1:])), None)
        if broken is not None:
            misfits.setdefault("quote", []).append(
                (number, header[broken], cells[broken].split("\n")[0][:60],
                 "tanda petik (\") pada sel ini dibuka tetapi tidak ditutup, sehingga baris-baris "
                 "sesudahnya terbaca sebagai isi sel ini",
                 "tutup tanda petiknya, atau hapus tanda petik di awal sel"))
            continue
        for i, col in enumerate(columns):
            if col not in known or i >= len(cells) or not isinstance(cells[i], str):
                continue
            if isinstance(cells[i], Uncalculated):
                table.problem(f"sel {cells[i].coordinate} di lembar '{cells[i].sheet}' berisi "
                              "rumus tanpa hasil tersimpan (berkas disimpan oleh program yang "
                              "tidak menghitung rumus); dibaca kosong, angkanya akan menjadi 0",
                              number, header[i], cells[i],
                              "buka berkas ini di Excel atau LibreOffice Calc lalu simpan ulang "
                              "(rumusnya dihitung dan hasilnya tersimpan), atau ketik nilainya")
            elif len(cells[i]) > MAX_CELL_CHARS:
                table.problem(f"sel terlalu panjang ({len(cells[i]):,} karakter; paling banyak "
                              f"{MAX_CELL_CHARS:,})".replace(",", "."), number, header[i],
                              cells[i][:60] + "…", "tulis isi sel dengan ringkas; uraian panjang "
                              "tempatnya di berkas narasi (narasi/*.md)")
            elif CONTROL_CHARS.search(cells[i]):
                table.problem("sel berisi karakter kontrol yang tidak terlihat", number, header[i],
                              cells[i], "ketik ulang isi sel ini")
            elif SHORTCODE.search(cells[i]):
                table.problem("sel berisi kode Quarto ('{{<' atau '{{%') yang akan dijalankan "
                              "saat laporan dibuat", number, header[i], cells[i],
                              "hapus kurung kurawal ganda itu dari isi sel")
            elif cells[i].strip().upper() in _EXCEL_ERRORS:
                table.problem("sel berisi galat rumus Excel, bukan nilai", number, header[i],
                              cells[i], "perbaiki rumusnya di Excel atau ketik nilainya")
        # Every known column, "" when the file lacks it or the row is short.
        record = dict.fromkeys(known, "")
        record.update((col, "" if cells[i] is None else cells[i])
                      for i, col in enumerate(columns[:len(cells)]) if col in known)
        record[ROW] = number
        records.append(record)
    if first_split:
        # Decimal commas in a comma-separated file: every row is suspect, even one that happens to
        # have the right number of cells ("3.000.000,50" → pagu 3.000.000, realisasi 50). One
        # message for the file, naming the rows where it shows.
        number, column, split = first_split
        rows_seen = [str(item[0]) for item in misfits.get("overflow", [])]
        table.problem("berkas dipisah koma (,), padahal angkanya memakai koma desimal tanpa tanda "
                      f"petik, sehingga isi kolom bergeser (terlihat di baris "
                      f"{_row_list(rows_seen)})", number, column, split,
                      _shape_hint(delimiter, (0, split)))
        table.header_ok = False
        misfits = {k: v for k, v in misfits.items() if k != "overflow"}
    elif len(misfits.get("overflow", ())) > max(1, len(records)):
        # Most rows are wider than the header: a title is missing, not a cell too many.
        items = misfits.pop("overflow")
        widest = max(len(str(item[2]).split(delimiter)) for item in items) + width if delimiter \
            else width + 1
        table.problem(f"sebagian besar baris data berisi lebih banyak sel ({widest}) daripada "
                      f"judul kolom ({width}): ada judul kolom yang terlewat", header_row,
                      header[last], None,
                      "tambahkan judul kolom yang belum ada di baris judul; kolom yang dikenal: "
                      + ", ".join(known))
        table.header_ok = False
    for items in misfits.values():
        for number, column, value, message, hint in items[:MAX_ROW_PROBLEMS]:
            table.problem(message, number, column, value, hint)
        rest = [str(item[0]) for item in items[MAX_ROW_PROBLEMS:]]
        if rest:
            table.problem(f"{len(rest)} baris lain juga tidak sesuai dengan judul kolom seperti di "
                          "atas", int(rest[0]), items[0][1], None,
                          f"baris {_row_list(rest)}; {items[0][4]}")
    # Column by column: cells stay exactly as read (text, or Excel's own values), never inferred.
    data = {col: pd.Series([r[col] for r in records], dtype=object) for col in known}
    data[ROW] = pd.Series([r[ROW] for r in records], dtype="int64")
    table.frame = pd.DataFrame(data)
    if not records and not misfits and not allow_empty:
        table.problem("berkas tidak berisi baris data", header_row + 1, known[0],
                      hint=f"isi minimal satu baris di bawah judul kolom (mulai baris "
                      f"{header_row + 1})")
    return table
