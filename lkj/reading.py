"""Reading input tables the way analysts actually save them.

CSV with comma, semicolon or tab; UTF-8 with or without BOM, or Windows-1252; XLSX with the same
columns; Indonesian numbers ("1.517.857.163", "784.808.761,00", "Rp 1.234.567", "54,90%", "-").
Every cell is read as text and converted by the parsers below, so each problem can name its file,
row, column and value.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from lkj.errors import Problem

# Row numbers are reported as Excel shows them: the header is row 1.
FIRST_DATA_ROW = 2
ROW = "baris"  # column holding each row's number in its source file (provenance)

_BLANKS = {"", "-", "–", "—"}
_THOUSANDS_ONLY = re.compile(r"^\d{1,3}(\.\d{3})+$")
_ID_DECIMAL = re.compile(r"^\d{1,3}(\.\d{3})*(,\d+)?$|^\d+(,\d+)?$")
_PLAIN_DECIMAL = re.compile(r"^\d+(\.\d+)?$")


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
        return Decimal(repr(value))
    if isinstance(value, Decimal):
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

    def problem(self, message: str, row: int | None = None, column: str | None = None,
                value: object = None, hint: str = "") -> Problem:
        p = Problem(self.label, message, row, column, value, hint)
        self.problems.append(p)
        return p


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) first; otherwise Windows-1252, which Excel on Windows writes."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _rows_from_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    text = decode(path.read_bytes())
    first = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if header is None:
            if any(c.strip() for c in cells):
                header = cells
            continue
        rows.append((reader.line_num, cells))
    return header or [], rows


def _xlsx_value(cell) -> object:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    # A cell formatted as percent shows 91,50% but stores 0.915: read what the analyst sees.
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and "%" in str(getattr(cell, "number_format", "") or ""):
        return f"{Decimal(repr(value)) * 100}%"
    return value


def _rows_from_xlsx(path: Path, sheet: str | None) -> tuple[list[str], list[tuple[int, list]]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = book[sheet] if sheet else book.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, list]] = []
        for number, row in enumerate(ws.iter_rows(), start=1):
            cells = [_xlsx_value(c) for c in row]
            if header is None:
                if any(str(c).strip() for c in cells):
                    header = [str(c) for c in cells]
                continue
            rows.append((number, cells))
        return header or [], rows
    finally:
        book.close()


def read_table(path: Path, label: str, required: list[str], optional: list[str] = (),
               sheet: str | None = None) -> Table:
    """Read a CSV/XLSX table as text cells; record (not raise) every structural problem.

    Problems found: unreadable file, empty file, missing required column, unknown (misspelled)
    column, a row with more cells than the header. Fully blank rows are skipped.
    """
    path = Path(path)
    empty = pd.DataFrame(columns=[*required, *optional, ROW])
    table = Table(path, label, empty)
    try:
        if path.suffix.lower() == ".xlsx":
            header, rows = _rows_from_xlsx(path, sheet)
        else:
            header, rows = _rows_from_csv(path)
    except Exception as exc:  # any reader failure becomes a message, never a traceback
        table.problem(f"berkas tidak dapat dibaca ({type(exc).__name__}: {exc})",
                      hint="simpan ulang dari Excel sebagai CSV (UTF-8) atau XLSX")
        return table
    if not header:
        table.problem("berkas kosong (tidak ada baris judul kolom)",
                      hint=f"isi baris pertama dengan judul kolom: {';'.join(required)}")
        return table

    columns = [normalise_header(h) for h in header]
    known = [*required, *optional]
    for col in required:
        if col not in columns:
            table.problem("kolom wajib tidak ada", column=col,
                          hint=f"tambahkan kolom '{col}' pada baris judul (baris 1)")
    for i, col in enumerate(columns):
        if col == "" and all(i >= len(c) or str(c[i]).strip() == "" for _, c in rows):
            continue  # trailing empty column that Excel sometimes adds
        if col not in known:
            guess = difflib.get_close_matches(col, known, n=1)
            hint = (f"mungkin maksudnya '{guess[0]}'" if guess
                    else f"kolom yang dikenal: {', '.join(known)}")
            table.problem("kolom tidak dikenal", row=1, column=str(header[i]), hint=hint)
    seen = set()
    for col in columns:
        if col and col in seen:
            table.problem("judul kolom ganda", row=1, column=col, hint="hapus salah satu kolom")
        seen.add(col)

    records = []
    for number, cells in rows:
        if not any(str(c).strip() for c in cells):
            continue
        if len(cells) > len(columns) and any(str(c).strip() for c in cells[len(columns):]):
            table.problem(f"baris berisi {len(cells)} sel, padahal judul kolom hanya {len(columns)}",
                          row=number, value=cells[len(columns)],
                          hint="periksa pemisah kolom (; atau ,) dan tanda kutip pada teks")
        record = {col: cells[i] if i < len(cells) else "" for i, col in enumerate(columns)
                  if col in known}
        record[ROW] = number
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=[*known, ROW])
    for col in known:
        frame[col] = frame[col].map(lambda v: "" if v is None else v).astype(object)
    table.frame = frame
    if not records:
        table.problem("berkas tidak berisi baris data", hint="isi minimal satu baris di bawah judul kolom")
    return table
