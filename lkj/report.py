"""The report's chapters as Markdown, built from computed tables (no rule lives in the notebook).

The notebook calls ``Laporan.show(<section>)`` once per chapter; each call displays one Markdown
output. Tables, figures and generated sentences are numbered here, in the order they are shown.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from pathlib import Path

import yaml

from lkj import anggaran as A
from lkj import charts, desa, kinerja
from lkj import formatting as F
from lkj import narrative as N
from lkj.process import Result, read_processed

SECTIONS = ("metadata", "sampul", "kata_pengantar", "bab1", "bab2", "bab3_capaian",
            "bab3_perbandingan", "bab3_analisis", "bab3_anggaran", "bab4", "lampiran")


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


class Laporan:
    def __init__(self, result: Result, figures_dir: str | Path = "figures",
                 engine: str = "", commit: str = ""):
        self.r = result
        self.meta = result.meta
        self.figures_dir = Path(figures_dir)
        self.engine, self.commit = engine, commit
        self.tahun, self.tw = int(self.meta["tahun"]), int(self.meta["tw"])
        self.kec = self.meta["profil"].get("nama_kecamatan", self.meta["kec"].title())
        self.kab = self.meta["profil"].get("kabupaten", "")
        self.jabatan = str(self.meta["laporan"]["nama_jabatan"])
        self._counters: dict[tuple[str, int], int] = {}
        self.processed_dir: Path | None = None

    @classmethod
    def from_processed(cls, processed_dir: str | Path, figures_dir: str | Path = "figures",
                       engine: str = "", commit: str = "") -> "Laporan":
        folder = Path(processed_dir)
        if not folder.is_absolute():  # as the notebook is given it: relative to the project
            from lkj.params import project_root
            folder = project_root() / folder
        lap = cls(read_processed(folder), figures_dir, engine, commit)
        lap.processed_dir = folder.resolve()
        return lap

    # ---- helpers ------------------------------------------------------------------------
    @property
    def periode(self) -> str:
        return N.periode(self.tahun, self.tw)

    @property
    def unit_nama(self) -> str:
        """"Kecamatan Candipuro" for a Camat report, "Kasi … Kecamatan Candipuro" for a section."""
        if self.meta["unit"] == "camat":
            return f"Kecamatan {self.kec}"
        return f"{self.jabatan} Kecamatan {self.kec}"

    def _number(self, kind: str, bab: int) -> str:
        key = (kind, bab)
        self._counters[key] = self._counters.get(key, 0) + 1
        return f"{kind} {bab}.{self._counters[key]}"

    @cached_property
    def figures(self) -> dict[str, tuple]:
        """The charts this report shows, ident → (chart function, its arguments), in order.

        The chapters place them (:meth:`_figure`); which charts exist is decided only here."""
        ind, riw, trend = self.r.indikator, self.r.riwayat, self.r.triwulan
        figs = {"target-realisasi": (charts.target_realisasi, (ind,)),
                "capaian-kategori": (charts.capaian_bands, (ind,))}
        if len(riw):
            figs["riwayat"] = (charts.riwayat, (ind, riw, self.tahun, self.tw))
        if len(trend) and trend["tw"].nunique() > 1:
            figs["triwulan"] = (charts.triwulan, (ind, trend, self.tahun))
        figs["serapan-program"] = (charts.serapan_program, (A.programs(self.r.anggaran),))
        return figs

    def draw_figures(self) -> None:
        """Ask for every chart now. With a chart helper (lkj.charts.background) they are drawn
        while the chapters are written; the chapters' own requests are then not redrawn."""
        for ident in self.figures:
            self._draw(ident)

    def _draw(self, ident: str) -> Path:
        chart, args = self.figures[ident]
        path = self.figures_dir / f"{ident}.png"
        charts.draw(path, chart, *args)  # a helper drawing it already is not asked twice
        return path

    def _figure(self, bab: int, title: str, ident: str) -> str:
        """Number and caption of the chart ``ident``, drawn to figures/<ident>.png."""
        label = self._number("Gambar", bab)
        path = self._draw(ident)
        return f"![{label} {F.md(title)}]({path.as_posix()}){{#fig-{ident} width=100%}}\n"

    def _narasi(self, key: str, fallback: str = "") -> str:
        text = self.r.narasi.get(key, "").strip()
        return text + "\n" if text else (fallback + "\n" if fallback else "")

    def _signature(self, with_superior: bool = True) -> str:
        lap = self.meta["laporan"]
        place_date = f"{F.md(lap['tempat'])}, {F.tanggal(_date(lap['tanggal']))}"
        blocks = []
        signer = self.r.pejabat[self.r.pejabat["peran"] == "penandatangan"]
        known = self.r.pejabat[self.r.pejabat["peran"] == "mengetahui"]
        if not with_superior:
            known = known.iloc[0:0]
        for row, first in ((known, "Mengetahui"), (signer, place_date)):
            for p in row.itertuples():
                nip = f"NIP. {F.md(p.nip)}" if p.nip else ""
                blocks.append(f"::: {{.signature}}\n{first}\n\n{F.md(p.jabatan)}\n\n"
                              f"**{F.md(p.nama)}**\n\n{nip}\n:::\n")
        if len(blocks) > 1:
            return ":::: {.signatures}\n" + "\n".join(blocks) + "::::\n"
        return "\n".join(blocks)

    def show(self, section: str) -> None:
        from IPython.display import Markdown, display
        display(Markdown(self.section(section)))

    def section(self, name: str) -> str:
        if name not in SECTIONS:
            raise KeyError(f"bagian laporan tidak dikenal: {name}")
        return getattr(self, f"_{name}")()

    def markdown(self) -> str:
        """The whole report as one Markdown document (used without a notebook, e.g. in tests)."""
        return "\n\n".join(self.section(s) for s in SECTIONS)

    # ---- sections -----------------------------------------------------------------------
    def _metadata(self) -> str:
        lap = self.meta["laporan"]
        data = {
            "title": f"Laporan Kinerja {self.jabatan} {self.periode}",
            "subtitle": f"Kecamatan {self.kec}",
            "author": f"Pemerintah Kabupaten {self.kab}",
            "date": F.tanggal(_date(lap["tanggal"])),
            "lang": "id",
            "lkj-daftar": True,  # Daftar Tabel and Daftar Gambar after the Daftar Isi
        }
        return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False,
                                         default_style='"') + "---\n"

    def _sampul(self) -> str:
        logo = ""
        if self.meta.get("logo") and self.processed_dir is not None:
            path = (self.processed_dir / self.meta["logo"]).as_posix()
            logo = f"![]({path}){{width=3.2cm}}\n\n"
        return (f"::: {{.cover}}\n{logo}**LAPORAN KINERJA {F.md(self.jabatan.upper())}**\n\n"
                f"**{F.triwulan(self.tw).upper()}**\n\n**TAHUN {self.tahun}**\n\n"
                f"Pemerintah Kabupaten {F.md(self.kab)}\n\nKecamatan {F.md(self.kec)}\n:::\n")

    def _kata_pengantar(self) -> str:
        # The table of contents follows the Kata Pengantar, as in the seed reports.
        return ("# KATA PENGANTAR {.unnumbered}\n\n" + self._narasi("kata_pengantar") + "\n"
                + self._signature(with_superior=False) + "\n::: {.toc}\n:::\n")

    @staticmethod
    def _lettered(sections: list[tuple[str, str]]) -> list[str]:
        """Sub-chapters A., B., … — a section with nothing to say is left out, not printed empty."""
        out = []
        for title, body in sections:
            if body.strip():
                out += [f"## {'ABCDEFGHIJ'[len(out) // 2]}. {title} {{.unnumbered}}\n", body]
        return out

    def _bab1(self) -> str:
        if self.meta["unit"] == "camat":
            desa_list = ", ".join(F.md(n) for n in self.r.desa["nama_desa"])
            wilayah = (f"Wilayah Kecamatan {F.md(self.kec)} terdiri atas {len(self.r.desa)} desa, "
                       f"yaitu {desa_list}.\n")
            organisasi = ("Gambaran Umum Organisasi",
                          "\n".join(p for p in (self._narasi("gambaran_umum"), wilayah,
                                                 self._pegawai_sentence()) if p))
        else:
            organisasi = ("Tugas Pokok dan Fungsi Jabatan",
                          "\n".join(p for p in (self._narasi("gambaran_umum"),
                                                 self._pegawai_sentence()) if p))
        parts = ["::: {.pagebreak}\n:::\n", "# BAB I PENDAHULUAN {.unnumbered}\n",
                 *self._lettered([("Latar Belakang", self._narasi("latar_belakang")),
                                  ("Maksud dan Tujuan", self._narasi("maksud_tujuan")),
                                  organisasi,
                                  ("Permasalahan Utama", self._narasi("permasalahan_utama"))])]
        return "\n".join(p for p in parts if p)

    def _pegawai_sentence(self) -> str:
        peg = self.r.pegawai
        if not len(peg):
            return ""
        rincian = " dan ".join(f"{int(p.jumlah)} pegawai {F.md(p.status)}" for p in peg.itertuples())
        return N.render("pegawai", unit=self.unit_nama, rincian=rincian,
                        total=int(sum(int(j) for j in peg["jumlah"])) if len(peg) > 1 else 0) + "\n"

    def _bab2(self) -> str:
        ind = self.r.indikator
        rows = [[str(r.no), F.md(r.sasaran), F.md(r.indikator), F.value_with_unit(r.target, r.satuan)]
                for r in ind.itertuples()]
        pk = F.md_table(["No", "Sasaran", "Indikator Kinerja", f"Target {self.tahun}"], rows, "lllr",
                        f"{self._number('Tabel', 2)} Perjanjian Kinerja Tahun {self.tahun}",
                        "tbl-pk")
        rumus_rows = []
        for r in ind.itertuples():
            if r.cara_hitung == "dokumen_desa":
                rumus = ("(RKPDesa tepat waktu + APBDesa tepat waktu + LPPDesa tepat waktu) ÷ "
                         "(jumlah desa × 3) × 100%")
            elif r.cara_hitung in ("komponen", "daftar_kegiatan"):
                rumus = f"Jumlah {F.md(r.label_pembilang)} ÷ Jumlah {F.md(r.label_penyebut)} × 100%"
            else:
                rumus = "Nilai realisasi yang dilaporkan langsung"
            rumus_rows.append([str(r.no), F.md(r.indikator), rumus,
                               F.md(r.definisi) if r.definisi else "–"])
        rumus_table = F.md_table(["No", "Indikator Kinerja", "Rumus Penghitungan", "Definisi"],
                                 rumus_rows, "llll",
                                 f"{self._number('Tabel', 2)} Rumus Penghitungan Indikator",
                                 "tbl-rumus")
        prog = A.programs(self.r.anggaran)
        prog_rows = [[F.md(p.kode), F.md(p.uraian), F.rupiah(p.pagu)] for p in prog.itertuples()]
        prog_rows.append(["", "**JUMLAH**", f"**{F.rupiah(self.meta['ringkasan']['pagu'])}**"])
        prog_table = F.md_table(["Kode", "Program", "Pagu (Rp)"], prog_rows, "llr",
                                f"{self._number('Tabel', 2)} Program dan Pagu Anggaran "
                                f"Tahun {self.tahun}", "tbl-program")
        pk_text = "\n".join([
            f"Perjanjian kinerja {F.md(self.unit_nama)} tahun {self.tahun} memuat {len(ind)} "
            "sasaran dan indikator kinerja berikut.\n", pk,
            "Rumus penghitungan setiap indikator:\n", rumus_table])
        prog_text = "\n".join([
            f"Sasaran tersebut didukung oleh {len(prog)} program dengan pagu anggaran seluruhnya "
            f"Rp{F.rupiah(self.meta['ringkasan']['pagu'])}.\n", prog_table])
        parts = ["::: {.pagebreak}\n:::\n", "# BAB II PERENCANAAN KINERJA {.unnumbered}\n",
                 *self._lettered([("Visi, Misi, Tujuan dan Sasaran", self._narasi("visi_misi")),
                                  (f"Perjanjian Kinerja Tahun {self.tahun}", pk_text),
                                  ("Program dan Anggaran", prog_text)])]
        return "\n".join(p for p in parts if p)

    def _skala(self) -> str:
        rows = []
        for b in kinerja.SKALA:
            if b.lower is None:
                rentang = f"capaian < {F.percent(b.upper)}"
            elif b.upper is None:
                rentang = f"capaian ≥ {F.percent(b.lower)} (termasuk di atas 100%)"
            else:
                rentang = f"{F.percent(b.lower)} ≤ capaian < {F.percent(b.upper)}"
            rows.append([b.label, rentang])
        return F.md_table(["Kategori", "Rentang Capaian"], rows, "ll",
                          f"{self._number('Tabel', 3)} Skala Nilai Peringkat Kinerja", "tbl-skala")

    def _bab3_capaian(self) -> str:
        ind = self.r.indikator
        skala_ref = self._peek("Tabel", 3)
        skala = self._skala()
        rows = [[str(r.no), F.md(r.sasaran), F.md(r.indikator),
                 F.value_with_unit(r.target_periode, r.satuan),
                 F.value_with_unit(r.realisasi, r.satuan), F.percent(r.capaian), r.kategori]
                for r in ind.itertuples()]
        cap_table = F.md_table(
            ["No", "Sasaran", "Indikator Sasaran",
             f"Target TW {F.roman(self.tw)}" if ind["target_periode_triwulan"].map(bool).any()
             else f"Target {self.tahun}",
             f"Realisasi s.d. TW {F.roman(self.tw)}", "Capaian", "Kategori"], rows, "lllrrrl",
            f"{self._number('Tabel', 3)} Capaian Indikator Kinerja {self.periode}", "tbl-capaian")
        polar = sorted(set(ind["polaritas"]))
        rumus = " ".join(f"Untuk indikator yang {'makin tinggi makin baik' if p == kinerja.NAIK else 'makin rendah makin baik'}: "
                         f"{kinerja.RUMUS_CAPAIAN[p]}." for p in polar)
        parts = ["::: {.pagebreak}\n:::\n", "# BAB III AKUNTABILITAS KINERJA {.unnumbered}\n",
                 f"## A. Capaian Kinerja {F.md(self.unit_nama)} {{.unnumbered}}\n",
                 "Pengukuran kinerja dilakukan dengan membandingkan target setiap indikator "
                 "kinerja sasaran dengan realisasinya. Realisasi triwulan bersifat kumulatif "
                 f"sampai dengan akhir {self.periode} dan dibandingkan dengan target tahunan, "
                 "kecuali bila ditetapkan target per triwulan. " + rumus + "\n",
                 f"Kategori capaian ditentukan menurut skala pada "
                 f"{skala_ref}; setiap batas didefinisikan tegas (batas bawah "
                 "termasuk, batas atas tidak) dan dinilai atas capaian yang dicetak (dibulatkan "
                 "dua desimal).\n", skala,
                 f"### 1. Capaian Indikator {self.periode} {{.unnumbered}}\n", cap_table]
        for r in ind.itertuples():
            parts.append(N.capaian_sentence(r, self.tahun, self.tw) + "\n")
        parts.append(self._figure(3, f"Target dan realisasi indikator kinerja {self.periode}",
                                  "target-realisasi"))
        parts.append(self._figure(3, "Capaian indikator terhadap skala kategori",
                                  "capaian-kategori"))
        parts.append("### Penjelasan Indikator {.unnumbered}\n")
        for i, r in enumerate(ind.itertuples()):
            parts.append(self._penjelasan(i, r))
        return "\n".join(p for p in parts if p)

    def _peek(self, kind: str, bab: int) -> str:
        return f"{kind} {bab}.{self._counters.get((kind, bab), 0) + 1}"

    def _penjelasan(self, i: int, r) -> str:
        letter = "abcdefghijklmnopqrstuvwxyz"[i]
        out = [f"**{letter}. Indikator: {F.md(r.indikator)}**\n"]
        if r.definisi:
            out.append(f"Definisi: {F.md(r.definisi)}\n")
        if r.cara_hitung in ("komponen", "daftar_kegiatan", "dokumen_desa") and r.penyebut:
            out.append(f"Realisasi = {F.number(r.pembilang, 0)} ÷ {F.number(r.penyebut, 0)} × "
                       f"100% = **{F.value_with_unit(r.realisasi, r.satuan)}**\n")
            out.append(N.komponen_sentence(r) + "\n")
        elif r.cara_hitung == "nilai_langsung":
            out.append(f"Realisasi dilaporkan langsung sebesar "
                       f"{F.value_with_unit(r.realisasi, r.satuan)}.\n")
        if r.cara_hitung == "daftar_kegiatan":
            out.append(self._kegiatan_table(r))
        if r.cara_hitung == "dokumen_desa":
            out.append(self._dokumen_table(r))
        out.append(f"Sumber data: {F.md(r.sumber)}.\n")
        return "\n".join(out)

    def _kegiatan_table(self, r) -> str:
        keg = self.r.kegiatan[self.r.kegiatan["indikator_id"] == r.indikator_id]
        with_status = bool((keg["status"] != "ditindaklanjuti").any())
        shown = keg if with_status else keg[keg["status"] == "ditindaklanjuti"]
        rows, last = [], None
        for i, k in enumerate(shown.itertuples(), 1):
            jenis = F.md(k.jenis or "") if k.jenis != last else ""
            last = k.jenis
            row = [str(i), jenis, F.md(k.uraian)]
            if with_status:
                row.append("Ditindaklanjuti" if k.status == "ditindaklanjuti" else "Belum")
            rows.append(row)
        head = ["No", "Jenis Fasilitasi",
                "Uraian Aktivitas" if with_status else
                f"Uraian Aktivitas yang Ditindaklanjuti s.d. TW {F.roman(self.tw)}"]
        if with_status:
            head.append("Status")
        title = ("Daftar Aktivitas dan Statusnya" if with_status
                 else "Aktivitas yang Ditindaklanjuti")
        return F.md_table(head, rows, "llll"[:len(head)],
                          f"{self._number('Tabel', 3)} {title} s.d. {F.triwulan(self.tw)}",
                          f"tbl-kegiatan-{r.indikator_id.lower()}")

    def _dokumen_table(self, r) -> str:
        grid = self.r.dokumen_desa[self.r.dokumen_desa["indikator_id"] == r.indikator_id]
        end = desa.akhir_triwulan(self.tahun, self.tw)
        rows = []
        for i, (nama, g) in enumerate(grid.groupby("desa", sort=False), 1):
            cells = [str(i), F.md(nama)]
            for dok in desa.DOKUMEN:
                d = g[g["dokumen"] == dok].iloc[0]
                tgl = F.tanggal(_date(d["tanggal"])) + ", " if d["tanggal"] else ""
                cells.append(f"{tgl}{d['status']}")
            rows.append(cells)
        counts = ["", "**Tepat waktu**"] + [
            f"**{int(grid[(grid['dokumen'] == dok)]['tepat_waktu'].map(bool).sum())}**"
            for dok in desa.DOKUMEN]
        rows.append(counts)
        heads = []
        for dok in desa.DOKUMEN:
            ta = desa.tahun_anggaran(dok, self.tahun)
            heads.append(f"{dok} {ta} (batas {F.tanggal(desa.batas_waktu(dok, ta))})")
        table = F.md_table(["No", "Desa", *heads], rows, "llccc",
                           f"{self._number('Tabel', 3)} Dokumen Administrasi Pemerintahan Desa "
                           f"per {F.tanggal(end)}", f"tbl-dokumen-{r.indikator_id.lower()}")
        rules = "\n".join(f"- {dok}: {desa.DASAR_HUKUM[dok]}." for dok in desa.DOKUMEN)
        per_dok = " + ".join(
            f"{int(grid[grid['dokumen'] == dok]['tepat_waktu'].map(bool).sum())} {dok}"
            for dok in desa.DOKUMEN)
        n_desa = grid["desa"].nunique()
        text = (f"Dokumen dinilai pada akhir periode ({F.tanggal(end)}). Dokumen tepat waktu "
                f"apabila:\n\n{rules}\n\nDokumen yang batas waktunya belum tiba dihitung belum "
                f"tepat waktu (nilai 0) sampai ditetapkan. Jumlah dokumen tepat waktu: {per_dok} "
                f"= {F.number(r.pembilang, 0)} dari {n_desa} desa × 3 dokumen = "
                f"{F.number(r.penyebut, 0)} dokumen.\n")
        return text + "\n" + table

    def _bab3_perbandingan(self) -> str:
        ind = self.r.indikator
        riw = self.r.riwayat
        lalu = self.tahun - 1
        rows, sentences = [], []
        for r in ind.itertuples():
            prev = riw[(riw["indikator_id"] == r.indikator_id) & (riw["tahun"] == lalu)]
            p = prev.iloc[0] if len(prev) else None
            rows.append([str(r.no), F.md(r.indikator),
                         F.value_with_unit(p["target"] if p is not None else None, r.satuan),
                         F.value_with_unit(p["realisasi"] if p is not None else None, r.satuan),
                         F.value_with_unit(r.target_periode, r.satuan),
                         F.value_with_unit(r.realisasi, r.satuan)])
            if p is not None and p["realisasi"] is not None and r.realisasi is not None:
                sentences.append(N.banding_sentence(r, p, self.tahun, self.tw))
        has_history = bool(len(riw))
        if has_history:
            t1 = F.md_table(["No", "Indikator Kinerja", f"Target {lalu}", f"Realisasi {lalu}",
                             f"Target {self.tahun}", f"Realisasi {self.tahun} (TW {F.roman(self.tw)})"],
                            rows, "llrrrr",
                            f"{self._number('Tabel', 3)} Perbandingan Target dan Realisasi Kinerja "
                            f"Tahun {lalu} dan {self.periode}", "tbl-banding")
        else:
            t1 = (f"Data target dan realisasi tahun {lalu} belum diisi (riwayat.csv), sehingga "
                  f"perbandingan dengan tahun {lalu} belum dapat disajikan.\n")
        years = sorted({int(t) for t in riw["tahun"]})[-2:] if len(riw) else []
        rows2, renstra_sentences = [], []
        for r in ind.itertuples():
            cells = [str(r.no), F.md(r.indikator), F.value_with_unit(r.target_renstra, r.satuan)]
            for y in years:
                v = riw[(riw["indikator_id"] == r.indikator_id) & (riw["tahun"] == y)]
                cells.append(F.value_with_unit(v.iloc[0]["realisasi"] if len(v) else None, r.satuan))
            cells.append(F.value_with_unit(r.realisasi, r.satuan))
            rows2.append(cells)
            if r.target_renstra is not None and r.realisasi is not None:
                cap = kinerja.capaian(r.realisasi, r.target_renstra, r.polaritas)
                if cap is not None:
                    renstra_sentences.append(N.render(
                        "renstra", indikator=r.indikator, tahun=self.tahun,
                        target_renstra=F.value_with_unit(r.target_renstra, r.satuan),
                        periode=self.periode, tercapai=kinerja.tercapai(cap), capaian=cap))
        if has_history or ind["target_renstra"].notna().any():
            t2 = F.md_table(["No", "Indikator Kinerja", "Target Renstra",
                             *[f"Realisasi {y}" for y in years],
                             f"Realisasi {self.tahun} (TW {F.roman(self.tw)})"], rows2,
                            "llr" + "r" * (len(years) + 1),
                            f"{self._number('Tabel', 3)} Perbandingan Realisasi dengan Target Renstra "
                            f"dan Tahun-Tahun Sebelumnya", "tbl-renstra")
        else:
            t2 = ("Target Renstra dan realisasi tahun-tahun sebelumnya belum diisi, sehingga "
                  "perbandingan ini belum dapat disajikan.\n")
        parts = [f"### 2. Perbandingan dengan Tahun {lalu} {{.unnumbered}}\n", t1,
                 *[s + "\n" for s in sentences]]
        parts += ["### 3. Perbandingan dengan Target Renstra dan Tahun Sebelumnya {.unnumbered}\n",
                  t2, *[s + "\n" for s in renstra_sentences]]
        for r in ind.itertuples():
            hist = riw[(riw["indikator_id"] == r.indikator_id) & riw["realisasi"].notna()]
            if len(hist) >= 1 and r.realisasi is not None:
                parts.append(N.tren_sentence(r, hist, self.tahun, self.tw) + "\n")
        if "riwayat" in self.figures:
            parts.append(self._figure(3, "Realisasi indikator dari tahun ke tahun", "riwayat"))
        if "triwulan" in self.figures:
            parts.append(self._figure(3, f"Realisasi indikator per triwulan tahun {self.tahun}",
                                      "triwulan"))
        return "\n".join(parts)

    def _bab3_analisis(self) -> str:
        tot = self.meta["ringkasan"]
        parts = ["### 4. Analisis Penyebab Keberhasilan/Kegagalan dan Solusi {.unnumbered}\n"]
        n_belum = int(tot["jumlah_indikator"]) - int(tot["jumlah_tercapai"])
        if n_belum and n_belum == int(tot["jumlah_indikator"]):
            parts.append(f"Sampai dengan {self.periode}, seluruh indikator ({n_belum}) belum "
                         "mencapai target.\n")
        elif n_belum:
            parts.append(f"Sampai dengan {self.periode}, {n_belum} dari {tot['jumlah_indikator']} "
                         "indikator belum mencapai target.\n")
        else:
            parts.append(f"Sampai dengan {self.periode}, seluruh indikator telah mencapai target.\n")
        parts += [self._narasi("analisis_penyebab"),
                  "### 5. Analisis Efisiensi Penggunaan Sumber Daya {.unnumbered}\n",
                  self._pegawai_sentence(), self._narasi("efisiensi"),
                  N.render("anggaran", periode=self.periode, realisasi=tot["realisasi_anggaran"],
                           pagu=tot["pagu"], persen=tot["persen_anggaran"],
                           sisa=tot["sisa"]) + "\n",
                  self._efisiensi(),
                  "### 6. Program yang Menunjang Pencapaian Kinerja {.unnumbered}\n"]
        prog = A.programs(self.r.anggaran)
        parts.append(N.render("program", tahun=self.tahun, n=len(prog)) + "\n")
        parts.append("\n".join(f"{i}. {F.md(F.judul(p.uraian))}" for i, p in
                               enumerate(prog.itertuples(), 1)) + "\n")
        parts.append(self._narasi("program_pendukung"))
        number = 7
        for key, title in (("strategi", "Strategi yang Digunakan"),
                           ("hambatan", "Hambatan dan Upaya Mengatasinya"),
                           ("rencana_tindak_lanjut", "Rencana Tindak Lanjut")):
            if self._narasi(key):
                parts += [f"### {number}. {title} {{.unnumbered}}\n", self._narasi(key)]
                number += 1
        return "\n".join(p for p in parts if p)

    def _efisiensi(self) -> str:
        """Cost per outcome: budget behind each indicator beside its capaian (seed 002's table,
        computed correctly), with the rule used."""
        ind = self.r.indikator
        linked = ind[ind["kode_anggaran"].map(bool)] if "kode_anggaran" in ind else ind.iloc[0:0]
        if not len(linked):
            return ("Kaitan indikator dengan anggaran belum diisi (kolom kode_anggaran pada "
                    "perjanjian_kinerja), sehingga efisiensi per sasaran tidak dihitung.\n")
        rows, sentences = [], []
        for r in linked.itertuples():
            gap = r.selisih_efisiensi
            rows.append([str(r.no), F.md(r.indikator), F.md(r.kode_anggaran),
                         F.rupiah(r.pagu_anggaran), F.rupiah(r.realisasi_anggaran),
                         F.percent(r.serapan_anggaran), F.percent(r.capaian),
                         (("+" if gap is not None and F.to_decimal(gap) > 0 else "")
                          + F.number(gap)) if gap is not None else "–", r.efisiensi])
            if gap is not None:
                sentences.append(N.efisiensi_sentence(r))
        table = F.md_table(["No", "Indikator", "Kode Anggaran", "Pagu (Rp)", "Realisasi (Rp)",
                            "Serapan", "Capaian Kinerja", "Selisih (poin)", "Efisiensi"], rows,
                           "lllrrrrrl",
                           f"{self._number('Tabel', 3)} Capaian Kinerja dan Serapan Anggaran "
                           f"(Cost per Outcome) {self.periode}", "tbl-efisiensi")
        rule = (f"Efisiensi dinilai per indikator dengan membandingkan capaian kinerja dan serapan "
                f"anggaran yang mendukungnya: {kinerja.ATURAN_EFISIENSI}.\n")
        return "\n".join([rule, table, *[x + "\n" for x in sentences]])

    def _bab3_anggaran(self) -> str:
        ang = self.r.anggaran
        tot = self.meta["ringkasan"]
        rows, bold = [], set()
        for i, a in enumerate(ang.itertuples()):
            uraian = F.md(a.uraian)
            rows.append([F.md(a.kode), uraian, F.rupiah(a.pagu), F.rupiah(a.realisasi),
                         F.rupiah(a.sisa), F.percent(a.persen)])
            if a.level == "program":
                bold.add(i)
        bold.add(len(rows))
        rows.append(["", "JUMLAH", F.rupiah(tot["pagu"]), F.rupiah(tot["realisasi_anggaran"]),
                     F.rupiah(tot["sisa"]), F.percent(tot["persen_anggaran"])])
        table = F.md_table(["Kode", "Program/Kegiatan/Sub Kegiatan", "Pagu (Rp)",
                            "Realisasi (Rp)", "Sisa (Rp)", "%"], rows, "llrrrr",
                           f"{self._number('Tabel', 3)} Realisasi Anggaran Tahun {self.tahun} "
                           f"sampai dengan {F.triwulan(self.tw)}", "tbl-anggaran", bold)
        parts = ["## B. Realisasi Anggaran {.unnumbered}\n",
                 N.render("anggaran", periode=self.periode, realisasi=tot["realisasi_anggaran"],
                          pagu=tot["pagu"], persen=tot["persen_anggaran"], sisa=tot["sisa"])
                 + " Sisa = pagu − realisasi; persentase = realisasi ÷ pagu × 100%. Angka "
                   "kegiatan dan program adalah jumlah sub kegiatan di bawahnya.\n",
                 table,
                 self._figure(3, "Penyerapan anggaran per program", "serapan-program"),
                 self._tanggapan()]
        return "\n".join(parts)

    CHECKLIST = ("Laporan sudah baik", "Laporan kurang baik", "Laporan segera diperbaiki",
                 "Target dan realisasi diteliti ulang", "Capaian diteliti ulang", "Lain-lain")

    def _tanggapan(self) -> str:
        """The supervisor's checklist (seed 002/003): what was ticked, or blank boxes to tick."""
        tg = self.r.tanggapan_atasan
        out = ["## C. Tanggapan Atasan Langsung {.unnumbered}\n"]
        if len(tg):
            items = [(str(t.butir), t.dicentang == "ya", t.catatan or "") for t in tg.itertuples()]
            out.append("Tanggapan (disposisi) atasan langsung atas laporan ini:\n")
        else:
            items = [(b, False, "") for b in self.CHECKLIST]
            out.append("Diisi oleh atasan langsung dengan memberi tanda centang:\n")
        # A line block (one line per item, no bullets) keeps the checklist together.
        lines = []
        for butir, ticked, catatan in items:
            box = "☑" if ticked else "☐"
            lines.append(f"| {box} {F.md(butir)}" + (f": {F.md(catatan)}" if catatan else ""))
        if not len(tg):
            lines.append("| Catatan: " + "." * 60)
        out.append("\n".join(lines) + "\n")
        return "\n".join(out)

    def _bab4(self) -> str:
        tot = self.meta["ringkasan"]
        kes = N.render("kesimpulan", n=int(tot["jumlah_indikator"]),
                       tercapai=int(tot["jumlah_tercapai"]), periode=self.periode,
                       rata=tot["capaian_rata_rata"], kategori=tot["kategori_rata_rata"],
                       unit=self.unit_nama)
        ang = N.render("kesimpulan_anggaran", persen=tot["persen_anggaran"],
                       realisasi=tot["realisasi_anggaran"], pagu=tot["pagu"])
        items = []
        for r in self.r.indikator.itertuples():
            status = "tercapai" if r.tercapai else "belum tercapai"
            items.append(f"- {F.md(r.indikator)}: capaian {F.percent(r.capaian)} "
                         f"({r.kategori}), {status}.")
        parts = ["::: {.pagebreak}\n:::\n", "# BAB IV PENUTUP {.unnumbered}\n",
                 f"Laporan Kinerja {F.md(self.jabatan)} Kecamatan {F.md(self.kec)} {self.periode} "
                 "disusun sebagai bentuk pertanggungjawaban pelaksanaan tugas selama periode "
                 "tersebut.\n", kes + "\n", "\n".join(items) + "\n", ang + "\n",
                 self._narasi("penutup"), self._signature()]
        return "\n".join(p for p in parts if p)

    def _lampiran(self) -> str:
        meta = self.meta
        # The full hash, split in two halves so it wraps inside a table cell on A4.
        files = [[F.md(f["path"]), str(f["rows"]),
                  f"`{f['sha256'][:32]}` `{f['sha256'][32:]}`"] for f in meta["files"]]
        ftable = F.md_table(["Berkas masukan", "Baris", "SHA-256"], files, "lrl",
                            "Lampiran 2 Berkas Masukan Laporan", "tbl-berkas")
        warnings = meta.get("warnings") or []
        warn = ("\n".join(f"- {F.md(w)}" for w in warnings) if warnings
                else "Tidak ada peringatan.")
        ind = self.r.indikator
        rows = [[str(r.no), F.md(r.sasaran), F.md(r.indikator), F.md(r.satuan),
                 F.value_with_unit(r.target, r.satuan)] for r in ind.itertuples()]
        pk = F.md_table(["No", "Sasaran", "Indikator Kinerja", "Satuan", f"Target {self.tahun}"],
                        rows, "lllcr", f"Lampiran 1 Perjanjian Kinerja Tahun {self.tahun}",
                        "tbl-lampiran-pk")
        params = (f"Parameter: KEC={F.md(meta['kec'])}, TAHUN={meta['tahun']}, TW={meta['tw']}, "
                  f"UNIT={F.md(meta['unit'])}. Perangkat lunak lkj {F.md(meta['lkj_version'])}"
                  + (f", commit {F.md(self.commit)}" if self.commit else "")
                  + (f", mesin render {F.md(self.engine)}" if self.engine else "") + ".")
        return "\n".join([
            "::: {.pagebreak}\n:::\n", "# LAMPIRAN {.unnumbered}\n",
            "## Lampiran 1. Perjanjian Kinerja {.unnumbered}\n", pk,
            "## Lampiran 2. Jejak Audit {.unnumbered}\n", params + "\n",
            "Setiap angka dalam laporan ini dihitung dari baris data masukan berikut. Kolom "
            "*sumber* pada tabel olahan (data/processed) menyebut berkas dan nomor baris di balik "
            "setiap indikator dan setiap baris anggaran.\n", ftable,
            "**Peringatan data**\n", warn + "\n"])
