"""Indonesian display formats (babel, id_ID) and safe Markdown.

Values stay exact (Fraction/Decimal/int sen) until they reach this module; rounding happens here
only, half-up to 2 decimals for percentages.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, parse_pattern

LOCALE = "id_ID"
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
Number = int | Decimal | Fraction


def to_decimal(value: Number, places: int = 2) -> Decimal:
    """Exact value → Decimal rounded half-up to ``places`` (display rounding)."""
    if isinstance(value, Fraction):
        q = Decimal(1).scaleb(-places)
        # Decimal division would round at the context precision first; do it exactly instead.
        scaled = value * 10**places
        whole, rest = divmod(scaled.numerator, scaled.denominator)
        if 2 * rest >= scaled.denominator:  # half-up, away from zero for positives
            whole += 1
        if value < 0:
            return -to_decimal(-value, places)
        return (Decimal(whole) * q).quantize(q)
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@lru_cache(maxsize=None)
def _number_format(places: int) -> tuple[NumberPattern, Locale]:
    # What babel's format_decimal does on every call (a report formats hundreds of numbers,
    # chart axes included): parse the pattern and look the locale up. Once is enough.
    return parse_pattern("#,##0" + ("." + "0" * places if places else "")), Locale.parse(LOCALE)


def number(value: Number | None, places: int = 2) -> str:
    """54.9019… → "54,90"; 2752150911 → "2.752.150.911" with places=0; −11,68 with a minus
    sign (U+2212), as typst prints babel's hyphen-minus in the PDF: the same in every format."""
    if value is None:
        return "–"
    pattern, locale = _number_format(places)
    text = pattern.apply(to_decimal(value, places), locale, decimal_quantization=False)
    return "−" + text[1:] if text.startswith("-") else text


def percent(value: Number | None, places: int = 2) -> str:
    """Exact percentage value (54.9019…) → "54,90%"."""
    return "–" if value is None else number(value, places) + "%"


def rupiah(sen: int | None) -> str:
    """Integer sen → "2.752.150.911" (decimals only when there are sen)."""
    if sen is None:
        return "–"
    sen = int(sen)  # numpy integers from DataFrames too
    places = 0 if sen % 100 == 0 else 2
    return number(Fraction(sen, 100), places)


def value_with_unit(value: Number | None, satuan: str, places: int = 2) -> str:
    if value is None:
        return "–"
    if satuan.strip() == "%":
        return percent(value, places)
    return f"{number(value, places)} {satuan}".strip()


_SMALL_WORDS = {"dan", "di", "ke", "dari", "yang", "untuk", "pada", "dalam", "atau", "serta",
                "dengan", "oleh", "antar"}


def judul(text: object) -> str:
    """"PROGRAM PEMBINAAN DAN PENGAWASAN" → "Program Pembinaan dan Pengawasan" (for labels)."""
    def cap(word: str) -> str:  # "kabupaten/kota" → "Kabupaten/Kota"
        return "/".join(part[:1].upper() + part[1:] for part in word.split("/"))
    words = str(text).lower().split()
    return " ".join(w if i and w in _SMALL_WORDS else cap(w) for i, w in enumerate(words))


def tanggal(date: dt.date | None) -> str:
    """2023-08-23 → "23 Agustus 2023"."""
    return "–" if date is None else format_date(date, format="d MMMM y", locale=LOCALE)


def bilangan(n: int) -> str:
    """A count as official letters write it: "dua (2)", "dua belas (12)"; a number of more
    than two words stays a numeral ("41"), as EYD writes numbers in text."""
    from lokal import terbilang
    words = terbilang(int(n))
    return f"{words} ({int(n)})" if len(words.split()) <= 2 else str(int(n))


def daftar(items: list[str]) -> str:
    """["a", "b", "c"] → "a, b dan c"."""
    return " dan ".join(filter(None, [", ".join(items[:-1]), *items[-1:]]))


def roman(n: int) -> str:
    return _ROMAN[n]


def triwulan(tw: int) -> str:
    """2 → "Triwulan II"."""
    return f"Triwulan {roman(tw)}"


# Pandoc Markdown lets any ASCII punctuation character be backslash-escaped. Escaping them
# leaves nothing for a reader to interpret: emphasis, links, raw HTML, attributes, divs, list
# markers, smart quotes and dashes. Only , % ; / ? start no markup and stay as they are.
_MD_ESCAPES = {ord(c): "\\" + c for c in "!\"#$&'()*+-.:<=>@[\\]^_`{|}~"}


_BLANKS = re.compile(r"\s+")


class Markup(str):
    """Markdown written by lkj itself (bold totals, a code span): not escaped again."""


def md(text: object) -> Markup:
    """Text from the inputs, printed literally in every output format (the result is Markup:
    escaping it again would print the backslashes)."""
    if isinstance(text, Markup):
        return text
    # One space for any run of blanks: a newline would end a table row, four spaces make code.
    return Markup(_BLANKS.sub(" ", str(text)).translate(_MD_ESCAPES))


def md_table(header: list[str], rows: list[list[str]], align: str, caption: str = "",
             ident: str = "", bold_rows: set[int] = frozenset()) -> str:
    """A pandoc pipe table. Every cell is escaped (:func:`md`) unless it is :class:`Markup`.

    ``align`` has one letter per column: l, r or c. Rows in ``bold_rows`` (indexes) are printed
    bold, e.g. totals.
    """
    marks = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(md(h) for h in header) + " |",
             "|" + "|".join(marks[a] for a in align) + "|"]
    for i, row in enumerate(rows):
        cells = [f"**{md(c)}**" if i in bold_rows and c else md(c) for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    if caption:
        text += f"\n\n: {md(caption)}" + (f" {{#{ident}}}" if ident else "")
    return text + "\n"
