"""lkj synth: seeded, labelled, valid synthetic kecamatan data that never overwrites real data."""

from pathlib import Path

import pytest

from kabupaten_fixture import copy_project, lkj
from lkj import kabupaten, synth
from lkj.errors import LkjError
from lkj.params import ReportId
from lkj.process import compute
from lkj.validation import NARASI, load_inputs

LABEL = "data contoh/sintetis"


def _files(root: Path) -> dict[str, bytes]:
    base = root / "data" / "raw"
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path):
    a, b, c = (tmp_path / n for n in "abc")
    for root, seed in ((a, 5), (b, 5), (c, 6)):
        synth.synth(root, ["pasirian", "tempeh"], 2023, [1, 2], seed=seed)
    assert _files(a) == _files(b)
    assert _files(a).keys() == _files(c).keys() and _files(a) != _files(c)


def test_a_kecamatan_does_not_change_when_others_are_added_to_the_list(tmp_path):
    synth.synth(tmp_path / "a", ["tempeh"], 2023, [2], seed=5)
    synth.synth(tmp_path / "b", ["pasirian", "klakah", "tempeh"], 2023, [2], seed=5)
    tempeh = lambda root: {k: v for k, v in _files(root).items() if k.startswith("tempeh/")}  # noqa: E731
    assert tempeh(tmp_path / "a") == tempeh(tmp_path / "b")


def test_every_kecamatan_of_the_kabupaten_passes_the_real_validation(tmp_path):
    written = synth.synth(tmp_path, synth.parse_kecamatan("semua"), 2023, [2], seed=11)
    assert set(written) == set(kabupaten.KECAMATAN)
    for kec in written:
        load_inputs(tmp_path, ReportId(kec, 2023, 2))   # raises ValidationError if not


def test_quarters_are_cumulative_and_valid(tmp_path):
    synth.synth(tmp_path, ["pasirian", "tempeh"], 2024, [1, 2, 3, 4], seed=2)
    for kec in ("pasirian", "tempeh"):
        results = [compute(load_inputs(tmp_path, ReportId(kec, 2024, tw))) for tw in (1, 2, 3, 4)]
        spent = [r.meta["ringkasan"]["realisasi_anggaran"] for r in results]
        assert spent == sorted(spent), "budget realisation only grows within a year"
        assert len({r.meta["ringkasan"]["pagu"] for r in results}) == 1, "pagu fixed for the year"
        done = [int((r.kegiatan["status"] == "ditindaklanjuti").sum()) for r in results]
        assert done == sorted(done), "an activity followed up stays followed up"


def test_every_output_carries_the_label(tmp_path):
    synth.synth(tmp_path, ["klakah"], 2023, [2], seed=1)
    base = tmp_path / "data/raw/klakah"
    assert (base / kabupaten.SYNTH_MARKER).is_file()
    assert f"nama_kecamatan;Klakah ({LABEL})" in (base / "profil.csv").read_text(encoding="utf-8")
    narasi = base / "2023/camat/tw2/narasi"
    assert {p.stem for p in narasi.glob("*.md")} == set(NARASI)
    for p in narasi.glob("*.md"):
        assert LABEL in p.read_text(encoding="utf-8"), p.name
    result = compute(load_inputs(tmp_path, ReportId("klakah", 2023, 2)))
    assert LABEL in result.meta["profil"]["nama_kecamatan"]   # → title, cover, portal, rekap


def test_real_kecamatan_data_is_never_overwritten(tmp_path):
    root = copy_project(tmp_path)
    before = _files(root)
    with pytest.raises(LkjError, match="data sebenarnya"):
        synth.synth(root, ["candipuro"], 2023, [2])
    assert _files(root) == before
    written = synth.synth(root, synth.parse_kecamatan("semua"), 2023, [2], skip_real=True)
    assert "candipuro" not in written
    assert {k: v for k, v in _files(root).items() if k.startswith("candipuro/")} == \
        {k: v for k, v in before.items() if k.startswith("candipuro/")}


def test_regenerating_unchanged_data_keeps_file_times(tmp_path):
    synth.synth(tmp_path, ["tempeh"], 2023, [2], seed=3)
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "data/raw").rglob("*") if p.is_file()}
    again = synth.synth(tmp_path, ["tempeh"], 2023, [2], seed=3)
    assert again == {"tempeh": []}
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items())   # make will not rebuild


def test_cli_explains_what_it_wrote(tmp_path):
    result = lkj(tmp_path, "synth", "--kec", "pasirian,tempeh", "--tahun", "2023", "--tw", "2",
                 "--seed", "4")
    assert result.returncode == 0, result.stderr
    assert f"Data {LABEL} (seed 4) untuk 2 kecamatan" in result.stdout
    for kec in ("pasirian", "tempeh"):
        assert f"data/raw/{kec}/:" in result.stdout and "berkas ditulis" in result.stdout
    assert (tmp_path / "data/raw/tempeh/2023/camat/tw2/anggaran.csv").is_file()
