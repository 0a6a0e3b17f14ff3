"""The portal: ``reports/index.html``, one self-contained page listing every report.

For each report (kecamatan, unit, year, quarter): the capaian of every indicator coloured by its
category, budget absorption, the due date (its kabupaten's rule, e.g. 5 working days after the
quarter, see :mod:`lkj.kabupaten` and :mod:`lkj.holidays`), the signing date and whether that was
on time, and links to the HTML, PDF and DOCX. Data folders without a report yet are listed too
("belum dibuat", or the first error of the last failed ``make all``). The numbers come from
data/processed/, which every published report was rendered from. The page has no scripts and no
external resources; links are relative, so the reports/ folder can be copied or served as a whole.
Reports of more than one kabupaten are listed kabupaten by kabupaten, each with its own deadline
rule and rating labels."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from lkj import formatting as F
from lkj import holidays, kabupaten, kinerja, layout
from lkj.params import ReportId
from lkj.safe_markdown import HTML_POLICY

INDEX = Path("reports") / "index.html"
REKAP_DIR = "kabupaten"   # reports/kabupaten/<tahun>/tw<N>/ holds the kabupaten recap
# lkj-<kec>-<tahun>-tw<N>-<unit>[-jejak-audit].<ext> (ReportId.slug, ReportId.audit_slug)
_SLUG = re.compile(r"^lkj-(?P<kec>[a-z0-9][a-z0-9_-]*)-(?P<tahun>\d{4})-tw(?P<tw>[1-4])-"
                   r"(?P<unit>[a-z0-9][a-z0-9_-]*?)(?P<audit>-jejak-audit)?"
                   r"\.(?P<ext>html|pdf|docx)$")
FORMAT_LABEL = {"html": "HTML", "pdf": "PDF", "docx": "DOCX"}
COLUMNS = ("Kecamatan", "Unit", "Capaian indikator", "Serapan anggaran", "Batas waktu",
           "Ditandatangani", "Ketepatan", "Laporan")


def _text_on(hex_colour: str) -> str:
    """Black or white text, whichever reads better on the background (WCAG luminance)."""
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#000" if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else "#fff"


@dataclass
class Entri:
    rid: ReportId
    nama: str
    links: dict[str, str] = field(default_factory=dict)      # format -> relative href
    indikator: list[dict] = field(default_factory=list)      # id, nama, capaian, kategori
    persen_anggaran: object = None
    pagu: int | None = None
    realisasi: int | None = None
    tanggal: dt.date | None = None
    warnings: int = 0
    sintetis: bool = False
    catatan: str = ""         # e.g. last build failed
    jabatan: str = ""         # nama_jabatan of laporan.csv, e.g. "Kasi Pemberdayaan Masyarakat"
    aturan: kabupaten.Aturan | None = None   # its kabupaten's rules
    skala: tuple = kinerja.SKALA             # the rating scale its numbers were judged on


def _profil_nama(root: Path, kec: str, profil: dict | None = None) -> str:
    profil = kabupaten.profil(root, kec) if profil is None else profil
    return profil.get("nama_kecamatan") or kabupaten.nama(kec)


def _load_processed(root: Path, e: Entri) -> None:
    folder = e.rid.processed_dir(root)
    if not (folder / "ringkasan.json").is_file():
        return
    from lkj.process import read_processed_meta, read_processed_table
    try:  # only what the portal shows: a kabupaten has dozens of reports
        meta = read_processed_meta(folder)
        indikator = read_processed_table(folder, "indikator")
    except Exception:  # an old or half-written processed folder: list the report without numbers
        return
    e.nama = meta.get("profil", {}).get("nama_kecamatan") or e.nama
    r = meta.get("ringkasan", {})
    e.persen_anggaran, e.pagu, e.realisasi = (r.get("persen_anggaran"), r.get("pagu"),
                                              r.get("realisasi_anggaran"))
    e.jabatan = str(meta.get("laporan", {}).get("nama_jabatan") or "")
    tgl = meta.get("laporan", {}).get("tanggal")
    e.tanggal = dt.date.fromisoformat(str(tgl)) if tgl else None
    e.warnings = len(meta.get("warnings") or [])
    e.skala = kabupaten.skala_of(meta) if meta.get("aturan") else e.skala
    for row in indikator.itertuples():
        e.indikator.append({"id": row.indikator_id, "no": row.no, "nama": row.indikator,
                            "capaian": row.capaian, "kategori": row.kategori})


def collect(root: Path) -> tuple[list[Entri], dict[tuple[int, int], dict]]:
    """Every report (published, or with a data folder), and the kabupaten recaps."""
    root = Path(root)
    reports = root / "reports"
    found: dict[ReportId, Entri] = {}
    if reports.is_dir():
        for kec_dir in sorted(p for p in reports.iterdir() if p.is_dir() and p.name != REKAP_DIR):
            for f in kec_dir.glob("*/tw*/lkj-*"):
                m = _SLUG.match(f.name)
                if not m or m["kec"] != kec_dir.name:
                    continue
                rid = ReportId(m["kec"], int(m["tahun"]), int(m["tw"]), m["unit"])
                e = found.setdefault(rid, Entri(rid, ""))
                e.links[("audit-" if m["audit"] else "") + m["ext"]] = quote(
                    f.relative_to(reports).as_posix())
    for rid in layout.with_data(root):
        found.setdefault(rid, Entri(rid, ""))
    status = _last_status(root)
    names: dict[str, tuple[str, kabupaten.Aturan]] = {}
    for rid, e in found.items():
        if rid.kec not in names:
            profil = kabupaten.profil(root, rid.kec)
            names[rid.kec] = (_profil_nama(root, rid.kec, profil),
                              kabupaten.for_profil(root, profil)[0])
        e.nama, e.aturan = names[rid.kec]
        e.skala = e.aturan.skala
        e.sintetis = kabupaten.is_synthetic(root, rid.kec)
        _load_processed(root, e)
        e.sintetis = e.sintetis or kabupaten.SYNTH_LABEL in e.nama
        last = status.get(rid.slug)
        html_file = rid.report_dir(root) / f"{rid.slug}.html"
        newest = html_file.stat().st_mtime if html_file.is_file() else 0
        if last and last.get("status") == "gagal" and last.get("waktu", 0) > newest:
            e.catatan = "gagal dibuat pada make all terakhir: " + last.get("error", "")
    # {(tahun, tw): {kabupaten: {format: href}}}
    rekap: dict[tuple[int, int], dict[str, dict[str, str]]] = {}
    base = reports / REKAP_DIR
    if base.is_dir():
        for f in sorted(base.glob("*/tw*/rekap-*")):
            m = re.match(r"rekap-(.+)-(\d{4})-tw([1-4])\.(html|pdf|docx)$", f.name)
            if m:
                rekap.setdefault((int(m[2]), int(m[3])), {}).setdefault(m[1], {})[m[4]] = quote(
                    f.relative_to(reports).as_posix())
    order = lambda e: (-e.rid.tahun, -e.rid.tw, e.sintetis, e.nama.lower(),  # noqa: E731
                       e.rid.unit != "camat", e.rid.unit)
    return sorted(found.values(), key=order), rekap


def _last_status(root: Path) -> dict:
    try:
        return json.loads((root / layout.STATUS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:1.5rem auto;max-width:78rem;padding:0 1rem;
color:#1f2328;line-height:1.4}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin-top:2rem;border-bottom:2px solid #1f4e79}
p.meta{color:#57606a;font-size:.9rem}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{border-bottom:1px solid #d0d7de;padding:.35rem .4rem;text-align:left;vertical-align:top}
td.laporan{overflow-wrap:break-word;max-width:24rem}
th{background:#f0f3f6}td.num{text-align:right;white-space:nowrap}
.chip{display:inline-block;border-radius:.3rem;padding:.05rem .35rem;margin:.1rem .15rem .1rem 0;
font-size:.8rem;white-space:nowrap}
.tag{display:inline-block;border:1px solid #9a6700;color:#9a6700;border-radius:.3rem;
padding:0 .3rem;font-size:.75rem;margin-left:.3rem}
.ok{color:#1a7f37;font-weight:bold}.late{color:#c62828;font-weight:bold}.muted{color:#57606a}
.fail{color:#c62828}.legend .chip{margin-right:.5rem}
.ind{font-size:.85rem;line-height:1.3;margin:.1rem 0}
a{color:#0b57d0}nav a{margin-right:.8rem}
/* phones: each report a stacked block, every cell labelled; no sideways scrolling */
@media (max-width:40rem){table,tbody,tr,td{display:block;width:auto}thead{display:none}
tr{border-bottom:2px solid #1f4e79;padding:.3rem 0}td{border:0;padding:.2rem .2rem}
td.num{text-align:left;white-space:normal}td.laporan{max-width:none}
td[data-label]::before{content:attr(data-label) ": ";font-weight:bold;color:#57606a}}
"""


def _chip(label: str, title: str, kategori: str, colours: dict[str, str]) -> str:
    bg = colours.get(kategori, "#d0d7de")
    return (f'<span class="chip" style="background:{bg};color:{_text_on(bg)}" '
            f'title="{html.escape(title)}">{html.escape(label)}</span>')


def _row(root: Path, e: Entri) -> str:
    from lkj.charts import band_colours
    colours = band_colours(e.skala)
    esc = html.escape
    name = esc(e.nama) + ('<span class="tag">data contoh/sintetis</span>'
                          if e.sintetis and kabupaten.SYNTH_LABEL not in e.nama else "")
    unit = "Camat" if e.rid.unit == "camat" else esc(e.jabatan or e.rid.unit)
    # The indicator's name is printed, not only in a tooltip (a phone has no hover), numbered
    # as in the report's tables: "IK-01" means another indicator in every kecamatan.
    chips = "".join(f'<div class="ind">{_chip(F.percent(i["capaian"]), i["kategori"], i["kategori"], colours)}'
                    f' {esc(str(i["no"]))}. {esc(i["nama"])}</div>'
                    for i in e.indikator) or '<span class="muted">–</span>'
    if e.persen_anggaran is not None:
        serapan = (f"{F.percent(e.persen_anggaran)}<br><span class=\"muted\">Rp{F.rupiah(e.realisasi)}"
                   f" dari Rp{F.rupiah(e.pagu)}</span>")
    else:
        serapan = '<span class="muted">–</span>'
    k = holidays.ketepatan(e.rid.tahun, e.rid.tw, e.tanggal, root, e.aturan)
    batas = F.tanggal(k.batas.tanggal) + ("" if k.batas.lengkap else
                                          ' <span class="muted" title="daftar libur tahun '
                                          + ", ".join(map(str, k.batas.tahun_tanpa_data))
                                          + ' belum ada di data/libur_nasional.csv">*</span>')
    if k.tepat_waktu is None:
        status = '<span class="muted">–</span>'
    else:
        status = (f'<span class="{"ok" if k.tepat_waktu else "late"}">{esc(k.label)}</span>')
    links = " · ".join(f'<a href="{e.links[f]}">{FORMAT_LABEL[f]}</a>'
                       for f in ("html", "pdf", "docx") if f in e.links)
    if not links:
        links = '<span class="muted">belum dibuat</span>'
    audit = " · ".join(f'<a href="{e.links["audit-" + f]}">{FORMAT_LABEL[f]}</a>'
                       for f in ("html", "pdf") if "audit-" + f in e.links)
    if audit:
        links += f'<br><span class="muted">Jejak audit:</span> {audit}'
    note = ""
    if e.catatan:
        note = f'<br><span class="fail">{esc(e.catatan)}</span>'
    if e.warnings:
        note += f'<br><span class="muted">{e.warnings} peringatan data</span>'
    cells = (("", name), ("", unit), ("", chips), ("num", serapan), ("num", batas),
             ("num", F.tanggal(e.tanggal) if e.tanggal else "–"), ("", status),
             ("laporan", links + note))
    # data-label: the column's name, printed before the cell when a phone stacks the row
    return "<tr>" + "".join(f'<td data-label="{label}"' + (f' class="{cls}"' if cls else "")
                            + f">{value}</td>" for (cls, value), label in zip(cells, COLUMNS)) + "</tr>"


def render_html(root: Path, now: dt.datetime | None = None) -> str:
    root = Path(root)
    from lkj.charts import band_colours

    esc = html.escape
    entries, rekap = collect(root)
    now = now or dt.datetime.now()
    periods = sorted({(e.rid.tahun, e.rid.tw) for e in entries} | set(rekap), reverse=True)
    kabs = list({e.aturan.slug: e.aturan for e in entries}.values()) or [kabupaten.default(root)]
    kabs.sort(key=lambda a: (a.sintetis, not a.bawaan, a.nama))
    several = len(kabs) > 1
    title = ("Laporan Kinerja Kecamatan" if several
             else f"Laporan Kinerja Kecamatan — {kabs[0].label}")

    def legend(a: kabupaten.Aturan) -> str:
        colours = band_colours(a.skala)
        return " ".join(_chip(b.label, b.label, b.label, colours) for b in a.skala)

    rules = "; ".join((f"{esc(a.label)}: " if several else "") + esc(a.aturan_batas)
                      for a in kabs)
    parts = [
        "<!DOCTYPE html>", '<html lang="id">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{HTML_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style>", "</head>", "<body>", "<header>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">{len([e for e in entries if e.links])} laporan tersedia; diperbarui '
        f"{F.tanggal(now.date())} pukul {now:%H.%M}. Batas waktu laporan: {rules}, tidak "
        "termasuk Sabtu, Minggu, hari libur nasional dan cuti bersama "
        f"({', '.join(sorted({esc(a.libur) for a in kabs}))}). Ketepatan dinilai dari tanggal "
        "penandatanganan laporan.</p>"]
    parts += [f'<p class="legend">Kategori capaian{" " + esc(a.label) if several else ""}: '
              f"{legend(a)}</p>" for a in kabs]
    if periods:
        parts.append("<nav>" + "".join(
            f'<a href="#p{t}-tw{w}">{F.triwulan(w)} {t}</a>' for t, w in periods) + "</nav>")
    parts.append("</header>")
    if not periods:
        parts.append('<p class="muted">Belum ada laporan. Buat dengan: make report KEC=… TW=… '
                     "atau make all TW=….</p>")
    for tahun, tw in periods:
        parts.append(f'<section id="p{tahun}-tw{tw}"><h2>{F.triwulan(tw)} Tahun {tahun}</h2>')
        for a in kabs:
            found = rekap.get((tahun, tw), {}).get(a.slug)
            rows = [e for e in entries if (e.rid.tahun, e.rid.tw) == (tahun, tw)
                    and e.aturan.slug == a.slug]
            if several and (rows or found):
                parts.append(f"<h3>{esc(a.label)}</h3>")
            if found:
                links = " · ".join(f'<a href="{found[f]}">{FORMAT_LABEL[f]}</a>'
                                   for f in ("html", "pdf", "docx") if f in found)
                parts.append(f"<p>Rekap kabupaten (perbandingan antarkecamatan): {links}</p>")
            if rows:
                parts.append("<table><thead><tr>" + "".join(f"<th>{c}</th>" for c in COLUMNS)
                             + "</tr></thead><tbody>")
                parts += [_row(root, e) for e in rows]
                parts.append("</tbody></table>")
        parts.append("</section>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def write(root: Path) -> Path:
    """(Re)generate reports/index.html atomically."""
    root = Path(root)
    from lkj.publish import write_atomic

    target = root / INDEX
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(target, render_html(root))
