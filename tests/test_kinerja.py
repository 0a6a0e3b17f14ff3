"""Capaian and category rules (lkj.kinerja)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lkj import kinerja
from lkj.formatting import percent


def test_capaian_higher_is_better_is_realisasi_over_target():
    # Seed 000, Tabel 3.1: 28/51 = 54,90% realised against a 91,50% target.
    realisasi = kinerja.realisasi_from_components(28, 51)
    assert percent(realisasi) == "54,90%"
    assert percent(kinerja.capaian(realisasi, Decimal("91.50"), kinerja.NAIK)) == "60,00%"


def test_capaian_is_never_target_over_realisasi():
    # Seed 002's error: target 85, realisasi 50 printed as 170%. The right value is 58,82%.
    assert percent(kinerja.capaian(Decimal(50), Decimal(85), kinerja.NAIK)) == "58,82%"


def test_capaian_lower_is_better_uses_two_targets_minus_realisasi():
    # target 10 (e.g. complaints), realisasi 8 → (20 − 8) / 10 = 120%
    assert kinerja.capaian(Decimal(8), Decimal(10), kinerja.TURUN) == 120
    assert kinerja.capaian(Decimal(10), Decimal(10), kinerja.TURUN) == 100
    assert kinerja.capaian(Decimal(15), Decimal(10), kinerja.TURUN) == 50


def test_capaian_lower_is_better_is_floored_at_zero():
    assert kinerja.capaian(Decimal(35), Decimal(10), kinerja.TURUN) == 0


def test_zero_target_higher_is_better_is_not_computed():
    assert kinerja.capaian(Decimal(5), Decimal(0), kinerja.NAIK) is None
    assert kinerja.kategori(None) == "Tidak dapat dinilai"


def test_zero_target_lower_is_better():
    assert kinerja.capaian(Decimal(0), Decimal(0), kinerja.TURUN) == 100
    assert kinerja.capaian(Decimal(1), Decimal(0), kinerja.TURUN) == 0


def test_missing_realisasi_gives_no_capaian():
    assert kinerja.capaian(None, Decimal(90), kinerja.NAIK) is None


def test_unknown_polarity_is_an_error():
    with pytest.raises(ValueError):
        kinerja.capaian(Decimal(1), Decimal(1), "naik-turun")


@pytest.mark.parametrize("value, expected", [
    ("150", "Sangat Tinggi"), ("100.01", "Sangat Tinggi"), ("100", "Sangat Tinggi"),
    ("91", "Sangat Tinggi"), ("90.99", "Tinggi"), ("90.995", "Sangat Tinggi"),  # prints 91,00%
    ("90.994", "Tinggi"), ("76", "Tinggi"), ("75.99", "Sedang"), ("66", "Sedang"),
    ("65.99", "Rendah"), ("51", "Rendah"), ("50.99", "Sangat Rendah"), ("0", "Sangat Rendah"),
])
def test_category_boundaries(value, expected):
    assert kinerja.kategori(Decimal(value)) == expected


def test_category_follows_printed_value_for_exact_fractions():
    just_below = Fraction(9099499, 100000)  # 90,99499 → prints 90,99%
    assert percent(just_below) == "90,99%" and kinerja.kategori(just_below) == "Tinggi"
    rounds_up = Fraction(9099500, 100000)   # 90,995 → prints 91,00%
    assert percent(rounds_up) == "91,00%" and kinerja.kategori(rounds_up) == "Sangat Tinggi"


@given(st.fractions(min_value=0, max_value=1000))
def test_every_capaian_has_exactly_one_band(value):
    shown = Decimal(percent(value).rstrip("%").replace(".", "").replace(",", "."))
    matches = [b for b in kinerja.SKALA
               if (b.lower is None or shown >= b.lower) and (b.upper is None or shown < b.upper)]
    assert len(matches) == 1 and matches[0].label == kinerja.kategori(value)


@given(st.fractions(min_value=0, max_value=10**6), st.fractions(min_value=Fraction(1, 100), max_value=10**6))
def test_higher_is_better_capaian_is_the_printed_realisasi_over_the_target(realisasi, target):
    """A reader divides the realisasi as printed (2 decimals) by the target: so does lkj."""
    printed = Fraction(Decimal(percent(realisasi).rstrip("%").replace(".", "").replace(",", ".")))
    assert kinerja.capaian(realisasi, target, kinerja.NAIK) == printed / target * 100


def test_target_met_only_at_100_percent_as_printed():
    assert kinerja.tercapai(Fraction(100))
    assert kinerja.tercapai(Fraction(99995, 1000))       # prints 100,00%
    assert not kinerja.tercapai(Fraction(99994, 1000))   # prints 99,99%
    assert not kinerja.tercapai(None)


def test_average_capaian_of_kasi_seed():
    # Seed 003: 33,33% and 18,45% → 25,89% (Sangat Rendah); the seed printed 42,55% and 42,38%.
    rata = kinerja.average([Fraction("33.33"), Fraction("18.45")])
    assert percent(rata) == "25,89%" and kinerja.kategori(rata) == "Sangat Rendah"
