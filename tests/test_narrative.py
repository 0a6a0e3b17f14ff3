"""Generated sentences agree with the numbers (lkj.narrative): judgement words follow the values."""

from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest

from lkj import kinerja, narrative


def indicator(realisasi, target, polaritas=kinerja.NAIK, satuan="%"):
    cap = kinerja.capaian(realisasi, target, polaritas)
    return SimpleNamespace(indikator="Persentase contoh", realisasi=realisasi, target_periode=target,
                           target=target, target_periode_triwulan=False, satuan=satuan,
                           polaritas=polaritas, capaian=cap, kategori=kinerja.kategori(cap),
                           tercapai=kinerja.tercapai(cap), capaian_tahunan=cap)


@pytest.mark.parametrize("realisasi, kategori", [
    (Decimal(95), "Sangat Tinggi"), (Decimal(80), "Tinggi"), (Decimal(70), "Sedang"),
    (Decimal(55), "Rendah"), (Decimal(30), "Sangat Rendah")])
def test_sentence_states_category_and_that_target_is_not_met(realisasi, kategori):
    text = narrative.capaian_sentence(indicator(realisasi, Decimal(100)), 2023, 2)
    assert f"**{kategori}**" in text and "(target tahunan 2023)" in text
    assert "masih diperlukan tambahan" in text and "telah tercapai" not in text


def test_sentence_for_met_target_says_met_and_exceeded():
    text = narrative.capaian_sentence(indicator(Decimal(100), Decimal(86)), 2023, 2)
    assert "116,28%" in text and "telah tercapai dan terlampaui" in text and "belum" not in text


def test_sentence_for_exactly_met_target_is_not_exceeded():
    text = narrative.capaian_sentence(indicator(Decimal(100), Decimal(100)), 2023, 2)
    assert "telah tercapai." in text and "terlampaui" not in text


def test_sentence_carries_the_printed_numbers():
    text = narrative.capaian_sentence(indicator(Fraction(2800, 51), Decimal("91.50")), 2023, 2)
    assert "54,90%" in text and "91,50%" in text and "60,00%" in text
    assert "36,60 poin persen" in text  # from the printed figures: 91,50 − 54,90 = 36,60


def test_lower_is_better_sentence_says_so_and_judges_by_its_formula():
    good = narrative.capaian_sentence(indicator(Decimal(8), Decimal(10), kinerja.TURUN, "kasus"), 2023, 2)
    assert "120,00%" in good and "telah tercapai" in good
    bad = narrative.capaian_sentence(indicator(Decimal(15), Decimal(10), kinerja.TURUN, "kasus"), 2023, 2)
    # the time (here: cases) must fall, not grow: "masih harus turun", never "masih diperlukan"
    assert "50,00%" in bad and "lebih rendah lebih baik" in bad
    assert "masih harus turun 5,00 kasus" in bad and "diperlukan" not in bad


def test_zero_target_sentence_explains_why_no_capaian():
    text = narrative.capaian_sentence(indicator(Decimal(3), Decimal(0)), 2023, 2)
    assert "tidak dapat dihitung" in text and "target 0" in text


@pytest.mark.parametrize("now, before, polaritas, words", [
    (Decimal(60), Decimal("91.83"), kinerja.NAIK, ("lebih rendah 31,83 poin persen", "kinerja menurun")),
    (Decimal(95), Decimal("91.83"), kinerja.NAIK, ("lebih tinggi 3,17 poin persen", "kinerja membaik")),
    (Decimal(5), Decimal(8), kinerja.TURUN, ("lebih rendah", "kinerja membaik")),
    (Decimal(9), Decimal(8), kinerja.TURUN, ("lebih tinggi", "kinerja menurun")),
])
def test_comparison_with_last_year_follows_direction_and_polarity(now, before, polaritas, words):
    row = indicator(now, Decimal(100), polaritas)
    text = narrative.banding_sentence(row, SimpleNamespace(tahun=2022, realisasi=before), 2023, 4)
    assert all(w in text for w in words)


def test_a_cumulative_quarter_is_compared_without_a_verdict():
    """Mid-year, the realisasi is cumulative: "lebih rendah … (kinerja menurun); … akan bertambah"
    withdrew its own verdict. Now the sentence says what the comparison cannot judge."""
    row = indicator(Decimal("54.90"), Decimal(100))
    text = narrative.banding_sentence(row, SimpleNamespace(tahun=2022, realisasi=Decimal("91.83")),
                                      2023, 2)
    assert "lebih rendah 36,93 poin persen" in text
    assert "kinerja menurun" not in text and "belum menilai kinerja tahun 2023" in text


def test_conclusion_never_claims_target_met_unless_all_reach_100():
    partly = narrative.render("kesimpulan", n=2, tercapai=1, periode="Triwulan II Tahun 2023",
                              rata=Fraction(9950, 100), kategori="Sangat Tinggi", unit="Kecamatan X")
    assert "belum sepenuhnya memenuhi target" in partly and "telah memenuhi target" not in partly
    none = narrative.render("kesimpulan", n=2, tercapai=0, periode="Triwulan II Tahun 2023",
                            rata=Fraction(5033, 100), kategori="Sangat Rendah", unit="Kecamatan X")
    assert "belum ada yang mencapai target" in none and "telah memenuhi" not in none
    full = narrative.render("kesimpulan", n=2, tercapai=2, periode="Triwulan II Tahun 2023",
                            rata=Fraction(105), kategori="Sangat Tinggi", unit="Kecamatan X")
    assert "seluruhnya telah mencapai target" in full and "telah memenuhi target" in full
