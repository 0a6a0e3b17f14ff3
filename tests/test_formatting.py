"""Indonesian display formats and safe Markdown (lkj.formatting, lkj.reading)."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lkj import formatting as F
from lkj.reading import NumberFormatError, parse_date, parse_number, to_sen


@pytest.mark.parametrize("text, value", [
    ("2.752.150.911", Decimal("2752150911")), ("784.808.761,00", Decimal("784808761.00")),
    ("Rp 1.234.567", Decimal("1234567")), ("Rp. 1.234.567,50", Decimal("1234567.50")),
    ("54,90%", Decimal("54.90")), ("91,5", Decimal("91.5")), ("91.5", Decimal("91.5")),
    ("1.234", Decimal("1234")), ("(1.000)", Decimal("-1000")), ("-2.500", Decimal("-2500")),
    ("12", Decimal(12)), (" 3\u00a0000 ", Decimal(3000)), (7, Decimal(7)), (0.25, Decimal("0.25")),
])
def test_parse_indonesian_numbers(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "-", "  ", None])
def test_blank_and_dash_are_empty(text):
    assert parse_number(text) is None


@pytest.mark.parametrize("text", ["abc", "1,2,3", "12.34.5", "1.23,4.5", "Rp", "5 juta", "1e5"])
def test_non_numbers_are_rejected(text):
    with pytest.raises(NumberFormatError):
        parse_number(text)


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=0, max_value=99))
def test_formatted_rupiah_parses_back(rupiah, sen):
    value = rupiah * 100 + sen
    assert to_sen(parse_number(F.rupiah(value))) == value


def test_more_than_two_decimals_is_not_money():
    with pytest.raises(NumberFormatError):
        to_sen(Decimal("1.001"))


def test_formats():
    assert F.rupiah(275215091100) == "2.752.150.911"
    assert F.rupiah(150) == "1,50"
    assert F.percent(Fraction(2800, 51)) == "54,90%"
    assert F.percent(Decimal("53.885")) == "53,89%"          # half-up, not half-even
    assert F.percent(Decimal("0.125"), 2) == "0,13%"
    assert F.tanggal(dt.date(2023, 8, 23)) == "23 Agustus 2023"
    assert F.triwulan(2) == "Triwulan II"
    # a minus sign, not a hyphen, in every format (typst alone made the PDF's one)
    assert F.number(Decimal("-11.675")) == "−11,68" and F.percent(-5) == "−5,00%"


@given(st.fractions(min_value=-10**6, max_value=10**6))
def test_rounding_is_half_up_and_exact(value):
    expected = (Decimal(value.numerator) / Decimal(value.denominator))
    got = F.to_decimal(value, 2)
    assert abs(got - expected) <= Decimal("0.005")


@pytest.mark.parametrize("text, value", [("2023-03-31", dt.date(2023, 3, 31)),
                                         ("31/03/2023", dt.date(2023, 3, 31)),
                                         ("2023-03-31 00:00:00", dt.date(2023, 3, 31))])
def test_dates(text, value):
    assert parse_date(text) == value


def test_impossible_date_is_rejected():
    with pytest.raises(ValueError):
        parse_date("2023-02-30")


def test_markdown_escaping_keeps_text_literal():
    assert F.md("a|b") == "a\\|b"
    assert F.md("<script>") == "\\<script\\>"
    assert F.md("#set $x$ @ref *b* _i_") == "\\#set \\$x\\$ \\@ref \\*b\\* \\_i\\_"
    assert F.md("baris\nbaru") == "baris baru"


def test_counts_are_written_in_words_with_the_numeral_when_two_words_say_them():
    assert F.bilangan(2) == "dua (2)"
    assert F.bilangan(1) == "satu (1)"
    assert F.bilangan(12) == "dua belas (12)"
    assert F.bilangan(30) == "tiga puluh (30)"
    assert F.bilangan(41) == "41"  # "empat puluh satu": a numeral reads better (EYD)
