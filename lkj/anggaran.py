"""Budget (anggaran): codes, roll-up of sub kegiatan → kegiatan → program → total, sisa and
persentase. Money is integer sen throughout, so every sum is exact.

Codes follow the Kepmendagri 050-5889/2021 nomenclature as SIPD exports it: program 7.01.01,
kegiatan 7.01.01.2.01, sub kegiatan 7.01.01.2.01.01 (newer exports: 7.01.01.2.01.0001).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd

LEVELS = {3: "program", 5: "kegiatan", 6: "sub_kegiatan"}
LEVEL_LABEL = {"program": "Program", "kegiatan": "Kegiatan", "sub_kegiatan": "Sub Kegiatan"}
_SEGMENT = re.compile(r"^\d+$")


def normalise_kode(kode: object) -> str:
    """Repair codes split by PDF/Excel copying ("7.01.03.2 .06.01" → "7.01.03.2.06.01")."""
    return re.sub(r"\s+", "", str(kode)).strip(".")


def kode_problem(kode: str) -> str | None:
    """Why a (normalised) code is not a program/kegiatan/sub kegiatan code, or None if it is."""
    parts = kode.split(".")
    if not kode or not all(_SEGMENT.match(p) for p in parts):
        return "kode harus berupa angka yang dipisah titik, mis. 7.01.01.2.01.01"
    if len(parts) not in LEVELS:
        return ("kode harus bertingkat program (3 bagian, 7.01.01), kegiatan (5 bagian, "
                "7.01.01.2.01) atau sub kegiatan (6 bagian, 7.01.01.2.01.01 atau 7.01.01.2.01.0001)")
    if len(parts) >= 4 and parts[3] != "2":
        return "bagian keempat kode kegiatan/sub kegiatan menurut nomenklatur adalah 2"
    return None


def level(kode: str) -> str:
    return LEVELS[len(kode.split("."))]


def parent(kode: str) -> str | None:
    parts = kode.split(".")
    if len(parts) == 6:
        return ".".join(parts[:5])
    if len(parts) == 5:
        return ".".join(parts[:3])
    return None


def sort_key(kode: str) -> tuple[int, ...]:
    # Numeric, so "0001" and "01" sort alike and 7.01.01.2.10 comes after 7.01.01.2.09.
    return tuple(int(p) for p in kode.split("."))


def persen(realisasi: int, pagu: int) -> Fraction | None:
    return None if pagu == 0 else Fraction(realisasi, pagu) * 100


@dataclass
class Node:
    kode: str
    uraian: str
    pagu: int | None          # as given in the input (None = not given)
    realisasi: int | None
    baris: int | None         # source row
    children: list["Node"] = field(default_factory=list)


def _amount(value) -> int | None:
    if value is None or value != value:  # None or NaN: not given
        return None
    return int(value)


@dataclass(frozen=True)
class Mismatch:
    """A parent row whose given amount is not the sum of its children."""
    kode: str
    kolom: str
    baris: int | None
    diberikan: int
    jumlah_anak: int


def rollup(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[Mismatch]]:
    """Roll budget rows up by code prefix.

    ``rows`` has columns kode (normalised, unique, well formed, every parent present), uraian,
    pagu and realisasi (int sen or None), baris. A row with children takes the sum of its
    children (the source rows are the leaves); a parent amount given in the input is checked, not
    used. Returns the table in code order with level, pagu, realisasi, sisa, persen, and the source
    rows behind each figure — plus every parent that disagrees with its children.
    """
    nodes = {r.kode: Node(r.kode, r.uraian, _amount(r.pagu), _amount(r.realisasi), int(r.baris))
             for r in rows.itertuples(index=False)}
    roots: list[Node] = []
    for node in sorted(nodes.values(), key=lambda n: sort_key(n.kode)):
        p = parent(node.kode)
        (nodes[p].children if p in nodes else roots).append(node)

    out: list[dict] = []
    mismatches: list[Mismatch] = []

    def visit(node: Node) -> tuple[int, int, list[int]]:
        record = {"kode": node.kode, "uraian": node.uraian, "level": level(node.kode)}
        out.append(record)
        if node.children:
            sums = [visit(c) for c in node.children]
            pagu = sum(s[0] for s in sums)
            real = sum(s[1] for s in sums)
            sources = [b for s in sums for b in s[2]]
            for kolom, given, total in (("pagu", node.pagu, pagu), ("realisasi", node.realisasi, real)):
                if given is not None and given != total:
                    mismatches.append(Mismatch(node.kode, kolom, node.baris, given, total))
        else:
            pagu, real = node.pagu or 0, node.realisasi or 0
            sources = [node.baris] if node.baris is not None else []
        record.update(pagu=pagu, realisasi=real, sisa=pagu - real, persen=persen(real, pagu),
                      sumber_baris=sources)
        return pagu, real, sources

    for root in roots:
        visit(root)
    table = pd.DataFrame(out, columns=["kode", "uraian", "level", "pagu", "realisasi", "sisa",
                                       "persen", "sumber_baris"])
    for col in ("pagu", "realisasi", "sisa"):
        table[col] = table[col].astype("int64")
    return table, mismatches


@dataclass(frozen=True)
class Total:
    pagu: int
    realisasi: int

    @property
    def sisa(self) -> int:
        return self.pagu - self.realisasi

    @property
    def persen(self) -> Fraction | None:
        return persen(self.realisasi, self.pagu)


def total(table: pd.DataFrame) -> Total:
    """Grand total over the top-level rows (programs) — each rupiah counted once."""
    codes = set(table["kode"])
    top = table[table["kode"].map(lambda k: parent(k) is None or parent(k) not in codes)]
    return Total(int(top["pagu"].sum()), int(top["realisasi"].sum()))


def programs(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["level"] == "program"].reset_index(drop=True)
