"""``lkj impor anggaran``: anggaran.csv from the finance system's budget-realisation export.

The export (SIPD-RI penatausahaan "realisasi per sub kegiatan", or a SIMDA report saved as XLSX or
CSV) is untrusted text like every input: it is read by :func:`lkj.reading.read_table` with its
limits and checks, and every problem names the file, row, column, value and fix. Tolerated: title
rows above the header, headers in any case, spacing and order, their usual synonyms, and extra
columns. Account (rekening) rows are summed into their sub kegiatan; kegiatan and program rows
are built from the sums; subtotal rows the export prints are checked, never added. Sub-kegiatan
suffixes are written in the style the quarter already uses (7.01.01.2.01.01 or …0001), so
``kode_anggaran`` in perjanjian_kinerja.csv and the earlier quarters keep matching.

Nothing in data/raw is overwritten: anggaran.csv is written only where the quarter has none;
otherwise the result goes to ``anggaran.impor.csv`` with a readable diff. Beside the result, a
``….sumber.csv`` records the export's name, cut-off date and SHA-256; validation lists it in the
report's audit appendix for as long as anggaran.csv is byte for byte the imported one.

:func:`build` (rows → anggaran rows) is pure; :func:`impor_anggaran` does the reading and writing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from lkj import anggaran as A
from lkj.errors import LkjError, Problem, ValidationError, rel

# Canonical column ← the headers exports use for it (normalised: lower case, words joined by _).
COLUMNS = {
    "kode_sub_unit": ("kode_sub_unit", "kd_sub_unit", "kode_unit", "kode_skpd", "kode_sub_skpd"),
    "nama_sub_unit": ("nama_sub_unit", "sub_unit", "nama_unit", "unit", "nama_skpd", "skpd",
                      "nama_sub_skpd"),
    "kode_program": ("kode_program", "kd_program", "kd_prog"),
    "nama_program": ("nama_program", "program", "uraian_program"),
    "kode_kegiatan": ("kode_kegiatan", "kd_kegiatan", "kd_keg"),
    "nama_kegiatan": ("nama_kegiatan", "kegiatan", "uraian_kegiatan"),
    # "kode": one column for every level (3, 5 or 6 parts), as anggaran.csv itself has it
    "kode_sub_kegiatan": ("kode_sub_kegiatan", "kode_subkegiatan", "kd_sub_kegiatan",
                          "kd_subkeg", "kd_sub_keg", "kode"),
    "nama_sub_kegiatan": ("nama_sub_kegiatan", "nama_subkegiatan", "sub_kegiatan",
                          "uraian_sub_kegiatan"),
    "kode_rekening": ("kode_rekening", "kd_rekening", "kode_rek", "kd_rek", "kode_akun",
                      "rekening"),
    "uraian": ("uraian", "nama_rekening", "uraian_rekening", "nama_akun"),
    "pagu": ("pagu", "anggaran", "pagu_anggaran", "nilai_anggaran", "pagu_murni",
             "anggaran_murni", "pagu_apbd", "apbd"),
    "pagu_perubahan": ("pagu_perubahan", "anggaran_perubahan", "pagu_apbd_p", "apbd_p",
                       "pagu_p", "anggaran_setelah_perubahan", "pagu_setelah_perubahan"),
    "realisasi": ("realisasi", "realisasi_anggaran", "total_realisasi", "realisasi_kumulatif",
                  "realisasi_s_d", "realisasi_sd", "jumlah_realisasi"),
    "tanggal": ("tanggal", "per_tanggal", "s_d_tanggal", "sd_tanggal", "tanggal_data"),
}
_ALIAS = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
CODES = ("kode_program", "kode_kegiatan", "kode_sub_kegiatan")
RESULT, ALTERNATE = "anggaran.csv", "anggaran.impor.csv"
MONTHS = ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september",
          "oktober", "november", "desember")
_MONTH = "|".join(MONTHS)
_DATE = rf"(\d{{1,2}})\s+({_MONTH})\s+(\d{{4}})|(\d{{1,2}})[/.-](\d{{1,2}})[/.-](\d{{4}})|(\d{{4}})-(\d{{2}})-(\d{{2}})"
# The cut-off a title line states ("s.d. 30 Juni 2023", "Per Tanggal 30/06/2023"); a print date
# ("Dicetak 3 Juli 2023") has none of these words in front.
_CUTOFF = re.compile(rf"\b(?:s\s*\.?\s*d\s*\.?|s\s*/\s*d|sampai\s+dengan|sampai|per|posisi)\s*"
                     rf"(?:tanggal|tgl\.?)?\s*:?\s*(?:{_DATE})", re.I)


def column_of(header: str) -> str | None:
    """The canonical column of a header ("KODE SUB KEGIATAN", "Realisasi s.d. TW II"), or None."""
    key = re.sub(r"[^a-z0-9]+", "_", str(header).lower()).strip("_")
    if key in _ALIAS:
        return _ALIAS[key]
    if key.startswith(("realisasi_s_d", "realisasi_sd", "realisasi_sampai")):
        return "realisasi"
    return None


def _is_header(cells: list) -> bool:
    found = {column_of(c) for c in cells if str(c).strip()}
    return "realisasi" in found and ("pagu" in found or "pagu_perubahan" in found) \
        and bool(found & set(CODES))


# ---- the pure part: export rows → anggaran.csv rows ---------------------------------------------

@dataclass
class Baris:
    """One export row, its amounts in sen."""
    row: int
    kode: str                 # the row's own level: sub kegiatan, kegiatan or program code
    rekening: str             # account code; "" for a subtotal row
    names: dict[str, str]     # {"program"|"kegiatan"|"sub_kegiatan": name} given on the row
    pagu: int
    realisasi: int


@dataclass
class Node:
    kode: str
    uraian: str = ""
    pagu: int = 0
    realisasi: int = 0
    accounts: int = 0
    subtotal: tuple[int, int, int] | None = None   # (pagu, realisasi, row) printed by the export
    rows: list[int] = field(default_factory=list)


def style_of(codes: list[str]) -> int | None:
    """2 or 4: the width of the sub-kegiatan suffixes a file uses (None: it has none)."""
    widths = {len(k.split(".")[5]) for k in codes if len(k.split(".")) == 6}
    return 4 if widths == {4} else 2 if widths else None


def restyle(kode: str, width: int) -> str:
    """7.01.01.2.01.0001 ↔ 7.01.01.2.01.01: the same sub kegiatan (numbers above 99 keep theirs)."""
    parts = kode.split(".")
    if len(parts) == 6:
        parts[5] = str(int(parts[5])).zfill(width)
    return ".".join(parts)


def build(rows: list[Baris], label: str, width: int = 2
          ) -> tuple[list[tuple[str, str, int, int]], list[Problem]]:
    """anggaran.csv rows (kode, uraian, pagu sen, realisasi sen) in code order, and the problems.

    Accounts of a sub kegiatan are summed; a subtotal row (no rekening) is the sub kegiatan's
    amount when it has no accounts and is checked against them when it has; kegiatan and
    program amounts are the sums of their children, a subtotal printed for them is checked."""
    problems: list[Problem] = []
    nodes: dict[tuple[int, ...], Node] = {}
    for b in rows:
        key = A.sort_key(b.kode)
        node = nodes.setdefault(key, Node(restyle(b.kode, width)))
        node.rows.append(b.row)
        level = A.level(b.kode)
        node.uraian = node.uraian or b.names.get(level, "")
        for parent_level, parent in ((A.level(p), p) for p in _ancestors(b.kode)):
            pn = nodes.setdefault(A.sort_key(parent), Node(parent))
            pn.uraian = pn.uraian or b.names.get(parent_level, "")
        if b.rekening:
            node.pagu += b.pagu
            node.realisasi += b.realisasi
            node.accounts += 1
        elif node.subtotal is not None:
            problems.append(Problem(label, f"baris jumlah {b.kode} muncul dua kali (sama dengan "
                                    f"baris {node.subtotal[2]})", b.row, "kode_sub_kegiatan",
                                    b.kode, "hapus salah satu baris"))
        else:
            node.subtotal = (b.pagu, b.realisasi, b.row)
    children: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
    for key, node in nodes.items():
        p = A.parent(node.kode)
        if p is not None:
            children.setdefault(A.sort_key(p), []).append(key)

    def total(key) -> tuple[int, int]:
        node = nodes[key]
        kids = children.get(key, [])
        if kids:
            if node.accounts:   # its own accounts would be lost in the sum of its children
                problems.append(Problem(label, f"baris rekening langsung di bawah "
                                        f"{node.kode}, padahal {node.kode} juga punya rincian",
                                        node.rows[0], None, node.kode, "isi kode sub kegiatan "
                                        "pada baris rekening itu"))
            sums = [total(k) for k in kids]
            node.pagu, node.realisasi = sum(s[0] for s in sums), sum(s[1] for s in sums)
        elif not node.accounts and node.subtotal is not None:
            node.pagu, node.realisasi = node.subtotal[:2]
        if node.subtotal is not None and (node.accounts or kids):
            for col, given, summed in (("pagu", node.subtotal[0], node.pagu),
                                       ("realisasi", node.subtotal[1], node.realisasi)):
                if given != summed:
                    problems.append(Problem(
                        label, f"{col} baris jumlah {node.kode} tidak sama dengan jumlah "
                        f"rinciannya (Rp{_rp(summed)})", node.subtotal[2], col, _rp(given),
                        "periksa ekspornya: simpan ulang dari SIPD/SIMDA tanpa menyunting angka"))
        return node.pagu, node.realisasi

    out = []
    for key in sorted(nodes):
        node = nodes[key]
        if A.parent(node.kode) is None:
            total(key)
    for key in sorted(nodes):
        node = nodes[key]
        if not node.uraian:
            problems.append(Problem(label, f"nama {A.LEVEL_LABEL[A.level(node.kode)].lower()} "
                                    f"{node.kode} tidak ada di berkas", node.rows[0] if node.rows
                                    else _first_row(nodes, key), None, None,
                                    "ekspor dengan kolom nama program, kegiatan dan sub kegiatan"))
        out.append((node.kode, node.uraian, node.pagu, node.realisasi))
    return out, problems


def _first_row(nodes, key) -> int | None:
    rows = [r for k, n in nodes.items() if k[:len(key)] == key for r in n.rows]
    return min(rows) if rows else None


def _ancestors(kode: str) -> list[str]:
    out, p = [], A.parent(kode)
    while p is not None:
        out.append(p)
        p = A.parent(p)
    return out


def _rp(sen: int) -> str:
    from lkj.formatting import rupiah
    return rupiah(sen)


def cutoff_dates(lines: list[tuple[int, str]]) -> list[tuple[dt.date, int]]:
    """(date, row) of the cut-off dates title lines state ("… s.d. 30 Juni 2023")."""
    found = []
    for row, text in lines:
        for m in _CUTOFF.finditer(text):
            g = m.groups()
            try:
                if g[0]:
                    day = dt.date(int(g[2]), MONTHS.index(g[1].lower()) + 1, int(g[0]))
                elif g[3]:
                    day = dt.date(int(g[5]), int(g[4]), int(g[3]))
                else:
                    day = dt.date(int(g[6]), int(g[7]), int(g[8]))
            except ValueError:
                continue
            found.append((day, row))
    return found


def diff(old: list[tuple[str, str, int, int]], new: list[tuple[str, str, int, int]]) -> list[str]:
    """What importing would change, code by code (01 and 0001 are one code), as lines."""
    o = {A.sort_key(k): (k, u, p, r) for k, u, p, r in old}
    n = {A.sort_key(k): (k, u, p, r) for k, u, p, r in new}
    lines = []
    for key in sorted(set(o) | set(n)):
        a, b = o.get(key), n.get(key)
        if a is None:
            lines.append(f"+ {b[0]} {b[1]}: baru (pagu {_rp(b[2])}, realisasi {_rp(b[3])})")
        elif b is None:
            lines.append(f"- {a[0]} {a[1]}: tidak ada di ekspor (di anggaran.csv: pagu "
                         f"{_rp(a[2])}, realisasi {_rp(a[3])})")
        else:
            changes = [f"{what} {_rp(x) if isinstance(x, int) else repr(x)} → "
                       f"{_rp(y) if isinstance(y, int) else repr(y)}"
                       for what, x, y in (("uraian", a[1], b[1]), ("pagu", a[2], b[2]),
                                          ("realisasi", a[3], b[3]))
                       if (x.strip().lower() != y.strip().lower() if isinstance(x, str) else x != y)]
            if changes:
                lines.append(f"~ {b[0]} {b[1]}: " + "; ".join(changes))
    return lines


# ---- reading and writing --------------------------------------------------------------------------

@dataclass
class Hasil:
    written: Path                 # anggaran.csv, or anggaran.impor.csv beside an existing one
    sumber: Path                  # its provenance (….sumber.csv)
    diff: Path | None             # the differences with the existing anggaran.csv, if any
    changes: list[str]
    pagu: int
    realisasi: int
    rows: int
    tanggal: dt.date | None
    sub_unit: str
    warnings: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)   # the printout


def _table(path: Path, label: str):
    from lkj.reading import read_table

    table = read_table(path, label, [], list(COLUMNS), rename=column_of, header_at=_is_header)
    if table.problems:
        raise ValidationError(table.problems)
    return table


def _money(value, row: int, column: str, header: str, label: str, problems) -> int:
    from lkj.reading import NumberFormatError, parse_number, to_sen

    try:
        number = parse_number(value)
        sen = 0 if number is None else to_sen(number)
    except NumberFormatError as exc:
        problems.append(Problem(label, "jumlah rupiah lebih dari 2 angka desimal (sen)"
                                if "desimal" in str(exc) else "bukan angka yang sah", row, header,
                                value, "tulis jumlah rupiah, mis. 1.517.857.163 atau "
                                "784.808.761,00; kosong atau - berarti 0"))
        return 0
    if sen < 0:
        problems.append(Problem(label, f"{column} tidak boleh negatif", row, header, value,
                                "periksa ekspornya; koreksi anggaran dicatat sebagai baris "
                                "tersendiri di SIPD"))
        return 0
    return sen


def _code(value) -> str:
    return A.normalise_kode(value) if str(value).strip() else ""


def read_export(path: Path, label: str, kecamatan: str, sub_unit: str = ""):
    """(rows, sub unit chosen, [(cut-off date, row)] stated, rows read, the table, the pagu
    column used) of an export; its header row has code, pagu and realisasi columns
    (``_is_header``), or read_table has refused it."""
    from lkj.wilayah import key

    table = _table(path, label)
    records, headers = table.frame.to_dict("records"), table.headers
    problems: list[Problem] = []
    has = set(headers)
    # one sub unit: the one asked for, else the kecamatan's own, else refused with the choice
    units = {}
    for r in records:
        unit = (str(r.get("kode_sub_unit") or "").strip(), str(r.get("nama_sub_unit") or "").strip())
        if any(unit):
            units.setdefault(unit, r["baris"])
    chosen = ("", "")
    if len(units) > 1:
        if sub_unit:
            pick = [u for u in units if sub_unit.strip() == u[0]
                    or key(sub_unit) and key(sub_unit) in key(u[1])]
        else:
            pick = [u for u in units if key(kecamatan) and key(kecamatan) in key(u[1])]
        if len(pick) != 1:
            listed = "; ".join(f"{c or '–'} {n}".strip() for c, n in units)
            raise ValidationError([Problem(
                label, f"berkas berisi {len(units)} sub unit"
                + (f" dan '{sub_unit}' cocok dengan {len(pick)}" if sub_unit else ""),
                None, headers.get("nama_sub_unit") or headers.get("kode_sub_unit"), None,
                f"pilih satu dengan --sub-unit <kode atau nama>, salah satu dari: {listed}")])
        chosen = pick[0]
    elif units:
        chosen = next(iter(units))
    rows: list[Baris] = []
    dates: list[tuple[dt.date, int]] = []
    read = 0
    for r in records:
        unit = (str(r.get("kode_sub_unit") or "").strip(), str(r.get("nama_sub_unit") or "").strip())
        if len(units) > 1 and unit != chosen:
            continue
        read += 1
        row = int(r["baris"])
        if str(r.get("tanggal") or "").strip():
            from lkj.reading import parse_date
            try:
                dates.append((parse_date(r["tanggal"]), row))
            except ValueError:
                problems.append(Problem(label, "bukan tanggal yang sah", row, headers["tanggal"],
                                        r["tanggal"], "tulis tanggal sebagai HH/BB/TTTT"))
        codes = {c: _code(r.get(c, "")) for c in CODES}
        sub, keg, prog = codes["kode_sub_kegiatan"], codes["kode_kegiatan"], codes["kode_program"]
        # a sub-kegiatan or kegiatan code may be given as its last part only ("0001")
        if sub and "." not in sub and keg:
            sub = f"{keg}.{sub}"
        if keg and keg.count(".") == 1 and prog:
            keg = f"{prog}.{keg}"
        kode = sub or keg or prog
        pagu_col = "pagu_perubahan" if str(r.get("pagu_perubahan") or "").strip() else "pagu"
        amounts = [r.get(pagu_col, ""), r.get("realisasi", "")]
        if not kode:
            continue   # a JUMLAH/TOTAL row or a blank line: totals are computed, not read
        column = next(c for c in ("kode_sub_kegiatan", "kode_kegiatan", "kode_program")
                      if codes[c])
        why = A.kode_problem(kode)
        if why:
            problems.append(Problem(label, why, row, headers.get(column, column), r.get(column),
                                    "periksa kode di ekspor (program 7.01.01, kegiatan "
                                    "7.01.01.2.01, sub kegiatan 7.01.01.2.01.0001)"))
            continue
        for given, level in ((prog, 3), (keg, 5)):
            if given and given != ".".join(kode.split(".")[:level]) and len(kode.split(".")) > level:
                problems.append(Problem(label, f"kode ini bukan bagian dari {given}", row,
                                        headers.get(column, column), r.get(column),
                                        "periksa kolom kode program/kegiatan di baris ini"))
        names = {"program": str(r.get("nama_program") or "").strip(),
                 "kegiatan": str(r.get("nama_kegiatan") or "").strip(),
                 "sub_kegiatan": str(r.get("nama_sub_kegiatan") or "").strip()}
        rekening = _code(r.get("kode_rekening", ""))
        if not rekening:  # a subtotal row may name its own level in URAIAN
            names[A.level(kode)] = names[A.level(kode)] or str(r.get("uraian") or "").strip()
        names = {k: " ".join(v.split()) for k, v in names.items() if v}
        rows.append(Baris(row, kode, rekening, names,
                          _money(amounts[0], row, "pagu", headers.get(pagu_col, pagu_col), label,
                                 problems),
                          _money(amounts[1], row, "realisasi", headers.get("realisasi"), label,
                                 problems)))
    if problems:
        raise ValidationError(problems)
    stated = cutoff_dates(table.preamble) + dates
    pagu_used = "pagu_perubahan" if "pagu_perubahan" in has else "pagu"
    return rows, " ".join(x for x in chosen if x), stated, read, table, pagu_used


def _existing(raw_dir: Path, root: Path) -> list[tuple[str, str, int, int]] | None:
    """The quarter's anggaran.csv as rows with rolled-up amounts, or None when it has none."""
    from lkj.reading import ROW, read_table
    from lkj.validation import SPECS, _convert
    from lkj.workbook import locate

    path, sheet = locate(raw_dir, "anggaran")
    if path is None:
        return None
    spec = SPECS["anggaran"]
    table = read_table(path, rel(path, root), [c.name for c in spec if c.required],
                       [c.name for c in spec if not c.required], sheet=sheet)
    frame = _convert(table, spec)
    if table.problems:
        raise ValidationError(table.problems)
    frame["kode"] = frame["kode"].map(A.normalise_kode)
    try:
        rolled, _ = A.rollup(frame[[c for c in ("kode", "uraian", "pagu", "realisasi", ROW)]])
        return [(r.kode, r.uraian, int(r.pagu), int(r.realisasi)) for r in rolled.itertuples()]
    except Exception:  # codes the validation would refuse: compare what the file says
        return [(r.kode, r.uraian, int(r.pagu or 0), int(r.realisasi or 0))
                for r in frame.itertuples()]


def _quarter_style(root: Path, rid) -> int | None:
    """The suffix width the quarter (or an earlier one, or its kode_anggaran) already uses."""
    from dataclasses import replace

    from lkj.reading import normalise_header, read_table
    from lkj.workbook import locate

    for tw in range(rid.tw, 0, -1):
        folder = replace(rid, tw=tw).raw_dir(root)
        for name, column in (("anggaran", "kode"), ("perjanjian_kinerja", "kode_anggaran")):
            path, sheet = locate(folder, name)
            if path is None:
                continue
            t = read_table(path, name, [], [column], sheet=sheet, rename=normalise_header)
            codes = [A.normalise_kode(k) for cell in t.frame.get(column, [])
                     for k in re.split(r"[,;\s]+", str(cell)) if k]
            width = style_of(codes)
            if width:
                return width
    return None


def _csv(rows: list[tuple[str, str, int, int]]) -> bytes:
    from lkj.scaffold import _csv_bytes
    return _csv_bytes(["kode", "uraian", "pagu", "realisasi"],
                      [[k, u, _rp(p), _rp(r)] for k, u, p, r in rows])


def impor_anggaran(root: Path, path: Path, kec: str, tahun, tw, unit: str | None = None,
                   sub_unit: str = "", now: dt.datetime | None = None) -> Hasil:
    from lkj import kabupaten
    from lkj.desa import akhir_triwulan
    from lkj.formatting import tanggal, triwulan
    from lkj.params import ReportId, _name, parse_tahun, parse_tw
    from lkj.scaffold import _csv_bytes, _write_new

    root = Path(root)
    rid = ReportId(_name(kec, "KEC", "KEC=candipuro"), parse_tahun(tahun), parse_tw(tw),
                   _name(unit or "camat", "UNIT", "UNIT=camat"))
    path = Path(path)
    label = rel(path, root)
    if not rid.kec_dir(root).is_dir():
        raise LkjError(f"Folder data/raw/{rid.kec}/ belum ada. Perbaikan: siapkan dulu dengan "
                       f"make init KEC={rid.kec} TAHUN={rid.tahun} TW={rid.tw}.")
    nama = kabupaten.profil(root, rid.kec).get("nama_kecamatan") or kabupaten.nama(rid.kec)
    rows, chosen, stated, read, table, pagu_col = read_export(path, label, nama, sub_unit)
    end = akhir_triwulan(rid.tahun, rid.tw)
    warnings = []
    others = sorted({d for d, _ in stated if d != end})
    if others:
        d, row = next((d, r) for d, r in stated if d != end)
        raise ValidationError([Problem(
            label, f"berkas berisi realisasi s.d. {tanggal(d)}, bukan akhir {triwulan(rid.tw)} "
            f"{rid.tahun} ({tanggal(end)})", row if row and row > 0 else None, None,
            d.isoformat(), f"ekspor ulang dari SIPD/SIMDA dengan periode s.d. {tanggal(end)}, "
            f"atau impor ke triwulan yang sesuai")])
    if not stated:
        warnings.append(f"{label}: berkas tidak menyebut tanggal data (s.d. tanggal berapa); "
                        f"pastikan realisasinya s.d. {tanggal(end)} (akhir {triwulan(rid.tw)})")
    width = _quarter_style(root, rid) or style_of([b.kode for b in rows]) or 2
    result, problems = build(rows, label, width)
    if problems:
        raise ValidationError(problems)
    if not result:
        raise ValidationError([Problem(label, "berkas tidak berisi baris anggaran",
                                       table.header_row + 1, None, None,
                                       "ekspor realisasi per sub kegiatan (dengan kode dan angka)")])
    total = [r for r in result if A.parent(r[0]) is None]
    pagu, real = sum(r[2] for r in total), sum(r[3] for r in total)
    raw_dir = rid.raw_dir(root)
    data = _csv(result)
    existing = _existing(raw_dir, root)
    changes = diff(existing, result) if existing is not None else []
    target = raw_dir / (RESULT if existing is None else ALTERNATE)
    diff_path = None
    lines = []
    if existing is not None and not changes:
        target = raw_dir / RESULT   # the same budget: only its provenance is new
        data = (raw_dir / RESULT).read_bytes() if (raw_dir / RESULT).is_file() else data
        lines.append(f"anggaran.csv {rel(raw_dir, root)}/ sudah sama dengan ekspor (kode, uraian, "
                     "pagu, realisasi); tidak ada yang diubah.")
    elif not _write_new(target, data):
        raise LkjError(f"{rel(target, root)} sudah ada (dari impor sebelumnya) dan tidak ditimpa. "
                       "Perbaikan: periksa lalu hapus atau ganti namanya, kemudian impor lagi.")
    if changes:
        diff_path = target.with_suffix(".diff.txt")
        diff_text = ("Perbedaan anggaran.csv (sekarang) dengan hasil impor "
                     f"{target.name}, per kode (+ baru, - hilang, ~ berubah):\n"
                     + "\n".join(changes) + "\n\nBila hasil impor yang benar: ganti anggaran.csv "
                     f"dengan {target.name} (berkas {target.stem}.sumber.csv ikut berlaku).\n")
        _write_new(diff_path, diff_text.encode("utf-8"))
    when = (now or dt.datetime.now()).replace(microsecond=0)
    sumber = target.with_name(f"{target.stem}.sumber.csv")
    record = [("berkas", path.name), ("sha256", table.sha256),
              ("tanggal_data", stated[0][0].isoformat() if stated else ""),
              ("sub_unit", chosen), ("kolom_pagu", table.headers.get(pagu_col, pagu_col)),
              ("baris", str(read)), ("diimpor", when.isoformat()),
              ("hasil", target.name), ("sha256_hasil", hashlib.sha256(data).hexdigest())]
    if not _write_new(sumber, _csv_bytes(["kunci", "nilai"], record)):
        warnings.append(f"{rel(sumber, root)} sudah ada dan tidak ditimpa; jejak impor ini tidak "
                        "dicatat")
    return Hasil(target, sumber, diff_path, changes, pagu, real, len(result),
                 stated[0][0] if stated else None, chosen, warnings, lines)


def describe(h: Hasil, root: Path) -> str:
    from lkj.formatting import tanggal

    lines = list(h.lines)
    if not lines:
        lines.append(f"Ditulis: {rel(h.written, root)} ({h.rows} baris program/kegiatan/sub "
                     f"kegiatan; pagu Rp{_rp(h.pagu)}, realisasi Rp{_rp(h.realisasi)}).")
    lines.append(f"Jejak impor: {rel(h.sumber, root)}"
                 + (f" (data s.d. {tanggal(h.tanggal)}" if h.tanggal else " (tanggal data tidak "
                    "disebut") + (f"; sub unit {h.sub_unit})" if h.sub_unit else ")"))
    if h.changes:
        lines.append(f"anggaran.csv sudah ada dan tidak diubah. Perbedaannya ({len(h.changes)} "
                     f"kode), juga di {rel(h.diff, root)}:")
        lines += [f"  {c}" for c in h.changes[:40]]
        if len(h.changes) > 40:
            lines.append(f"  … dan {len(h.changes) - 40} lagi (lihat berkasnya)")
        lines.append(f"Bila hasil impor yang benar: ganti anggaran.csv dengan {h.written.name}.")
    lines += [f"Peringatan: {w}" for w in h.warnings]
    return "\n".join(lines)
