"""Beyond one kabupaten (issue 17): regions from the Kemendagri dataset, each kabupaten's rules as
configuration (data/kabupaten/*.yml), and a second, synthetic kabupaten end to end.

Expected values are written out by hand, not computed by lkj:
- the desa of Candipuro (35.08.03, 10) and Senduro (35.08.12, 12) are the samples' own desa.csv
  (copied from the seed reports); the 21 kecamatan of Lumajang are the hand list lkj kept before
  (reference.md); Jombang, Kabupaten Jember (35.09.01) has Padomasan, Keting, Jombang,
  Ngampelrejo, Wringinagung and Sarimulyo (Kepmendagri 300.2.2-2138/2025);
- the synthetic kabupaten's deadline for TW II 2023: 10 working days after Friday 30 June 2023 =
  3–7 and 10–14 July (no holiday in between; 1 Muharram is 19 July) → 14 Juli 2023;
- Target ÷ Realisasi: target 4 days, realisasi 5 days → 4 ÷ 5 × 100 = 80%.
"""

import csv
import html
import re
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from kabupaten_fixture import ROOT, copy_project, lkj
from lkj import kabupaten, kinerja, scaffold, wilayah
from lkj.errors import LkjError, ValidationError
from lkj.params import ReportId
from lkj.process import compute
from lkj.rekap import Rekap
from lkj.validation import load_inputs

LUMAJANG = ("Tempursari", "Pronojiwo", "Candipuro", "Pasirian", "Tempeh", "Kunir", "Yosowilangun",
            "Rowokangkung", "Tekung", "Lumajang", "Pasrujambe", "Senduro", "Gucialit", "Padang",
            "Sukodono", "Kedungjajang", "Jatiroto", "Randuagung", "Klakah", "Ranuyoso",
            "Sumbersuko")
CONTOH = ("contoh-utara", "contoh-selatan", "contoh-tengah")


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8-sig"), delimiter=";"))


def _profil(path: Path) -> dict[str, str]:
    return {r["kunci"]: r["nilai"] for r in _csv(path)}


# ---- regions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kec, n", [("candipuro", 10), ("senduro", 12)])
def test_dataset_has_the_samples_desa_exactly(kec, n):
    folder = ROOT / "data/raw" / kec
    kode = _profil(folder / "profil.csv")["kode_wilayah"]
    sample = [r["nama_desa"] for r in _csv(folder / "desa.csv")]
    assert len(sample) == n
    assert [nama for _, nama in wilayah.desa(kode)] == sample
    assert all(k.startswith(kode + ".") for k, _ in wilayah.desa(kode))
    assert wilayah.kecamatan(kode).nama.lower() == kec


def test_the_default_kabupaten_has_the_21_kecamatan_lkj_listed_by_hand():
    assert [k.nama for k in kabupaten.default().kecamatan()] == list(LUMAJANG)
    assert kabupaten.KECAMATAN["senduro"].kode == "35.08.12"


def test_init_by_code_fills_profil_and_desa_of_another_kabupaten(tmp_path):
    root = copy_project(tmp_path)
    result = lkj(root, "init", "--kec", "35.09.01", "--tahun", "2024", "--tw", "1")
    assert result.returncode == 0, result.stderr
    assert "Jombang (35.09.01), Kabupaten Jember, Jawa Timur" in result.stdout
    folder = root / "data/raw/jombang"
    assert _profil(folder / "profil.csv") == {"nama_kecamatan": "Jombang", "kabupaten": "Jember",
                                              "provinsi": "Jawa Timur", "kode_wilayah": "35.09.01"}
    desa = _csv(folder / "desa.csv")
    assert [d["nama_desa"] for d in desa] == ["Padomasan", "Keting", "Jombang", "Ngampelrejo",
                                              "Wringinagung", "Sarimulyo"]
    assert [d["kode_desa"] for d in desa] == [f"35.09.01.200{i}" for i in range(1, 7)]
    assert (folder / "2024/camat/tw1/laporan.csv").is_file()
    # Jember has no rules file yet: the default's are used, and the analyst is told so
    assert "belum ada berkas aturan untuk Kabupaten Jember" in result.stdout


def test_a_name_of_two_kabupaten_is_refused_with_both_candidates(tmp_path):
    root = tmp_path  # no Candipuro folder yet: the name alone says nothing about the kabupaten
    result = lkj(root, "init", "--kec", "candipuro", "--tahun", "2024", "--tw", "1")
    assert result.returncode == 1
    assert "Candipuro (18.01.17), Kabupaten Lampung Selatan, Lampung" in result.stderr
    assert "Candipuro (35.08.03), Kabupaten Lumajang, Jawa Timur" in result.stderr
    assert "KEC=35.08.03" in result.stderr and "KAB=lampung-selatan" in result.stderr
    assert not (root / "data/raw/candipuro").exists()
    chosen = lkj(root, "init", "--kec", "candipuro", "--kab", "lumajang", "--tahun", "2024",
                 "--tw", "1")
    assert chosen.returncode == 0, chosen.stderr
    assert _profil(root / "data/raw/candipuro/profil.csv")["kode_wilayah"] == "35.08.03"


def test_an_existing_folder_keeps_working_and_a_namesake_gets_its_own(tmp_path):
    root = copy_project(tmp_path)   # data/raw/candipuro is Lumajang's
    before = (root / "data/raw/candipuro/profil.csv").read_bytes()
    hasil = scaffold.init(root, "candipuro", 2024, 1)
    assert hasil.rid.kec == "candipuro" and hasil.wilayah.kode == "35.08.03"
    other = scaffold.init(root, "18.01.17", 2024, 1)
    assert other.rid.kec == "candipuro-lampung-selatan"
    assert _profil(root / "data/raw/candipuro-lampung-selatan/profil.csv")["kabupaten"] == \
        "Lampung Selatan"
    assert (root / "data/raw/candipuro/profil.csv").read_bytes() == before


def test_unknown_code_and_name_are_refused_with_the_fix(tmp_path):
    with pytest.raises(LkjError, match="Kode kecamatan 35.08.99 tidak ada.*Perbaikan"):
        scaffold.init(tmp_path, "35.08.99", 2024, 1)
    with pytest.raises(LkjError, match="'candipurro' tidak ditemukan.*Perbaikan"):
        scaffold.init(tmp_path, "candipurro", 2024, 1)
    assert not (tmp_path / "data").exists()


# ---- rules -------------------------------------------------------------------------------------

def test_lumajang_rules_are_the_ones_lkj_had_in_code():
    rules = kabupaten.default()
    assert rules.slug == "lumajang" and rules.kode == "35.08" and rules.bawaan
    assert rules.skala == kinerja.SKALA
    assert (rules.hari_kerja, rules.dasar) == (5, "Perbup Lumajang 6/2018")
    assert rules.rumus_turun == kinerja.RUMUS_2T and rules.susunan_bab == "permenpan"
    assert rules.libur == "data/libur_nasional.csv" and rules.logo is None


def test_the_rating_scale_is_printed_with_the_regulation_it_comes_from(project):
    """Seed 003 cites Permendagri 86/2017 for its scale (reference.md); a reviewer asks for the
    source of every threshold the report judges by. A kabupaten that names none prints none."""
    from lkj.params import resolve
    from lkj.process import build
    from lkj.report import Laporan

    assert kabupaten.default().skala_dasar == "Permendagri 86/2017"
    md = Laporan(build(project, resolve(project, "candipuro", 2)), project / "fig").markdown()
    assert "skala berikut, sebagaimana digunakan dalam Permendagri 86/2017;" in md


def test_target_over_realisasi_formula():
    tr = kinerja.RUMUS_TR
    assert kinerja.capaian(Decimal(5), Decimal(4), kinerja.TURUN, tr) == 80
    assert kinerja.capaian(Decimal(5), Decimal(4), kinerja.TURUN) == 75   # (8 − 5) ÷ 4
    assert kinerja.capaian(Decimal(0), Decimal(4), kinerja.TURUN, tr) is None
    assert kinerja.capaian(Decimal(0), Decimal(0), kinerja.TURUN, tr) == 100
    assert kinerja.capaian(Decimal(5), Decimal(4), kinerja.NAIK, tr) == 125   # naik unchanged


def _rules_copy(root: Path) -> Path:
    folder = root / "data/kabupaten"
    shutil.copytree(ROOT / "data/kabupaten", folder)
    return folder / "lumajang.yml"


def test_a_broken_rules_file_stops_the_report_naming_file_line_key_and_fix(tmp_path):
    root = copy_project(tmp_path)
    path = _rules_copy(root)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    dari: 76", "    dari: 96"), encoding="utf-8")
    line = next(n for n, l in enumerate(text.splitlines(), 1) if l == "  - label: Tinggi")
    with pytest.raises(ValidationError) as exc:
        load_inputs(root, ReportId("candipuro", 2023, 2))
    message = str(exc.value)
    assert "data/kabupaten/lumajang.yml" in message and "kunci 'skala'" in message
    assert "Perbaikan:" in message and "makin kecil" in message
    assert f"data/kabupaten/lumajang.yml, baris {line}: kunci 'skala'" in message
    result = lkj(root, "check", "--kec", "candipuro", "--tw", "2", "--tahun", "2023")
    assert result.returncode == 1 and "lumajang.yml" in result.stderr


def test_a_kabupaten_without_rules_gets_the_default_with_a_warning(tmp_path):
    root = copy_project(tmp_path)
    profil = root / "data/raw/candipuro/profil.csv"
    profil.write_text(profil.read_text(encoding="utf-8").replace("35.08.03", "35.09.01")
                      .replace("kabupaten;Lumajang", "kabupaten;Jember"), encoding="utf-8")
    inputs = load_inputs(root, ReportId("candipuro", 2023, 2))
    assert inputs.aturan.slug == "lumajang"
    warning = next(str(w) for w in inputs.warnings if "aturan" in w.message)
    assert "profil.csv, baris 3, kolom 'nilai'" in warning and "Jember" in warning
    assert "Perbaikan: salin data/kabupaten/lumajang.yml" in warning


# ---- the synthetic second kabupaten, end to end ----------------------------------------------

@pytest.fixture(scope="module")
def contoh(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("contoh"))
    made = lkj(root, "synth", "--kab", "contoh", "--kec", "semua", "--tahun", "2023", "--tw",
               "2", "--seed", "3")
    assert made.returncode == 0, made.stderr
    for kec in CONTOH[:2]:
        built = lkj(root, "report", "--kec", kec, "--tw", "2", "--tahun", "2023", "--engine",
                    "embedded", "--formats", "html")
        assert built.returncode == 0, built.stderr
    built = lkj(root, "report", "--kec", "candipuro", "--tw", "2", "--tahun", "2023",
                "--engine", "embedded", "--formats", "html", "--portal")
    assert built.returncode == 0, built.stderr
    return root


def _text(path: Path) -> str:
    raw = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", path.read_text(encoding="utf-8"),
                 flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def test_synthetic_kabupaten_is_labelled_and_valid(contoh):
    for kec in CONTOH:
        folder = contoh / "data/raw" / kec
        assert (folder / kabupaten.SYNTH_MARKER).is_file()
        profil = _profil(folder / "profil.csv")
        assert profil["kabupaten"] == "Contoh (data contoh/sintetis)"
        assert profil["kode_wilayah"].startswith("99.01.")
        inputs = load_inputs(contoh, ReportId(kec, 2023, 2))
        assert inputs.aturan.slug == "contoh"
        assert not any("aturan bawaan" in w.message for w in inputs.warnings)


def test_synthetic_report_uses_its_own_labels_and_formula(contoh):
    labels = {"Sangat Baik", "Baik", "Cukup", "Kurang", "Sangat Kurang"}
    turun = 0
    for kec in CONTOH:
        result = compute(load_inputs(contoh, ReportId(kec, 2023, 2)))
        assert set(result.indikator["kategori"]) <= labels | {"Tidak dapat dinilai"}
        # lower is better: Target ÷ Realisasi, from the rows synth wrote
        folder = contoh / "data/raw" / kec / "2023/camat/tw2"
        target = {r["indikator_id"]: r["target"] for r in _csv(folder / "perjanjian_kinerja.csv")
                  if r["polaritas"] == "turun"}
        for r in _csv(folder / "realisasi.csv"):
            if r["indikator_id"] in target:
                t, v = (Fraction(x.replace(",", ".")) for x in (target[r["indikator_id"]],
                                                                 r["nilai"]))
                row = result.indikator.set_index("indikator_id").loc[r["indikator_id"]]
                assert row["capaian"] == t / v * 100
                turun += 1
    assert turun, "seed 3 gives at least one lower-is-better indicator"
    for kec in CONTOH[:2]:
        page = _text(contoh / f"reports/{kec}/2023/tw2/lkj-{kec}-2023-tw2-camat.html")
        assert "PEMERINTAH KABUPATEN CONTOH (DATA CONTOH/SINTETIS)" in page.upper()  # cover
        for label in labels:   # the rating scale table
            assert label in page
        assert "Sangat Tinggi" not in page and "Sangat Rendah" not in page
        assert "skala berikut; setiap batas" in page   # contoh.yml names no source


def test_portal_shows_each_kabupaten_with_its_deadline_rule_and_labels(contoh):
    page = _text(contoh / "reports/index.html")
    assert "Kabupaten Lumajang: 5 hari kerja setelah akhir triwulan (Perbup Lumajang 6/2018)" \
        in page
    assert ("Kabupaten Contoh (data contoh/sintetis): 10 hari kerja setelah akhir triwulan "
            "(aturan contoh/sintetis, bukan peraturan sebenarnya)") in page
    assert "Kategori capaian Kabupaten Contoh (data contoh/sintetis): Sangat Baik Baik Cukup " \
           "Kurang Sangat Kurang" in page
    # the synthetic kecamatan are due 14 July, Candipuro (Lumajang) 7 July
    rows = [re.sub(r' data-label="[^"]*"', "", r)  # cells without their label (phone layout)
            for r in re.findall(r"<tr>.*?</tr>", (contoh / "reports/index.html").read_text(encoding="utf-8"))]
    due = {name: next(r for r in rows if f"<td>{name}</td><td>Camat</td>" in r)
           for name in ("Contoh Utara (data contoh/sintetis)", "Candipuro")}
    batas = {name: re.findall(r'<td class="num">(.*?)</td>', row)[1]   # serapan, batas, …
             for name, row in due.items()}
    assert batas == {"Contoh Utara (data contoh/sintetis)": "14 Juli 2023",
                     "Candipuro": "7 Juli 2023"}


def test_recap_of_the_synthetic_kabupaten(contoh):
    rekap = Rekap(contoh, 2023, 2, contoh / "fig", kab="contoh")
    assert {u.rid.kec for u in rekap.units} == set(CONTOH)   # not Candipuro
    text = rekap.section("ringkasan") + rekap.section("ketepatan")
    assert "Batas waktu laporan Triwulan II Tahun 2023: **14 Juli 2023** (10 hari kerja" in text
    assert "Triwulan II Tahun 2023 adalah **14 Juli 2023**: 10 hari kerja setelah akhir " \
           "triwulan" in text
    assert "dari 3 kecamatan" in text
    assert "aturan contoh/sintetis, bukan peraturan sebenarnya" in text
    capaian = rekap.section("capaian")
    assert re.search(r"Sangat Baik|Baik|Cukup|Kurang|Sangat Kurang", capaian)
    assert "Sangat Tinggi" not in capaian and "Sangat Rendah" not in capaian
    lumajang = Rekap(contoh, 2023, 2, contoh / "fig2")
    assert {u.rid.kec for u in lumajang.units} == {"candipuro"}
