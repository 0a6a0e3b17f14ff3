"""Synthetic ("data contoh/sintetis") kecamatan data for demonstrations and tests: ``lkj synth``.

Writes plausible input files for any list of kecamatan of a kabupaten (``--kab``; the default,
Lumajang, when not named: its real kecamatan and desa names from the Kemendagri dataset; the
synthetic kabupaten "Contoh", data/kabupaten/contoh.yml, to show other rules) so that ``make all``
and the kabupaten recap have more than the two real sample kecamatan to work with. The data is:

* **labelled** in every output: the kecamatan is named "<Nama> (data contoh/sintetis)" in
  profil.csv (so every title, cover, table row and portal entry carries it), every narrative
  says so, and the folder holds a ``SINTETIS.txt`` marker;
* **seeded**: the same seed gives the same bytes (each kecamatan draws from its own generator,
  seeded by seed and name, so adding a kecamatan to the list changes nothing for the others);
* **valid**: it passes the real validation (:func:`lkj.validation.load_inputs`), quarter after
  quarter consistently cumulative (an activity done by TW2 stays done in TW3, budget realisation
  only grows);
* **never written over real data**: a kecamatan folder without the marker is refused.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from lkj import kabupaten
from lkj.errors import LkjError, rel

LABEL = kabupaten.SYNTH_LABEL

# Budget nomenclature (Kepmendagri 050-5889/2021, as in the Candipuro sample): program, then
# kegiatan with their sub kegiatan. Amounts are drawn per sub kegiatan (in rupiah: lower, upper).
NOMENKLATUR = [
    ("7.01.01", "PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH KABUPATEN/KOTA", [
        ("7.01.01.2.01", "Perencanaan, Penganggaran dan Evaluasi Kinerja Perangkat Daerah", [
            ("7.01.01.2.01.01", "Penyusunan Dokumen Perencanaan Perangkat Daerah", (2, 6)),
            ("7.01.01.2.01.06", "Koordinasi dan Penyusunan Laporan Capaian Kinerja dan Ikhtisar "
                                "Realisasi Kinerja SKPD", (2, 5))]),
        ("7.01.01.2.02", "Administrasi Keuangan Perangkat Daerah", [
            ("7.01.01.2.02.01", "Penyediaan Gaji dan Tunjangan ASN", (1100, 1700)),
            ("7.01.01.2.02.02", "Penyediaan Administrasi Pelaksanaan Tugas ASN", (10, 40))]),
        ("7.01.01.2.06", "Administrasi Umum Perangkat Daerah", [
            ("7.01.01.2.06.04", "Penyediaan Bahan Logistik Kantor", (15, 45)),
            ("7.01.01.2.06.05", "Penyediaan Barang Cetak dan Penggandaan", (5, 20)),
            ("7.01.01.2.06.09", "Penyelenggaraan Rapat Koordinasi dan Konsultasi SKPD", (10, 60))]),
        ("7.01.01.2.08", "Penyediaan Jasa Penunjang Urusan Pemerintahan Daerah", [
            ("7.01.01.2.08.02", "Penyediaan Jasa Komunikasi, Sumber Daya Air dan Listrik", (20, 60)),
            ("7.01.01.2.08.04", "Penyediaan Jasa Pelayanan Umum Kantor", (60, 180))]),
        ("7.01.01.2.09", "Pemeliharaan Barang Milik Daerah Penunjang Urusan Pemerintahan Daerah", [
            ("7.01.01.2.09.02", "Penyediaan Jasa Pemeliharaan, Biaya Pemeliharaan, Pajak dan "
                                "Perizinan Kendaraan Dinas Operasional atau Lapangan", (20, 70))]),
    ]),
    ("7.01.02", "PROGRAM PENYELENGGARAAN PEMERINTAHAN DAN PELAYANAN PUBLIK", [
        ("7.01.02.2.04", "Pelaksanaan Urusan Pemerintahan yang Dilimpahkan kepada Camat", [
            ("7.01.02.2.04.03", "Pelaksanaan Urusan Pemerintahan yang Terkait dengan Kewenangan "
                                "Lain yang Dilimpahkan", (30, 120))]),
    ]),
    ("7.01.03", "PROGRAM PEMBERDAYAAN MASYARAKAT DESA DAN KELURAHAN", [
        ("7.01.03.2.01", "Koordinasi Kegiatan Pemberdayaan Desa", [
            ("7.01.03.2.01.01", "Peningkatan Partisipasi Masyarakat dalam Forum Musyawarah "
                                "Perencanaan Pembangunan di Desa", (10, 40)),
            ("7.01.03.2.01.03", "Peningkatan Efektifitas Kegiatan Pemberdayaan Masyarakat di "
                                "Wilayah Kecamatan", (10, 35))]),
        ("7.01.03.2.06", "Pemberdayaan dan Kesejahteraan Keluarga Tingkat Kecamatan dan Kelurahan", [
            ("7.01.03.2.06.03", "Peningkatan Ketahanan Pangan Keluarga", (5, 20)),
            ("7.01.03.2.06.10", "Pelatihan Keluarga Tanggap Bencana Alam", (5, 20))]),
    ]),
    ("7.01.04", "PROGRAM KOORDINASI KETENTRAMAN DAN KETERTIBAN UMUM", [
        ("7.01.04.2.01", "Koordinasi Upaya Penyelenggaraan Ketenteraman dan Ketertiban Umum", [
            ("7.01.04.2.01.01", "Sinergitas dengan Kepolisian Negara Republik Indonesia, Tentara "
                                "Nasional Indonesia dan Instansi Vertikal di Wilayah Kecamatan",
             (5, 15))]),
    ]),
    ("7.01.05", "PROGRAM PENYELENGGARAAN URUSAN PEMERINTAHAN UMUM", [
        ("7.01.05.2.01", "Penyelenggaraan Urusan Pemerintahan Umum Sesuai Penugasan Kepala Daerah", [
            ("7.01.05.2.01.08", "Pelaksanaan Tugas Forum Koordinasi Pimpinan di Kecamatan",
             (20, 90))]),
    ]),
    ("7.01.06", "PROGRAM PEMBINAAN DAN PENGAWASAN PEMERINTAHAN DESA", [
        ("7.01.06.2.01", "Fasilitasi, Rekomendasi dan Koordinasi Pembinaan dan Pengawasan "
                         "Pemerintahan Desa", [
            ("7.01.06.2.01.02", "Fasilitasi Administrasi Tata Pemerintahan Desa", (15, 60)),
            ("7.01.06.2.01.06", "Fasilitasi Pelaksanaan Pemilihan Kepala Desa", (10, 80))]),
    ]),
]

KEGIATAN = [
    ("Fasilitasi administrasi tata Pemerintahan Desa", "Fasilitasi pembinaan Administrasi Umum Pemerintahan Desa"),
    ("Fasilitasi administrasi tata Pemerintahan Desa", "Fasilitasi pembinaan Administrasi Penduduk"),
    ("Fasilitasi administrasi tata Pemerintahan Desa", "Fasilitasi pembinaan Administrasi Keuangan"),
    ("Fasilitasi pengelolaan keuangan Desa dan pendayagunaan aset Desa", "Fasilitasi Pembinaan Penatausahaan Keuangan Desa"),
    ("Fasilitasi pengelolaan keuangan Desa dan pendayagunaan aset Desa", "Fasilitasi Pembinaan Pelaporan Keuangan Desa"),
    ("Fasilitasi evaluasi penyusunan peraturan desa dan peraturan kepala desa", "Fasilitasi pembinaan penyusunan Perdes BUMDes"),
    ("Fasilitasi pelaksanaan tugas kepala Desa dan perangkat Desa", "Pembinaan dan Pengawasan Tupoksi Kades dan Perangkat Desa"),
    ("Fasilitasi pelaksanaan tugas dan fungsi Badan Permusyawaratan Desa", "Pembinaan dan Pengawasan Tupoksi BPD"),
    ("Fasilitasi penyusunan perencanaan pembangunan partisipatif", "Fasilitasi Musrenbangcam yang partisipatif"),
    ("Fasilitasi penyelenggaraan ketenteraman dan ketertiban umum", "Monitoring dan evaluasi Trantibum"),
    ("Fasilitasi Keuangan", "Fasilitasi penyusunan Laporan Keuangan"),
    ("Fasilitasi Keuangan", "Fasilitasi penyusunan Dokumen Pelaksanaan Anggaran"),
    ("Fasilitasi Administrasi Kependudukan", "Fasilitasi Sosialisasi Pelayanan Publik"),
    ("Koordinasi pendampingan Desa di wilayahnya", "Koordinasi Pendampingan Desa"),
    ("Fasilitasi kerja sama antar-Desa dan kerja sama Desa dengan pihak ketiga", "Pembinaan BKAD"),
]

_PREFIX = ("Sumber", "Kali", "Tegal", "Wono", "Karang", "Sido", "Rowo", "Kedung", "Jati",
           "Tanjung", "Pandan", "Sari", "Banyu", "Gunung", "Ranu")
_SUFFIX = ("rejo", "sari", "mulyo", "agung", "jaya", "makmur", "wangi", "kerto", "asri",
           "harjo", "anyar", "urip")
_NAMES = ("AGUS", "BUDI", "DWI", "EKO", "HERI", "INDAH", "JULI", "LILIK", "NUR", "RINA", "SITI",
          "SRI", "TRI", "WAHYU", "YUDI")
_SURNAMES = ("SANTOSO", "PRASETYO", "WIDODO", "HARTONO", "SUSANTI", "RAHAYU", "WAHYUNI",
             "SETIAWAN", "HIDAYAT", "KURNIAWAN")


@dataclass(frozen=True)
class Indikator:
    id: str
    sasaran: str
    nama: str
    satuan: str
    polaritas: str
    cara: str
    label_pembilang: str = ""
    label_penyebut: str = ""
    kode_anggaran: str = ""


IK_KOORDINASI = Indikator(
    "IK-01", "Meningkatnya kualitas fasilitasi dan koordinasi kecamatan",
    "Persentase hasil fasilitasi dan koordinasi yang ditindaklanjuti", "%", "naik",
    "daftar_kegiatan", "hasil fasilitasi dan koordinasi yang ditindaklanjuti",
    "fasilitasi dan koordinasi", "7.01.02")
IK_DOKUMEN = Indikator(
    "IK-02", "Meningkatnya kualitas serta akuntabilitas keuangan dan pemerintahan desa",
    "Rata - rata Persentase Desa yang menyusun dokumen administrasi pemerintahan desa tepat waktu",
    "%", "naik", "dokumen_desa", "dokumen administrasi pemerintahan desa yang disusun tepat waktu",
    "dokumen administrasi pemerintahan desa", "7.01.06")
IK_PELAYANAN = Indikator(
    "IK-03", "Meningkatnya akuntabilitas pemerintahan desa",
    "Persentase fasilitasi Penyelenggaraan Pemerintahan dan Pelayanan Publik", "%", "naik",
    "komponen", "fasilitasi pelayanan administrasi yang sesuai SP dan SOP",
    "fasilitasi pelayanan administrasi", "7.01.02")
IK_WAKTU = Indikator(
    "IK-04", "Meningkatnya kualitas pelayanan administrasi kecamatan",
    "Rata-rata waktu penyelesaian pelayanan administrasi kecamatan", "hari", "turun",
    "nilai_langsung")


def _money(rng: random.Random, lo_juta: float, hi_juta: float) -> int:
    """A pagu in whole rupiah, rounded to Rp 1.000 as DPA amounts usually are."""
    return int(rng.uniform(lo_juta, hi_juta) * 1000) * 1000


def _id_number(value: int) -> str:
    """1234567 → "1.234.567" (Indonesian thousands, as the sample CSVs write money)."""
    return f"{value:,}".replace(",", ".")


def _id_decimal(value: float, places: int = 2) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def _weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


class _Kecamatan:
    """All years/quarters of one synthetic kecamatan, drawn once from its own generator."""

    def __init__(self, slug: str, tahun: int, seed: int, aturan: kabupaten.Aturan):
        from lkj import wilayah

        self.slug, self.tahun, self.seed, self.aturan = slug, tahun, seed, aturan
        self.rng = rng = random.Random(f"lkj-synth:{seed}:{slug}:{tahun}")
        k = next((k for k in aturan.kecamatan() if k.slug == slug), None)
        self.nama, self.kode = (k.nama, k.kode) if k else (kabupaten.nama(slug, aturan), "")
        known = [n for _, n in wilayah.desa(self.kode)] if self.kode and not aturan.sintetis \
            else []
        if known:
            self.desa = list(known)
        else:
            names = sorted({p + s for p in _PREFIX for s in _SUFFIX})
            self.desa = rng.sample(names, rng.randint(7, 13))
        # the year's plan
        self.indikator = [IK_KOORDINASI, IK_DOKUMEN]
        if rng.random() < 0.7:
            self.indikator.append(IK_PELAYANAN)
        if rng.random() < 0.5:
            self.indikator.append(IK_WAKTU)
        self.target = {IK_KOORDINASI.id: rng.choice((85, 88, 90, 91.5, 92)),
                       IK_DOKUMEN.id: rng.choice((80, 82, 85, 86)),
                       IK_PELAYANAN.id: rng.choice((85, 86, 90)),
                       IK_WAKTU.id: rng.choice((3, 4))}
        self.pns, self.non_pns = rng.randint(8, 16), rng.randint(5, 20)
        self.camat = (f"{rng.choice(('Drs. ', '', 'H. '))}{rng.choice(_NAMES).upper()} "
                      f"{rng.choice(_SURNAMES)}, {rng.choice(('S.Sos.', 'S.STP., M.Si.', 'S.H.'))} "
                      "(CONTOH)")
        self.nip = (f"19{rng.randint(66, 85)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d} "
                    f"{rng.randint(1990, 2010)}{rng.randint(1, 12):02d} {rng.randint(1, 2)} "
                    f"{rng.randint(1, 20):03d}")
        self.late = rng.random() < 0.35          # signs its reports after the due date
        self.over_budget = rng.random() < 0.25   # one sub kegiatan spends above its pagu
        self._activities()
        self._documents()
        self._budget()
        self._components()

    # -- cumulative facts of the year, from which each quarter takes what had happened by then
    def _activities(self):
        rng = self.rng
        rate = rng.uniform(0.45, 0.98)
        self.kegiatan = []  # (jenis, uraian, quarter introduced, quarter done or None)
        for q in range(1, 5):
            for _ in range(rng.randint(8, 16)):
                jenis, uraian = rng.choice(KEGIATAN)
                done = None
                if rng.random() < rate:
                    done = min(4, q + (0 if rng.random() < 0.8 else 1))
                self.kegiatan.append((jenis, uraian, q, done))

    def _documents(self):
        rng, y = self.rng, self.tahun
        self.dokumen = {}  # (desa, dokumen) -> date or None
        for d in self.desa:
            self.dokumen[(d, "LPPDesa")] = (None if rng.random() < 0.05 else
                                            dt.date(y, rng.choice((1, 2, 3, 3, 4)),
                                                    rng.randint(1, 28)))
            self.dokumen[(d, "RKPDesa")] = (None if rng.random() < 0.1 else
                                            dt.date(y, rng.choice((7, 8, 9, 9, 10)),
                                                    rng.randint(1, 28)))
            self.dokumen[(d, "APBDesa")] = (None if rng.random() < 0.1 else
                                            dt.date(y, rng.choice((11, 12, 12)),
                                                    rng.randint(1, 28)))

    def _budget(self):
        rng = self.rng
        self.pagu, self.realisasi = {}, {}  # sub kode -> int rupiah; -> [cum TW1..TW4]
        pace = rng.uniform(0.75, 1.05)  # how fast this kecamatan spends
        subs = [s for _, _, kegs in NOMENKLATUR for _, _, ss in kegs for s in ss]
        over = rng.choice(subs)[0] if self.over_budget else None
        for kode, _, (lo, hi) in subs:
            pagu = _money(rng, lo, hi)
            self.pagu[kode] = pagu
            cum, path = 0, []
            for q in range(1, 5):
                share = min(1.0, pace * q / 4 * rng.uniform(0.7, 1.1))
                cum = max(cum, int(pagu * share / 1000) * 1000)
                path.append(min(cum, pagu))
            if kode == over:  # from TW2 on, 5% above pagu: "realisasi melebihi pagu" warning
                path = [p if q < 2 else pagu + pagu // 20 for q, p in enumerate(path, 1)]
            self.realisasi[kode] = path

    def _components(self):
        rng = self.rng
        self.pelayanan = []  # cumulative (pembilang, penyebut) per quarter
        done = total = 0
        rate = rng.uniform(0.7, 1.0)
        for _ in range(4):
            n = rng.randint(20, 40)
            total += n
            done += int(n * rate)
            self.pelayanan.append((done, total))
        self.waktu = [round(rng.uniform(2.2, 5.5), 2) for _ in range(4)]
        self.riwayat = {ik.id: [(self.tahun - k, self.target[ik.id] - rng.choice((0, 0.5, 1)),
                                 self._hist(ik)) for k in (2, 1)] for ik in self.indikator}

    def _hist(self, ik: Indikator) -> float:
        if ik.polaritas == "turun":
            return round(self.rng.uniform(2.5, 5), 2)
        return round(self.rng.uniform(70, 100), 2)

    # -- files of one quarter -------------------------------------------------------------
    def files(self, tw: int, columns: dict[str, list[str]], narasi_keys: tuple[str, ...],
              signed: dt.date) -> dict[str, str]:
        y = self.tahun
        end = _quarter_end(y, tw)
        out: dict[str, str] = {}

        def table(name: str, rows: list[dict[str, str]]) -> None:
            cols = columns[name]
            lines = [";".join(cols)] + [";".join(str(r.get(c, "")) for c in cols) for r in rows]
            out[f"{name}.csv"] = "\n".join(lines) + "\n"

        out["laporan.csv"] = ("kunci;nilai\n"
                              f"tahun;{y}\ntriwulan;{tw}\nunit;camat\nnama_jabatan;Camat\n"
                              f"tempat;{self.nama}\ntanggal;{signed.isoformat()}\n")
        table("pejabat", [{"peran": "penandatangan", "jabatan": f"CAMAT {self.nama.upper()}",
                           "nama": self.camat, "nip": self.nip, "pangkat": "Pembina (IV/a)"}])
        table("pegawai", [{"status": "PNS", "jumlah": self.pns},
                          {"status": "Non PNS", "jumlah": self.non_pns}])
        pk = []
        for no, ik in enumerate(self.indikator, 1):
            target = self.target[ik.id]
            pk.append({"no": no, "sasaran": ik.sasaran, "indikator_id": ik.id,
                       "indikator": ik.nama, "satuan": ik.satuan, "polaritas": ik.polaritas,
                       "target": _id_decimal(target), "target_renstra": _id_decimal(target),
                       "cara_hitung": ik.cara, "label_pembilang": ik.label_pembilang,
                       "label_penyebut": ik.label_penyebut,
                       "definisi": f"Definisi indikator ({LABEL}).",
                       "kode_anggaran": ik.kode_anggaran})
        table("perjanjian_kinerja", pk)

        keg = [(j, u, done) for j, u, q, done in self.kegiatan if q <= tw]
        real = [{"indikator_id": IK_KOORDINASI.id, "penyebut": len(keg),
                 "keterangan": f"{LABEL}"}]
        ids = {ik.id for ik in self.indikator}
        if IK_PELAYANAN.id in ids:
            p, n = self.pelayanan[tw - 1]
            real.append({"indikator_id": IK_PELAYANAN.id, "pembilang": p, "penyebut": n,
                         "keterangan": LABEL})
        if IK_WAKTU.id in ids:
            real.append({"indikator_id": IK_WAKTU.id, "nilai": _id_decimal(self.waktu[tw - 1]),
                         "keterangan": LABEL})
        table("realisasi", real)
        table("kegiatan", [{"indikator_id": IK_KOORDINASI.id, "no": i, "jenis": j, "uraian": u,
                            "status": "ditindaklanjuti" if done is not None and done <= tw
                            else "belum"} for i, (j, u, done) in enumerate(keg, 1)])
        docs = []
        for d in self.desa:
            for dok, ta in (("RKPDesa", y + 1), ("APBDesa", y + 1), ("LPPDesa", y - 1)):
                when = self.dokumen[(d, dok)]
                shown = when if when is not None and when <= end else None
                docs.append({"indikator_id": IK_DOKUMEN.id, "desa": d, "dokumen": dok,
                             "tahun_anggaran": ta, "tanggal": shown.isoformat() if shown else "",
                             "keterangan": LABEL})
        table("dokumen_desa", docs)

        rows = []
        for pkode, puraian, kegs in NOMENKLATUR:
            psum = [0, 0]
            krows = []
            for kkode, kuraian, subs in kegs:
                ksum = [0, 0]
                srows = []
                for skode, suraian, _ in subs:
                    pg, rl = self.pagu[skode], self.realisasi[skode][tw - 1]
                    ksum = [ksum[0] + pg, ksum[1] + rl]
                    srows.append({"kode": skode, "uraian": suraian, "pagu": _id_number(pg),
                                  "realisasi": _id_number(rl) if rl else "-"})
                psum = [psum[0] + ksum[0], psum[1] + ksum[1]]
                krows.append({"kode": kkode, "uraian": kuraian, "pagu": _id_number(ksum[0]),
                              "realisasi": _id_number(ksum[1])})
                krows += srows
            rows.append({"kode": pkode, "uraian": puraian, "pagu": _id_number(psum[0]),
                         "realisasi": _id_number(psum[1])})
            rows += krows
        table("anggaran", rows)
        table("riwayat", [{"indikator_id": ik, "tahun": th, "target": _id_decimal(t),
                           "realisasi": _id_decimal(r)}
                          for ik, hist in self.riwayat.items() for th, t, r in hist])
        for key in narasi_keys:
            out[f"narasi/{key}.md"] = _narasi(key, self.nama, y, tw, self.seed)
        return out


def _quarter_end(tahun: int, tw: int) -> dt.date:
    from lkj.desa import akhir_triwulan
    return akhir_triwulan(tahun, tw)


def _narasi(key: str, nama: str, tahun: int, tw: int, seed: int) -> str:
    from lkj.formatting import triwulan
    from lkj.scaffold import NARASI_JUDUL

    judul = NARASI_JUDUL.get(key, (key.replace("_", " ").capitalize(), ""))[0]
    return (f"*Bagian ini berisi {LABEL}:* teks {judul.lower()} untuk Kecamatan {nama} "
            f"{triwulan(tw)} Tahun {tahun} dibangkitkan otomatis oleh `lkj synth` (seed {seed}) "
            "untuk peragaan dan pengujian. Angka dan uraiannya bukan data sebenarnya dan tidak "
            "boleh dikutip sebagai kinerja kecamatan mana pun.\n")


def _signed(k: _Kecamatan, tw: int, root: Path | None) -> dt.date:
    """Signing date: within the due date for punctual kecamatan, 1–4 weeks after it otherwise."""
    from lkj.holidays import batas_laporan

    due = batas_laporan(k.tahun, tw, root, k.aturan).tanggal
    r = random.Random(f"lkj-synth-tanggal:{k.seed}:{k.slug}:{k.tahun}:{tw}")
    if k.late:
        return _weekday_on_or_after(due + dt.timedelta(days=r.randint(7, 28)))
    day = due - dt.timedelta(days=r.randint(0, 3))
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return max(day, _weekday_on_or_after(_quarter_end(k.tahun, tw) + dt.timedelta(days=1)))


def _write_if_changed(path: Path, text: str) -> bool:
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False  # unchanged bytes keep their mtime, so make does not rebuild
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def _rules(root: Path | None, kab: str) -> kabupaten.Aturan:
    found = kabupaten.find(root, kab) if kab else kabupaten.default(root)
    if found is None:
        raise LkjError(f"Kabupaten {kab!r} tidak punya berkas aturan di {kabupaten.CONFIG_DIR}/. "
                       "Pilih salah satu: " + ", ".join(kabupaten.all_rules(root)) + ".")
    return found


def parse_kecamatan(text: str, root: Path | None = None, kab: str = "") -> list[str]:
    """"pasirian,tempeh" → slugs; "semua" → every kecamatan of the kabupaten."""
    items = [t.strip().lower() for t in text.replace(" ", ",").split(",") if t.strip()]
    if items == ["semua"]:
        return [k.slug for k in _rules(root, kab).kecamatan()]
    if not items:
        raise LkjError("Sebutkan kecamatan, mis. --kec pasirian,tempeh (atau --kec semua).")
    return items


def synth(root: Path, kecamatan: list[str], tahun: int, tws: list[int], seed: int = 1,
          skip_real: bool = False, kab: str = "") -> dict[str, list[Path]]:
    """Write synthetic inputs for ``kecamatan`` (camat unit) for the quarters ``tws`` of ``tahun``.

    Returns {kecamatan: files written or refreshed}. A kecamatan folder holding real data (no
    SINTETIS.txt marker) is refused — or skipped with ``skip_real`` (as for ``--kec semua``).
    """
    from lkj.params import _name
    from lkj.validation import NARASI, SPECS

    root = Path(root)
    aturan = _rules(root, kab)
    columns = {name: [c.name for c in spec] for name, spec in SPECS.items()}
    written: dict[str, list[Path]] = {}
    for slug in kecamatan:
        slug = _name(slug, "KEC", "KEC=pasirian")
        base = root / "data" / "raw" / slug
        if base.exists() and not kabupaten.is_synthetic(root, slug):
            if skip_real:
                continue
            raise LkjError(f"Folder {rel(base, root)}/ berisi data sebenarnya (tanpa penanda "
                           f"{kabupaten.SYNTH_MARKER}); lkj synth tidak menimpanya. Pilih "
                           "kecamatan lain.")
        k = _Kecamatan(slug, tahun, seed, aturan)
        files = written.setdefault(slug, [])
        marker = (f"Folder ini berisi {LABEL}, bukan data sebenarnya.\n"
                  f"Dibuat oleh: lkj synth{f' --kab {kab}' if kab else ''} --kec {slug} "
                  f"--tahun {tahun} --seed {seed}\n"
                  "Hapus folder ini untuk membuang data contoh.\n")
        for rel_name, text in (
                (kabupaten.SYNTH_MARKER, marker),
                ("profil.csv", "kunci;nilai\n"
                               f"nama_kecamatan;{k.nama} ({LABEL})\n"
                               f"kabupaten;{aturan.nama}\nprovinsi;{aturan.provinsi}\n"
                               f"kode_wilayah;{k.kode}\n"
                               f"alamat;{LABEL}\n"),
                ("desa.csv", "no;nama_desa\n" + "".join(f"{i};{d}\n" for i, d in
                                                       enumerate(k.desa, 1)))):
            if _write_if_changed(base / rel_name, text):
                files.append(base / rel_name)
        for tw in sorted(set(tws)):
            folder = base / str(tahun) / "camat" / f"tw{tw}"
            for name, text in k.files(tw, columns, NARASI, _signed(k, tw, root)).items():
                if _write_if_changed(folder / name, text):
                    files.append(folder / name)
    return written
