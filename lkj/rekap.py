"""Kabupaten recap: all kecamatan of one quarter compared (``lkj rekap``, ``make rekap``).

``notebooks/rekap.ipynb`` calls :class:`Rekap` once per section, like the report notebook calls
:class:`lkj.report.Laporan`; :func:`build` executes it with papermill in a private work directory
under build/ and renders it with the same engine as the reports (:func:`lkj.render.render`) into
``reports/kabupaten/<tahun>/tw<N>/``.

Every kecamatan folder with data for the quarter is validated and computed afresh from data/raw/
(the same code as a report), so the recap never mixes stale processed tables with new data.
A recap covers one kabupaten (its kecamatan folders, by their profil.csv) under its own rules
(lkj.kabupaten: deadline, rating labels); ``lkj rekap`` writes one for every kabupaten that has
data for the quarter. Sections: capaian per shared indicator (ranked, with a chart), budget
absorption per kecamatan and per program, missing and late reports against the kecamatan of the
kabupaten (Lumajang: 21), and the
kecamatan whose data raised warnings or failed validation. Indicators are "shared" when two or
more kecamatan report an indicator of the same name (compared case-, space- and
punctuation-insensitively: "Rata - rata Persentase …" = "Rata-rata persentase …").
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import yaml

from lkj import anggaran as A
from lkj import formatting as F
from lkj import holidays, kabupaten, kinerja, layout
from lkj.errors import LkjError, ValidationError, rel
from lkj.params import ReportId, parse_tw, year

NOTEBOOK = Path("notebooks") / "rekap.ipynb"
SECTIONS = ("metadata", "sampul", "ringkasan", "capaian", "anggaran", "ketepatan", "kepatuhan",
            "peringatan", "lampiran")
FORMATS = ("html", "pdf")
BELUM_MASUK = "belum masuk"        # no data folder for the quarter: the report was not sent
BELUM_DIINPUT = "belum diinput"    # a folder from `lkj init` whose data is not entered yet


def indikator_key(nama: str) -> str:
    """Name of an indicator as compared across kecamatan: letters and digits only, lower case."""
    return re.sub(r"[^0-9a-z]", "", str(nama).lower())


@dataclass
class Unit:
    """One kecamatan/unit with data for the quarter."""
    rid: ReportId
    nama: str
    sintetis: bool
    result: object = None             # lkj.process.Result when the data is valid
    error: str = ""                   # first validation problem otherwise
    n_errors: int = 0
    warnings: list[str] = field(default_factory=list)
    ketepatan: holidays.Ketepatan | None = None
    laporan_ada: bool = False
    belum_diinput: bool = False       # invalid because the quarter's templates are not filled in


def folders_of(root: Path, aturan: kabupaten.Aturan) -> list[str]:
    """The kecamatan folders whose profil.csv places them in this kabupaten."""
    return [kec for kec in layout.kec_folders(root)
            if kabupaten.for_folder(root, kec).slug == aturan.slug]


def kabupaten_with_data(root: Path, tahun: int, tw: int) -> list[kabupaten.Aturan]:
    """Every kabupaten with a data folder for the quarter (the default one when none has)."""
    found = {}
    for kec in {r.kec for r in layout.with_data(root, tw, tahun)}:
        a = kabupaten.for_folder(root, kec)
        found.setdefault(a.slug, a)
    return sorted(found.values(), key=lambda a: (a.sintetis, not a.bawaan, a.nama)) \
        or [kabupaten.default(root)]


def collect(root: Path, tahun: int, tw: int, aturan: kabupaten.Aturan | None = None
            ) -> list[Unit]:
    from lkj.portal import _profil_nama
    from lkj.process import build
    from lkj.scaffold import BELUM_DIISI

    aturan = aturan or kabupaten.default(root)
    units = []
    for kec in folders_of(root, aturan):
        for rid in layout.with_data(root, tw, tahun, kec):
            u = Unit(rid, _profil_nama(root, kec), kabupaten.is_synthetic(root, kec))
            try:
                u.result = build(root, rid)
            except ValidationError as exc:
                u.error, u.n_errors = str(exc.problems[0]), len(exc.problems)
                # `lkj init` leaves CONTOH rows and empty cells to fill: not yet entered, rather
                # than wrong.
                u.belum_diinput = any("CONTOH" in str(p) or "belum diisi" in p.message
                                      or "wajib diisi tetapi kosong" in p.message
                                      for p in exc.problems)
            except LkjError as exc:
                u.error, u.n_errors = str(exc), 1
            if u.result is not None:
                meta = u.result.meta
                u.nama = meta["profil"].get("nama_kecamatan") or u.nama
                u.warnings = list(meta.get("warnings") or [])
                u.warnings += [f"narasi/{k}.md belum diisi (masih berisi teks petunjuk)"
                               for k, text in sorted(u.result.narasi.items())
                               if F.md(BELUM_DIISI) in text]  # narasi is escaped Markdown
                tgl = meta["laporan"].get("tanggal")
                u.ketepatan = holidays.ketepatan(tahun, tw, dt.date.fromisoformat(str(tgl))
                                                 if tgl else None, root, aturan)
            u.sintetis = u.sintetis or kabupaten.SYNTH_LABEL in u.nama
            u.laporan_ada = (rid.report_dir(root) / f"{rid.slug}.html").is_file()
            units.append(u)
    return units


class Rekap:
    def __init__(self, root: Path | str | None, tahun: int, tw: int,
                 figures_dir: str | Path = "figures", engine: str = "", commit: str = "",
                 kab: str = ""):
        from lkj.params import project_root

        self.root = Path(root) if root else project_root()
        self.tahun, self.tw = int(tahun), int(tw)
        self.figures_dir = Path(figures_dir)
        self.engine, self.commit = engine, commit
        self.aturan = _rules(self.root, kab)
        self.kab = self.aturan.nama
        self.units = collect(self.root, self.tahun, self.tw, self.aturan)
        self.camat = [u for u in self.units if u.rid.unit == "camat" and u.result is not None]
        self.batas = holidays.batas_laporan(self.tahun, self.tw, self.root, self.aturan)
        self._n: dict[str, int] = {}

    # ---- helpers ------------------------------------------------------------------------
    @property
    def periode(self) -> str:
        return f"{F.triwulan(self.tw)} Tahun {self.tahun}"

    def _number(self, kind: str) -> str:
        self._n[kind] = self._n.get(kind, 0) + 1
        return f"{kind} {self._n[kind]}"

    def _figure(self, fig, title: str, ident: str) -> str:
        from lkj import charts
        label = self._number("Gambar")
        path = self.figures_dir / f"{ident}.png"
        charts.save(fig, path)
        return f"![{label} {F.md(title)}]({path.as_posix()}){{#fig-{ident} width=100%}}\n"

    def show(self, section: str) -> None:
        from IPython.display import Markdown, display
        display(Markdown(self.section(section)))

    def section(self, name: str) -> str:
        if name not in SECTIONS:
            raise KeyError(f"bagian rekap tidak dikenal: {name}")
        return getattr(self, f"_{name}")()

    def markdown(self) -> str:
        return "\n\n".join(self.section(s) for s in SECTIONS)

    def sintetis(self) -> list[Unit]:
        return [u for u in self.units if u.sintetis]

    # ---- computed views (used by the sections and by tests) -----------------------------
    def shared_indicators(self) -> list[dict]:
        """[{nama, satuan, polaritas, rows: [(unit, indikator row)] ranked best first}] for every
        indicator name reported by two or more kecamatan (Camat reports)."""
        groups: dict[str, dict] = {}
        for u in self.camat:
            for r in u.result.indikator.itertuples():
                # the IKU code the data may declare; otherwise the name
                key = f"iku:{r.kode_iku}" if getattr(r, "kode_iku", "") else indikator_key(r.indikator)
                g = groups.setdefault(key,
                                      {"nama": r.indikator, "satuan": r.satuan, "rows": []})
                g["rows"].append((u, r))
        shared = [g for g in groups.values() if len({u.rid.kec for u, _ in g["rows"]}) >= 2]
        for g in shared:
            g["rows"].sort(key=lambda ur: (ur[1].capaian is None,
                                           -(ur[1].capaian or 0), ur[0].nama))
        return sorted(shared, key=lambda g: (-len(g["rows"]), g["nama"].lower()))

    def serapan(self) -> list[tuple[Unit, int, int]]:
        """[(unit, pagu sen, realisasi sen)] per kecamatan, highest absorption first."""
        rows = []
        for u in self.camat:
            r = u.result.meta["ringkasan"]
            rows.append((u, int(r["pagu"]), int(r["realisasi_anggaran"])))
        return sorted(rows, key=lambda x: (-(A.persen(x[2], x[1]) or 0), x[0].nama))

    def per_program(self) -> tuple[list[tuple[str, str]], dict[tuple[str, str], tuple[int, int]]]:
        """Programs (kode, uraian) in code order and {(kec, kode): (pagu, realisasi)}."""
        names: dict[str, str] = {}
        cells = {}
        for u in self.camat:
            for p in A.programs(u.result.anggaran).itertuples():
                names.setdefault(p.kode, p.uraian)
                cells[(u.rid.kec, p.kode)] = (int(p.pagu), int(p.realisasi))
        order = sorted(names, key=A.sort_key)
        return [(k, names[k]) for k in order], cells

    def status_rows(self) -> list[dict]:
        """Every kecamatan of the kabupaten (and any other data folder), with its report status."""
        by_kec: dict[str, list[Unit]] = {}
        for u in self.units:
            by_kec.setdefault(u.rid.kec, []).append(u)
        rows = []
        known = {k.slug: k.nama for k in self.aturan.kecamatan()}
        slugs = list(known) + sorted(k for k in by_kec if k not in known)
        for slug in slugs:
            units = by_kec.get(slug)
            if not units:
                rows.append({"nama": known[slug], "unit": "–", "status": BELUM_MASUK,
                             "laporan": "–", "tanggal": None, "ketepatan": "–"})
                continue
            for u in units:
                if u.result is None:
                    status = BELUM_DIINPUT if u.belum_diinput else "data tidak valid"
                else:
                    status = "valid" + (f", {len(u.warnings)} peringatan" if u.warnings else "")
                k = u.ketepatan
                rows.append({"nama": u.nama, "unit": "Camat" if u.rid.unit == "camat" else u.rid.unit,
                             "status": status, "laporan": "ada" if u.laporan_ada else "belum dibuat",
                             "tanggal": k.tanggal if k else None,
                             "ketepatan": k.label if k else "–", "unit_obj": u})
        return rows

    def _tanggal(self) -> dt.date:
        """The recap's date comes from the data (latest signing date of the reports it covers),
        so a rebuild from the same data prints the same date; SOURCE_DATE_EPOCH, then today,
        only when no report carries a date."""
        dates = [u.ketepatan.tanggal for u in self.units if u.ketepatan and u.ketepatan.tanggal]
        if dates:
            return max(dates)
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
        if epoch.isdigit():
            return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
        return dt.date.today()

    # ---- sections -----------------------------------------------------------------------
    def _metadata(self) -> str:
        data = {"title": f"Rekap Kinerja Kecamatan {self.periode}",
                "subtitle": self.aturan.label
                            + (f" — memuat {kabupaten.SYNTH_LABEL}" if self.sintetis() else ""),
                "author": f"Pemerintah {self.aturan.label}",
                "date": F.tanggal(self._tanggal()), "lang": "id"}
        return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False,
                                         default_style='"') + "---\n"

    def _sampul(self) -> str:
        note = (f"\n\n**Memuat {kabupaten.SYNTH_LABEL}**" if self.sintetis() else "")
        return (f"::: {{.cover}}\n**REKAP LAPORAN KINERJA KECAMATAN**\n\n"
                f"**{F.triwulan(self.tw).upper()}**\n\n**TAHUN {self.tahun}**\n\n"
                f"Pemerintah {F.md(self.aturan.label)}{note}\n:::\n")

    def _synth_note(self) -> str:
        s = self.sintetis()
        if not s:
            return ""
        names = ", ".join(F.md(u.nama) for u in s)
        return (f"> **Perhatian: rekap ini memuat {kabupaten.SYNTH_LABEL}** yang dibangkitkan "
                f"oleh `lkj synth` untuk peragaan, yaitu: {names}. Angkanya bukan kinerja "
                "sebenarnya.\n")

    def _ringkasan(self) -> str:
        rows = self.status_rows()
        known = {k.slug for k in self.aturan.kecamatan()}
        total = len(known)
        kec_data = {u.rid.kec for u in self.units}
        valid = [u for u in self.units if u.result is not None]
        late = [u for u in valid if u.ketepatan and u.ketepatan.tepat_waktu is False]
        on_time = [u for u in valid if u.ketepatan and u.ketepatan.tepat_waktu]
        missing = [r for r in rows if r["status"] == BELUM_MASUK]
        not_entered = [u for u in self.units if u.result is None and u.belum_diinput]
        invalid = [u for u in self.units if u.result is None]
        batas = F.tanggal(self.batas.tanggal)
        lines = [
            "::: {.pagebreak}\n:::\n", "# RINGKASAN {.unnumbered}\n", self._synth_note(),
            f"Rekap ini membandingkan laporan kinerja kecamatan di Kabupaten "
            f"{F.md(self.kab)} untuk {self.periode}. Data tersedia untuk "
            f"{len(kec_data & known)} dari {total} kecamatan"
            + (f" (ditambah {len(kec_data - known)} folder lain)"
               if kec_data - known else "")
            + f", seluruhnya {len(self.units)} laporan ({self._counts()}).\n",
            f"- Batas waktu laporan {self.periode}: **{batas}** ({self.aturan.hari_kerja} hari "
            "kerja setelah akhir triwulan).",
            f"- Laporan dengan data valid: {len(valid)}; tepat waktu: {len(on_time)}; "
            f"terlambat: {len(late)}.",
            f"- Data belum diinput (folder sudah disiapkan): {len(not_entered)}; data tidak "
            f"valid: {len(invalid) - len(not_entered)} (laporan tidak dapat dibuat).",
            f"- Kecamatan yang laporannya belum masuk: {len(missing)}.\n"]
        if not self.batas.lengkap:
            lines.append(f"Catatan: daftar hari libur untuk tahun "
                         f"{', '.join(map(str, self.batas.tahun_tanpa_data))} belum ada di "
                         "data/libur_nasional.csv; batas waktu dihitung tanpa hari libur tahun itu.\n")
        return "\n".join(l for l in lines if l)

    def _capaian(self) -> str:
        from lkj import charts

        parts = ["::: {.pagebreak}\n:::\n", "# CAPAIAN INDIKATOR BERSAMA {.unnumbered}\n",
                 "Indikator yang sama (nama sama, tanpa membedakan huruf besar/kecil, spasi dan "
                 "tanda baca) dibandingkan antarkecamatan dari laporan Camat. Peringkat disusun "
                 "dari capaian tertinggi; capaian yang tidak dapat dihitung ditaruh paling bawah. "
                 "Kategori memakai skala yang sama dengan laporan kecamatan.\n"]
        shared = self.shared_indicators()
        if not shared:
            parts.append("Belum ada indikator yang dilaporkan oleh dua kecamatan atau lebih.\n")
        for i, g in enumerate(shared, 1):
            parts.append(f"## {i}. {F.md(g['nama'])} {{.unnumbered}}\n")
            rows = []
            for rank, (u, r) in enumerate(g["rows"], 1):
                rows.append([str(rank), F.md(u.nama), F.value_with_unit(r.target_periode, r.satuan),
                             F.value_with_unit(r.realisasi, r.satuan), F.percent(r.capaian),
                             r.kategori])
            parts.append(F.md_table(
                ["Peringkat", "Kecamatan", "Target", f"Realisasi s.d. TW {F.roman(self.tw)}",
                 "Capaian", "Kategori"], rows, "llrrrl",
                f"{self._number('Tabel')} Peringkat capaian: {g['nama']}",
                f"tbl-capaian-{i}"))
            parts.append(self._figure(_ranking_chart([(u.nama, r.capaian, r.kategori)
                                                      for u, r in g["rows"]], charts,
                                                     self.aturan.skala),
                                      f"Peringkat capaian {g['nama']}", f"peringkat-{i}"))
        # overall mean per kecamatan: each over its own indicators, so it is labelled as such
        rows = []
        ranked = sorted(self.camat, key=lambda u: (
            u.result.meta["ringkasan"]["capaian_rata_rata"] is None,
            -(u.result.meta["ringkasan"]["capaian_rata_rata"] or 0), u.nama))
        for rank, u in enumerate(ranked, 1):
            r = u.result.meta["ringkasan"]
            rows.append([str(rank), F.md(u.nama), str(r["jumlah_indikator"]),
                         str(r["jumlah_tercapai"]), F.percent(r["capaian_rata_rata"]),
                         r["kategori_rata_rata"]])
        if rows:
            parts.append("## Rata-rata capaian per kecamatan {.unnumbered}\n")
            parts.append("Rata-rata dihitung atas seluruh indikator masing-masing kecamatan; "
                         "jumlah dan jenis indikatornya bisa berbeda, jadi bandingkan bersama tabel "
                         "indikator bersama di atas.\n")
            parts.append(F.md_table(["Peringkat", "Kecamatan", "Indikator", "Tercapai",
                                     "Rata-rata capaian", "Kategori"], rows, "llrrrl",
                                    f"{self._number('Tabel')} Rata-rata capaian per kecamatan",
                                    "tbl-rata"))
        return "\n".join(parts)

    def _anggaran(self) -> str:
        from lkj import charts

        parts = ["::: {.pagebreak}\n:::\n", "# SERAPAN ANGGARAN {.unnumbered}\n",
                 f"Realisasi anggaran kumulatif sampai dengan {self.periode} dibandingkan dengan "
                 "pagu. Persentase = realisasi ÷ pagu × 100%, dihitung tepat dari rupiah dan sen.\n"]
        data = self.serapan()
        rows, tp, tr = [], 0, 0
        for rank, (u, pagu, real) in enumerate(data, 1):
            rows.append([str(rank), F.md(u.nama), F.rupiah(pagu), F.rupiah(real),
                         F.rupiah(pagu - real), F.percent(A.persen(real, pagu))])
            tp, tr = tp + pagu, tr + real
        if rows:
            rows.append(["", "JUMLAH", F.rupiah(tp), F.rupiah(tr), F.rupiah(tp - tr),
                         F.percent(A.persen(tr, tp))])
            parts.append(F.md_table(["Peringkat", "Kecamatan", "Pagu (Rp)", "Realisasi (Rp)",
                                     "Sisa (Rp)", "Serapan"], rows, "llrrrr",
                                    f"{self._number('Tabel')} Serapan anggaran per kecamatan",
                                    "tbl-serapan", {len(rows) - 1}))
            parts.append(self._figure(_serapan_chart([(u.nama, A.persen(r, p)) for u, p, r in data],
                                                     charts),
                                      "Serapan anggaran per kecamatan", "serapan-kecamatan"))
        else:
            parts.append("Belum ada kecamatan dengan data anggaran yang valid.\n")
        programs, cells = self.per_program()
        if programs and self.camat:
            kecs = sorted(self.camat, key=lambda u: u.nama)
            rows, sums = [], {k: [0, 0] for k, _ in programs}
            for u in kecs:
                row = [F.md(u.nama)]
                for kode, _ in programs:
                    v = cells.get((u.rid.kec, kode))
                    row.append(F.percent(A.persen(v[1], v[0])) if v else "–")
                    if v:
                        sums[kode][0] += v[0]
                        sums[kode][1] += v[1]
                rows.append(row)
            rows.append(["Gabungan"] + [F.percent(A.persen(sums[k][1], sums[k][0]))
                                        for k, _ in programs])
            parts.append("## Serapan per program {.unnumbered}\n")
            parts.append("Persentase serapan setiap program di setiap kecamatan. Baris terakhir "
                         "adalah serapan gabungan seluruh kecamatan (jumlah realisasi ÷ jumlah "
                         "pagu). Tanda – berarti kecamatan itu tidak memiliki program tersebut. "
                         "Program:\n")
            parts.append("\n".join(f"- {F.md(k)}: {F.md(u)}" for k, u in programs) + "\n")
            parts.append(F.md_table(["Kecamatan", *[F.md(k) for k, _ in programs]], rows,
                                    "l" + "r" * len(programs),
                                    f"{self._number('Tabel')} Serapan anggaran per program dan "
                                    "kecamatan", "tbl-program", {len(rows) - 1}))
        return "\n".join(parts)

    def _ketepatan(self) -> str:
        rows = self.status_rows()
        table = [[str(i), F.md(r["nama"]), F.md(r["unit"]), F.md(r["status"]), r["laporan"],
                  F.tanggal(r["tanggal"]) if r["tanggal"] else "–", F.md(r["ketepatan"])]
                 for i, r in enumerate(rows, 1)]
        missing = [r["nama"] for r in rows if r["status"] == BELUM_MASUK]
        late = [r for r in rows if str(r["ketepatan"]).startswith("terlambat")]
        parts = ["::: {.pagebreak}\n:::\n", "# KETEPATAN DAN KELENGKAPAN LAPORAN {.unnumbered}\n",
                 f"Batas waktu laporan {self.periode} adalah **{F.tanggal(self.batas.tanggal)}**: "
                 f"{F.md(self.aturan.aturan_batas)}, tidak termasuk "
                 "Sabtu, Minggu, hari libur nasional dan cuti bersama "
                 f"({F.md(self.aturan.libur)}). "
                 "Ketepatan dinilai dari tanggal penandatanganan di laporan.csv.\n",
                 F.md_table(["No", "Kecamatan", "Unit", "Data", "Laporan", "Ditandatangani",
                             "Ketepatan"], table, "lllllrl",
                            f"{self._number('Tabel')} Status laporan {self.periode}",
                            "tbl-status")]
        parts.append(f"**Belum masuk ({len(missing)}):** "
                     + (", ".join(F.md(n) for n in missing) if missing else "tidak ada") + ".\n")
        parts.append(f"**Terlambat ({len(late)}):** "
                     + ("; ".join(f"{F.md(r['nama'])} ({F.md(r['unit'])}, {F.md(r['ketepatan'])})"
                                  for r in late) if late else "tidak ada") + ".\n")
        return "\n".join(parts)

    def _counts(self) -> str:
        camat = sum(u.rid.unit == "camat" for u in self.units)
        kasi = len(self.units) - camat
        return " dan ".join(t for t in ((f"{camat} Camat" if camat else ""),
                                        (f"{kasi} Kasi" if kasi else "")) if t) or "tidak ada"

    def compliance_rows(self) -> list[dict]:
        """What Bagian Organisasi checks in each valid report, one row per report."""
        out = []
        for u in (u for u in self.units if u.result is not None):
            r, ind = u.result, u.result.indikator
            quarter = ind["target_periode_triwulan"].map(bool) if len(ind) else ind.iloc[0:0]
            tot = r.meta["ringkasan"]
            cover = A.persen(int(tot["pagu"]) - int(tot.get("pagu_tanpa_indikator") or 0),
                             int(tot["pagu"]))
            signed = u.ketepatan.tanggal if u.ketepatan else None
            end = dt.date.fromisoformat(r.meta["periode_akhir"])
            tanpa = sum(1 for x in ind.itertuples()
                        if x.cara_hitung == "nilai_langsung" and not getattr(x, "sumber_nilai", ""))
            out.append({
                "unit": u, "pk": len(ind),
                "target_tw": ("semua" if len(quarter) and quarter.all() else
                              "sebagian" if quarter.any() else "tidak ada"),
                "riwayat": "ada" if len(r.riwayat) else "tidak ada",
                "renstra": "ada" if ind["target_renstra"].notna().any() else "tidak ada",
                "cakupan": cover, "tanggapan": "diisi" if len(r.tanggapan_atasan) else "kosong",
                "sesudah_periode": ("ya" if signed and signed > end else
                                    "tidak" if signed else "–"),
                "tepat": (u.ketepatan.label if u.ketepatan else "–"),
                "tanpa_sumber": tanpa})
        return out

    def _kepatuhan(self) -> str:
        rows = self.compliance_rows()
        parts = ["::: {.pagebreak}\n:::\n", "# KEPATUHAN LAPORAN {.unnumbered}\n",
                 "Untuk setiap laporan dengan data valid: jumlah indikator Perjanjian Kinerja, "
                 "apakah target triwulan ditetapkan, apakah ada data tahun-tahun sebelumnya "
                 "(riwayat) dan target Renstra untuk pembanding, berapa persen pagu yang "
                 "dikaitkan dengan indikator (cakupan analisis efisiensi), apakah tanggapan "
                 "atasan langsung diisi, apakah laporan ditandatangani sesudah akhir periode dan "
                 "tepat waktu, dan berapa realisasi yang dilaporkan langsung tanpa sumber.\n"]
        table = [[u["unit"].nama, "Camat" if u["unit"].rid.unit == "camat" else u["unit"].rid.unit,
                  str(u["pk"]), u["target_tw"], u["riwayat"], u["renstra"], F.percent(u["cakupan"]),
                  u["tanggapan"], u["sesudah_periode"], u["tepat"], str(u["tanpa_sumber"])]
                 for u in rows]
        if table:
            parts.append(F.md_table(["Kecamatan", "Unit", "Indikator PK", "Target TW",
                                     "Riwayat", "Renstra", "Cakupan anggaran", "Tanggapan atasan",
                                     "Ditandatangani sesudah periode", "Ketepatan",
                                     "Realisasi tanpa sumber"], table, "llrlllrllll",
                                    f"{self._number('Tabel')} Kepatuhan laporan {self.periode}",
                                    "tbl-kepatuhan"))
        trend = []
        for u in sorted(self.camat, key=lambda u: u.nama):
            tri = u.result.triwulan
            before = tri[tri["tw"].map(int) == self.tw - 1] if len(tri) else tri
            cap_before = (kinerja.average(list(before["capaian"])) if len(before) else None)
            ser_before = before["serapan"].iloc[0] if len(before) else None
            r = u.result.meta["ringkasan"]
            trend.append([u.nama, F.percent(cap_before), F.percent(r["capaian_rata_rata"]),
                          F.percent(ser_before), F.percent(r["persen_anggaran"])])
        if trend and self.tw > 1:
            parts.append("## Dibandingkan dengan triwulan sebelumnya {.unnumbered}\n")
            parts.append(F.md_table(["Kecamatan", f"Capaian rata-rata TW {F.roman(self.tw - 1)}",
                                     f"Capaian rata-rata TW {F.roman(self.tw)}",
                                     f"Serapan TW {F.roman(self.tw - 1)}",
                                     f"Serapan TW {F.roman(self.tw)}"], trend, "lrrrr",
                                    f"{self._number('Tabel')} Capaian dan serapan dibandingkan "
                                    f"dengan {F.triwulan(self.tw - 1)}", "tbl-triwulan-lalu"))
            parts.append("Tanda – berarti data triwulan sebelumnya belum ada atau tidak valid.\n")
        low = []
        for u in sorted(self.camat, key=lambda u: u.nama):
            ang, tot = u.result.anggaran, u.result.meta["ringkasan"]
            parents = {A.parent(k) for k in ang["kode"]}
            leaves = ang[~ang["kode"].isin(parents)]
            ambang = tot.get("ambang_serapan") or kinerja.ambang_serapan(self.tw)
            below = leaves[[bool(p) and (x or 0) < ambang for p, x in
                            zip(leaves["pagu"], leaves["persen"])]]
            low.append([u.nama, str(len(leaves)), str(len(below)),
                        str(int((below["realisasi"] == 0).sum())),
                        F.rupiah(int(below["pagu"].sum()))])
        if low:
            parts.append("## Anggaran yang belum terserap {.unnumbered}\n")
            parts.append(f"Baris anggaran paling rinci (sub kegiatan) yang sampai dengan "
                         f"{self.periode} menyerap kurang dari "
                         f"{F.percent(kinerja.ambang_serapan(self.tw))} pagu, yaitu separuh dari "
                         f"serapan yang sepadan dengan bagian tahun yang telah berjalan "
                         f"({F.percent(kinerja.tahun_berjalan(self.tw))}), termasuk yang belum "
                         "terealisasi sama sekali.\n")
            parts.append(F.md_table(["Kecamatan", "Baris anggaran", "Serapan rendah", "Rp0",
                                     "Pagu serapan rendah (Rp)"], low, "lrrrr",
                                    f"{self._number('Tabel')} Anggaran dengan serapan rendah "
                                    f"{self.periode}", "tbl-serapan-rendah"))
        return "\n".join(parts)

    def _peringatan(self) -> str:
        parts = ["# KECAMATAN DENGAN PERINGATAN DATA {.unnumbered}\n"]
        flagged = [u for u in self.units if u.result is None or u.warnings]
        if not flagged:
            parts.append("Tidak ada kecamatan dengan peringatan atau data yang tidak valid.\n")
        for u in flagged:
            unit = "Camat" if u.rid.unit == "camat" else u.rid.unit
            parts.append(f"**{F.md(u.nama)}** ({F.md(unit)})\n")
            if u.result is None:
                more = f" (dan {u.n_errors - 1} masalah lain)" if u.n_errors > 1 else ""
                parts.append(f"- Data tidak valid, laporan tidak dapat dibuat: {F.md(u.error)}{more}")
            parts += [f"- {F.md(w)}" for w in u.warnings]
            parts.append("")
        return "\n".join(parts)

    def _lampiran(self) -> str:
        from lkj import __version__
        params = (f"Parameter: TAHUN={self.tahun}, TW={self.tw}. Perangkat lunak lkj "
                  f"{F.md(__version__)}" + (f", commit {F.md(self.commit)}" if self.commit else "")
                  + (f", mesin render {F.md(self.engine)}" if self.engine else "") + ".")
        files = [[F.md(f"data/raw/{u.rid.kec}/{u.rid.tahun}/{u.rid.unit}/tw{u.rid.tw}/"),
                  "valid" if u.result is not None else "tidak valid",
                  str(len(u.result.meta["files"])) if u.result is not None else "–"]
                 for u in self.units]
        return "\n".join([
            "::: {.pagebreak}\n:::\n", "# LAMPIRAN {.unnumbered}\n",
            "## Cara penyusunan {.unnumbered}\n",
            "Setiap folder data diperiksa dan dihitung ulang dengan aturan yang sama seperti "
            "laporan kecamatan (capaian, kategori, roll-up anggaran). Nilai disimpan tepat dan "
            "baru dibulatkan saat dicetak (dua desimal, setengah ke atas).\n", params + "\n",
            F.md_table(["Folder data", "Status", "Berkas"], files, "llr",
                       "Lampiran 1 Folder data yang direkap", "tbl-folder")])


def _ranking_chart(items: list[tuple[str, Fraction | None, str]], charts, skala):
    """Horizontal bars, best on top, coloured by category; a line marks 100% (target met)."""
    import matplotlib.pyplot as plt

    palette = charts.band_colours(skala)
    with plt.rc_context(charts.STYLE):
        fig, ax = charts._figure(len(items))
        y = list(range(len(items)))[::-1]
        values = [float(c) if c is not None else 0.0 for _, c, _ in items]
        colours = [palette.get(k, "#9aa5b1") for _, _, k in items]
        ax.barh(y, values, 0.6, color=colours)
        for (_name, cap, _), yy, v in zip(items, y, values):
            ax.text(v + 1, yy, F.percent(cap), va="center", fontsize=8)
        ax.axvline(100, color="#57606a", linestyle="--", linewidth=0.8)
        ax.set_yticks(y)
        ax.set_yticklabels([charts._wrap(n, 32) for n, _, _ in items])
        ax.set_xlim(0, max(110.0, max(values, default=0) * 1.15))
        charts._pct_axis(ax)
        ax.set_xlabel("Capaian")
        fig.tight_layout()
    return fig


def _serapan_chart(items: list[tuple[str, Fraction | None]], charts):
    import matplotlib.pyplot as plt

    with plt.rc_context(charts.STYLE):
        fig, ax = charts._figure(len(items))
        y = list(range(len(items)))[::-1]
        values = [float(p) if p is not None else 0.0 for _, p in items]
        ax.barh(y, values, 0.6, color=charts.COLOURS["realisasi"])
        for (_name, p), yy, v in zip(items, y, values):
            ax.text(v + 1, yy, F.percent(p), va="center", fontsize=8)
        ax.set_yticks(y)
        ax.set_yticklabels([charts._wrap(n, 32) for n, _ in items])
        ax.set_xlim(0, max(110.0, max(values, default=0) * 1.15))
        charts._pct_axis(ax)
        ax.set_xlabel("Serapan anggaran")
        fig.tight_layout()
    return fig


# ---- building: execute the notebook, render, publish --------------------------------------

def _rules(root: Path, kab: str) -> kabupaten.Aturan:
    if not kab:
        return kabupaten.default(root)
    found = kabupaten.find(root, kab)
    if found is None:
        raise LkjError(f"Kabupaten {kab!r} tidak punya berkas aturan di {kabupaten.CONFIG_DIR}/. "
                       "Pilih salah satu: " + ", ".join(kabupaten.all_rules(root)) + ".")
    return found


def basename(tahun: int, tw: int, kab: str = "lumajang") -> str:
    return f"rekap-{kab}-{tahun}-tw{tw}"


def output_dir(root: Path, tahun: int, tw: int) -> Path:
    from lkj.portal import REKAP_DIR
    return Path(root) / "reports" / REKAP_DIR / str(tahun) / f"tw{tw}"


def build(root: Path, tw, tahun=None, engine: str = "auto",
          formats: tuple[str, ...] = FORMATS, kab: str = "") -> dict[str, Path]:
    """Execute notebooks/rekap.ipynb for one kabupaten (``kab``: file name or code of its
    rules; the default kabupaten when empty), render it, publish into reports/kabupaten/…;
    regenerate the portal. Returns {format: published path}."""
    from papermill.exceptions import PapermillExecutionError

    from lkj import pipeline, portal, publish, render
    from lkj.execute import run_notebook

    root = Path(root)
    tw_n = parse_tw(tw)
    tahun_n = year(root, tw_n, tahun)
    if not (root / NOTEBOOK).is_file():
        raise LkjError(f"Notebook rekap {NOTEBOOK} tidak ditemukan.")
    aturan = _rules(root, kab)
    chosen = render.select_engine(engine)
    name = basename(tahun_n, tw_n, aturan.slug)
    with publish.work_dir(root / "build", f"{name}-", temp=True) as workdir:
        executed = workdir / f"{name}.ipynb"
        # No root: the notebook finds the project from its working directory under build/
        # (an absolute path would be published in the notebook).
        params = {"root": "", "tahun": tahun_n, "tw": tw_n, "kab": aturan.slug,
                  "figures_dir": "figures", "engine": chosen, "commit": pipeline.git_commit(root)}
        try:  # the same executor as the reports (lkj/execute.py)
            run_notebook(root / NOTEBOOK, executed, params, workdir)
        except PapermillExecutionError as exc:
            failed = root / "build" / "gagal" / f"{name}.ipynb"
            failed.parent.mkdir(parents=True, exist_ok=True)
            if executed.exists():
                shutil.copyfile(executed, failed)
            raise LkjError(f"Rekap {F.triwulan(tw_n)} {tahun_n} gagal dibuat: {exc.ename}: "
                           f"{exc.evalue}. Notebook yang berhenti disimpan di {rel(failed, root)}; "
                           "rekap lama di reports/ tidak diubah.") from None
        outputs = render.render(executed, workdir / "out", name, formats=formats, engine=chosen,
                                project_root=root)
        outputs["ipynb"] = executed
        placed = pipeline.publish(outputs, output_dir(root, tahun_n, tw_n))
    portal.write(root)
    return placed
