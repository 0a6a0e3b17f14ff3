"""Each kabupaten's rules (``data/kabupaten/<nama>.yml``), its kecamatan, and the data folders.

One YAML file per kabupaten holds what differs between kabupaten: name and Kemendagri code, the
regulation and rule of the report deadline (N working days after the quarter), the holiday
list, the rating scale (labels and lower bounds), the lower-is-better formula, the default
chapter layout and the logo (docs/data.md bagian 9). One file each, not one file for all, so a
kabupaten's office edits and ships its own file, and a report depends on its own kabupaten's
rules only. ``lumajang.yml`` is marked ``bawaan: true``: the rules a kecamatan gets whose
kabupaten has no file yet (with a warning) and the kabupaten that kabupaten-level commands
serve when none is named.

Which kabupaten a kecamatan folder belongs to comes from its profil.csv: the first two parts of
``kode_wilayah`` (35.08.03 → 35.08), else the ``kabupaten`` name. The kecamatan of a kabupaten
come from the Kemendagri dataset (:mod:`lkj.wilayah`), or from the file's own ``kecamatan`` list
for a kabupaten the dataset does not have (the synthetic one).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from lkj import kinerja
from lkj.errors import LkjError, Problem

CONFIG_DIR = Path("data") / "kabupaten"
MAX_CONFIG_BYTES = 64 << 10
_SOURCE_TREE = Path(__file__).resolve().parent.parent  # the checkout lkj is installed from
SYNTH_MARKER = "SINTETIS.txt"  # written by `lkj synth` into every kecamatan folder it creates
SYNTH_LABEL = "data contoh/sintetis"
SUSUNAN_BAB = ("permenpan", "triwulanan")
_KODE_KAB = re.compile(r"^\d{2}\.\d{2}$")
_KODE_KEC = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
_KEYS = {"kode", "nama", "provinsi", "bawaan", "sintetis", "batas_waktu", "libur", "skala",
         "skala_dasar", "rumus_turun", "susunan_bab", "logo", "kecamatan"}


@dataclass(frozen=True)
class Kecamatan:
    slug: str   # folder name under data/raw/
    nama: str
    kode: str   # Kemendagri code, e.g. 35.08.03


@dataclass(frozen=True)
class Aturan:
    """The rules of one kabupaten, as its file states them."""
    slug: str                 # file name without .yml: lumajang
    kode: str                 # 35.08
    nama: str                 # Lumajang (as profil.csv and the cover write it)
    provinsi: str
    hari_kerja: int           # the report is due this many working days after the quarter
    dasar: str                # the regulation that says so
    libur: str                # holiday list, from the project folder (tanggal;jenis;…;dasar)
    skala: tuple[kinerja.Band, ...]
    rumus_turun: str          # kinerja.RUMUS_2T or kinerja.RUMUS_TR
    susunan_bab: str          # "permenpan" | "triwulanan" (the chapter layouts read it)
    logo: Path | None
    path: Path
    sha256: str
    bawaan: bool = False
    sintetis: bool = False
    daftar_kecamatan: tuple[tuple[str, str], ...] = ()   # (kode, nama) when given in the file
    skala_dasar: str = ""     # the regulation the scale comes from; printed with it
    _kecamatan: list = field(default_factory=list, compare=False, repr=False)

    @property
    def label(self) -> str:
        from lkj.wilayah import kabupaten_label
        return kabupaten_label(self.nama)

    @property
    def aturan_batas(self) -> str:
        """"5 hari kerja setelah akhir triwulan (Perbup Lumajang 6/2018)"."""
        return f"{self.hari_kerja} hari kerja setelah akhir triwulan ({self.dasar})"

    def kecamatan(self) -> list[Kecamatan]:
        """Every kecamatan of the kabupaten, in code order."""
        if not self._kecamatan:
            if self.daftar_kecamatan:
                found = [Kecamatan(slug(n), n, k) for k, n in self.daftar_kecamatan]
            else:
                from lkj import wilayah
                found = [Kecamatan(slug(k.nama), k.nama, k.kode)
                         for k in wilayah.kecamatan_of(self.kode)]
            self._kecamatan.extend(found)
        return list(self._kecamatan)

    def meta(self) -> dict:
        """What a report records of the rules it was computed with (ringkasan.json)."""
        return {"slug": self.slug, "kode": self.kode, "nama": self.nama,
                "hari_kerja": self.hari_kerja, "dasar": self.dasar,
                "batas_waktu": self.aturan_batas, "libur": self.libur,
                "skala": [[b.label, _num(b.lower), _num(b.upper)] for b in self.skala],
                "skala_dasar": self.skala_dasar,
                "rumus_turun": self.rumus_turun, "susunan_bab": self.susunan_bab,
                "sintetis": self.sintetis, "berkas": self.path.name, "sha256": self.sha256}


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def skala_of(meta: dict | None) -> tuple[kinerja.Band, ...]:
    """The rating scale a processed report recorded (``meta["aturan"]``); older processed
    folders, computed before the scale was configurable, used Lumajang's."""
    rows = (meta or {}).get("aturan", {}) or {}
    if not rows.get("skala"):
        return kinerja.SKALA
    return tuple(kinerja.Band(label, None if lo is None else Decimal(lo),
                              None if hi is None else Decimal(hi))
                 for label, lo, hi in rows["skala"])


def slug(nama: str) -> str:
    """"Candipuro" → candipuro, "Kota Kulon" → kota-kulon: a kecamatan's folder name."""
    return re.sub(r"[^a-z0-9]+", "-", nama.lower()).strip("-")[:64]


# ---- reading the files ------------------------------------------------------------------------

def config_dir(root: Path | None = None) -> Path:
    """data/kabupaten/ of the project; a copy of the project without it uses the source tree's."""
    for base in (root, _SOURCE_TREE):
        if base is not None and (Path(base) / CONFIG_DIR).is_dir():
            return Path(base) / CONFIG_DIR
    raise LkjError(f"Folder aturan kabupaten {CONFIG_DIR}/ tidak ditemukan.")


class BadRules(LkjError):
    """A rules file that cannot be used; ``problem`` names its file, line, key, value and fix."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def _line(text: str, key: str) -> int | None:
    for n, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*-?\s*{re.escape(key)}\s*:", line):
            return n
    return None


def _parse(path: Path, root: Path) -> Aturan:
    import yaml

    from lkj.reading import UnreadableFile, read_input

    where = _rel(path, root)
    try:
        raw = read_input(path, MAX_CONFIG_BYTES)
        text = raw.decode("utf-8-sig")
        data = yaml.safe_load(text)
    except UnreadableFile as exc:
        raise BadRules(Problem(where, str(exc), hint=exc.hint)) from None
    except UnicodeDecodeError:
        raise BadRules(Problem(where, "berkas aturan bukan teks UTF-8",
                               hint="simpan ulang sebagai UTF-8")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise BadRules(Problem(where, "bukan YAML yang sah", mark.line + 1 if mark else None,
                               hint="periksa titik dua, tanda petik dan indentasi (spasi, bukan "
                               "tab); contoh: data/kabupaten/lumajang.yml")) from None

    def bad(key: str, value, message: str, fix: str, item: int | None = None):
        line = _line(text, key.split(".")[-1])
        if line is not None and item is not None:  # the item's own line: its "- " under the key
            items = [n for n, l in enumerate(text.splitlines(), 1)
                     if n > line and re.match(r"\s*-\s", l)]
            line = items[item] if item < len(items) else line
        raise BadRules(Problem(where, f"kunci '{key}': {message}", line, None,
                               "" if value is None else str(value), fix))

    if not isinstance(data, dict):
        bad("kode", data, "berkas aturan harus berisi daftar kunci: nilai",
            "lihat contoh data/kabupaten/lumajang.yml")
    for k in data:
        if k not in _KEYS:
            bad(str(k), data[k], "kunci tidak dikenal", "kunci yang dikenal: "
                + ", ".join(sorted(_KEYS)))

    def text_of(key: str, required: bool = True) -> str:
        value = data.get(key)
        if value is None or str(value).strip() == "":
            if required:
                bad(key, value, "wajib diisi", f"tulis {key}, lihat docs/data.md bagian 9")
            return ""
        if not isinstance(value, (str, int, float)) or len(str(value)) > 200:
            bad(key, value, "harus teks singkat", "tulis satu baris teks")
        return " ".join(str(value).split())

    kode = text_of("kode")
    if not _KODE_KAB.match(kode):
        bad("kode", kode, "kode kabupaten Kemendagri harus berbentuk NN.NN",
            "tulis kode dengan tanda petik, mis. \"35.08\" untuk Lumajang")
    batas = data.get("batas_waktu")
    if not isinstance(batas, dict):
        bad("batas_waktu", batas, "harus berisi hari_kerja dan dasar",
            "tulis 'batas_waktu:' lalu di bawahnya 'hari_kerja: 5' dan 'dasar: Perbup …'")
    hari = batas.get("hari_kerja")
    if not isinstance(hari, int) or isinstance(hari, bool) or not 1 <= hari <= 60:
        bad("batas_waktu.hari_kerja", hari, "harus bilangan bulat 1–60",
            "tulis jumlah hari kerja sesudah akhir triwulan, mis. 5")
    dasar = " ".join(str(batas.get("dasar") or "").split())
    if not dasar or len(dasar) > 200:
        bad("batas_waktu.dasar", batas.get("dasar"), "wajib diisi (paling panjang 200 huruf)",
            "tulis peraturan yang menetapkan batas waktu, mis. Perbup Lumajang 6/2018")
    skala = _skala(data.get("skala"), bad)
    skala_dasar = text_of("skala_dasar", False)
    rumus = re.sub(r"\s+", "", str(data.get("rumus_turun") or "")).upper()
    rumus = {"(2T-R)/T": kinerja.RUMUS_2T, "T/R": kinerja.RUMUS_TR}.get(rumus)
    if rumus is None:
        bad("rumus_turun", data.get("rumus_turun"), "rumus capaian indikator makin rendah makin "
            "baik tidak dikenal", "tulis \"(2T - R) / T\" atau \"T / R\"")
    susunan = text_of("susunan_bab")
    if susunan not in SUSUNAN_BAB:
        bad("susunan_bab", susunan, "susunan bab tidak dikenal", "pilih: "
            + ", ".join(SUSUNAN_BAB))
    base = path.parent
    libur = text_of("libur", False) or "data/libur_nasional.csv"
    if not re.fullmatch(r"data/[A-Za-z0-9_./-]+\.csv", libur) or ".." in libur:
        bad("libur", libur, "daftar hari libur harus berkas CSV di folder data/",
            "tulis jalurnya dari folder proyek, mis. data/libur_nasional.csv")
    logo = _inside(base, text_of("logo", False), "logo", bad, root) \
        if text_of("logo", False) else None
    if logo is not None and not logo.read_bytes()[:8].startswith((b"\x89PNG\r\n\x1a\n",
                                                                 b"\xff\xd8\xff")):
        bad("logo", logo.name, "berkas logo bukan PNG/JPG", "simpan logo sebagai PNG atau JPG")
    daftar = []
    for item in data.get("kecamatan") or []:
        if not (isinstance(item, dict) and _KODE_KEC.match(str(item.get("kode", "")))
                and str(item.get("kode")).startswith(kode + ".") and item.get("nama")):
            bad("kecamatan", item, "setiap kecamatan perlu kode (NN.NN.NN, di bawah kode "
                "kabupaten) dan nama", f"tulis mis. '- {{kode: \"{kode}.01\", nama: …}}'")
        daftar.append((str(item["kode"]), " ".join(str(item["nama"]).split())))
    for flag in ("bawaan", "sintetis"):
        if not isinstance(data.get(flag, False), bool):
            bad(flag, data.get(flag), "harus true atau false", f"tulis '{flag}: true' atau hapus")
    nama = text_of("nama")
    if data.get("sintetis") and SYNTH_LABEL not in nama:
        bad("nama", nama, f"kabupaten sintetis harus berlabel '{SYNTH_LABEL}' pada namanya",
            f"tulis mis. 'Contoh ({SYNTH_LABEL})'")
    return Aturan(path.stem, kode, nama, text_of("provinsi", False), hari, dasar, libur, skala,
                  rumus, susunan, logo, path, hashlib.sha256(raw).hexdigest(),
                  bool(data.get("bawaan")), bool(data.get("sintetis")), tuple(daftar), skala_dasar)


def _inside(base: Path, name: str, key: str, bad, root: Path) -> Path:
    """A file the rules name, which must be a plain file inside ``base`` (no path leaves it)."""
    path = (base / name).resolve()
    if base.resolve() not in path.parents or not path.is_file() or (base / name).is_symlink():
        bad(key, name, f"berkas tidak ada di folder {_rel(base, root)}/",
            f"simpan berkasnya di {_rel(base, root)}/ dan tulis jalurnya dari folder itu")
    return path


def _skala(items, bad) -> tuple[kinerja.Band, ...]:
    """The bands of a ``skala`` list, each closed below and open above (as kinerja.SKALA)."""
    from lkj.reading import NumberFormatError, parse_number

    fix = ("tulis 2–7 kategori dari yang tertinggi, masing-masing '- label: …' dan 'dari: "
           "<batas bawah %>', kecuali yang terendah (tanpa 'dari')")
    if not isinstance(items, list) or not 2 <= len(items) <= 7:
        bad("skala", items, "skala kategori capaian tidak lengkap", fix)
    bands, upper = [], None
    for i, item in enumerate(items):
        last = i == len(items) - 1
        if not isinstance(item, dict) or not str(item.get("label") or "").strip() \
                or set(item) - {"label", "dari"}:
            bad("skala", item, "setiap kategori perlu 'label' (dan 'dari')", fix, i)
        label = " ".join(str(item["label"]).split())
        try:
            lower = None if item.get("dari") is None else parse_number(str(item["dari"]))
        except NumberFormatError:
            lower = Decimal(-1)
        if last != (lower is None) or (lower is not None and (
                lower < 0 or (upper is not None and lower >= upper))):
            bad("skala", item, "batas bawah harus angka yang makin kecil dari kategori ke "
                "kategori, dan kategori terendah tanpa batas bawah", fix, i)
        if label in {b.label for b in bands} or label == "Tidak dapat dinilai":
            bad("skala", label, "label kategori ganda atau dipakai lkj", "beri label lain", i)
        bands.append(kinerja.Band(label, lower, upper))
        upper = lower
    return tuple(bands)


def _rel(path: Path, root: Path | None) -> str:
    for base in (root, _SOURCE_TREE):
        try:
            return str(Path(path).relative_to(base))
        except (ValueError, TypeError):
            continue
    return str(path)


@lru_cache(maxsize=8)
def _load_dir(folder: str, stamp: tuple, root: str) -> dict[str, Aturan]:
    out: dict[str, Aturan] = {}
    for path in sorted(Path(folder).glob("*.yml")):
        rules = _parse(path, Path(root))
        twin = next((a for a in out.values() if a.kode == rules.kode), None)
        if twin:
            raise BadRules(Problem(_rel(path, Path(root)), f"kode {rules.kode} sudah dipakai "
                                   f"{twin.path.name}", value=rules.kode,
                                   hint="satu berkas untuk setiap kabupaten"))
        out[rules.slug] = rules
    bawaan = [a for a in out.values() if a.bawaan]
    if len(bawaan) != 1:
        raise BadRules(Problem(f"{_rel(Path(folder), Path(root))}/", "tepat satu berkas aturan "
                               f"harus bertanda 'bawaan: true' (ada {len(bawaan)})",
                               hint="tandai satu berkas, mis. lumajang.yml"))
    return out


def all_rules(root: Path | None = None) -> dict[str, Aturan]:
    """Every kabupaten's rules, by file name (lumajang, contoh, …)."""
    folder = config_dir(root)
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.yml")))
    return _load_dir(str(folder), stamp, str(root or _SOURCE_TREE))


def default(root: Path | None = None) -> Aturan:
    return next(a for a in all_rules(root).values() if a.bawaan)


def find(root: Path | None, text: str) -> Aturan | None:
    """The rules of a kabupaten named by file name, code or name ("lumajang", "35.08")."""
    from lkj.wilayah import key

    wanted = key(text)
    for a in all_rules(root).values():
        if text.strip() in (a.slug, a.kode) or wanted in (key(a.nama), key(a.slug)):
            return a
    return None


def for_profil(root: Path | None, profil: dict) -> tuple[Aturan, str | None]:
    """The rules for a kecamatan with this profil.csv, and why the default was taken (or None):
    by the kabupaten part of kode_wilayah, else by the kabupaten's name."""
    rules = all_rules(root)
    kode = str(profil.get("kode_wilayah") or "").strip()
    by_code = next((a for a in rules.values() if kode.startswith(a.kode + ".")
                    or kode == a.kode), None) if kode else None
    if by_code:
        return by_code, None
    nama = str(profil.get("kabupaten") or "").strip()
    found = find(root, nama) if nama else None
    if found:
        return found, None
    fallback = default(root)
    return fallback, (f"belum ada berkas aturan untuk Kabupaten {nama or kode} di "
                      f"{CONFIG_DIR}/; dipakai aturan bawaan {fallback.label} "
                      f"({fallback.path.name}: batas waktu {fallback.aturan_batas}, skala "
                      f"{fallback.skala[0].label} … {fallback.skala[-1].label})")


def profil(root: Path, kec: str) -> dict[str, str]:
    """profil.csv of a kecamatan folder as {kunci: nilai} (empty when it cannot be read)."""
    from lkj.reading import read_table
    from lkj.workbook import locate

    path, sheet = locate(Path(root) / "data" / "raw" / kec, "profil")
    if path is None:
        return {}
    t = read_table(path, "profil", ["kunci", "nilai"], sheet=sheet)
    return {str(k).strip().lower(): str(v).strip()
            for k, v in zip(t.frame.get("kunci", []), t.frame.get("nilai", []))}


def for_folder(root: Path, kec: str) -> Aturan:
    """The rules of a kecamatan folder's kabupaten (the default when its profil says none)."""
    return for_profil(root, profil(root, kec))[0]


# ---- the default kabupaten, as the names lkj used before there were several ---------------------

def __getattr__(name: str):
    if name in ("KABUPATEN", "PROVINSI", "KODE_KABUPATEN", "KECAMATAN"):
        rules = default()
        return {"KABUPATEN": rules.nama, "PROVINSI": rules.provinsi,
                "KODE_KABUPATEN": rules.kode,
                "KECAMATAN": {k.slug: k for k in rules.kecamatan()}}[name]
    raise AttributeError(name)


def nama(slug_: str, rules: Aturan | None = None) -> str:
    k = next((k for k in (rules or default()).kecamatan() if k.slug == slug_), None)
    return k.nama if k else slug_.replace("-", " ").replace("_", " ").title()


def is_synthetic(root: Path, kec: str) -> bool:
    return (Path(root) / "data" / "raw" / kec / SYNTH_MARKER).is_file()
