"""The report's chapters: Markdown templates (lkj/templates/bab/) filled from computed tables.

The notebook calls ``Laporan.show(<section>)`` once per part of the report; each call renders
that part's template and displays it as one Markdown output. The wording lives in the
templates (a kecamatan may override one with ``data/raw/<kec>/templat/<name>.md``); every
number they print comes from here — tables built from the computed tables, sentences from
:mod:`lkj.narrative` — and is numbered (Tabel 3.1, Gambar 3.1) in the order it is shown.
Templates run in Jinja's sandbox and see plain values only, and everything they print from
the data is escaped for Markdown, since an override template is written by someone else.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from jinja2 import (ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError,
                    TemplateSyntaxError)
from jinja2.ext import Extension
from jinja2.lexer import Token
from jinja2.sandbox import SandboxedEnvironment

from lkj import anggaran as A
from lkj import charts, desa, kabupaten, kinerja
from lkj import formatting as F
from lkj import narrative as N
from lkj.errors import LkjError
from lkj.process import Result, read_processed

# The parts of the report, in order (one notebook cell each), and for each chapter layout
# (susunan) the chapter (bab) each part belongs to — its tables and figures are numbered in it;
# 0: before Bab I or in the appendix. Permenpan RB 53/2014 (seed 000): Bab I–IV; the quarterly
# layout of seeds 002 and 003: Bab I Pendahuluan, Bab II Akuntabilitas Kinerja, Bab III Penutup.
SECTIONS = ("metadata", "sampul", "kata_pengantar", "pendahuluan", "perencanaan", "capaian",
            "perbandingan", "analisis", "anggaran", "penutup", "lampiran")
SUSUNAN = {
    "permenpan": {"pendahuluan": 1, "perencanaan": 2, "capaian": 3, "perbandingan": 3,
                  "analisis": 3, "anggaran": 3, "penutup": 4},
    "triwulanan": {"pendahuluan": 1, "perencanaan": 2, "capaian": 2, "perbandingan": 2,
                   "analisis": 2, "anggaran": 2, "penutup": 3},
}
TEMPLATES = Path(__file__).resolve().parent / "templates" / "bab"
OVERRIDES = "templat"  # data/raw/<kec>/templat/<name>.md replaces lkj/templates/bab/<name>.md
CHECKLIST = ("Laporan sudah baik", "Laporan kurang baik", "Laporan segera diperbaiki",
             "Target dan realisasi diteliti ulang", "Capaian diteliti ulang", "Lain-lain")
# "@tbl-skala" in a template's own text (never in escaped data, which reads "\@")
_REFERENCE = re.compile(r"(?<!\\)@((?:tbl|fig)-[A-Za-z0-9_-]+)")
_SHORTCODE = re.compile(r"\{\{\\*[<%]")  # "{{<", or "{{\\<" from a template's own "<"
# Where a chart goes in a part's Markdown: a control character no input can hold.
FIGURE = "\x1e"
_FIGURE = re.compile(f"{FIGURE}([a-z-]+){FIGURE}")


class _LiteralHtml(Extension):
    """A template's own text prints "<" as itself: Quarto reads raw HTML in Markdown (an unclosed
    <div> would swallow the chapters after it), and a template may come from a kecamatan."""

    def filter_stream(self, stream):
        previous = None
        for token in stream:
            if token.type == "data":
                token = Token(token.lineno, "data", token.value.replace("<", "\\<"))
            elif token.type == "name" and token.value == "filter" and previous == "block_begin":
                # its output skips the escaping: "{% filter replace('LT', '<') %}" writes HTML
                raise TemplateSyntaxError("blok {% filter %} tidak boleh dipakai di templat; "
                                          "pakai {{ nilai | filter }}", token.lineno)
            previous = token.type
            yield token


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _yaml_block(data: dict) -> str:
    """A YAML front matter; pandoc reads its strings as Markdown, so they are escaped like
    every other input text."""
    data = {k: v if isinstance(v, bool) else str(F.md(v)) for k, v in data.items()}
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False,
                                     default_style='"') + "---\n"


class Laporan:
    def __init__(self, result: Result, figures_dir: str | Path = "figures",
                 engine: str = "", commit: str = "", templates: Path | None = None):
        self.r = result
        self.meta = result.meta
        self.figures_dir = Path(figures_dir)
        self.engine, self.commit = engine, commit
        self.tahun, self.tw = int(self.meta["tahun"]), int(self.meta["tw"])
        self.kec = self.meta["profil"].get("nama_kecamatan", self.meta["kec"].title())
        self.kab = self.meta["profil"].get("kabupaten", "")
        self.jabatan = str(self.meta["laporan"]["nama_jabatan"])
        # the kabupaten's rating scale and lower-is-better formula, as the numbers were computed
        self.skala = kabupaten.skala_of(self.meta)
        self.rumus_turun = (self.meta.get("aturan") or {}).get("rumus_turun", kinerja.RUMUS_2T)
        self._counters: dict[tuple[str, int], int] = {}
        self._labels: dict[str, str] = {}  # "tbl-skala" → "Tabel 3.1"
        self._captions: dict[str, F.Markup] = {}  # chart → "Gambar 3.1 …"
        self.processed_dir: Path | None = None
        self.overrides = templates
        self.dry = False  # True: templates are rendered, nothing is drawn (check_templates)

    @classmethod
    def buka(cls, kec: str = "candipuro", tahun: int = 2023, tw: int = 2, unit: str = "camat",
             figures_dir: str | Path = "figures", engine: str = "", commit: str = "") -> "Laporan":
        """The report of one quarter, in a notebook opened anywhere inside the project: its
        tables from data/processed, computed first from data/raw when they are missing or older
        than the data (as `make report` would)."""
        from lkj import layout, params, pipeline

        root = params.project_root()
        rid = params.resolve(root, kec, tw, tahun, unit)
        done = rid.processed_dir(root) / "ringkasan.json"
        newest = max((f.stat().st_mtime_ns for f in layout.inputs(root, rid)), default=0)
        if not done.is_file() or done.stat().st_mtime_ns < newest:
            pipeline.process(root, rid)
        return cls.from_processed(rid.processed_dir(root), figures_dir, engine, commit)

    @classmethod
    def from_processed(cls, processed_dir: str | Path, figures_dir: str | Path = "figures",
                       engine: str = "", commit: str = "") -> "Laporan":
        folder = Path(processed_dir)
        if not folder.is_absolute():  # as the notebook is given it: relative to the project
            from lkj.params import project_root
            folder = project_root() / folder
        folder = folder.resolve()
        result = read_processed(folder)
        # data/processed/<kec>/<tahun>/<unit>/twN ↔ data/raw/<kec>/templat/
        root = folder.parents[5] if len(folder.parents) > 5 else None
        overrides = (root / "data" / "raw" / result.meta["kec"] / OVERRIDES) if root else None
        lap = cls(result, figures_dir, engine, commit, overrides)
        lap.processed_dir = folder
        return lap

    # ---- helpers ------------------------------------------------------------------------
    @property
    def periode(self) -> str:
        return N.periode(self.tahun, self.tw)

    @property
    def susunan(self) -> str:
        """The chapter layout: from laporan.csv, else the kabupaten's for a Camat report, else
        the quarterly layout (a Kasi's)."""
        chosen = str(self.meta["laporan"].get("susunan") or "").strip().lower()
        if chosen in SUSUNAN:
            return chosen
        if self.meta["unit"] == "camat":
            rules = (self.meta.get("aturan") or {}).get("susunan_bab")
            return rules if rules in SUSUNAN else "permenpan"
        return "triwulanan"

    @property
    def daerah(self) -> str:
        """"Kabupaten Lumajang", or "Kota Batu" when the data names a kota."""
        kab = " ".join(str(self.kab).split())
        return kab if kab.lower().startswith(("kota ", "kabupaten ")) else f"Kabupaten {kab}"

    @property
    def unit_nama(self) -> str:
        """"Kecamatan Candipuro" for a Camat report, "Kasi … Kecamatan Candipuro" for a section."""
        if self.meta["unit"] == "camat":
            return f"Kecamatan {self.kec}"
        return f"{self.jabatan} Kecamatan {self.kec}"

    def _number(self, kind: str, bab: int, ident: str = "") -> str:
        key = (kind, bab)
        self._counters[key] = self._counters.get(key, 0) + 1
        label = f"{kind} {bab}.{self._counters[key]}"
        if ident:
            self._labels[ident] = label
        return label

    @cached_property
    def figures(self) -> dict[str, tuple]:
        """The charts this report shows, ident → (chart function, its arguments), in order.

        The chapters place them (``gambar()`` in a template); which charts exist is decided
        only here."""
        ind, riw, trend = self.r.indikator, self.r.riwayat, self.r.triwulan
        figs = {}
        if self.meta.get("bagan_organisasi") and self.processed_dir is not None:
            figs["bagan-organisasi"] = (None, (self.processed_dir / self.meta["bagan_organisasi"],))
        figs |= {"target-realisasi": (charts.target_realisasi, (ind,)),
                "capaian-kategori": (charts.capaian_bands, (ind, self.skala))}
        if len(riw):
            figs["riwayat"] = (charts.riwayat, (ind, riw, self.tahun, self.tw))
        if len(trend) and trend["tw"].nunique() > 1:
            figs["triwulan"] = (charts.triwulan, (ind, trend, self.tahun))
        figs["serapan-program"] = (charts.serapan_program, (A.programs(self.r.anggaran),))
        return figs

    FIGURE_TITLES = {
        "bagan-organisasi": "Bagan organisasi {unit}",
        "target-realisasi": "Target dan realisasi indikator kinerja {periode}",
        "capaian-kategori": "Capaian indikator terhadap skala kategori",
        "riwayat": "Realisasi indikator dari tahun ke tahun",
        "triwulan": "Realisasi indikator per triwulan tahun {tahun}",
        "serapan-program": "Penyerapan anggaran per program",
    }

    def _draw(self, ident: str) -> Path:
        chart, args = self.figures[ident]
        path = self.figures_dir / f"{ident}.png"
        if chart is None:  # the kecamatan's own picture, already a checked PNG (lkj.process)
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(args[0], path)
            return path
        charts.draw(path, chart, *args)
        return path

    def _figure(self, bab: int, ident: str) -> F.Markup:
        """The chart ``ident`` (drawn to figures/<ident>.png) with its number and caption, as a
        marker that :meth:`section` turns into a Markdown image and :meth:`show` into an image
        output followed by its caption."""
        if ident not in self.figures or self.dry:
            return F.Markup("")
        title = self.FIGURE_TITLES[ident].format(periode=self.periode, tahun=self.tahun,
                                                 unit=self.unit_nama)
        self._captions[ident] = F.Markup(f"{self._number('Gambar', bab, f'fig-{ident}')} "
                                         f"{F.md(title)}")
        self._draw(ident)
        return F.Markup(f"\n\n{FIGURE}{ident}{FIGURE}\n\n")

    def _narasi_announces_table(self) -> bool:
        """The staff's Perjanjian Kinerja text already leads into the table ("… disajikan pada
        tabel berikut."): the count sentence then comes first and does not announce it again."""
        return bool(re.search(r"\btabel\W+berikut", self.r.narasi.get("visi_misi", ""), re.I))

    def _narasi(self, key: str) -> F.Markup:
        # already safe Markdown (lkj.safe_markdown)
        return F.Markup(self.r.narasi.get(key, "").strip())

    # ---- output -----------------------------------------------------------------------------
    def show(self, section: str) -> None:
        """Display one part of the report in the notebook: its Markdown, and each chart as an
        image output (image/png) followed by its caption — so the executed notebook shows
        everything and needs no other file. The renderers join a chart and its caption into
        one figure again (lkj.render)."""
        from IPython.display import display

        parts = _FIGURE.split(self._text(section))
        for i, part in enumerate(parts):
            if i % 2 == 0:
                if part.strip():
                    meta = {"lkj": {"metadata": True}} if section == "metadata" else {}
                    display({"text/markdown": part.strip("\n") + "\n"}, raw=True,
                            metadata=meta)
                continue
            png = (self.figures_dir / f"{part}.png").read_bytes()
            display({"image/png": png}, raw=True,
                    metadata={"lkj": {"gambar": f"fig-{part}", "width": "100%"}})
            display({"text/markdown": self._captions[part] + "\n"}, raw=True,
                    metadata={"lkj": {"keterangan": f"fig-{part}"}})

    def section(self, name: str) -> str:
        """One part as a single Markdown text (charts as images referring to their files)."""
        return _FIGURE.sub(lambda m: (f"![{self._captions[m.group(1)]}]"
                                      f"({(self.figures_dir / (m.group(1) + '.png')).as_posix()})"
                                      f"{{#fig-{m.group(1)} width=100%}}"), self._text(name))

    def _text(self, name: str) -> str:
        if name not in SECTIONS:
            raise KeyError(f"bagian laporan tidak dikenal: {name}")
        if name == "metadata":
            return self._metadata()
        return self._render(name, SUSUNAN[self.susunan].get(name, 0))

    @classmethod
    def check_templates(cls, result: Result, root: Path) -> None:
        """Render every part once without drawing anything, so that a kecamatan's own template
        that cannot be used stops ``lkj check`` with its file and line, before any report.
        Without such templates there is nothing to check: lkj's own are checked by the tests,
        and rendering them here too would cost every report ≈0,5 s."""
        folder = Path(root) / "data" / "raw" / result.meta["kec"] / OVERRIDES
        if not folder.is_dir():
            return
        lap = cls(result, templates=folder)
        lap.dry = True
        lap.markdown()
        lap.audit_markdown()

    def markdown(self) -> str:
        """The whole report as one Markdown document (used without a notebook, e.g. in tests)."""
        return "\n\n".join(self.section(s) for s in SECTIONS)

    # ---- templates ----------------------------------------------------------------------
    @cached_property
    def _env(self) -> SandboxedEnvironment:
        # the layout's own templates first, then the shared ones; a kecamatan's before lkj's
        folders = [TEMPLATES / self.susunan, TEMPLATES]
        if self.overrides is not None and self.overrides.is_dir():
            folders[:0] = [self.overrides / self.susunan, self.overrides]
        return _environment(tuple(folders))

    def _render(self, name: str, bab: int) -> str:
        state = self._counters

        def counter(kind: str):  # continuing over the parts of one chapter
            def next_value() -> int:
                state[(kind, bab)] = state.get((kind, bab), 0) + 1
                return state[(kind, bab)]
            return next_value

        huruf, nomor, sub, butir = (counter(k) for k in ("huruf", "nomor", "subbab", "butir"))
        context = dict(self._context,
                       huruf=lambda: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[huruf() - 1],
                       nomor=lambda: str(nomor()), subbab=lambda: f"{bab}.{sub()}",
                       butir=lambda: "abcdefghijklmnopqrstuvwxyz"[butir() - 1],
                       tabel=lambda what, arg=None, nomor=True: self._table(what, bab, arg, nomor),
                       gambar=lambda ident: self._figure(bab, ident),
                       tanda_tangan=lambda atasan=True: self._signature(atasan),
                       tanggapan_atasan=self._tanggapan_block,
                       perjanjian_kinerja=lambda: self._pk_form(bab))
        try:
            template = self._env.get_template(f"{name}.md")
            text = template.render(context)
        except TemplateError as exc:
            raise LkjError(self._template_problem(name, exc)) from None
        overridden = self.overrides is not None and (self.overrides / f"{name}.md").is_file()
        if overridden and _SHORTCODE.search(text):
            raise LkjError(f"{self._where(name)}: templat tidak boleh memuat shortcode Quarto "
                           "('{{<' atau '{{%'). Perbaikan: hapus bagian itu.")
        text = _REFERENCE.sub(lambda m: (f"[{self._labels[m.group(1)]}](#{m.group(1)})"
                                         if m.group(1) in self._labels else m.group(0)), text)
        return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"

    def _where(self, name: str) -> str:
        if self.overrides is not None and (self.overrides / f"{name}.md").is_file():
            return f"data/raw/{self.meta['kec']}/{OVERRIDES}/{name}.md"
        return f"lkj/templates/bab/{name}.md"

    def _template_problem(self, name: str, exc: TemplateError) -> str:
        line = getattr(exc, "lineno", None)
        where = (f"data/raw/{self.meta['kec']}/{OVERRIDES}/{Path(exc.filename).name}"
                 if getattr(exc, "filename", None) and self.overrides is not None
                 and Path(exc.filename).parent == self.overrides else self._where(name))
        return (f"{where}" + (f", baris {line}" if line else "") + f": templat bab tidak dapat "
                f"dipakai ({exc.message or type(exc).__name__}). Perbaikan: periksa tanda "
                "{{ }} dan {% %} di baris itu, atau hapus berkas templat kecamatan agar templat "
                "bawaan dipakai.")

    @cached_property
    def _context(self) -> dict:
        """What every template may use: plain values, formatted here (no table or object)."""
        ind = self.r.indikator
        tot = self.meta["ringkasan"]
        riw = self.r.riwayat
        laporan = {
            "kecamatan": self.kec, "kabupaten": self.kab, "daerah": self.daerah,
            "alamat": str(self.meta["profil"].get("alamat") or ""),
            "jabatan": self.jabatan,
            "jabatan_kapital": self.jabatan.upper(), "unit": self.meta["unit"],
            "camat": self.meta["unit"] == "camat", "unit_nama": self.unit_nama,
            "periode": self.periode, "tahun": self.tahun, "tahun_lalu": self.tahun - 1,
            "tw": self.tw, "triwulan": F.triwulan(self.tw),
            "triwulan_kapital": F.triwulan(self.tw).upper(), "romawi": F.roman(self.tw),
        }
        anggaran_kalimat = N.render("anggaran", periode=self.periode,
                                    realisasi=tot["realisasi_anggaran"], pagu=tot["pagu"],
                                    persen=tot["persen_anggaran"], sisa=tot["sisa"])
        prog = A.programs(self.r.anggaran)
        linked = ind[ind["kode_anggaran"].map(bool)] if "kode_anggaran" in ind else ind.iloc[0:0]
        no = dict(zip(ind["indikator_id"], ind["no"]))  # sentences use the tables' numbering
        # A program none of whose budget is linked to an indicator does not support one.
        lain = {p["kode"] for p in tot["program_tanpa_indikator"] if len(linked)
                and p["pagu"] == int(prog.loc[prog["kode"] == p["kode"], "pagu"].sum())}
        menunjang = prog[~prog["kode"].isin(lain)]
        pengantar_pk = self._narasi_announces_table()
        return {
            "laporan": laporan,
            "narasi": {k: self._narasi(k) for k in self.r.narasi},
            "indikator": [self._indicator(i, r) for i, r in enumerate(ind.itertuples())],
            "logo": self._logo(),
            "ada": {"riwayat": bool(len(riw)),
                    "pengantar_pk": pengantar_pk,
                    "renstra": bool(ind["target_renstra"].notna().any()),
                    "efisiensi": bool(len(linked)), "gambar_riwayat": "riwayat" in self.figures,
                    # a program's Capaian is then the average of its indicators'
                    "program_rata_rata": any(len(i) > 1 for _, i in self._program_links),
                    "gambar_triwulan": "triwulan" in self.figures},
            "aturan_efisiensi": kinerja.ATURAN_EFISIENSI,
            # the kabupaten's rules (data/kabupaten/*.yml), for the chapter templates to print
            "aturan": {k: (self.meta.get("aturan") or {}).get(k, "")
                       for k in ("nama", "batas_waktu", "dasar", "hari_kerja", "susunan_bab",
                                 "skala_dasar")},
            # names as the data writes them (no title case: acronyms and spelling stay)
            "daftar_program": F.Markup("\n".join(f"{i}. {F.md(p.uraian)}"
                                                 for i, p in enumerate(menunjang.itertuples(), 1))),
            "penghambat": self._hindering(),
            "tanggapan": self._tanggapan(),
            "jejak": self._audit(),
            "kalimat": {
                "wilayah": N.render("wilayah", kecamatan=self.kec, n=len(self.r.desa),
                                    desa=F.Markup(F.daftar([F.md(n) for n in self.r.desa["nama_desa"]]))),
                "pegawai": self._pegawai_sentence(),
                "pk_memuat": N.render("pk_memuat", unit=self.unit_nama, tahun=self.tahun,
                                      n=len(ind), berikut=not pengantar_pk),
                "program_pagu": N.render("program_pagu", n=len(prog), pagu=tot["pagu"],
                                         tahun=self.tahun),
                "dasar_target": self._basis_sentence(),
                "standar": self._standard_sentences(),
                "cakupan": N.render(
                    "cakupan_anggaran", terkait=tot["pagu"] - tot["pagu_tanpa_indikator"],
                    persen_terkait=A.persen(tot["pagu"] - tot["pagu_tanpa_indikator"], tot["pagu"]),
                    bebas=tot["pagu_tanpa_indikator"], persen_bebas=tot["persen_tanpa_indikator"],
                    program=F.Markup(", ".join(f"{F.md(p['kode'])} {F.md(p['uraian'])}"
                                               for p in tot["program_tanpa_indikator"]))),
                "ganda": [N.render("anggaran_ganda", kode=g["kode"], uraian=g["uraian"],
                                   n=len(g["indikator"]), indikator="nomor " + F.daftar(
                                       [str(no[i]) for i in g["indikator"]]))
                          for g in tot["anggaran_ganda"]],
                "rumus_capaian": " ".join(
                    f"Untuk indikator yang makin {'tinggi' if p == kinerja.NAIK else 'rendah'} makin "
                    f"baik: {kinerja.RUMUS_CAPAIAN[p] if p == kinerja.NAIK else kinerja.RUMUS_TURUN[self.rumus_turun]}."
                    for p in sorted(set(ind["polaritas"]))),
                "banding": self._banding_sentences(),
                "renstra": self._renstra_sentences(),
                "tren": self._tren_sentences(),
                "belum_tercapai": N.render("belum_tercapai", periode=self.periode,
                                           n=int(tot["jumlah_indikator"]),
                                           tercapai=int(tot["jumlah_tercapai"])),
                "anggaran": anggaran_kalimat,
                "efisiensi": [N.efisiensi_sentence(r) for r in linked.itertuples()
                              if r.selisih_efisiensi is not None],
                "rincian_anggaran": self._rollup_sentence(),
                "program": N.render("program", tahun=self.tahun, n=len(menunjang), semua=len(prog),
                                    lain=F.daftar(sorted(lain))),
                "kesimpulan": N.render("kesimpulan", n=int(tot["jumlah_indikator"]),
                                       tercapai=int(tot["jumlah_tercapai"]), periode=self.periode,
                                       rata=tot["capaian_rata_rata"],
                                       kategori=tot["kategori_rata_rata"], unit=self.unit_nama),
                "daftar_capaian": F.Markup("\n".join(
                    N.render("capaian_butir", indikator=r.indikator, capaian=r.capaian,
                             kategori=r.kategori, tercapai=r.tercapai)
                    for r in ind.itertuples())),
                "kesimpulan_anggaran": N.render("kesimpulan_anggaran",
                                                persen=tot["persen_anggaran"],
                                                realisasi=tot["realisasi_anggaran"],
                                                pagu=tot["pagu"]),
            },
        }

    def _indicator(self, i: int, r) -> dict:
        rumus = komponen = aturan = ""
        if r.cara_hitung in ("komponen", "daftar_kegiatan", "dokumen_desa") and r.penyebut:
            rumus = N.render("realisasi_rumus", pembilang=F.number(r.pembilang, 0),
                             penyebut=F.number(r.penyebut, 0),
                             realisasi=F.value_with_unit(r.realisasi, r.satuan))
            komponen = N.komponen_sentence(r)
        elif r.cara_hitung == "nilai_langsung":
            rumus = N.render("realisasi_langsung",
                             realisasi=F.value_with_unit(r.realisasi, r.satuan))
        if r.cara_hitung == "dokumen_desa":
            aturan = self._dokumen_rules(r)
        return {"id": r.indikator_id, "no": r.no, "huruf": "abcdefghijklmnopqrstuvwxyz"[i],
                "nama": r.indikator, "definisi": r.definisi, "cara_hitung": r.cara_hitung,
                "sumber": r.sumber, "kalimat_capaian": N.capaian_sentence(r, self.tahun, self.tw),
                "rumus_realisasi": rumus, "kalimat_komponen": komponen,
                "aturan_dokumen": aturan}

    # ---- sentences ----------------------------------------------------------------------
    def _basis_sentence(self) -> str:
        ind = self.r.indikator
        quarter = ind["target_periode_triwulan"].map(bool)
        return N.render("dasar_target", semua=bool(quarter.all()), tidak_ada=not quarter.any(),
                        triwulan=F.triwulan(self.tw), tahun=self.tahun,
                        dengan=", ".join(ind[quarter]["indikator_id"]),
                        tanpa=", ".join(ind[~quarter]["indikator_id"]))

    def _standard_sentences(self) -> list[str]:
        """Permenpan 53/2014 Bab III.A (4): comparison with a national standard, or that there
        is none."""
        out, without = [], []
        for r in self.r.indikator.itertuples():
            if r.standar_nasional is None or r.realisasi is None:
                without.append(r.indikator)
                continue
            now, std = kinerja.shown(r.realisasi), kinerja.frac(r.standar_nasional)
            out.append(N.render("standar_nasional", indikator=r.indikator,
                                standar=F.value_with_unit(r.standar_nasional, r.satuan),
                                dasar=r.dasar_standar, periode=self.periode,
                                realisasi=F.value_with_unit(r.realisasi, r.satuan),
                                memenuhi=now >= std if r.polaritas == kinerja.NAIK else now <= std))
        if without:
            out.append(N.render("standar_tidak_ada", daftar=F.Markup(F.daftar(
                [f"*{F.md(n)}*" for n in without]))))
        return out

    def _leaves(self):
        ang = self.r.anggaran
        parents = {A.parent(k) for k in ang["kode"]}
        return ang[~ang["kode"].isin(parents)]

    def _hindering(self) -> dict:
        """Permenpan 53/2014 Bab III.A (7): the budget lines that hold the result back — below
        half of the share of the year gone by, Rp0 included."""
        tot = self.meta["ringkasan"]
        ambang = tot["ambang_serapan"]
        leaves = self._leaves()
        low = [r for r in leaves.itertuples() if r.pagu and (r.persen or 0) < ambang]
        kinds = {A.LEVEL_LABEL[lv].lower() for lv in leaves["level"]}
        jenis = kinds.pop() if len(kinds) == 1 else "sub kegiatan/kegiatan/program"
        links = self._links()
        # A low line holds back the indicators it supports (it or a budget row above it is
        # linked) that are not yet achieved; one supporting achieved indicators only does not.
        unmet = {int(r.no) for r in self.r.indikator.itertuples() if not r.tercapai}
        linked = [[no for no, k in links if r.kode == k or r.kode.startswith(k + ".")]
                  for r in low]
        held = [", ".join(str(no) for no in dict.fromkeys(nos) if no in unmet) or "–"
                for nos in linked]
        hambat, lepas = sum(h != "–" for h in held), sum(not nos for nos in linked)
        count = {"hambat": hambat, "aman": len(low) - hambat - lepas, "lepas": lepas}
        bagian = F.Markup(F.daftar([N.render(f"penghambat_{k}", n=v) for k, v in count.items()
                                    if v]))
        return {"ada": bool(low), "rows": low, "kaitan": bool(links), "indikator": held,
                # the heading names what the table lists: "Sub Kegiatan yang Menghambat …"
                "judul": F.judul(jenis),
                "kalimat": N.render("penghambat", periode=self.periode, n=len(low),
                                    semua=len(leaves), jenis=jenis, ambang=ambang,
                                    berjalan=kinerja.tahun_berjalan(self.tw), kaitan=bool(links),
                                    nol=sum(1 for r in low if not r.realisasi), bagian=bagian,
                                    **count)}

    def _links(self) -> list[tuple[int, str]]:
        """(indicator number, budget code) for every code an indicator is linked to."""
        from lkj.validation import split_kode_anggaran

        ind = self.r.indikator
        if "kode_anggaran" not in ind:
            return []
        return [(int(r.no), k) for r in ind.itertuples() for k in split_kode_anggaran(r.kode_anggaran)]

    def _rollup_sentence(self) -> str:
        """Which rows of the budget table are sums of the rows below them (none: no sentence)."""
        present = [lv for lv in A.LEVEL_LABEL if (self.r.anggaran["level"] == lv).any()]
        if len(present) < 2:
            return ""
        return (f"Angka {' dan '.join(A.LEVEL_LABEL[lv].lower() for lv in present[-2::-1])} "
                f"adalah jumlah {A.LEVEL_LABEL[present[-1]].lower()} di bawahnya.")

    def _pegawai_sentence(self) -> str:
        peg = self.r.pegawai
        if not len(peg):
            return ""
        rincian = F.Markup(F.daftar([f"{int(p.jumlah)} orang {F.md(p.status)}"
                                     for p in peg.itertuples()]))
        return N.render("pegawai", unit=self.unit_nama, rincian=rincian,
                        total=int(sum(int(j) for j in peg["jumlah"])) if len(peg) > 1 else 0)

    def _last_year(self, r):
        riw = self.r.riwayat
        prev = riw[(riw["indikator_id"] == r.indikator_id) & (riw["tahun"] == self.tahun - 1)]
        return prev.iloc[0] if len(prev) else None

    def _banding_sentences(self) -> list[str]:
        pairs = [(r, p) for r in self.r.indikator.itertuples() if r.realisasi is not None
                 and (p := self._last_year(r)) is not None and p["realisasi"] is not None]
        # the caveat of a cumulative quarter once, after the last indicator
        return [N.banding_sentence(r, p, self.tahun, self.tw, catatan=i == len(pairs) - 1)
                for i, (r, p) in enumerate(pairs)]

    def _renstra_sentences(self) -> list[str]:
        out = []
        for r in self.r.indikator.itertuples():
            if r.target_renstra is not None and r.realisasi is not None:
                cap = kinerja.capaian(r.realisasi, r.target_renstra, r.polaritas,
                                      self.rumus_turun)
                if cap is not None:
                    out.append(N.render(
                        "renstra", indikator=r.indikator, tahun=self.tahun,
                        target_renstra=F.value_with_unit(r.target_renstra, r.satuan),
                        periode=self.periode, tercapai=kinerja.tercapai(cap), capaian=cap))
        return out

    def _tren_sentences(self) -> list[str]:
        riw = self.r.riwayat
        pairs = [(r, hist) for r in self.r.indikator.itertuples() if r.realisasi is not None
                 and len(hist := riw[(riw["indikator_id"] == r.indikator_id)
                                     & riw["realisasi"].notna()]) >= 1]
        return [N.tren_sentence(r, hist, self.tahun, self.tw, catatan=i == len(pairs) - 1)
                for i, (r, hist) in enumerate(pairs)]

    def _dokumen_rules(self, r) -> F.Markup:
        grid = self.r.dokumen_desa[self.r.dokumen_desa["indikator_id"] == r.indikator_id]
        end = desa.akhir_triwulan(self.tahun, self.tw)
        rules = "\n".join(f"- {dok}: {F.md(desa.DASAR_HUKUM[dok])}." for dok in desa.DOKUMEN)
        per_dok = F.Markup(" + ".join(
            f"{int(grid[grid['dokumen'] == dok]['tepat_waktu'].map(bool).sum())} {dok}"
            for dok in desa.DOKUMEN))
        jumlah = N.render("dokumen_jumlah", per_dok=per_dok, pembilang=F.number(r.pembilang, 0),
                          n_desa=grid["desa"].nunique(), penyebut=F.number(r.penyebut, 0))
        return F.Markup(
            f"Dokumen dinilai pada akhir periode ({F.md(F.tanggal(end))}). Dokumen tepat waktu "
            f"apabila:\n\n{rules}\n\nDokumen yang batas waktunya belum tiba "
            f"diberi nilai 0 (belum tepat waktu) sampai dokumen itu ditetapkan. {jumlah}")

    # ---- blocks ---------------------------------------------------------------------------
    def _logo(self) -> F.Markup:
        if not (self.meta.get("logo") and self.processed_dir is not None) or self.dry:
            return F.Markup("")
        # Beside the charts: the report only shows images from its own work folder.
        src = self.processed_dir / self.meta["logo"]
        dst = self.figures_dir / f"logo{src.suffix}"
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        return F.Markup(f"![]({dst.as_posix()}){{width=3.2cm}}")

    # Signature blocks (Tata Naskah Dinas): what precedes, the jabatan (Plt./Plh. first), the space
    # to sign (lkj.lua puts it before the bold name), the name, pangkat/golongan and NIP.
    def _person(self, role: str):
        rows = self.r.pejabat[self.r.pejabat["peran"] == role]
        return next(rows.itertuples(), None)

    def _atasan(self):
        """The atasan langsung: the row so named, else the one a Kasi's report names under
        "Mengetahui" (seed 003), else None (a Camat's is the Bupati, written by hand)."""
        row = self._person("atasan")
        if row is None and self.meta["unit"] != "camat":
            row = self._person("mengetahui")
        return row

    @staticmethod
    def _jabatan(p) -> str:
        prefix = {"plt": "Plt.", "plh": "Plh."}.get(str(getattr(p, "kedudukan", "") or "").lower())
        jabatan = str(p.jabatan)
        if prefix and not jabatan.lower().startswith(prefix.lower()):
            jabatan = f"{prefix} {jabatan}"
        return jabatan

    def _block(self, lines: list[str], p=None, jabatan: str = "") -> str:
        if p is not None:
            lines = [*lines, F.md(self._jabatan(p)), f"**{F.md(p.nama)}**",
                     F.md(getattr(p, "pangkat", "") or ""), f"NIP. {F.md(p.nip)}" if p.nip else ""]
        else:  # a name to be written by hand under the signature
            # 14 em: the bracket fits half the text width (20 ran past the margin)
            lines = [*lines, F.md(jabatan), "**(" + "…" * 14 + ")**"]
        return "::: {.signature}\n" + "\n\n".join(x for x in lines if x) + "\n:::\n"

    def _place_date(self) -> str:
        lap = self.meta["laporan"]
        return f"{F.md(lap['tempat'])}, {F.tanggal(_date(lap['tanggal']))}"

    @staticmethod
    def _side_by_side(blocks: list[str]) -> F.Markup:
        if len(blocks) > 1:
            return F.Markup(":::: {.signatures}\n" + "\n".join(blocks) + "::::\n")
        return F.Markup("\n".join(blocks))

    def _signature(self, with_superior: bool = True) -> F.Markup:
        """The report's approval: the signer, and beside it "Mengetahui" — for a Kasi
        "Mengetahui / ATASAN LANGSUNG" with the Camat (seed 003)."""
        blocks = []
        known = self._person("mengetahui") if with_superior else None
        if known is not None:
            first = ["Mengetahui"] + (["ATASAN LANGSUNG"] if self.meta["unit"] != "camat" else [])
            blocks.append(self._block(first, known))
        blocks.append(self._block([self._place_date()], self._person("penandatangan")))
        return self._side_by_side(blocks)

    def _tanggapan(self) -> dict:
        """The supervisor's checklist (seed 002/003): what was ticked, or blank boxes to tick."""
        tg = self.r.tanggapan_atasan
        if len(tg):
            items = [(str(t.butir), t.dicentang == "ya", t.catatan or "") for t in tg.itertuples()]
        else:
            items = [(b, False, "") for b in CHECKLIST]
        # A line block (one line per item, no bullets) keeps the checklist together.
        lines = []
        for butir, ticked, catatan in items:
            box = "☑" if ticked else "☐"
            lines.append(f"| {box} {F.md(butir)}" + (f": {F.md(catatan)}" if catatan else ""))
        return {"diisi": bool(len(tg)), "daftar": F.Markup("\n".join(lines))}

    def _tanggapan_block(self) -> F.Markup:
        """The checklist, lines for notes and the atasan's signature, kept on one page."""
        tg = self._tanggapan()
        notes = "" if tg["diisi"] else "\n".join(["| Catatan:", *["| " + "." * 90] * 3])
        atasan = self._atasan()
        jabatan = ("" if atasan is not None else
                   f"BUPATI {self.kab.upper()}" if self.meta["unit"] == "camat" else "")
        when = "…" * 7 + ", " + "…" * 10  # place and date, by hand: one line of the column
        sign = self._block([when, "Atasan Langsung,"], atasan, jabatan)
        return F.Markup(":::: {.keep}\n" + tg["daftar"] + "\n\n" + (notes + "\n\n" if notes else "")
                        + sign + "::::\n")

    def _pk_form(self, bab: int) -> F.Markup:
        """The Perjanjian Kinerja as its form (Permenpan RB 53/2014 lampiran): the statement,
        Pihak Pertama and Pihak Kedua, both signatures, then indicators and targets, programs
        and pagu."""
        first, second = self._person("penandatangan"), self._atasan()
        kedua = (f"BUPATI {self.kab.upper()}" if self.meta["unit"] == "camat"
                 else "atasan langsung")
        def party(p, fallback: str) -> str:
            if p is None:
                return f"| Nama    : {'.' * 40}\n| Jabatan : {F.md(fallback)}"
            return f"| Nama    : {F.md(p.nama)}\n| Jabatan : {F.md(self._jabatan(p))}"
        text = "\n\n".join([
            "Dalam rangka mewujudkan manajemen pemerintahan yang efektif, transparan, dan "
            "akuntabel serta berorientasi pada hasil, kami yang bertanda tangan di bawah ini:",
            party(first, self.jabatan), "selanjutnya disebut **Pihak Pertama**,",
            party(second, kedua), "selaku atasan Pihak Pertama, selanjutnya disebut "
            "**Pihak Kedua**.",
            "Pihak Pertama berjanji akan mewujudkan target kinerja yang seharusnya sesuai lampiran "
            "perjanjian ini, dalam rangka mencapai target kinerja jangka menengah seperti yang "
            "telah ditetapkan dalam dokumen perencanaan. Keberhasilan dan kegagalan pencapaian "
            "target kinerja tersebut menjadi tanggung jawab kami.",
            "Pihak Kedua akan melakukan supervisi yang diperlukan serta akan melakukan evaluasi "
            "terhadap capaian kinerja dari perjanjian ini dan mengambil tindakan yang diperlukan "
            "dalam rangka pemberian penghargaan dan sanksi.",
        ])
        lap = self.meta["laporan"]
        signed = _date(lap.get("tanggal_perjanjian"))  # else left for the hand, as on the form
        sign = self._side_by_side([self._block(["Pihak Kedua,"], second, kedua),
                                   self._block([F.md(lap["tempat"]) + ", " + (
                                       F.tanggal(signed) if signed else "…" * 10),
                                       "Pihak Pertama,"], first)])
        return F.Markup(text + "\n\n" + sign + "\n" + self._t_lampiran_pk(bab) + "\n"
                        + self._t_lampiran_program(bab))

    def _audit(self) -> dict:
        meta = self.meta
        params = (f"Parameter: KEC={F.md(meta['kec'])}, TAHUN={meta['tahun']}, TW={meta['tw']}, "
                  f"UNIT={F.md(meta['unit'])}. Perangkat lunak lkj {F.md(meta['lkj_version'])}"
                  + (f", commit {F.md(self.commit)}" if self.commit else "")
                  + (f", mesin render {F.md(self.engine)}" if self.engine else "") + ".")
        warnings = meta.get("warnings") or []
        warn = ("\n".join(f"- {F.md(w)}" for w in warnings) if warnings
                else "Tidak ada peringatan.")
        # the signed document names its data and software in one line; the rest is apart
        short = (f"Semua angka dalam laporan ini dihitung dengan aplikasi lkj dari "
                 f"{len(meta['files'])} berkas data masukan {F.md(self.unit_nama)} "
                 f"{F.md(self.periode)}; daftar berkas, baris sumber setiap indikator"
                 + (f", dan {F.bilangan(len(warnings))} peringatan data" if warnings else "")
                 + " dimuat dalam dokumen Jejak Audit yang diterbitkan bersama laporan ini.")
        return {"parameter": F.Markup(params), "peringatan": F.Markup(warn),
                "ringkas": F.Markup(short)}

    def audit_markdown(self) -> str:
        """The audit trail, a document of its own published beside the report: no cover and
        no Daftar Isi (``pagetitle`` names it in a browser without a title page)."""
        head = _yaml_block({"pagetitle": f"Jejak Audit Laporan Kinerja {self.unit_nama} "
                                         f"{self.periode}", "lang": "id", "toc": False})
        return head + "\n" + self._render("jejak_audit", 0)

    # ---- tables ---------------------------------------------------------------------------
    def _table(self, what: str, bab: int, arg=None, numbered: bool = True) -> F.Markup:
        build = getattr(self, f"_t_{what}", None)
        if build is None:
            raise LkjError(f"tabel tidak dikenal di templat: {what!r}")
        self._numbered = numbered
        return F.Markup(build(bab) if arg is None else build(bab, arg))

    def _caption(self, bab: int, ident: str, title: str) -> tuple[str, str]:
        """"Tabel 3.1 …" — or the title alone for a table the layout does not number (the
        seed's numbering stays as reviewers know it)."""
        if not getattr(self, "_numbered", True):
            return title, ident
        return f"{self._number('Tabel', bab, ident)} {title}", ident

    def _t_pk(self, bab: int) -> str:
        rows = [[str(r.no), r.sasaran, r.indikator, F.value_with_unit(r.target, r.satuan)]
                for r in self.r.indikator.itertuples()]
        return F.md_table(["No", "Sasaran", "Indikator Kinerja", f"Target {self.tahun}"], rows,
                          "lllr", *self._caption(bab, "tbl-pk", f"Perjanjian Kinerja Tahun "
                                                                  f"{self.tahun}"))

    def _t_rumus(self, bab: int) -> str:
        rows = []
        for r in self.r.indikator.itertuples():
            if r.cara_hitung == "dokumen_desa":
                rumus = ("(RKPDesa tepat waktu + APBDesa tepat waktu + LPPDesa tepat waktu) ÷ "
                         "(jumlah desa × 3) × 100%")
            elif r.cara_hitung in ("komponen", "daftar_kegiatan"):
                rumus = f"Jumlah {r.label_pembilang} ÷ Jumlah {r.label_penyebut} × 100%"
            else:
                rumus = "Nilai realisasi yang dilaporkan langsung"
            rows.append([str(r.no), r.indikator, rumus, r.definisi if r.definisi else "–"])
        return F.md_table(["No", "Indikator Kinerja", "Rumus Penghitungan", "Definisi"], rows,
                          "llll", *self._caption(bab, "tbl-rumus", "Rumus Penghitungan Indikator"))

    def _t_program(self, bab: int) -> str:
        prog = A.programs(self.r.anggaran)
        rows = [[p.kode, p.uraian, F.rupiah(p.pagu)] for p in prog.itertuples()]
        rows.append(["", "JUMLAH", F.rupiah(self.meta["ringkasan"]["pagu"])])
        return F.md_table(["Kode", "Program", "Pagu (Rp)"], rows, "llr",
                          *self._caption(bab, "tbl-program", f"Program dan Pagu Anggaran Tahun "
                                                             f"{self.tahun}"), {len(rows) - 1})

    def _t_skala(self, bab: int) -> str:
        rows = []
        for b in self.skala:
            if b.lower is None:
                rentang = f"capaian < {F.percent(b.upper)}"
            elif b.upper is None:
                rentang = f"capaian ≥ {F.percent(b.lower)} (termasuk di atas 100%)"
            else:
                rentang = f"{F.percent(b.lower)} ≤ capaian < {F.percent(b.upper)}"
            rows.append([b.label, rentang])
        return F.md_table(["Kategori", "Rentang Capaian"], rows, "ll",
                          *self._caption(bab, "tbl-skala", "Skala Nilai Peringkat Kinerja"))

    def _t_capaian(self, bab: int) -> str:
        ind = self.r.indikator
        quarter = bool(ind["target_periode_triwulan"].map(bool).any())
        tw = F.roman(self.tw)
        rows = []
        for r in ind.itertuples():
            row = [str(r.no), r.sasaran, r.indikator, F.value_with_unit(r.target_periode, r.satuan)]
            if quarter:  # the quarter's target judges; the year's stands beside it
                row.append(F.value_with_unit(r.target, r.satuan))
            row += [F.value_with_unit(r.realisasi, r.satuan), F.percent(r.capaian)]
            if quarter:
                row.append(F.percent(r.capaian_tahunan))
            rows.append(row + [r.kategori])
        head = (["No", "Sasaran", "Indikator Sasaran", f"Target TW {tw}", f"Target {self.tahun}",
                 f"Realisasi s.d. TW {tw}", f"Capaian thd Target TW {tw}",
                 f"Capaian thd Target {self.tahun}", "Kategori"] if quarter else
                ["No", "Sasaran", "Indikator Sasaran", f"Target {self.tahun}",
                 f"Realisasi s.d. TW {tw}", "Capaian", "Kategori"])
        return F.md_table(head, rows, "lllrrrrrl" if quarter else "lllrrrl",
                          *self._caption(bab, "tbl-capaian", f"Capaian Indikator Kinerja "
                                                             f"{self.periode}"))

    def _t_kegiatan(self, bab: int, indikator_id: str) -> str:
        keg = self.r.kegiatan[self.r.kegiatan["indikator_id"] == indikator_id]
        with_status = bool((keg["status"] != "ditindaklanjuti").any())
        shown = keg if with_status else keg[keg["status"] == "ditindaklanjuti"]
        rows = []
        for i, k in enumerate(shown.itertuples(), 1):
            # every row names its jenis: a blank cell read as missing data, and a group that
            # went on over a page break had no name on the new page
            row = [str(i), k.jenis or "", k.uraian]
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
                          *self._caption(bab, f"tbl-kegiatan-{indikator_id.lower()}",
                                         f"{title} s.d. {F.triwulan(self.tw)}"))

    def _t_dokumen(self, bab: int, indikator_id: str) -> str:
        grid = self.r.dokumen_desa[self.r.dokumen_desa["indikator_id"] == indikator_id]
        end = desa.akhir_triwulan(self.tahun, self.tw)
        rows = []
        for i, (nama, g) in enumerate(grid.groupby("desa", sort=False), 1):
            cells = [str(i), nama]
            for dok in desa.DOKUMEN:
                d = g[g["dokumen"] == dok].iloc[0]
                tgl = F.tanggal(_date(d["tanggal"])) + ", " if d["tanggal"] else ""
                cells.append(f"{tgl}{d['status']}")
            rows.append(cells)
        rows.append(["", "Tepat waktu"] + [
            str(int(grid[(grid["dokumen"] == dok)]["tepat_waktu"].map(bool).sum()))
            for dok in desa.DOKUMEN])
        heads = []
        for dok in desa.DOKUMEN:
            ta = desa.tahun_anggaran(dok, self.tahun)
            heads.append(f"{dok} {ta} (batas {F.tanggal(desa.batas_waktu(dok, ta))})")
        return F.md_table(["No", "Desa", *heads], rows, "llccc",
                          *self._caption(bab, f"tbl-dokumen-{indikator_id.lower()}",
                                         f"Dokumen Administrasi Pemerintahan Desa per "
                                         f"{F.tanggal(end)}"), {len(rows) - 1})

    def _t_banding(self, bab: int) -> str:
        """Permenpan RB 53/2014 III.A (2): realisasi *and capaian* of this year beside last
        year's, each capaian against its own year's target."""
        lalu, sd = self.tahun - 1, f"s.d. TW {F.roman(self.tw)}"
        rows = []
        for r in self.r.indikator.itertuples():
            p = self._last_year(r)
            rows.append([str(r.no), r.indikator,
                         *(F.value_with_unit(p[k] if p is not None else None, r.satuan)
                           for k in ("target", "realisasi")),
                         F.percent(p["capaian"] if p is not None else None),
                         F.value_with_unit(r.target_periode, r.satuan),
                         F.value_with_unit(r.realisasi, r.satuan), F.percent(r.capaian)])
        return F.md_table(["No", "Indikator Kinerja", f"Target {lalu}", f"Realisasi {lalu}",
                           f"Capaian {lalu}", f"Target {self.tahun}",
                           f"Realisasi {self.tahun} {sd}", f"Capaian {self.tahun} {sd}"],
                          rows, "llrrrrrr",
                          *self._caption(bab, "tbl-banding", f"Perbandingan Target dan Realisasi "
                                                             f"Kinerja Tahun {lalu} dan "
                                                             f"{self.periode}"))

    def _t_renstra(self, bab: int) -> str:
        riw = self.r.riwayat
        years = sorted({int(t) for t in riw["tahun"]})[-2:] if len(riw) else []
        rows = []
        for r in self.r.indikator.itertuples():
            cells = [str(r.no), r.indikator, F.value_with_unit(r.target_renstra, r.satuan)]
            for y in years:
                v = riw[(riw["indikator_id"] == r.indikator_id) & (riw["tahun"] == y)]
                cells.append(F.value_with_unit(v.iloc[0]["realisasi"] if len(v) else None,
                                               r.satuan))
            cells.append(F.value_with_unit(r.realisasi, r.satuan))
            rows.append(cells)
        return F.md_table(["No", "Indikator Kinerja", "Target Renstra",
                           *[f"Realisasi {y}" for y in years],
                           f"Realisasi {self.tahun} s.d. TW {F.roman(self.tw)}"], rows,
                          "llr" + "r" * (len(years) + 1),
                          *self._caption(bab, "tbl-renstra", "Perbandingan Realisasi dengan "
                                                             "Target Renstra dan Tahun-Tahun "
                                                             "Sebelumnya"))

    def _t_efisiensi(self, bab: int) -> str:
        """Cost per outcome: budget behind each indicator beside its capaian (seed 002's
        table, computed correctly)."""
        ind = self.r.indikator
        rows = []
        for r in ind[ind["kode_anggaran"].map(bool)].itertuples():
            gap = r.selisih_efisiensi
            rows.append([str(r.no), r.indikator, r.kode_anggaran, F.rupiah(r.pagu_anggaran),
                         F.rupiah(r.realisasi_anggaran), F.percent(r.serapan_anggaran),
                         F.percent(r.capaian),
                         (("+" if gap is not None and F.to_decimal(gap) > 0 else "")
                          + F.number(gap)) if gap is not None else "–", r.efisiensi])
        return F.md_table(["No", "Indikator", "Kode Anggaran", "Pagu (Rp)", "Realisasi (Rp)",
                           "Serapan", "Capaian Kinerja", "Selisih (poin)", "Efisiensi"], rows,
                          "lllrrrrrl",
                          *self._caption(bab, "tbl-efisiensi", f"Capaian Kinerja dan Serapan "
                                                               f"Anggaran (Cost per Outcome) "
                                                               f"{self.periode}"))

    def _t_penghambat(self, bab: int) -> str:
        ctx = self._context["penghambat"]
        rows = [[r.kode, r.uraian, F.rupiah(r.pagu), F.rupiah(r.realisasi), F.percent(r.persen)]
                + ([no] if ctx["kaitan"] else []) for r, no in zip(ctx["rows"], ctx["indikator"])]
        head = ["Kode", "Uraian", "Pagu (Rp)", "Realisasi (Rp)", "Serapan"]
        return F.md_table(head + (["Indikator yang Dihambat"] if ctx["kaitan"] else []), rows,
                          "llrrr" + ("c" if ctx["kaitan"] else ""),
                          *self._caption(bab, "tbl-penghambat", f"Anggaran dengan "
                                                                         f"Serapan Rendah "
                                                                         f"{self.periode}"))

    @cached_property
    def _program_links(self) -> list:
        """Each program with the indicators linked to it or to a budget line under it."""
        from lkj.validation import split_kode_anggaran

        ind = self.r.indikator
        return [(p, [r for r in ind.itertuples()
                     if any(A.sort_key(k)[:3] == A.sort_key(p.kode)
                            for k in split_kode_anggaran(r.kode_anggaran))])
                for p in A.programs(self.r.anggaran).itertuples()]

    def _t_efisiensi_program(self, bab: int) -> str:
        """Cost per outcome per program (seed 002): every program, each rupiah once; the
        indicators it supports and their capaian."""
        tot = self.meta["ringkasan"]
        rows = []
        for p, linked in self._program_links:
            cap = kinerja.average([r.capaian for r in linked])
            gap, label = (kinerja.efisiensi(cap, p.persen) if linked
                          else (None, "Tidak dikaitkan dengan indikator"))
            rows.append([p.kode, p.uraian, F.rupiah(p.pagu), F.rupiah(p.realisasi),
                         F.percent(p.persen), ", ".join(str(r.no) for r in linked) or "–",
                         F.percent(cap), ("+" if gap is not None and gap > 0 else "")
                         + F.number(gap) if gap is not None else "–", label])
        rows.append(["", "JUMLAH", F.rupiah(tot["pagu"]), F.rupiah(tot["realisasi_anggaran"]),
                     F.percent(tot["persen_anggaran"]), "", "", "", ""])
        return F.md_table(["Kode", "Program", "Pagu (Rp)", "Realisasi (Rp)", "Serapan",
                           "Indikator (No)", "Capaian", "Selisih (poin)", "Efisiensi"], rows,
                          "llrrrcrrl",
                          *self._caption(bab, "tbl-efisiensi-program", f"Capaian Kinerja dan "
                                                                       f"Serapan Anggaran per "
                                                                       f"Program {self.periode}"),
                          {len(rows) - 1})

    def _t_anggaran(self, bab: int) -> str:
        tot = self.meta["ringkasan"]
        rows, bold = [], set()
        for i, a in enumerate(self.r.anggaran.itertuples()):
            rows.append([a.kode, a.uraian, F.rupiah(a.pagu), F.rupiah(a.realisasi),
                         F.rupiah(a.sisa), F.percent(a.persen)])
            if a.level == "program":
                bold.add(i)
        bold.add(len(rows))
        rows.append(["", "JUMLAH", F.rupiah(tot["pagu"]), F.rupiah(tot["realisasi_anggaran"]),
                     F.rupiah(tot["sisa"]), F.percent(tot["persen_anggaran"])])
        return F.md_table(["Kode", "Program/Kegiatan/Sub Kegiatan", "Pagu (Rp)",
                           "Realisasi (Rp)", "Sisa (Rp)", "%"], rows, "llrrrr",
                          *self._caption(bab, "tbl-anggaran", f"Realisasi Anggaran Tahun "
                                                              f"{self.tahun} sampai dengan "
                                                              f"{F.triwulan(self.tw)}"), bold)

    def _t_lampiran_pk(self, bab: int) -> str:
        rows = [[str(r.no), r.sasaran, r.indikator, r.satuan,
                 F.value_with_unit(r.target, r.satuan)] for r in self.r.indikator.itertuples()]
        return F.md_table(["No", "Sasaran", "Indikator Kinerja", "Satuan", f"Target {self.tahun}"],
                          rows, "lllcr",
                          f"Sasaran, Indikator dan Target Perjanjian Kinerja Tahun {self.tahun}",
                          "tbl-lampiran-pk")

    def _t_lampiran_program(self, bab: int) -> str:
        prog = A.programs(self.r.anggaran)
        rows = [[str(i), p.uraian, F.rupiah(p.pagu)] for i, p in enumerate(prog.itertuples(), 1)]
        rows.append(["", "JUMLAH", F.rupiah(self.meta["ringkasan"]["pagu"])])
        return F.md_table(["No", "Program", "Anggaran (Rp)"], rows, "llr",
                          f"Program dan Anggaran Perjanjian Kinerja Tahun {self.tahun}",
                          "tbl-lampiran-program", {len(rows) - 1})

    def _t_sumber(self, bab: int) -> str:
        rows = [[str(r.no), r.indikator, r.sumber] for r in self.r.indikator.itertuples()]
        return F.md_table(["No", "Indikator Kinerja", "Berkas dan baris sumber"], rows, "lll",
                          "Sumber Data Setiap Indikator", "tbl-sumber")

    def _t_berkas(self, bab: int) -> str:
        # The full hash, split in two halves so it wraps inside a table cell on A4.
        files = [[f["path"], str(f["rows"]),
                  F.Markup(f"`{f['sha256'][:32]}` `{f['sha256'][32:]}`")]
                 for f in self.meta["files"]]
        return F.md_table(["Berkas masukan", "Baris", "SHA-256"], files, "lrl",
                          "Berkas Masukan Laporan", "tbl-berkas")

    # ---- metadata ---------------------------------------------------------------------------
    def _metadata(self) -> str:
        lap = self.meta["laporan"]
        return _yaml_block({
            "title": f"Laporan Kinerja {self.jabatan} {self.periode}",
            "subtitle": f"Kecamatan {self.kec}", "author": f"Pemerintah {self.daerah}",
            "date": F.tanggal(_date(lap["tanggal"])), "lang": "id",
            "lkj-daftar": True,  # Daftar Tabel and Daftar Gambar after the Daftar Isi
        })


@lru_cache(maxsize=None)
def _environment(folders: tuple[Path, ...]) -> SandboxedEnvironment:
    """One environment per list of template folders: it keeps its compiled templates (and
    compiles one again when its file changes), so lkj's are compiled once per process and the
    reports of `lkj all` and the rebuilds of `lkj watch` fork from one that did it."""
    # a folder made later (a kecamatan's templat/) is read then: none is left out for lacking
    loaders = [FileSystemLoader(str(f)) for f in folders]
    return SandboxedEnvironment(loader=ChoiceLoader(loaders), undefined=StrictUndefined,
                                trim_blocks=True, lstrip_blocks=True, autoescape=False,
                                keep_trailing_newline=True, finalize=F.md,
                                extensions=[_LiteralHtml])


def warm_up() -> None:
    """Compile lkj's chapter templates and sentences and load the number words, once."""
    for susunan in SUSUNAN:
        env = _environment((TEMPLATES / susunan, TEMPLATES))
        for name in {f"{n}.md" for n in (*SECTIONS, "jejak_audit")} & set(env.list_templates()):
            env.get_template(name)
    for name in N.T:
        N._template(name)
    F.bilangan(2)
