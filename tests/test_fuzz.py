"""Properties of number parsing and capaian, and a fuzz test of the loader.

The loader may only ever answer a broken file with the project's own ValidationError — every
problem with a file, a row (except a missing file) and a hint — never with another exception.
The fuzz examples are random bytes and random mutations of the sample CSVs and of an XLSX made
from them; hypothesis keeps the counterexample if one turns up.
"""

from __future__ import annotations

import csv
import io
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lkj import kinerja
from lkj.errors import ValidationError
from lkj.params import ReportId
from lkj.process import compute
from lkj.reading import NumberFormatError, parse_date, parse_number
from lkj.validation import load_inputs

ROOT = Path(__file__).resolve().parent.parent
RID = ReportId("candipuro", 2023, 2, "camat")


# ---- number parsing ---------------------------------------------------------------------------

def indonesian(value: Decimal, places: int) -> str:
    """Independent formatter: "." between thousands, "," before decimals (1.234.567,50)."""
    sign = "-" if value < 0 else ""
    whole, _, frac_part = f"{abs(value):.{places}f}".partition(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    text = ".".join([whole, *groups])
    return sign + text + ("," + frac_part if frac_part else "")


amounts = st.integers(min_value=-10**15, max_value=10**15)


@given(amounts, st.sampled_from([0, 1, 2]), st.sampled_from(["", "Rp ", "Rp. ", "rp"]))
def test_indonesian_money_parses_exactly(sen, places, prefix):
    value = Decimal(sen).scaleb(-places)
    text = indonesian(value, places)
    if prefix and value >= 0:
        text = prefix + text
    assert parse_number(text) == value


@given(amounts, st.sampled_from([0, 2]))
def test_negative_in_brackets_and_percent_sign(sen, places):
    value = abs(Decimal(sen).scaleb(-places))
    assert parse_number(f"({indonesian(value, places)})") == -value
    assert parse_number(indonesian(value, places) + "%") == value


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from([1, 2, 4]))
def test_english_decimal_point_when_not_a_thousands_group(units, places):
    value = Decimal(units).scaleb(-places)
    assert parse_number(f"{value:.{places}f}") == value  # "91.5", "91.50", "0.9150"


@given(st.text(max_size=30))
def test_any_text_is_a_number_blank_or_a_number_error(text):
    try:
        result = parse_number(text)
    except NumberFormatError:
        return
    assert result is None or isinstance(result, Decimal)


@given(st.text(max_size=30))
def test_any_text_is_a_date_blank_or_a_value_error(text):
    try:
        parse_date(text)
    except ValueError:
        pass


# ---- capaian and category ---------------------------------------------------------------------

percentages = st.fractions(min_value=0, max_value=10**4, max_denominator=10**6)
targets = st.fractions(min_value=Fraction(1, 100), max_value=10**4, max_denominator=10**6)
RANK = {b.label: i for i, b in enumerate(reversed(kinerja.SKALA))}


@given(percentages, targets)
def test_capaian_naik_is_the_printed_realisasi_over_target(realisasi, target):
    assert kinerja.capaian(realisasi, target, kinerja.NAIK) == kinerja.shown(realisasi) * 100 / target


@given(percentages, targets)
def test_capaian_turun_is_two_targets_minus_realisasi_floored_at_zero(realisasi, target):
    expected = (2 * target - kinerja.shown(realisasi)) * 100 / target
    assert kinerja.capaian(realisasi, target, kinerja.TURUN) == max(expected, 0)


@given(percentages, percentages)
def test_category_never_drops_when_capaian_rises(a, b):
    low, high = sorted((a, b))
    assert RANK[kinerja.kategori(low)] <= RANK[kinerja.kategori(high)]


@given(percentages, targets)
def test_more_realisasi_never_lowers_the_category_of_a_naik_indicator(realisasi, target):
    more = realisasi + 1
    assert (RANK[kinerja.kategori(kinerja.capaian(realisasi, target, kinerja.NAIK))]
            <= RANK[kinerja.kategori(kinerja.capaian(more, target, kinerja.NAIK))])


# ---- loader fuzz ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(ROOT / "data/raw/candipuro", root / "data/raw/candipuro")
    return root


def sample_files(root: Path) -> list[Path]:
    kec = root / "data/raw/candipuro"
    return sorted([*kec.glob("*.csv"), *RID.raw_dir(root).glob("*.csv")])


SAMPLES = [p.name if p.parent.name == "candipuro" else f"tw2/{p.name}"
           for p in sample_files(ROOT)]


def path_of(root: Path, name: str) -> Path:
    if name.startswith("tw2/"):
        return RID.raw_dir(root) / name[4:]
    return root / "data/raw/candipuro" / name


def load_only_validation_errors(root: Path) -> None:
    """Load and compute; a ValidationError is fine if every problem says where and how to fix."""
    try:
        compute(load_inputs(root, RID))
    except ValidationError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.file and p.message and p.hint, p
            assert p.row is not None or "berkas wajib" in p.message, p
        str(exc)  # the message itself can always be printed


def fuzz_file(root: Path, name: str, data: bytes, suffix: str = ".csv") -> None:
    path = path_of(root, name)
    original = path.read_bytes()
    target = path.with_suffix(suffix)
    try:
        if suffix != ".csv":
            path.unlink()
        target.write_bytes(data)
        load_only_validation_errors(root)
    finally:
        target.unlink(missing_ok=True)
        path.write_bytes(original)


# What analysts' files contain around the places where parsing decides things.
PIECES = [b";", b",", b"\t", b'"', b"\n", b"\r\n", b"\r", b"-", b".", b"0", b"9", b"x", b" ",
          b"%", b"(", b")", b"Rp ", b"|", b"#", b"\x00", b"\xe9", b"\xef\xbb\xbf", b"\xff\xfe",
          "é“”".encode("utf-8"), b"2023-02-30", b"-1", b"99999999999999999999", b"1e5", b"NaN",
          b"#REF!", b"IK-01", b"IK-09", b"7.01.01", b"7.01.01.2.01.01", b"Jugosari", b"penandatangan",
          b"---\ntitle: x\n", b"\x07"]
edits = st.tuples(st.sampled_from(["insert", "replace", "delete", "dup_line", "drop_line",
                                   "swap_lines", "truncate"]),
                  st.integers(min_value=0, max_value=10**6), st.sampled_from(PIECES))


def mutate(data: bytes, ops: list[tuple[str, int, bytes]]) -> bytes:
    for op, at, piece in ops:
        lines = data.split(b"\n")
        i, j = at % (len(data) + 1), at % max(len(lines), 1)
        if op == "insert":
            data = data[:i] + piece + data[i:]
        elif op == "replace":
            data = data[:i] + piece + data[i + len(piece):]
        elif op == "delete":
            data = data[:i] + data[i + 1 + at % 7:]
        elif op == "dup_line":
            data = b"\n".join(lines[:j + 1] + lines[j:])
        elif op == "drop_line":
            data = b"\n".join(lines[:j] + lines[j + 1:])
        elif op == "swap_lines" and len(lines) > 1:
            k = (j + 1) % len(lines)
            lines[j], lines[k] = lines[k], lines[j]
            data = b"\n".join(lines)
        elif op == "truncate":
            data = data[:i]
    return data


FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(name=st.sampled_from(SAMPLES), ops=st.lists(edits, min_size=1, max_size=4))
def test_mutated_sample_csv_gives_only_validation_errors(fuzz_root, name, ops):
    fuzz_file(fuzz_root, name, mutate(path_of(fuzz_root, name).read_bytes(), ops))


@settings(FUZZ, max_examples=40)
@given(name=st.sampled_from(SAMPLES), data=st.binary(max_size=3000))
def test_random_bytes_give_only_validation_errors(fuzz_root, name, data):
    fuzz_file(fuzz_root, name, data)


def xlsx_of(csv_bytes: bytes) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in csv.reader(io.StringIO(csv_bytes.decode("utf-8")), delimiter=";"):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@settings(FUZZ, max_examples=25)
@given(name=st.sampled_from(["tw2/anggaran.csv", "tw2/realisasi.csv", "profil.csv"]),
       ops=st.lists(st.tuples(st.sampled_from(["replace", "truncate", "insert"]),
                              st.integers(min_value=0, max_value=10**6),
                              st.sampled_from([b"\x00", b"PK", b"x" * 9, b"<row>"])),
                    min_size=1, max_size=3))
def test_corrupted_xlsx_gives_only_validation_errors(fuzz_root, name, ops):
    good = xlsx_of(path_of(fuzz_root, name).read_bytes())
    fuzz_file(fuzz_root, name, mutate(good, ops), suffix=".xlsx")


def test_the_fuzz_starts_from_valid_samples(fuzz_root):
    compute(load_inputs(fuzz_root, RID))  # otherwise every example would fail the same way
    for name in ["tw2/anggaran.csv", "profil.csv"]:
        fuzz_file(fuzz_root, name, xlsx_of(path_of(fuzz_root, name).read_bytes()), ".xlsx")
