"""From validated inputs to the computed tables of one report, and their processed/ copy.

``compute`` is pure: inputs in, tables out, exact values (Fraction, int sen). ``write_processed``
stores the tables as semicolon-separated CSV in the Indonesian number format (readable in Excel);
``read_processed`` reads them back for the report notebook. Exact fractions are stored truncated
(toward −∞) to 10 decimals: truncation never moves a value across a display rounding boundary
(x,xx5 or a category limit is itself representable), so the report prints exactly what the exact
value would print.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd

from lkj import __version__, anggaran, desa, kinerja
from lkj.errors import Problem
from lkj.params import ReportId
from lkj.reading import ROW, parse_date, parse_number
from lkj.validation import Inputs

STORE_PLACES = 10


@dataclass
class Result:
    """Everything the report shows, computed. Tables are pandas DataFrames."""
    meta: dict
    indikator: pd.DataFrame
    kegiatan: pd.DataFrame
    dokumen_desa: pd.DataFrame
    anggaran: pd.DataFrame
    riwayat: pd.DataFrame
    desa: pd.DataFrame
    pegawai: pd.DataFrame
    pejabat: pd.DataFrame
    tanggapan_atasan: pd.DataFrame
    narasi: dict[str, str] = field(default_factory=dict)
    # realisasi of earlier quarters of the same year (for the quarterly trend), if any
    triwulan: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["tw", "indikator_id", "realisasi", "capaian", "serapan"]))

    TABLES = ("indikator", "kegiatan", "dokumen_desa", "anggaran", "riwayat", "desa", "pegawai",
              "pejabat", "tanggapan_atasan", "triwulan")


def _rows(rows: list[int]) -> str:
    """[2, 3, 4, 7] → "2–4, 7": the source rows behind a number, as the analyst reads them."""
    rows = sorted(set(int(r) for r in rows))
    out, start = [], None
    for i, r in enumerate(rows):
        if start is None:
            start = r
        if i + 1 == len(rows) or rows[i + 1] != r + 1:
            out.append(str(start) if start == r else f"{start}–{r}")
            start = None
    return ", ".join(out)


def _dokumen_grid(inputs: Inputs, indikator_id: str) -> pd.DataFrame:
    """Every desa × document for an indicator, judged at the end of the quarter.

    A desa with no row for a document counts as "not done" — the denominator is always
    (number of desa) × 3, as the indicator's formula says.
    """
    rid = inputs.rid
    end = desa.akhir_triwulan(rid.tahun, rid.tw)
    given = inputs.dokumen_desa[inputs.dokumen_desa["indikator_id"] == indikator_id]
    by_key = {(r.desa.lower(), r.dokumen): r for r in given.itertuples(index=False)}
    records = []
    for nama in inputs.desa["nama_desa"]:
        for dok in desa.DOKUMEN:
            r = by_key.get((str(nama).lower(), dok))
            ta = desa.tahun_anggaran(dok, rid.tahun)
            batas = desa.batas_waktu(dok, ta)
            tanggal = r.tanggal if r is not None else None
            st = desa.status(tanggal, batas, end)
            records.append({"indikator_id": indikator_id, "desa": nama, "dokumen": dok,
                            "tahun_anggaran": ta, "tanggal": tanggal, "batas_waktu": batas,
                            "status": st.label, "tepat_waktu": st.tepat_waktu,
                            "keterangan": (r.keterangan or "") if r is not None else "",
                            ROW: r.baris if r is not None else None})
    return pd.DataFrame.from_records(records)


def compute(inputs: Inputs) -> Result:
    rid = inputs.rid
    # the kabupaten's rating scale and lower-is-better formula (lkj.kabupaten)
    skala, rumus = ((inputs.aturan.skala, inputs.aturan.rumus_turun) if inputs.aturan
                    else (kinerja.SKALA, kinerja.RUMUS_2T))
    real = {r.indikator_id: r for r in inputs.realisasi.itertuples(index=False)}
    keg = inputs.kegiatan
    grids = []
    rows = []
    files = {Path(f.path).stem: f.path for f in inputs.files}
    for r in inputs.perjanjian_kinerja.itertuples(index=False):
        target_tw = getattr(r, f"target_tw{rid.tw}")
        target = target_tw if target_tw is not None else r.target
        pembilang = penyebut = realisasi = None
        sumber = f"{Path(files['perjanjian_kinerja']).name} baris {r.baris}"
        x = real.get(r.indikator_id)
        if r.cara_hitung == "komponen" and x is not None:
            pembilang, penyebut = x.pembilang, x.penyebut
            sumber += f"; {Path(files['realisasi']).name} baris {x.baris}"
        elif r.cara_hitung == "daftar_kegiatan" and x is not None:
            done = keg[(keg["indikator_id"] == r.indikator_id) & (keg["status"] == "ditindaklanjuti")]
            pembilang, penyebut = Decimal(len(done)), x.penyebut
            sumber += (f"; {Path(files['realisasi']).name} baris {x.baris}"
                       f"; {Path(files.get('kegiatan', 'kegiatan.csv')).name} baris {_rows(done[ROW])}")
        elif r.cara_hitung == "dokumen_desa":
            grid = _dokumen_grid(inputs, r.indikator_id)
            grids.append(grid)
            pembilang, penyebut = Decimal(int(grid["tepat_waktu"].sum())), Decimal(len(grid))
            given = grid[ROW].dropna()
            sumber += (f"; {Path(files.get('desa', 'desa.csv')).name}"
                       + (f"; {Path(files['dokumen_desa']).name} baris {_rows(given)}"
                          if len(given) else ""))
        elif r.cara_hitung == "nilai_langsung" and x is not None:
            realisasi = kinerja.frac(x.nilai) if x.nilai is not None else None
            sumber += f"; {Path(files['realisasi']).name} baris {x.baris}"
        if pembilang is not None and penyebut:
            realisasi = kinerja.realisasi_from_components(pembilang, penyebut)
        cap = kinerja.capaian(realisasi, target, r.polaritas, rumus)
        cap_tahunan = kinerja.capaian(realisasi, r.target, r.polaritas, rumus)
        rows.append({
            "no": r.no, "sasaran": r.sasaran, "indikator_id": r.indikator_id,
            "indikator": r.indikator, "satuan": r.satuan, "polaritas": r.polaritas,
            "target": r.target, "target_periode": target,
            "target_periode_triwulan": target_tw is not None,
            "target_renstra": r.target_renstra, "cara_hitung": r.cara_hitung,
            "label_pembilang": r.label_pembilang or "", "label_penyebut": r.label_penyebut or "",
            "definisi": r.definisi or "", "pembilang": pembilang, "penyebut": penyebut,
            "realisasi": realisasi, "capaian": cap, "kategori": kinerja.kategori(cap, skala),
            "tercapai": kinerja.tercapai(cap), "capaian_tahunan": cap_tahunan,
            "tercapai_tahunan": kinerja.tercapai(cap_tahunan),
            "standar_nasional": r.standar_nasional, "dasar_standar": r.dasar_standar or "",
            "kode_iku": r.kode_iku or "", "sumber_nilai": (x.sumber or "") if x is not None
            and r.cara_hitung == "nilai_langsung" else "", "sumber": sumber})
    indikator = pd.DataFrame.from_records(rows)
    dokumen = (pd.concat(grids, ignore_index=True) if grids else
               pd.DataFrame(columns=["indikator_id", "desa", "dokumen", "tahun_anggaran", "tanggal",
                                     "batas_waktu", "status", "tepat_waktu", "keterangan", ROW]))

    pk_rows = dict(zip(inputs.perjanjian_kinerja["indikator_id"],
                       inputs.perjanjian_kinerja[ROW]))
    for r in indikator.itertuples(index=False):
        if r.capaian is not None and r.capaian > 150:
            inputs.warnings.append(Problem(
                files["perjanjian_kinerja"], f"capaian indikator {r.indikator_id} di atas 150% "
                f"({r.capaian.numerator * 100 // r.capaian.denominator / 100:.2f}%)".replace(".", ","),
                int(pk_rows[r.indikator_id]), "target", None,
                "periksa target dan realisasinya (mungkin salah satunya salah satuan)"))

    ang, _ = anggaran.rollup(inputs.anggaran)
    total = anggaran.total(ang)
    cakupan = _add_efisiensi(indikator, ang, inputs)
    if cakupan["pagu_tanpa_indikator"]:
        inputs.warnings.append(Problem(
            files["perjanjian_kinerja"], f"Rp{_rupiah(cakupan['pagu_tanpa_indikator'])} "
            f"({_percent(cakupan['persen_tanpa_indikator'])} dari pagu) tidak dikaitkan dengan "
            "indikator mana pun: " + ", ".join(f"{p['kode']} {p['uraian']}"
                                               for p in cakupan["program_tanpa_indikator"]),
            None, "kode_anggaran", None, "isi kode program/kegiatan yang mendukung setiap "
            "indikator di kolom kode_anggaran, agar efisiensi mencakup seluruh anggaran"))
    for ganda in cakupan["anggaran_ganda"]:
        inputs.warnings.append(Problem(
            files["perjanjian_kinerja"], f"anggaran {ganda['kode']} {ganda['uraian']} dikaitkan "
            f"dengan lebih dari satu indikator ({', '.join(ganda['indikator'])}); di jumlah "
            "dihitung sekali", None, "kode_anggaran", None, "kaitkan setiap kegiatan dengan satu "
            "indikator, atau bagi anggarannya per sub kegiatan"))

    riwayat = inputs.riwayat.copy()
    pol = dict(zip(indikator["indikator_id"], indikator["polaritas"]))
    riwayat["capaian"] = [kinerja.capaian(r.realisasi, r.target, pol.get(r.indikator_id, "naik"),
                                          rumus) for r in riwayat.itertuples(index=False)]
    riwayat = riwayat.sort_values(["indikator_id", "tahun"], kind="stable").reset_index(drop=True)

    caps = list(indikator["capaian"])
    rata = kinerja.average(caps)
    meta = {
        "kec": rid.kec, "tahun": rid.tahun, "tw": rid.tw, "unit": rid.unit,
        "profil": dict(inputs.profil),
        "laporan": {k: (v.isoformat() if isinstance(v, dt.date) else v)
                    for k, v in inputs.laporan.items()},
        "periode_awal": desa.awal_triwulan(rid.tahun, 1).isoformat(),
        "periode_akhir": desa.akhir_triwulan(rid.tahun, rid.tw).isoformat(),
        "ringkasan": {
            "jumlah_indikator": len(indikator),
            "jumlah_tercapai": int(indikator["tercapai"].sum()) if len(indikator) else 0,
            "capaian_rata_rata": rata, "kategori_rata_rata": kinerja.kategori(rata, skala),
            "pagu": total.pagu, "realisasi_anggaran": total.realisasi, "sisa": total.sisa,
            "persen_anggaran": total.persen, **cakupan,
            "ambang_serapan": kinerja.ambang_serapan(rid.tw),
        },
        "files": [f.__dict__ for f in inputs.files],
        "warnings": [str(w) for w in inputs.warnings],
        "lkj_version": __version__,
        "aturan": inputs.aturan.meta() if inputs.aturan else None,
    }
    return Result(meta, indikator, inputs.kegiatan.copy(), dokumen, ang, riwayat,
                  inputs.desa.copy(), inputs.pegawai.copy(), inputs.pejabat.copy(),
                  inputs.tanggapan_atasan.copy(), dict(inputs.narasi))


def _rupiah(sen: int) -> str:
    from lkj.formatting import rupiah
    return rupiah(sen)


def _percent(value) -> str:
    from lkj.formatting import percent
    return percent(value)


def _add_efisiensi(indikator: pd.DataFrame, ang: pd.DataFrame, inputs: Inputs) -> dict:
    """Budget behind each indicator (perjanjian_kinerja.kode_anggaran) and the efficiency gap;
    returns how much of the whole budget the indicators cover (every rupiah counted once)."""
    from lkj.validation import split_kode_anggaran

    by_key = {anggaran.sort_key(r.kode): r for r in ang.itertuples(index=False)}
    pk = dict(zip(inputs.perjanjian_kinerja["indikator_id"],
                  inputs.perjanjian_kinerja["kode_anggaran"]))
    codes_col, pagu_col, real_col, serapan_col, gap_col, label_col = [], [], [], [], [], []
    linked: dict[tuple, list[str]] = {}  # budget row → indicators it is credited to
    for r in indikator.itertuples(index=False):
        keys = {anggaran.sort_key(k) for k in split_kode_anggaran(pk.get(r.indikator_id))}
        # A code whose ancestor is also named is already inside that ancestor's sum.
        keys = {k for k in keys if not any(k[:n] in keys for n in (3, 5) if n < len(k))}
        rows = [by_key[k] for k in sorted(keys) if k in by_key]
        for k in keys:
            linked.setdefault(k, []).append(r.indikator_id)
        if rows:
            pagu = sum(int(x.pagu) for x in rows)
            real = sum(int(x.realisasi) for x in rows)
            serapan = anggaran.persen(real, pagu)
        else:
            pagu = real = None
            serapan = None
        gap, label = kinerja.efisiensi(r.capaian, serapan) if rows else (None, "")
        codes_col.append(", ".join(x.kode for x in rows))
        pagu_col.append(pagu)
        real_col.append(real)
        serapan_col.append(serapan)
        gap_col.append(gap)
        label_col.append(label)
    indikator["kode_anggaran"] = codes_col
    indikator["pagu_anggaran"] = pd.Series(pagu_col, dtype=object)
    indikator["realisasi_anggaran"] = pd.Series(real_col, dtype=object)
    indikator["serapan_anggaran"] = pd.Series(serapan_col, dtype=object)
    indikator["selisih_efisiensi"] = pd.Series(gap_col, dtype=object)
    indikator["efisiensi"] = label_col

    # Coverage, on the leaves (the rows the amounts come from): a leaf is covered when it or
    # one of its ancestors is linked; credited to two indicators, it is still one rupiah.
    def owners(kode: str) -> set[str]:
        k = anggaran.sort_key(kode)
        return {i for n in (3, 5, 6) if n <= len(k) for i in linked.get(k[:n], [])}

    parents = {anggaran.parent(k) for k in ang["kode"]}
    leaves = ang[~ang["kode"].isin(parents)]
    total = int(leaves["pagu"].sum())
    free = [r for r in leaves.itertuples(index=False) if not owners(r.kode)]
    free_pagu = sum(int(r.pagu) for r in free)
    free_programs = []
    for p in anggaran.programs(ang).itertuples(index=False):
        inside = [r for r in free if r.kode.startswith(p.kode + ".") or r.kode == p.kode]
        if inside:
            free_programs.append({"kode": p.kode, "uraian": p.uraian,
                                  "pagu": sum(int(r.pagu) for r in inside)})
    doubled = []
    for k, ids in sorted(linked.items()):
        if k in by_key and len(ids) > 1:
            row = by_key[k]
            doubled.append({"kode": row.kode, "uraian": row.uraian, "indikator": sorted(ids)})
    for k, ids in linked.items():  # an ancestor and a descendant named by different indicators
        for j, other in linked.items():
            if j != k and len(j) > len(k) and j[:len(k)] == k and set(ids) != set(other) \
                    and j in by_key and not any(d["kode"] == by_key[j].kode for d in doubled):
                row = by_key[j]
                doubled.append({"kode": row.kode, "uraian": row.uraian,
                                "indikator": sorted(set(ids) | set(other))})
    return {"pagu_tanpa_indikator": free_pagu,
            "persen_tanpa_indikator": anggaran.persen(free_pagu, total),
            "program_tanpa_indikator": free_programs, "anggaran_ganda": doubled}


# ---- processed/ storage ---------------------------------------------------------------------

def _store(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, Fraction):
        value = _floor_decimal(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",") if value != 0 else "0"
    if isinstance(value, (dt.date,)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return _rows(value)
    return _excel_safe(str(value))


# A text cell that Excel or LibreOffice would read as a formula (=HYPERLINK(…), @SUM, +1+1, …)
# gets a leading apostrophe, as OWASP advises for CSV files meant for a spreadsheet; a cell that
# already starts with one gets another, so reading strips exactly one (_read_cell) and every
# text comes back as it was. A number or a lone dash is not a formula and is left as it is.
_FORMULA_START = re.compile(r"[=+\-@\t\r']")
_NOT_FORMULA = re.compile(r"[-+]?[\d.,]*%?")


def _excel_safe(text: str) -> str:
    if _FORMULA_START.match(text) and not _NOT_FORMULA.fullmatch(text):
        return "'" + text
    return text


def _floor_decimal(value: Fraction) -> Decimal:
    scaled = value.numerator * 10**STORE_PLACES // value.denominator  # floor division
    return Decimal(scaled).scaleb(-STORE_PLACES)


# How each stored column reads back: decimal | int | date | bool (others stay text).
_KINDS = {
    "decimal": {"target", "target_periode", "target_renstra", "pembilang", "penyebut",
                "realisasi", "capaian", "persen", "target_tw1", "target_tw2", "target_tw3",
                "target_tw4", "nilai", "serapan_anggaran", "selisih_efisiensi", "serapan",
                "capaian_tahunan", "standar_nasional"},
    "int": {"no", "tahun", "tahun_anggaran", "jumlah", "pagu", "sisa", "pagu_anggaran", "tw",
            "realisasi_anggaran", ROW},
    "date": {"tanggal", "batas_waktu"},
    "bool": {"tercapai", "tepat_waktu", "target_periode_triwulan", "tercapai_tahunan"},
}
# anggaran amounts are integer sen
_INT_IN = {"anggaran": {"realisasi"}}


def _json_default(value: object):
    if isinstance(value, (Fraction, Decimal)):
        return _store(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value))


def write_processed(result: Result, folder: Path) -> None:
    """Write the processed tables atomically: a half-written folder never replaces a good one,
    and a run killed while replacing it is undone by the next (lkj/publish.py)."""
    from lkj import publish

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with publish.locked(folder.parent):
        publish.recover_dir(folder)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            for name in Result.TABLES:
                frame: pd.DataFrame = getattr(result, name)
                text = frame.map(_store) if len(frame) else frame.astype(str)
                text.to_csv(tmp / f"{name}.csv", sep=";", index=False, encoding="utf-8-sig")
            for key in ("logo", "bagan_organisasi"):
                source = result.meta.pop(f"{key}_sumber", None)
                if source:
                    _copy_image(source, tmp / f"{key}.png")
                    result.meta[key] = f"{key}.png"
            (tmp / "ringkasan.json").write_text(
                json.dumps(result.meta, default=_json_default, ensure_ascii=False, indent=2,
                           sort_keys=True), encoding="utf-8")
            (tmp / "narasi").mkdir()
            for key, text in sorted(result.narasi.items()):
                (tmp / "narasi" / f"{key}.md").write_text(text, encoding="utf-8")
            publish.replace_dir(tmp, folder)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if exc.filename is None:  # a short write names no file; the folder is known
                exc.filename = str(tmp)
            raise
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _read_cell(value: str, column: str, table: str):
    if value == "":
        return None
    if column in _INT_IN.get(table, ()) or column in _KINDS["int"]:
        return int(value)
    if column in _KINDS["decimal"]:
        return parse_number(value)
    if column in _KINDS["date"]:
        return parse_date(value)
    if column in _KINDS["bool"]:
        return value == "ya"
    return value[1:] if value.startswith("'") else value


def read_processed_table(folder: Path, name: str) -> pd.DataFrame:
    """One table of data/processed/…, with its numbers, dates and empty cells as computed."""
    raw = pd.read_csv(Path(folder) / f"{name}.csv", sep=";", dtype=str, keep_default_na=False,
                      encoding="utf-8-sig")
    return pd.DataFrame({c: pd.Series([_read_cell(v, c, name) for v in raw[c]], dtype=object)
                         for c in raw.columns})


def read_processed_meta(folder: Path) -> dict:
    """ringkasan.json of data/processed/…: parameters, profile, totals, warnings."""
    meta = json.loads((Path(folder) / "ringkasan.json").read_text(encoding="utf-8"))
    r = meta["ringkasan"]
    for key in ("capaian_rata_rata", "persen_anggaran", "persen_tanpa_indikator", "ambang_serapan"):
        r[key] = parse_number(r[key]) if r.get(key) not in (None, "") else None
    return meta


def read_processed(folder: Path) -> Result:
    folder = Path(folder)
    tables = {name: read_processed_table(folder, name) for name in Result.TABLES}
    narasi = {p.stem: p.read_text(encoding="utf-8") for p in sorted((folder / "narasi").glob("*.md"))}
    return Result(meta=read_processed_meta(folder), narasi=narasi, **tables)


def build(root: Path, rid: ReportId) -> Result:
    """Validate the raw inputs and compute (no files written)."""
    from lkj.validation import load_inputs
    result = compute(load_inputs(root, rid))
    images = {"logo": "logo", "bagan_organisasi": "bagan organisasi"}
    for key, what in images.items():
        name = str(result.meta["profil"].get(key) or "").strip()
        if name:
            result.meta[f"{key}_sumber"] = str(_image(root, rid, key, name, what))
    if not result.meta.get("logo_sumber") and result.meta.get("aturan"):
        # the kabupaten's logo, checked when its rules were read
        from lkj import kabupaten
        rules = kabupaten.all_rules(root).get(result.meta["aturan"]["slug"])
        if rules is not None and rules.logo is not None:
            result.meta["logo_sumber"] = str(rules.logo)
    result.triwulan = quarterly_trend(root, rid, result)
    from lkj.report import Laporan
    Laporan.check_templates(result, root)  # a kecamatan's own chapter template, if any
    return result


def _image(root: Path, rid: ReportId, key: str, name: str, what: str) -> Path:
    """The PNG/JPG a profil.csv key names, inside the kecamatan's folder."""
    from PIL import Image

    folder = rid.kec_dir(root).resolve()
    path = (folder / name).resolve()
    try:  # what the file holds, not only its name: anything else would reach every output
        if folder not in path.parents or path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            raise OSError(name)
        with Image.open(path) as img:
            if img.format not in ("PNG", "JPEG"):
                raise OSError(name)
            img.verify()
    except (OSError, ValueError, Image.DecompressionBombError):
        from lkj.errors import Problem, ValidationError
        raise ValidationError([Problem(
            f"data/raw/{rid.kec}/profil.csv", f"berkas {what} tidak ditemukan atau bukan PNG/JPG",
            None, "nilai", name, f"simpan gambarnya di folder data/raw/{rid.kec}/ dan tulis nama "
            f"berkasnya saja, mis. {key}.png")]) from None
    return path


def _copy_image(source: str, target: Path) -> None:
    """Re-encoded as a PNG of at most 2000 px a side: only pixels of someone else's file reach
    the outputs, and a photo straight from a phone does not weigh down every format."""
    from PIL import Image

    with Image.open(source) as img:
        img = img.convert("RGBA")
        img.thumbnail((2000, 2000))
        img.save(target, "PNG")


def quarterly_trend(root: Path, rid: ReportId, current: Result) -> pd.DataFrame:
    """Realisasi per quarter of this year, from the earlier quarters' own data folders.

    An earlier quarter whose data no longer validates is left out with a warning: it must not
    stop this quarter's report.
    """
    from dataclasses import replace

    from lkj.errors import LkjError
    from lkj.validation import load_inputs

    rows = []
    for tw in range(1, rid.tw + 1):
        if tw == rid.tw:
            result = current
        else:
            earlier = replace(rid, tw=tw)
            if not earlier.raw_dir(root).is_dir():
                continue
            try:
                result = compute(load_inputs(root, earlier))
            except LkjError:
                current.meta["warnings"].append(
                    f"data triwulan {tw} tidak valid; tren triwulanan tanpa triwulan {tw}")
                continue
        serapan = result.meta["ringkasan"]["persen_anggaran"]
        for r in result.indikator.itertuples(index=False):
            rows.append({"tw": tw, "indikator_id": r.indikator_id, "realisasi": r.realisasi,
                         "capaian": r.capaian, "serapan": serapan})
    return pd.DataFrame(rows, columns=["tw", "indikator_id", "realisasi", "capaian", "serapan"])
