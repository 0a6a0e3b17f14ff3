"""Starting a quarter: ``lkj init`` (CSV files) and ``lkj template`` (one XLSX workbook).

What a new quarter folder gets:

* carried forward from the latest earlier quarter of the same year and unit (the plan of the year
  does not change within the year): perjanjian kinerja, pejabat, pegawai, riwayat, the cumulative
  kegiatan and dokumen_desa lists, the budget with its pagu (realisasi emptied: it must be
  entered for the new quarter), realisasi rows with their numbers emptied, and the narrative
  sections that do not depend on the quarter (latar belakang, maksud dan tujuan, …);
* for a new year or a new kecamatan: templates — headers and one example row marked "CONTOH";
  a new kecamatan, named by its name or Kemendagri code anywhere in Indonesia, gets profil.csv
  and desa.csv from the Kemendagri dataset (:mod:`lkj.wilayah`); a name that several kabupaten
  share is refused with the candidates;
* always new: ``laporan.csv`` with the year and quarter filled in and the signing date empty,
  and a placeholder paragraph (marked ``[BELUM DIISI]``) for every narrative that must be
  written for this quarter.

Existing files are never overwritten. Everything derives from the column specification in
:mod:`lkj.validation`, so a new column or table there shows up here without changes.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from lkj import kabupaten, layout, wilayah, workbook
from lkj.errors import LkjError, rel
from lkj.params import ReportId, _name, parse_tahun, parse_tw

BELUM_DIISI = "[BELUM DIISI]"

# Narrative sections whose text does not change from quarter to quarter within a year.
NARASI_TETAP = ("latar_belakang", "maksud_tujuan", "gambaran_umum", "visi_misi",
                "permasalahan_utama")
NARASI_JUDUL = {
    "kata_pengantar": ("Kata Pengantar", "pengantar laporan periode ini"),
    "latar_belakang": ("Bab I.A Latar Belakang", "dasar hukum dan alasan penyusunan laporan"),
    "maksud_tujuan": ("Bab I.B Maksud dan Tujuan", "maksud dan tujuan penyusunan laporan"),
    "gambaran_umum": ("Bab I.C Gambaran Umum Organisasi",
                      "tugas, fungsi dan susunan organisasi (jumlah desa dan pegawai ditulis "
                      "otomatis dari desa.csv dan pegawai.csv)"),
    "permasalahan_utama": ("Bab I.D Permasalahan Utama", "masalah pokok organisasi"),
    "visi_misi": ("Bab II.A Visi, Misi, Tujuan dan Sasaran", "visi, misi, tujuan dan sasaran"),
    "analisis_penyebab": ("Bab III.A.4 Analisis Penyebab",
                          "penyebab keberhasilan/kegagalan dan solusi yang ditempuh"),
    "efisiensi": ("Bab III.A.5 Analisis Efisiensi", "efisiensi penggunaan sumber daya"),
    "program_pendukung": ("Bab III.A.6 Program Pendukung",
                          "program/kegiatan yang menunjang atau menghambat pencapaian"),
    "strategi": ("Strategi", "strategi yang digunakan untuk setiap indikator"),
    "hambatan": ("Hambatan", "hambatan dalam pencapaian kinerja"),
    "rencana_tindak_lanjut": ("Rencana Tindak Lanjut", "rencana tindak lanjut triwulan berikutnya"),
    "penutup": ("Bab IV Penutup", "kesimpulan umum dan langkah ke depan"),
}

# Tables copied unchanged from the previous quarter (the year's plan, people, cumulative lists).
CARRY = ("perjanjian_kinerja", "pejabat", "pegawai", "kegiatan", "dokumen_desa", "riwayat")
# Tables a template folder gets (the required ones, and realisasi for the example indicator).
TEMPLATE_TABLES = ("pejabat", "perjanjian_kinerja", "realisasi", "anggaran")


def _examples(rid: ReportId, nama: str) -> dict[str, dict[str, str]]:
    """One example row per table, marked CONTOH where the text would otherwise look real."""
    jabatan = f"CAMAT {nama.upper()}" if rid.unit == "camat" else "CONTOH: KASI …"
    return {
        "desa": {"no": "1", "nama_desa": "CONTOH Nama Desa"},
        "pejabat": {"peran": "penandatangan", "jabatan": jabatan,
                    "nama": "CONTOH: NAMA LENGKAP DAN GELAR", "nip": "19700101 199503 1 001"},
        "pegawai": {"status": "PNS", "jumlah": "0"},
        "perjanjian_kinerja": {
            "no": "1", "sasaran": "CONTOH: Meningkatnya kualitas pelayanan publik kecamatan",
            "indikator_id": "IK-01",
            "indikator": "CONTOH: Persentase pengaduan masyarakat yang selesai ditangani",
            "satuan": "%", "polaritas": "naik", "target": "90,00", "target_renstra": "90,00",
            "cara_hitung": "komponen", "label_pembilang": "pengaduan yang selesai ditangani",
            "label_penyebut": "pengaduan yang masuk",
            "definisi": "CONTOH: jumlah pengaduan yang selesai ditangani dibandingkan jumlah "
                        "pengaduan yang masuk"},
        "realisasi": {"indikator_id": "IK-01", "pembilang": "45", "penyebut": "60",
                      "keterangan": "CONTOH: 45 dari 60 pengaduan selesai ditangani"},
        "anggaran": {"kode": "7.01.01",
                     "uraian": "CONTOH: PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH "
                               "KABUPATEN/KOTA", "pagu": "1.000.000", "realisasi": ""},
    }


@dataclass
class Berkas:
    """One file (or workbook sheet) to create."""
    name: str                      # table name, or "narasi/<key>.md"
    folder: Path                   # where the file goes
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    text: str | None = None        # narrative text (Markdown) instead of a table
    copy_from: Path | None = None  # a CSV copied byte for byte
    asal: str = ""                 # where the content comes from, for the printout
    isian: list[str] = field(default_factory=list)  # what the analyst must do
    sheet_folder: Path | None = None  # kecamatan tables may also be a sheet of this quarter's workbook

    @property
    def filename(self) -> str:
        return self.name if self.text is not None else f"{self.name}.csv"


@dataclass
class Rencana:
    rid: ReportId
    prev: ReportId | None
    items: list[Berkas]
    optional_missing: list[str]
    wilayah: wilayah.Kecamatan | None = None


def _configured(root: Path) -> list[wilayah.Kecamatan]:
    """Kecamatan that a rules file lists itself (a kabupaten the dataset does not have)."""
    return [wilayah.Kecamatan(kode, nama, a.kode, a.nama, a.provinsi)
            for a in kabupaten.all_rules(root).values() for kode, nama in a.daftar_kecamatan]


def _region_of_folder(root: Path, kec: str) -> wilayah.Kecamatan | None:
    kode = kabupaten.profil(root, kec).get("kode_wilayah", "")
    return next((k for k in _configured(root) if k.kode == kode), None) or (
        wilayah.kecamatan(kode) if wilayah.is_code(kode) and kode.count(".") == 2 else None)


def locate_kecamatan(root: Path, kec: str, kab: str = "") -> tuple[str, wilayah.Kecamatan | None]:
    """(folder name, region) of the kecamatan a user names: an existing folder under data/raw/
    (its profil.csv says which region it is), a Kemendagri code (35.09.01) or a name
    (Candipuro). A name that kecamatan of several kabupaten share needs ``kab`` (name or code
    of the kabupaten) or the code; the message lists the candidates."""
    text = (kec or "").strip()
    folders = set(layout.kec_folders(root))
    if text.lower() in folders and not kab:
        return text.lower(), _region_of_folder(root, text.lower())
    if wilayah.is_code(text) and text.count(".") == 2:
        region = next((k for k in _configured(root) if k.kode == text), None) \
            or wilayah.kecamatan(text)
        if region is None:
            raise LkjError(f"Kode kecamatan {text} tidak ada di data wilayah Kemendagri. "
                           "Perbaikan: periksa kodenya (provinsi.kabupaten.kecamatan, mis. "
                           "35.08.03 untuk Candipuro, Kabupaten Lumajang).")
        candidates = [region]
    else:
        candidates = [k for k in _configured(root) if wilayah.key(k.nama) == wilayah.key(text)]
        candidates += wilayah.find_kecamatan(text)
        if kab:
            wanted = kabupaten.find(root, kab)
            kab_codes = {c for c, _, _ in wilayah.find_kabupaten(kab)} | (
                {wanted.kode} if wanted else set()) | ({kab.strip()} if wilayah.is_code(kab) else set())
            candidates = [k for k in candidates if k.kode_kabupaten in kab_codes]
        if not candidates:
            where = f" di Kabupaten/Kota {kab}" if kab else ""
            raise LkjError(f"Kecamatan {text!r}{where} tidak ditemukan di data wilayah "
                           "Kemendagri. Perbaikan: periksa ejaannya (mis. KEC=candipuro), atau "
                           "sebut kode kecamatannya, mis. KEC=35.08.03.")
        if len(candidates) > 1:
            lines = "\n".join(f"  - {k.lengkap}: make init KEC={k.kode} …  atau  KEC={text} "
                               f"KAB={kabupaten.slug(k.kabupaten)}" for k in candidates)
            raise LkjError(f"Kecamatan {text!r} ada di {len(candidates)} kabupaten/kota:\n{lines}"
                           "\nPerbaikan: pilih salah satu dengan kode kecamatannya (KEC=…) atau "
                           "dengan kabupatennya (KAB=…).")
    region = candidates[0]
    name = kabupaten.slug(region.nama)
    for folder in (name, f"{name}-{kabupaten.slug(region.kabupaten)}"):
        theirs = _region_of_folder(root, folder) if folder in folders else None
        if folder not in folders or theirs is None or theirs.kode == region.kode:
            return folder, region
    raise LkjError(f"Folder data/raw/{name}/ dan data/raw/{folder}/ sudah dipakai kecamatan lain. "
                   "Perbaikan: periksa kode_wilayah di profil.csv kedua folder itu.")


def _previous(root: Path, rid: ReportId) -> ReportId | None:
    """Latest earlier quarter of the same year and unit that has a folder."""
    for tw in range(rid.tw - 1, 0, -1):
        prev = ReportId(rid.kec, rid.tahun, tw, rid.unit)
        if prev.raw_dir(root).is_dir():
            return prev
    return None


def _table(path: Path, sheet: str | None, name: str) -> tuple[list[str], list[list[str]]]:
    """A table of the previous quarter as text cells, in specification order."""
    from lkj.reading import read_table
    from lkj.validation import KEY_VALUES, SPECS

    if name in KEY_VALUES:
        columns = ["kunci", "nilai"]
        table = read_table(path, name, columns, sheet=sheet)
    else:
        spec = SPECS[name]
        columns = [c.name for c in spec]
        table = read_table(path, name, [c.name for c in spec if c.required],
                           [c.name for c in spec if not c.required], sheet=sheet)
    if any(p.row is None or p.row == 1 for p in table.problems):
        raise LkjError(f"{rel(path)}{'/' + sheet if sheet else ''} tidak dapat dibaca untuk "
                       f"disalin: {table.problems[0]}")
    rows = [[_text(r.get(c, "")) for c in columns] for r in table.frame.to_dict("records")]
    return columns, rows


def _narasi_text(path: Path) -> str | None:
    """The previous quarter's narasi to carry, or None. Read as validation reads it: never
    through a symlink (a copy would turn the link's target, wherever it is, into a plain file
    of data/raw) and never beyond the narasi size limit."""
    from lkj.reading import UnreadableFile, read_input
    from lkj.validation import MAX_NARASI_BYTES

    try:
        return read_input(path, MAX_NARASI_BYTES).decode("utf-8-sig")
    except (UnreadableFile, UnicodeDecodeError):
        return None


def _text(value) -> str:
    import datetime as dt
    from decimal import Decimal

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        d = Decimal(repr(value))
        return format(d.normalize(), "f").replace(".", ",") if d != d.to_integral_value() \
            else str(int(d))
    return str(value).strip()


def _narasi_placeholder(key: str, rid: ReportId) -> str:
    from lkj.formatting import triwulan

    judul, isi = NARASI_JUDUL.get(key, (key.replace("_", " ").capitalize(), "uraian bagian ini"))
    return (f"**{BELUM_DIISI}** {judul}: tulis {isi} untuk {triwulan(rid.tw)} Tahun {rid.tahun}. "
            "Ganti seluruh paragraf ini; sampai diganti, teks ini tercetak di laporan apa "
            "adanya.\n")


def plan(root: Path, rid: ReportId, region: wilayah.Kecamatan | None = None) -> Rencana:
    """Everything a new quarter folder (and a new kecamatan folder) should get; ``region``: the
    kecamatan in the Kemendagri dataset, whose names and desa fill profil.csv and desa.csv."""
    from lkj.validation import KEY_VALUES, NARASI, REQUIRED, SPECS

    root = Path(root)
    prev = _previous(root, rid)
    raw, kec_dir = rid.raw_dir(root), rid.kec_dir(root)
    nama = region.nama if region else kabupaten.nama(rid.kec)
    examples = _examples(rid, nama)
    items: list[Berkas] = []
    ptw = f"TW{prev.tw} {prev.tahun}" if prev else ""

    # kecamatan level: identity and villages, once per kecamatan
    if workbook.locate(kec_dir, "profil")[0] is None and workbook.find_sheet(raw, "profil")[0] is None:
        fallback = kabupaten.default(root)
        rows = [["nama_kecamatan", nama],
                ["kabupaten", region.kabupaten if region else fallback.nama],
                ["provinsi", region.provinsi if region else fallback.provinsi],
                ["kode_wilayah", region.kode if region else ""]]
        items.append(Berkas("profil", kec_dir, ["kunci", "nilai"], rows, sheet_folder=raw,
                            asal="data wilayah Kemendagri" if region else "templat",
                            isian=[] if region else ["profil.csv: isi nama_kecamatan, kabupaten "
                                                     "dan kode_wilayah"]))
    if workbook.locate(kec_dir, "desa")[0] is None and workbook.find_sheet(raw, "desa")[0] is None:
        known = wilayah.desa(region.kode) if region else []
        cols = [c.name for c in SPECS["desa"]]
        if known:
            rows = [[str(i), n, kode] for i, (kode, n) in enumerate(known, 1)]
            items.append(Berkas("desa", kec_dir, cols, rows, sheet_folder=raw,
                                asal=f"data wilayah Kemendagri ({len(known)} desa/kelurahan)"))
        else:
            ex = examples["desa"]
            items.append(Berkas("desa", kec_dir, cols, [[ex.get(c, "") for c in cols]],
                                asal="templat (1 baris contoh)", sheet_folder=raw,
                                isian=["desa.csv: tulis semua desa dalam urutan resmi, satu baris "
                                       "per desa (ganti baris CONTOH)"]))

    # laporan: always new for the quarter
    lap_prev: dict[str, str] = {}
    if prev:
        p, sheet = workbook.locate(prev.raw_dir(root), "laporan")
        if p is not None:
            lap_prev = {k: v for k, v in _table(p, sheet, "laporan")[1]}
    # one Perjanjian Kinerja a year: its date carries over to the next quarter of the year
    pk_date = (lap_prev.get("tanggal_perjanjian") or "") if prev and prev.tahun == rid.tahun else ""
    jabatan = lap_prev.get("nama_jabatan") or ("Camat" if rid.unit == "camat" else "")
    lap_rows = [["tahun", str(rid.tahun)], ["triwulan", str(rid.tw)], ["unit", rid.unit],
                ["nama_jabatan", jabatan], ["tempat", lap_prev.get("tempat") or "Lumajang"],
                ["tanggal", ""], ["tanggal_perjanjian", pk_date]]
    known_keys = {*KEY_VALUES["laporan"][0], *KEY_VALUES["laporan"][1]}
    lap_rows = [r for r in lap_rows if r[0] in known_keys]
    from lkj.formatting import tanggal
    from lkj.holidays import batas_laporan
    profil = kabupaten.profil(root, rid.kec) or (
        {"kode_wilayah": region.kode, "kabupaten": region.kabupaten} if region else {})
    aturan, why = kabupaten.for_profil(root, profil)
    batas = batas_laporan(rid.tahun, rid.tw, root, aturan).tanggal
    todo = [f"laporan.csv: isi tanggal penandatanganan (kunci 'tanggal'); batas waktu laporan "
            f"{tanggal(batas)} ({batas.isoformat()}), {aturan.aturan_batas}"]
    if why:
        todo.append(f"aturan kabupaten: {why}; buat {kabupaten.CONFIG_DIR}/"
                    f"{kabupaten.slug(profil.get('kabupaten') or 'kabupaten')}.yml "
                    "(docs/data.md bagian 9)")
    if not jabatan:
        todo.append("laporan.csv: isi nama_jabatan, mis. Kasi Pemberdayaan Masyarakat")
    items.append(Berkas("laporan", raw, ["kunci", "nilai"], lap_rows,
                        asal=f"baru (tempat dan jabatan dari {ptw})" if prev else "baru",
                        isian=todo))

    optional_missing = []
    pk_rows: list[dict[str, str]] = []
    for name, spec in SPECS.items():
        if name in ("desa",):
            continue
        cols = [c.name for c in spec]
        src = workbook.locate(prev.raw_dir(root), name) if prev else (None, None)
        if name == "realisasi":
            continue  # built from the perjanjian kinerja below
        if src[0] is not None:
            path, sheet = src
            header, rows = _table(path, sheet, name)
            if name == "perjanjian_kinerja":
                pk_rows = [dict(zip(header, r)) for r in rows]
            if name == "anggaran":
                i = header.index("realisasi")
                rows = [r[:i] + [""] + r[i + 1:] for r in rows]
                items.append(Berkas(name, raw, header, rows, asal=f"kode, uraian dan pagu dari {ptw}",
                                    isian=[f"anggaran.csv: isi realisasi kumulatif s.d. "
                                           f"TW{rid.tw} pada baris sub kegiatan (baris induk boleh "
                                           "kosong: dihitung); periksa pagu bila ada perubahan"]))
            elif name == "tanggapan_atasan":
                keep = {"butir"}
                rows = [[v if c in keep else "" for v, c in zip(r, header)] for r in rows]
                items.append(Berkas(name, raw, header, rows, asal=f"butir dari {ptw}",
                                    isian=[f"{name}.csv: isi kolom dicentang (ya/tidak) dan "
                                           "catatan untuk triwulan ini"]))
            else:
                copy = path if sheet is None and path.suffix.lower() == ".csv" else None
                note = {"kegiatan": f"{name}.csv: tambahkan aktivitas TW{rid.tw} (daftar "
                                    "kumulatif) dan perbarui statusnya",
                        "dokumen_desa": f"{name}.csv: isi tanggal dokumen yang ditetapkan/"
                                        f"disampaikan s.d. akhir TW{rid.tw}",
                        "perjanjian_kinerja": f"{name}.csv: isi target_tw{rid.tw} (target "
                                              "triwulan dari rencana aksi) setiap indikator, "
                                              "bila belum ada",
                        "pegawai": f"{name}.csv: periksa jumlah pegawai",
                        "pejabat": f"{name}.csv: periksa penandatangan"}.get(name)
                items.append(Berkas(name, raw, header, rows, copy_from=copy,
                                    asal=f"disalin dari {ptw}", isian=[note] if note else []))
        elif not prev and name in TEMPLATE_TABLES:
            ex = examples.get(name, {})
            items.append(Berkas(name, raw, cols, [[ex.get(c, "") for c in cols]],
                                asal="templat (1 baris contoh)",
                                isian=[f"{name}.csv: ganti baris CONTOH dengan data sebenarnya"
                                       + (", termasuk target_tw1–target_tw4 (target setiap "
                                          "triwulan dari rencana aksi)"
                                          if name == "perjanjian_kinerja" else "")]))
            if name == "perjanjian_kinerja":
                pk_rows = [dict(ex)]
        elif name in REQUIRED:
            ex = examples.get(name, {})
            items.append(Berkas(name, raw, cols, [[ex.get(c, "") for c in cols]],
                                asal="templat (1 baris contoh)",
                                isian=[f"{name}.csv: ganti baris CONTOH dengan data sebenarnya"]))
        else:
            optional_missing.append(name)

    # realisasi: one row per indicator that needs one, numbers left for the analyst
    real_cols = [c.name for c in SPECS["realisasi"]]
    if prev or pk_rows:
        if prev:
            need = [r for r in pk_rows if r.get("cara_hitung") in
                    ("komponen", "daftar_kegiatan", "nilai_langsung")]
            rows = [[r["indikator_id"] if c == "indikator_id" else "" for c in real_cols]
                    for r in need]
            isian = [f"realisasi.csv: isi angka kumulatif s.d. TW{rid.tw} untuk "
                     + ", ".join(r["indikator_id"] for r in need)] if need else []
            asal = f"indikator dari perjanjian kinerja {ptw}"
        else:
            ex = examples["realisasi"]
            rows = [[ex.get(c, "") for c in real_cols]]
            isian = ["realisasi.csv: ganti baris CONTOH dengan data sebenarnya"]
            asal = "templat (1 baris contoh)"
        if rows:
            items.append(Berkas("realisasi", raw, real_cols, rows, asal=asal, isian=isian))
        elif "realisasi" not in optional_missing:
            optional_missing.append("realisasi")

    # narasi: quarter-independent sections carried, the rest as placeholders
    for key in NARASI:
        src = (prev.raw_dir(root) / "narasi" / f"{key}.md") if prev else None
        name = f"narasi/{key}.md"
        carried = _narasi_text(src) if src is not None and key in NARASI_TETAP else None
        if carried is not None:
            items.append(Berkas(name, raw, text=carried, asal=f"disalin dari {ptw}",
                                isian=[f"{name}: periksa apakah masih sesuai"]))
        else:
            items.append(Berkas(name, raw, text=_narasi_placeholder(key, rid),
                                asal="baru (teks petunjuk)",
                                isian=[f"{name}: ganti paragraf {BELUM_DIISI}"]))
    return Rencana(rid, prev, items, optional_missing, region)


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _exists(item: Berkas) -> bool:
    if item.text is not None:
        return (item.folder / item.name).exists()
    # a table exists as CSV, as XLSX, or as a filled sheet of the quarter's workbook; a new CSV
    # would silently take precedence over the latter two
    if item.sheet_folder is not None and workbook.find_sheet(item.sheet_folder, item.name)[0]:
        return True
    return workbook.locate(item.folder, item.name)[0] is not None


def _write_new(path: Path, data: bytes) -> bool:
    """Create ``path`` with ``data`` unless it exists (O_EXCL: never overwrite, even in a race)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return True


@dataclass
class Hasil:
    rid: ReportId
    prev: ReportId | None
    dibuat: list[tuple[Path, str]]
    sudah_ada: list[Path]
    isian: list[str]
    opsional: list[str]
    wilayah: wilayah.Kecamatan | None = None


def _rid(root: Path, kec: str, tahun, tw, unit: str | None,
         kab: str = "") -> tuple[ReportId, wilayah.Kecamatan | None]:
    if tahun in (None, ""):
        raise LkjError("Sebutkan tahun untuk triwulan baru, contoh: make init KEC=candipuro "
                       "TAHUN=2023 TW=3.")
    tahun, tw = parse_tahun(tahun), parse_tw(tw)  # before the dataset is asked
    unit = _name(unit or "camat", "UNIT", "UNIT=camat")
    folder, region = locate_kecamatan(root, kec, kab)
    return ReportId(_name(folder, "KEC", "KEC=candipuro"), tahun, tw, unit), region


def init(root: Path, kec: str, tahun, tw, unit: str | None = None, kab: str = "") -> Hasil:
    """Create the quarter folder's input files (CSV); existing files are left untouched."""
    root = Path(root)
    rid, region = _rid(root, kec, tahun, tw, unit, kab)
    rencana = plan(root, rid, region)
    dibuat, sudah, isian = [], [], []
    for item in rencana.items:
        target = item.folder / item.filename
        if _exists(item):
            sudah.append(target)
            continue
        if item.text is not None:
            data = item.text.encode("utf-8")
        elif item.copy_from is not None:
            data = item.copy_from.read_bytes()
        else:
            data = _csv_bytes(item.header, item.rows)
        if _write_new(target, data):
            dibuat.append((target, item.asal))
            isian += item.isian
        else:
            sudah.append(target)
    return Hasil(rid, rencana.prev, dibuat, sudah, isian, rencana.optional_missing, region)


def _petunjuk(rid: ReportId, rencana: Rencana, skipped: list[str],
              included: set[str]) -> list[str]:
    from lkj.formatting import triwulan

    nama = rencana.wilayah.nama if rencana.wilayah else kabupaten.nama(rid.kec)
    lines = [f"Masukan laporan kinerja {nama} {triwulan(rid.tw)} {rid.tahun} "
             f"(unit {rid.unit})",
             "",
             "Setiap lembar berikut adalah satu tabel masukan; kolomnya dijelaskan di docs/data.md.",
             "Simpan buku kerja ini sebagai masukan.xlsx di folder "
             f"data/raw/{rid.kec}/{rid.tahun}/{rid.unit}/tw{rid.tw}/.",
             "Lembar yang hanya berisi judul kolom dianggap tidak ada (tabel opsional).",
             "Berkas CSV/XLSX terpisah dengan nama tabel yang sama selalu dipakai lebih dulu "
             "daripada lembar di sini.",
             "Baris bertanda CONTOH harus diganti dengan data sebenarnya.",
             "Jangan memakai format Persen (%) Excel; tulis 91,50 sebagai angka biasa.",
             "Narasi (kata pengantar, analisis, …) tetap berupa berkas narasi/*.md di folder itu."]
    todo: list[str] = []
    seen = set()
    for item in rencana.items:
        if item.name not in included:
            continue
        for t in item.isian:
            if t not in seen:
                seen.add(t)
                todo.append("- " + t.replace(".csv:", ":"))
    if todo:
        lines += ["", "Yang harus diisi:", *todo]
    if skipped:
        lines += ["", "Tabel yang sudah ada sebagai berkas terpisah (tidak dimasukkan ke sini): "
                  + ", ".join(skipped)]
    return lines


def template(root: Path, kec: str, tahun, tw, unit: str | None = None,
             keluar: Path | None = None, kab: str = "") -> tuple[Path, Hasil]:
    """Write the quarter's inputs as one workbook (``masukan.xlsx`` in the quarter folder, or
    ``keluar``), one sheet per input table, with the same content ``init`` would write; narrative
    files are created as Markdown next to it (never overwritten)."""
    from lkj.validation import KEY_VALUES, SPECS

    root = Path(root)
    rid, region = _rid(root, kec, tahun, tw, unit, kab)
    rencana = plan(root, rid, region)
    target = Path(keluar) if keluar else rid.raw_dir(root) / workbook.WORKBOOK
    if target.exists():
        raise LkjError(f"{rel(target, root)} sudah ada dan tidak ditimpa. Hapus atau ganti namanya "
                       "dulu, atau pakai --keluar <berkas>.")
    by_name = {i.name: i for i in rencana.items if i.text is None}
    sheets, skipped, isian = [], [], []
    for name in (*KEY_VALUES, *SPECS):
        item = by_name.get(name)
        folder = rid.kec_dir(root) if name in ("profil", "desa") else rid.raw_dir(root)
        existing = workbook.locate(folder, name)
        if keluar is None and existing[0] is not None and existing[1] is None:
            skipped.append(existing[0].name)  # a separate file wins over a sheet anyway
            continue
        if existing[0] is not None and keluar is not None:
            header, rows = _table(existing[0], existing[1], name)   # export what is there
        elif item is not None:
            header, rows = item.header, item.rows
            isian += item.isian
        else:
            spec = SPECS.get(name)
            header, rows = ([c.name for c in spec] if spec else ["kunci", "nilai"]), []
        sheets.append((name, header, rows))
    workbook.write(target, sheets, _petunjuk(rid, rencana, skipped, {n for n, _, _ in sheets}))
    dibuat, sudah = [(target, "buku kerja, satu lembar per tabel")], []
    for item in rencana.items:
        if item.text is None:
            continue
        path = item.folder / item.filename
        if keluar is None and _write_new(path, item.text.encode("utf-8")):
            dibuat.append((path, item.asal))
            isian += item.isian
        else:
            sudah.append(path)
    return target, Hasil(rid, rencana.prev, dibuat, sudah,
                         [t.replace(".csv:", " (lembar):") for t in isian],
                         rencana.optional_missing, region)


def describe(hasil: Hasil, root: Path, ekspor: bool = False) -> str:
    """The printout: what was created, what was left alone, and what the analyst must fill in.
    ``ekspor``: a workbook written elsewhere (``lkj template --keluar``); data/raw is untouched."""
    from lkj.formatting import triwulan

    rid = hasil.rid
    folder = rel(rid.raw_dir(root), root)
    sumber = (f"data TW{hasil.prev.tw} {hasil.prev.tahun}" if hasil.prev
              else "templat (belum ada triwulan sebelumnya pada tahun ini)")
    if ekspor:
        lines = [f"Isi buku kerja untuk {folder}/ ({triwulan(rid.tw)} {rid.tahun}): data yang "
                 f"sudah ada di folder itu, selebihnya dari {sumber}. Folder data tidak diubah."]
        if hasil.isian:
            lines.append("Yang harus diisi analis:")
            lines += [f"  {i}. {t}" for i, t in enumerate(dict.fromkeys(hasil.isian), 1)]
        return "\n".join(lines)
    head = (f"Folder {folder}/ disiapkan untuk {triwulan(rid.tw)} {rid.tahun}"
            + (f" dari {sumber}." if hasil.prev else f" dengan {sumber}."))
    lines = [head]
    if hasil.wilayah is not None:
        lines.append(f"Kecamatan {hasil.wilayah.lengkap}.")
    if hasil.dibuat:
        lines.append("Dibuat:")
        lines += [f"  {rel(p, root)}  ({asal})" for p, asal in hasil.dibuat]
    if hasil.sudah_ada:
        lines.append(f"Sudah ada, tidak diubah: {len(hasil.sudah_ada)} berkas")
        lines += [f"  {rel(p, root)}" for p in hasil.sudah_ada]
    if not hasil.dibuat:
        lines.append("Tidak ada berkas baru: semua berkas sudah ada.")
    if hasil.isian:
        lines.append("Yang harus diisi analis:")
        lines += [f"  {i}. {t}" for i, t in enumerate(dict.fromkeys(hasil.isian), 1)]
    if hasil.opsional:
        lines.append("Berkas opsional yang belum ada (buat bila perlu, lihat docs/data.md): "
                     + ", ".join(f"{n}.csv" for n in hasil.opsional))
    tahun = f" TAHUN={rid.tahun}"
    unit = f" UNIT={rid.unit}" if rid.unit != "camat" else ""
    lines.append(f"Setelah diisi, periksa dengan: make check KEC={rid.kec}{tahun} TW={rid.tw}{unit}")
    return "\n".join(lines)
