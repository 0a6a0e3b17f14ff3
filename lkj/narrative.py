"""Generated sentences: every sentence that states a number, a comparison or a judgement comes
from here, from the same values the tables show, so text and tables cannot disagree.

Templates are Jinja2; values are formatted by :mod:`lkj.formatting`, and everything a template
prints is escaped for Markdown (the environment's ``finalize``).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from jinja2 import Environment, StrictUndefined

from lkj import formatting as F
from lkj import kinerja

# Every value a template prints is escaped for Markdown (F.md) unless it is F.Markup: text from
# the inputs can never become markup, however a template uses it.
_env = Environment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=False, autoescape=False, finalize=F.md)
_env.filters.update(percent=F.percent, rupiah=F.rupiah, number=F.number, md=F.md,
                    tanggal=F.tanggal, triwulan=F.triwulan, bilangan=F.bilangan)

T = {
    "capaian": (
        "Realisasi indikator *{{ indikator|md }}* sampai dengan {{ periode }} sebesar "
        "{{ realisasi }} dari target {{ target }} ({{ dasar }}), sehingga capaian kinerjanya "
        "{{ capaian|percent }} dengan kategori **{{ kategori }}**. "
        "{% if capaian_tahunan is not none %}Terhadap target tahunan {{ target_tahunan }}, "
        "capaiannya {{ capaian_tahunan|percent }}. {% endif %}"
        "{% if tercapai %}Target indikator ini telah tercapai"
        "{% if lebih %} dan terlampaui{% endif %}."
        "{% elif polaritas == 'turun' %}Untuk indikator ini nilai yang lebih rendah lebih baik: "
        "untuk mencapai target, nilainya masih harus turun {{ kurang }}."
        "{% else %}Untuk mencapai target masih diperlukan tambahan {{ kurang }}.{% endif %}"),
    "capaian_tidak_dihitung": (
        "Capaian indikator *{{ indikator|md }}* tidak dapat dihitung: {{ alasan }}."),
    "komponen": (
        "Realisasi diperoleh dari {{ pembilang }} {{ label_pembilang|md }} dibagi "
        "{{ penyebut }} {{ label_penyebut|md }}, dikalikan 100%, yaitu {{ realisasi }}."),
    "banding_tahun_lalu": (
        "Untuk indikator *{{ indikator|md }}*, dibandingkan dengan realisasi tahun "
        "{{ tahun_lalu }} sebesar {{ realisasi_lalu }}, "
        "realisasi sampai dengan {{ periode }} ({{ realisasi }}) "
        "{% if selisih == 0 %}sama besarnya{% else %}{{ arah }} {{ selisih_teks }}{% endif %}"
        "{% if not akumulasi and selisih != 0 %} ({{ penilaian }}){% endif %}."
        "{% if catatan %} Realisasi tahun ini masih kumulatif sampai dengan {{ triwulan }}, "
        "sehingga perbandingan di atas belum menilai kinerja tahun {{ tahun }}.{% endif %}"),
    "renstra": (
        "Untuk indikator *{{ indikator|md }}*, terhadap target Renstra tahun {{ tahun }} sebesar "
        "{{ target_renstra }}, realisasi "
        "sampai dengan {{ periode }} {% if tercapai %}telah mencapai{% else %}baru mencapai"
        "{% endif %} {{ capaian|percent }} dari target tersebut."),
    "anggaran": (
        "Realisasi anggaran sampai dengan {{ periode }} sebesar Rp{{ realisasi|rupiah }} dari "
        "pagu Rp{{ pagu|rupiah }} ({{ persen|percent }}), dengan sisa anggaran "
        "Rp{{ sisa|rupiah }}."),
    "pegawai": (
        "Dari sisi sumber daya manusia, {{ unit|md }} didukung oleh {{ rincian }}"
        "{% if total %}, seluruhnya {{ total }} orang{% endif %}, yang masing-masing telah memiliki "
        "tugas dan fungsi."),
    "program": (
        "{% if lain %}Dari {{ semua|bilangan }} program tahun {{ tahun }}, {{ n|bilangan }} program "
        "menunjang pencapaian indikator kinerja (program {{ lain }} tidak dikaitkan dengan "
        "indikator mana pun), yaitu:{% else %}Pada tahun {{ tahun }} terdapat {{ n|bilangan }} "
        "program yang menunjang pencapaian indikator kinerja, yaitu:{% endif %}"),
    "kesimpulan": (
        "Dari {{ n|bilangan }} indikator kinerja pada {{ periode }}, "
        "{% if tercapai == n %}seluruhnya telah mencapai target"
        "{% elif tercapai == 0 %}belum ada yang mencapai target"
        "{% else %}{{ tercapai|bilangan }} indikator telah mencapai target dan "
        "{{ (n - tercapai)|bilangan }} indikator "
        "belum mencapai target{% endif %}. "
        "{% if rata is not none %}Rata-rata capaian kinerja sebesar {{ rata|percent }} dengan "
        "kategori **{{ kategori }}**. {% endif %}"
        "{% if tercapai == n %}Dengan demikian capaian kinerja {{ unit|md }} pada {{ periode }} "
        "telah memenuhi target.{% elif tercapai > 0 %}Dengan demikian capaian kinerja "
        "{{ unit|md }} pada {{ periode }} belum sepenuhnya memenuhi target: rata-rata di atas "
        "tidak menutup indikator yang belum tercapai, dan upaya pada sisa tahun anggaran "
        "diarahkan pada indikator tersebut.{% else %}Dengan demikian capaian kinerja {{ unit|md }} "
        "pada {{ periode }} belum memenuhi target, dan upaya pada sisa tahun anggaran diarahkan "
        "pada seluruh indikator.{% endif %}"),
    "efisiensi": (
        "Untuk indikator *{{ indikator|md }}*, capaian kinerja {{ capaian|percent }} dicapai "
        "dengan serapan anggaran {{ serapan|percent }} (Rp{{ realisasi|rupiah }} dari pagu "
        "Rp{{ pagu|rupiah }}); selisihnya {{ selisih }} poin persen, sehingga dinilai "
        "**{{ label }}**{% if label == 'Serapan rendah' %}: anggarannya belum terpakai "
        "sementara targetnya belum tercapai, jadi selisih ini bukan penghematan{% endif %}."),
    "tren": (
        "Realisasi indikator *{{ indikator|md }}* dari tahun ke tahun: {{ deret }}. "
        "{% if arah_tahunan %}Dari tahun {{ awal }} ke {{ akhir }} realisasinya {{ arah_tahunan }}"
        "{% if capaian_awal is not none and capaian_akhir is not none %}; capaian terhadap "
        "target tahun masing-masing {{ capaian_awal|percent }} ({{ awal }}) dan "
        "{{ capaian_akhir|percent }} ({{ akhir }}){% endif %}. {% endif %}"
        "{% if catatan %}Realisasi tahun {{ tahun }} masih kumulatif sampai dengan "
        "{{ triwulan }}, sehingga belum dapat dibandingkan penuh dengan realisasi akhir tahun "
        "sebelumnya.{% endif %}"),
    "wilayah": ("Wilayah Kecamatan {{ kecamatan }} terdiri atas {{ n|bilangan }} desa, yaitu {{ desa }}."),
    "pk_memuat": ("Perjanjian kinerja {{ unit }} tahun {{ tahun }} memuat {{ n|bilangan }} "
                  "indikator kinerja beserta sasarannya{% if berikut %} sebagai berikut{% endif %}."),
    "program_pagu": ("Anggaran tahun {{ tahun }} terdiri atas {{ n|bilangan }} program dengan pagu "
                     "seluruhnya Rp{{ pagu|rupiah }}."),
    "belum_tercapai": (
        "Sampai dengan {{ periode }}, "
        "{% if tercapai == n %}seluruh indikator telah mencapai target."
        "{% elif tercapai == 0 %}belum satu pun dari {{ n|bilangan }} indikator mencapai target."
        "{% else %}{{ (n - tercapai)|bilangan }} dari {{ n|bilangan }} indikator belum mencapai "
        "target.{% endif %}"),
    "realisasi_rumus": ("Realisasi = {{ pembilang }} ÷ {{ penyebut }} × 100% = "
                        "**{{ realisasi }}**"),
    "realisasi_langsung": "Realisasi dilaporkan langsung sebesar {{ realisasi }}.",
    "dokumen_jumlah": ("Jumlah dokumen tepat waktu: {{ per_dok }} = {{ pembilang }} dokumen, "
                       "dari {{ penyebut }} dokumen yang dinilai ({{ n_desa }} desa × 3 "
                       "dokumen)."),
    "dasar_target": (
        "{% if semua %}Capaian dinilai terhadap target {{ triwulan }} dari rencana aksi; capaian "
        "terhadap target tahunan dicantumkan di sampingnya."
        "{% elif tidak_ada %}Target {{ triwulan }} belum ditetapkan, sehingga capaian dinilai "
        "terhadap target tahunan {{ tahun }}, yang baru dapat dibandingkan penuh pada akhir "
        "tahun."
        "{% else %}Capaian indikator {{ dengan }} dinilai terhadap target {{ triwulan }}; "
        "indikator {{ tanpa }} belum memiliki target {{ triwulan }}, sehingga dinilai terhadap "
        "target tahunan {{ tahun }}.{% endif %}"),
    "standar_nasional": (
        "Standar nasional untuk indikator *{{ indikator|md }}* adalah {{ standar }}"
        "{% if dasar %} ({{ dasar }}){% endif %}; realisasi sampai dengan {{ periode }} "
        "({{ realisasi }}) {% if memenuhi %}memenuhi{% else %}belum memenuhi{% endif %} standar "
        "tersebut."),
    "standar_tidak_ada": (
        "Untuk indikator {{ daftar }}, tidak ada standar nasional yang ditetapkan, sehingga "
        "perbandingan dengan standar nasional tidak dapat disajikan."),
    "cakupan_anggaran": (
        "Indikator kinerja di atas didukung anggaran sebesar Rp{{ terkait|rupiah }} "
        "({{ persen_terkait|percent }} dari pagu). "
        "{% if bebas %}Anggaran sebesar Rp{{ bebas|rupiah }} ({{ persen_bebas|percent }} dari "
        "pagu) — {{ program }} — tidak dikaitkan dengan indikator mana pun, sehingga "
        "efisiensinya tidak dapat dinilai.{% else %}Seluruh pagu dikaitkan dengan indikator."
        "{% endif %}"),
    "anggaran_ganda": (
        "Anggaran {{ kode }} {{ uraian }} dikaitkan dengan {{ n|bilangan }} indikator ({{ indikator }}); "
        "pada jumlah di tabel per program anggaran itu dihitung sekali."),
    "penghambat": (
        "{% if n %}Sampai dengan {{ periode }}, {{ n|bilangan }} dari {{ semua|bilangan }} "
        "{{ jenis }} menyerap kurang dari {{ ambang|percent }} pagu, yaitu separuh dari serapan "
        "yang sepadan dengan bagian tahun yang telah berjalan ({{ berjalan|percent }})"
        "{% if nol %}, {{ nol|bilangan }} di antaranya belum terealisasi sama sekali (Rp0){% endif %}. "
        "{% if not kaitan %}{{ jenis|capitalize }} tersebut menghambat pencapaian kinerja bila "
        "kegiatannya mendukung indikator:"
        "{% elif lepas == n %}Tidak satu pun di antaranya dikaitkan dengan indikator kinerja, "
        "sehingga tidak menghambat pencapaian indikator:"
        "{% elif hambat == n %}{% if n == 1 %}{{ jenis|capitalize }} tersebut{% else %}Semuanya"
        "{% endif %} mendukung indikator yang belum tercapai, sehingga "
        "menghambat pencapaiannya:"
        "{% elif aman == n %}{% if n == 1 %}{{ jenis|capitalize }} tersebut{% else %}Semuanya"
        "{% endif %} hanya mendukung indikator yang sudah tercapai, sehingga "
        "tidak menghambat pencapaiannya:"
        "{% else %}Dari {{ n|bilangan }} {{ jenis }} tersebut, {{ bagian }}:{% endif %}"
        "{% else %}Sampai dengan {{ periode }} tidak ada "
        "{{ jenis }} yang menyerap kurang dari {{ ambang|percent }} pagunya.{% endif %}"),
    "penghambat_hambat": "{{ n|bilangan }} menghambat indikator yang belum tercapai",
    "penghambat_aman": "{{ n|bilangan }} hanya mendukung indikator yang sudah tercapai",
    "penghambat_lepas": "{{ n|bilangan }} tidak dikaitkan dengan indikator mana pun",
    "capaian_butir": ("- {{ indikator }}: capaian {{ capaian|percent }} ({{ kategori }}), "
                      "{% if tercapai %}tercapai{% else %}belum tercapai{% endif %}."),
    "kesimpulan_anggaran": (
        "Penyerapan anggaran mencapai {{ persen|percent }} (Rp{{ realisasi|rupiah }} dari pagu "
        "Rp{{ pagu|rupiah }})."),
}


@lru_cache(maxsize=None)
def _template(name: str):
    return _env.from_string(T[name])  # compiling is most of a sentence's cost: once per name


def render(name: str, **values) -> F.Markup:
    """The sentence ``name`` as Markdown (its values escaped: it is not escaped again)."""
    return F.Markup(_template(name).render(**values).strip())


def periode(tahun: int, tw: int) -> str:
    return f"{F.triwulan(tw)} Tahun {tahun}"


def _pp(value: Fraction | Decimal) -> str:
    return F.number(abs(value)) + " poin persen"


def capaian_sentence(row, tahun: int, tw: int) -> str:
    """The judgement sentence for one indicator (row of the indikator table): against which
    target it is judged, and what is still missing — from the figures as printed."""
    if row.capaian is None:
        alasan = (kinerja.TARGET_NOL[row.polaritas] if row.target_periode == 0
                  else kinerja.REALISASI_NOL if row.realisasi == 0  # only Target ÷ Realisasi
                  else "realisasi belum tersedia")
        return render("capaian_tidak_dihitung", indikator=row.indikator, alasan=alasan)
    quarter = bool(row.target_periode_triwulan)
    dasar = f"target {F.triwulan(tw)}" if quarter else f"target tahunan {tahun}"
    kurang = ""
    if not row.tercapai and row.realisasi is not None:
        now, target = kinerja.shown(row.realisasi), kinerja.shown(row.target_periode)
        gap = target - now if row.polaritas == kinerja.NAIK else now - target
        kurang = F.value_with_unit(gap, row.satuan) if row.satuan != "%" else _pp(gap)
    return render(
        "capaian", indikator=row.indikator, periode=f"{periode(tahun, tw)}",
        realisasi=F.value_with_unit(row.realisasi, row.satuan),
        target=F.value_with_unit(row.target_periode, row.satuan), dasar=dasar,
        capaian=row.capaian, kategori=row.kategori, tercapai=row.tercapai,
        lebih=row.tercapai and F.to_decimal(row.capaian) > 100, kurang=kurang,
        polaritas=row.polaritas,
        capaian_tahunan=row.capaian_tahunan if quarter else None,
        target_tahunan=F.value_with_unit(row.target, row.satuan))


# What is counted when the data names no labels (the village documents are lkj's own count).
LABELS = {"dokumen_desa": ("dokumen tepat waktu", "dokumen yang dinilai"),
          "daftar_kegiatan": ("aktivitas yang ditindaklanjuti", "aktivitas")}


def komponen_sentence(row) -> str:
    default = LABELS.get(row.cara_hitung, ("", ""))
    return render("komponen", pembilang=F.number(row.pembilang, 0),
                  penyebut=F.number(row.penyebut, 0),
                  label_pembilang=row.label_pembilang or default[0],
                  label_penyebut=row.label_penyebut or default[1],
                  realisasi=F.value_with_unit(row.realisasi, row.satuan))


def _difference(now, before, satuan: str) -> tuple[Fraction, str]:
    """now − before, from the values as printed, and how a sentence says its size."""
    diff = kinerja.shown(now) - kinerja.shown(before)
    return diff, (_pp(diff) if satuan == "%" else F.value_with_unit(abs(diff), satuan))


def banding_sentence(row, lalu, tahun: int, tw: int, catatan: bool = True) -> str:
    """Compare this period's realisasi with last year's. A cumulative quarter is not judged
    against a whole year (``catatan``: say so, after the last indicator); at Triwulan IV the
    verdict follows the indicator's polarity."""
    diff, selisih = _difference(row.realisasi, lalu.realisasi, row.satuan)
    membaik = (diff > 0) == (row.polaritas == kinerja.NAIK)
    return render("banding_tahun_lalu", indikator=row.indikator, tahun_lalu=lalu.tahun,
                  realisasi_lalu=F.value_with_unit(lalu.realisasi, row.satuan),
                  periode=periode(tahun, tw), realisasi=F.value_with_unit(row.realisasi, row.satuan),
                  selisih=diff, arah="lebih tinggi" if diff > 0 else "lebih rendah",
                  selisih_teks=selisih, akumulasi=tw < 4, catatan=catatan and tw < 4,
                  tahun=tahun, triwulan=F.triwulan(tw),
                  penilaian="kinerja membaik" if membaik else "kinerja menurun")


def efisiensi_sentence(row) -> str:
    gap = F.to_decimal(row.selisih_efisiensi)
    return render("efisiensi", indikator=row.indikator, capaian=row.capaian,
                  serapan=row.serapan_anggaran, realisasi=row.realisasi_anggaran,
                  pagu=row.pagu_anggaran, selisih=("+" if gap > 0 else "") + F.number(gap),
                  label=row.efisiensi)


def tren_sentence(row, history, tahun: int, tw: int, catatan: bool = True) -> str:
    """Realisasi across the years, its change in printed figures, and — instead of a verdict
    from the raw change — the capaian of each year against that year's own target."""
    hist = history.sort_values("tahun")
    deret = [f"{int(h.tahun)} {F.value_with_unit(h.realisasi, row.satuan)}"
             for h in hist.itertuples()]
    deret.append(f"{tahun} (s.d. {F.triwulan(tw)}) {F.value_with_unit(row.realisasi, row.satuan)}")
    arah = ""
    awal = akhir = cap_awal = cap_akhir = None
    if len(hist) >= 2:
        first, last = hist.iloc[0], hist.iloc[-1]
        awal, akhir = int(first["tahun"]), int(last["tahun"])
        cap_awal, cap_akhir = first.get("capaian"), last.get("capaian")
        diff, besar = _difference(last["realisasi"], first["realisasi"], row.satuan)
        arah = "tetap" if diff == 0 else f"{'naik' if diff > 0 else 'turun'} {besar}"
    return render("tren", indikator=row.indikator, deret=F.Markup(", ".join(
                      F.md(d) for d in deret)), arah_tahunan=arah,
                  awal=awal, akhir=akhir, catatan=catatan and tw < 4, tahun=tahun,
                  triwulan=F.triwulan(tw), capaian_awal=cap_awal, capaian_akhir=cap_akhir)
