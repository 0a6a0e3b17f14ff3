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
                    tanggal=F.tanggal, triwulan=F.triwulan)

T = {
    "capaian": (
        "Realisasi indikator *{{ indikator|md }}* sampai dengan {{ periode }} sebesar "
        "{{ realisasi }} dari target {{ target }}{{ target_keterangan }}, sehingga capaian "
        "kinerjanya {{ capaian|percent }} dengan kategori **{{ kategori }}**. "
        "{% if tercapai %}Target indikator ini telah tercapai"
        "{% if lebih %} dan terlampaui{% endif %}."
        "{% else %}Target indikator ini belum tercapai; masih diperlukan {{ kurang }} lagi "
        "untuk mencapai target.{% endif %}"
        "{% if polaritas == 'turun' %} Untuk indikator ini, nilai yang lebih rendah lebih baik."
        "{% endif %}"),
    "capaian_tidak_dihitung": (
        "Capaian indikator *{{ indikator|md }}* tidak dapat dihitung: {{ alasan }}."),
    "komponen": (
        "Realisasi diperoleh dari {{ pembilang }} {{ label_pembilang|md }} dibagi "
        "{{ penyebut }} {{ label_penyebut|md }}, dikali 100%, yaitu {{ realisasi }}."),
    "banding_tahun_lalu": (
        "Dibandingkan dengan realisasi tahun {{ tahun_lalu }} sebesar {{ realisasi_lalu }}, "
        "realisasi sampai dengan {{ periode }} ({{ realisasi }}) "
        "{% if selisih == 0 %}sama besarnya{% else %}{{ arah }} {{ selisih_teks }} "
        "({{ penilaian }}){% endif %}"
        "{% if akumulasi %}; realisasi triwulan masih bersifat kumulatif dan akan bertambah hingga "
        "akhir tahun{% endif %}."),
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
        "Pada tahun {{ tahun }} terdapat {{ n }} program yang menunjang pencapaian indikator "
        "kinerja, yaitu:"),
    "kesimpulan": (
        "Dari {{ n }} indikator kinerja pada {{ periode }}, "
        "{% if tercapai == n %}seluruhnya telah mencapai target"
        "{% elif tercapai == 0 %}belum ada yang mencapai target"
        "{% else %}{{ tercapai }} indikator telah mencapai target dan {{ n - tercapai }} indikator "
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
        "**{{ label }}**."),
    "tren": (
        "Realisasi indikator *{{ indikator|md }}* dari tahun ke tahun: {{ deret }}. "
        "{% if arah_tahunan %}Dari tahun {{ awal }} ke {{ akhir }} realisasi {{ arah_tahunan }}. "
        "{% endif %}"
        "{% if akumulasi %}Realisasi tahun {{ tahun }} masih kumulatif sampai dengan "
        "{{ triwulan }}, sehingga belum dapat dibandingkan penuh dengan realisasi akhir tahun "
        "sebelumnya.{% endif %}"),
    "wilayah": ("Wilayah Kecamatan {{ kecamatan }} terdiri atas {{ n }} desa, yaitu {{ desa }}."),
    "pk_memuat": ("Perjanjian kinerja {{ unit }} tahun {{ tahun }} memuat {{ n }} sasaran dan "
                  "indikator kinerja berikut."),
    "program_pagu": ("Sasaran tersebut didukung oleh {{ n }} program dengan pagu anggaran "
                     "seluruhnya Rp{{ pagu|rupiah }}."),
    "belum_tercapai": (
        "Sampai dengan {{ periode }}, "
        "{% if tercapai == n %}seluruh indikator telah mencapai target."
        "{% elif tercapai == 0 %}seluruh indikator ({{ n }}) belum mencapai target."
        "{% else %}{{ n - tercapai }} dari {{ n }} indikator belum mencapai target.{% endif %}"),
    "realisasi_rumus": ("Realisasi = {{ pembilang }} ÷ {{ penyebut }} × 100% = "
                        "**{{ realisasi }}**"),
    "realisasi_langsung": "Realisasi dilaporkan langsung sebesar {{ realisasi }}.",
    "dokumen_jumlah": ("Jumlah dokumen tepat waktu: {{ per_dok }} = {{ pembilang }} dari "
                       "{{ n_desa }} desa × 3 dokumen = {{ penyebut }} dokumen."),
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
    """The judgement sentence for one indicator (row of the indikator table)."""
    if row.capaian is None:
        alasan = (kinerja.TARGET_NOL[row.polaritas] if row.target_periode == 0
                  else kinerja.REALISASI_NOL if row.realisasi == 0  # only Target ÷ Realisasi
                  else "realisasi belum tersedia")
        return render("capaian_tidak_dihitung", indikator=row.indikator, alasan=alasan)
    target_ket = (f" (target {F.triwulan(tw)})" if row.target_periode_triwulan
                  else f" (target tahun {tahun})")
    kurang = ""
    if not row.tercapai and row.realisasi is not None:
        gap = (Fraction(row.target_periode) - Fraction(row.realisasi)) if row.polaritas == kinerja.NAIK \
            else (Fraction(row.realisasi) - Fraction(row.target_periode))
        kurang = F.value_with_unit(gap, row.satuan) if row.satuan != "%" else _pp(gap)
    return render(
        "capaian", indikator=row.indikator, periode=f"{periode(tahun, tw)}",
        realisasi=F.value_with_unit(row.realisasi, row.satuan),
        target=F.value_with_unit(row.target_periode, row.satuan), target_keterangan=target_ket,
        capaian=row.capaian, kategori=row.kategori, tercapai=row.tercapai,
        lebih=row.tercapai and F.to_decimal(row.capaian) > 100, kurang=kurang,
        polaritas=row.polaritas)


def komponen_sentence(row) -> str:
    return render("komponen", pembilang=F.number(row.pembilang, 0),
                  penyebut=F.number(row.penyebut, 0), label_pembilang=row.label_pembilang,
                  label_penyebut=row.label_penyebut,
                  realisasi=F.value_with_unit(row.realisasi, row.satuan))


def banding_sentence(row, lalu, tahun: int, tw: int) -> str:
    """Compare this period's realisasi with last year's; the direction word follows polarity."""
    now, before = Fraction(row.realisasi), Fraction(lalu.realisasi)
    diff = now - before
    arah = "lebih tinggi" if diff > 0 else "lebih rendah"
    membaik = (diff > 0) == (row.polaritas == kinerja.NAIK)
    penilaian = "kinerja membaik" if membaik else "kinerja menurun"
    selisih = (_pp(diff) if row.satuan == "%" else F.value_with_unit(abs(diff), row.satuan))
    return render("banding_tahun_lalu", tahun_lalu=lalu.tahun,
                  realisasi_lalu=F.value_with_unit(lalu.realisasi, row.satuan),
                  periode=periode(tahun, tw), realisasi=F.value_with_unit(row.realisasi, row.satuan),
                  selisih=F.to_decimal(diff), arah=arah, selisih_teks=selisih,
                  penilaian=penilaian, akumulasi=tw < 4)


def efisiensi_sentence(row) -> str:
    gap = F.to_decimal(row.selisih_efisiensi)
    return render("efisiensi", indikator=row.indikator, capaian=row.capaian,
                  serapan=row.serapan_anggaran, realisasi=row.realisasi_anggaran,
                  pagu=row.pagu_anggaran, selisih=("+" if gap > 0 else "") + F.number(gap),
                  label=row.efisiensi)


def tren_sentence(row, history, tahun: int, tw: int) -> str:
    """Realisasi across the years; the direction is judged on full years only (the current
    year is still cumulative to the quarter) and follows the indicator's polarity."""
    hist = history.sort_values("tahun")
    deret = [f"{int(h.tahun)} {F.value_with_unit(h.realisasi, row.satuan)}"
             for h in hist.itertuples()]
    deret.append(f"{tahun} (s.d. {F.triwulan(tw)}) {F.value_with_unit(row.realisasi, row.satuan)}")
    arah = ""
    awal = akhir = None
    if len(hist) >= 2:
        first, last = hist.iloc[0], hist.iloc[-1]
        awal, akhir = int(first["tahun"]), int(last["tahun"])
        diff = Fraction(last["realisasi"]) - Fraction(first["realisasi"])
        if diff == 0:
            arah = "tetap"
        else:
            membaik = (diff > 0) == (row.polaritas == kinerja.NAIK)
            besar = _pp(diff) if row.satuan == "%" else F.value_with_unit(abs(diff), row.satuan)
            arah = (f"{'naik' if diff > 0 else 'turun'} {besar} "
                    f"({'kinerja membaik' if membaik else 'kinerja menurun'})")
    return render("tren", indikator=row.indikator, deret=", ".join(deret), arah_tahunan=arah,
                  awal=awal, akhir=akhir, akumulasi=tw < 4, tahun=tahun,
                  triwulan=F.triwulan(tw))
