"""One Excel workbook for a whole quarter: ``masukan.xlsx`` with one sheet per input table.

Excel users fill this workbook (written by ``lkj template``) instead of a dozen CSV files. A sheet
named after a table (``anggaran``, ``perjanjian_kinerja``, …) stands in for that table's file when
the file itself (``anggaran.csv`` / ``anggaran.xlsx``) is absent — a separate file always wins, as
CSV wins over XLSX. A sheet holding only its header row counts as absent, so optional sheets can
stay in the workbook unused. Messages name the sheet as ``…/tw2/masukan.xlsx/anggaran``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable

WORKBOOK = "masukan.xlsx"
PETUNJUK = "petunjuk"  # first sheet: instructions, never read as data

# Columns Excel must keep as text (codes, NIP) — typed as numbers they lose dots or digits.
TEXT_COLUMNS = {"kode", "nip", "kode_desa", "kode_wilayah", "kode_anggaran", "indikator_id"}


@lru_cache(maxsize=32)
def _sheets(path: str, mtime_ns: int) -> tuple[dict[str, str], tuple[str, ...]]:
    from lkj.reading import MAX_XLSX_BYTES, open_workbook, read_input, sheet_rows

    book, _ = open_workbook(read_input(Path(path), MAX_XLSX_BYTES))
    try:
        visible, hidden = {}, []
        for ws in book.worksheets:
            if ws.sheet_state != "visible":  # what the analyst does not see is not read
                hidden.append(ws.title)
                continue
            rows = sheet_rows(book, ws)
            if next(rows, None) is not None and next(rows, None) is not None:  # header + data
                visible[ws.title.strip().lower()] = ws.title
        return visible, tuple(hidden)
    finally:
        book.close()


def sheets(path: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    """({lower-case name: title} of the visible sheets with data rows, titles of hidden sheets)."""
    return _sheets(str(path), Path(path).stat().st_mtime_ns)


def find_sheet(folder: Path, name: str) -> tuple[Path | None, str | None]:
    """``(workbook, sheet)`` when ``folder/masukan.xlsx`` has a visible sheet ``name`` with data
    rows."""
    path = Path(folder) / WORKBOOK
    if not (path.is_file() or path.is_symlink()):
        return None, None
    try:
        title = sheets(path)[0].get(name.lower())
    except Exception:  # an unreadable workbook: let the reader report it on the first table
        return path, name
    return (path, title) if title else (None, None)


def locate(folder: Path, name: str) -> tuple[Path | None, str | None]:
    """Where table ``name`` of a folder lives: its CSV, its XLSX, or a sheet of masukan.xlsx."""
    for ext in (".csv", ".xlsx"):
        p = Path(folder) / f"{name}{ext}"
        if p.is_file():
            return p, None
    return find_sheet(folder, name)


def _cell_value(text: str, kind: str, column: str):
    """A text cell as Excel should hold it: numbers as numbers, codes and NIP as text."""
    from decimal import Decimal

    from lkj.reading import NumberFormatError, parse_number

    if text == "" or column in TEXT_COLUMNS or kind not in ("int", "decimal", "money"):
        return text
    try:
        number = parse_number(text)
    except NumberFormatError:
        return text
    if number is None:
        return text
    if number == number.to_integral_value():
        return int(number)
    return float(Decimal(number))


def write(path: Path, sheets: Iterable[tuple[str, list[str], list[list[str]]]],
          petunjuk: list[str]) -> Path:
    """Write the workbook: a ``petunjuk`` sheet, then one sheet per ``(table, header, rows)``.

    Cells get data validation from the column specification: a drop-down for every choice column
    (polaritas, cara_hitung, status, peran, dokumen, ya/tidak, …), whole numbers 1–4 for the
    quarter and a four-digit year in ``laporan``.
    """
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from lkj.validation import SPECS

    book = openpyxl.Workbook()
    info = book.active
    info.title = PETUNJUK
    for i, line in enumerate(petunjuk, 1):
        info.cell(row=i, column=1, value=line)
    info.column_dimensions["A"].width = 120
    info["A1"].font = Font(bold=True, size=12)

    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for name, header, rows in sheets:
        ws = book.create_sheet(name)
        spec = {c.name: c for c in SPECS.get(name, [])}
        ws.append(header)
        for cell in ws[1]:
            cell.font, cell.fill = head_font, head_fill
        for row in rows:
            ws.append([_cell_value(v, spec[c].kind if c in spec else "text", c)
                       for v, c in zip(row, header)])
            for cell in ws[ws.max_row]:  # "=HYPERLINK(…)" from a CSV is text, not a formula
                if cell.data_type == "f":
                    cell.data_type = "s"
        last = max(len(rows) + 1, 200)  # validations reach rows the analyst will add
        for j, col in enumerate(header, 1):
            letter = get_column_letter(j)
            ws.column_dimensions[letter].width = min(60, max(12, len(col) + 4))
            rng = f"{letter}2:{letter}{last}"
            c = spec.get(col)
            if col in TEXT_COLUMNS:
                for r in range(2, last + 1):
                    ws.cell(row=r, column=j).number_format = "@"
            if c is not None and c.kind == "choice":
                dv = DataValidation(type="list", formula1='"' + ",".join(c.choices) + '"',
                                    allow_blank=not c.required, showErrorMessage=True,
                                    errorTitle="Pilihan tidak sah",
                                    error="Pilih salah satu: " + ", ".join(c.choices))
                dv.add(rng)
                ws.add_data_validation(dv)
            elif c is not None and c.kind == "int" and col == "tahun":
                dv = DataValidation(type="whole", operator="between", formula1="2000",
                                    formula2="2100", allow_blank=True, showErrorMessage=True,
                                    error="Tulis tahun empat angka, mis. 2023")
                dv.add(rng)
                ws.add_data_validation(dv)
        if header == ["kunci", "nilai"]:
            _key_value_validation(ws, rows, DataValidation)
        ws.freeze_panes = "A2"
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(vertical="top")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _key_value_validation(ws, rows: list[list[str]], DataValidation) -> None:
    for i, row in enumerate(rows, start=2):
        key = row[0] if row else ""
        if key == "triwulan":
            dv = DataValidation(type="whole", operator="between", formula1="1", formula2="4",
                                showErrorMessage=True, errorTitle="Triwulan",
                                error="Triwulan ditulis 1, 2, 3 atau 4 (bukan angka Romawi)")
        elif key == "tahun":
            dv = DataValidation(type="whole", operator="between", formula1="2000",
                                formula2="2100", showErrorMessage=True,
                                error="Tulis tahun empat angka, mis. 2023")
        elif key in ("tanggal", "tanggal_perjanjian"):
            dv = DataValidation(type="date", operator="greaterThan", formula1="36526",
                                allow_blank=True, showErrorMessage=True,
                                error="Tulis tanggal, mis. 23/08/2023")
        else:
            continue
        dv.add(f"B{i}")
        ws.add_data_validation(dv)
