"""Every sentence that states arithmetic can be checked from the figures it prints (issue 15).

For the three samples and for synthetic data (`lkj synth`, several seeds), the whole report's
Markdown is rendered and every generated sentence is read back like a reviewer would: the
numbers are taken from the printed text (Indonesian format) and the arithmetic the sentence
states — a division, a sum, a difference, a percentage — is redone on those printed numbers,
rounded half-up to two decimals as the report does. Each pattern must occur at least once over
all the reports read, so a sentence that stopped matching (reworded) fails here too.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from conftest import copy_project
from lkj import pipeline, synth
from lkj.params import ReportId
from lkj.report import Laporan

ROOT = Path(__file__).resolve().parent.parent
NUM = r"−?\d{1,3}(?:\.\d{3})*(?:,\d+)?"


# Counts are written in words with the numeral, "dua (2) indikator": the words, read with this
# table written out by hand, must say the numeral.
WORDS = dict(zip("nol satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas".split(),
                 range(12))) | {f"{w} belas": i for i, w in enumerate(
                     "dua tiga empat lima enam tujuh delapan sembilan".split(), 12)}


def count(name: str) -> str:
    return rf"(?P<{name}_w>[a-z]+(?: belas)?) \((?P<{name}>\d+)\)"


def words_match(m, *names) -> bool:
    return all(WORDS.get(m[f"{x}_w"]) == int(m[x]) for x in names)


def n(text: str) -> Decimal:
    return Decimal(text.replace("−", "-").replace(".", "").replace(",", "."))


def r2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def plain(markdown: str) -> str:
    """The text as printed: escapes and emphasis gone, one line per paragraph."""
    text = re.sub(r"\\(.)", r"\1", markdown)
    text = re.sub(r"\*\*|\*", "", text)
    return re.sub(r"[ \t]*\n(?!\n)", " ", text)


def reports(tmp: Path) -> list[str]:
    """The printed text of every sample and of four synthetic kecamatan (two seeds)."""
    root = copy_project(tmp)
    synth.synth(root, ["pasirian", "tempeh"], 2023, [1, 2, 3, 4], seed=3)
    synth.synth(root, ["klakah", "yosowilangun"], 2024, [1, 2, 3], seed=11)
    rids = [ReportId("candipuro", 2023, 2), ReportId("senduro", 2023, 2),
            ReportId("candipuro", 2024, 2, "kasi-pemberdayaan"),
            *(ReportId(k, 2023, tw) for k in ("pasirian", "tempeh") for tw in (2, 4)),
            *(ReportId(k, 2024, 3) for k in ("klakah", "yosowilangun"))]
    texts = []
    for rid in rids:
        pipeline.process(root, rid)
        lap = Laporan.from_processed(rid.processed_dir(root), tmp / "gambar")
        lap.dry = True
        texts.append(plain(lap.markdown()))
    return texts


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    return reports(tmp_path_factory.mktemp("kalimat"))


def check_capaian(m) -> None:
    r, t, c = n(m["r"]), n(m["t"]), n(m["c"])
    expected = (2 * t - r) / t * 100 if m["turun"] else r / t * 100
    assert r2(max(expected, Decimal(0))) == c, m.group(0)
    if m["g"]:
        assert n(m["g"]) == (r - t if m["turun"] else t - r), m.group(0)


CHECKS = {
    # "sebesar 54,90% dari target 91,50% (…), sehingga capaian kinerjanya 60,00% … Untuk mencapai
    # target masih diperlukan tambahan 36,60 poin persen."
    "capaian": (re.compile(
        rf"sebesar (?P<r>{NUM})\S* dari target (?P<t>{NUM})\S* \([^)]*\), sehingga capaian "
        rf"kinerjanya (?P<c>{NUM})% [^.]*\.(?: Terhadap[^.]*?\.)?(?: Untuk mencapai target masih "
        rf"diperlukan tambahan (?P<g>{NUM}))?(?P<turun> Untuk indikator ini nilai yang lebih "
        rf"rendah lebih baik: untuk mencapai target, nilainya masih harus turun)?"), None),
    "komponen": (re.compile(rf"Realisasi = (?P<a>{NUM}) ÷ (?P<b>{NUM}) × 100% = (?P<c>{NUM})"),
                 lambda m: r2(n(m["a"]) / n(m["b"]) * 100) == n(m["c"])),
    "dokumen": (re.compile(
        rf"(?P<x>{NUM}) RKPDesa \+ (?P<y>{NUM}) APBDesa \+ (?P<z>{NUM}) LPPDesa = (?P<s>{NUM}) "
        rf"dokumen, dari (?P<m>{NUM}) dokumen yang dinilai \((?P<d>{NUM}) desa × 3 dokumen\)"),
        lambda m: n(m["x"]) + n(m["y"]) + n(m["z"]) == n(m["s"]) and n(m["d"]) * 3 == n(m["m"])),
    "banding": (re.compile(
        rf"realisasi tahun \d{{4}} sebesar (?P<a>{NUM})\S*, realisasi sampai dengan [^(]*"
        rf"\((?P<b>{NUM})\S*\) (?P<arah>lebih rendah|lebih tinggi) (?P<d>{NUM})"),
        lambda m: abs(n(m["b"]) - n(m["a"])) == n(m["d"])
        and (n(m["b"]) > n(m["a"])) == (m["arah"] == "lebih tinggi")),
    "efisiensi": (re.compile(
        rf"capaian kinerja (?P<c>{NUM})% dicapai dengan serapan anggaran (?P<s>{NUM})% "
        rf"\(Rp(?P<r>{NUM}) dari pagu Rp(?P<p>{NUM})\); selisihnya (?P<g>[+−]?{NUM})"),
        lambda m: r2(n(m["r"]) / n(m["p"]) * 100) == n(m["s"])
        and n(m["c"]) - n(m["s"]) == n(m["g"].lstrip("+"))),
    "anggaran": (re.compile(
        rf"sebesar Rp(?P<r>{NUM}) dari pagu Rp(?P<p>{NUM}) \((?P<q>{NUM})%\), dengan sisa "
        rf"anggaran Rp(?P<s>{NUM})"),
        lambda m: n(m["p"]) - n(m["r"]) == n(m["s"]) and r2(n(m["r"]) / n(m["p"]) * 100) == n(m["q"])),
    "pegawai": (re.compile(rf"didukung oleh (?P<list>(?:{NUM} orang [^,]+?)(?: dan {NUM} "
                           rf"orang [^,]+?)*), seluruhnya (?P<t>{NUM}) orang"),
                lambda m: sum(n(x) for x in re.findall(rf"({NUM}) orang ", m["list"])) == n(m["t"])),
    "kesimpulan": (re.compile(
        rf"Dari {count('n')} indikator kinerja pada [^,]+, {count('k')} indikator telah mencapai "
        rf"target dan {count('j')} indikator belum"),
        lambda m: n(m["k"]) + n(m["j"]) == n(m["n"]) and words_match(m, "n", "k", "j")),
    "belum": (re.compile(rf"Sampai dengan [^,]+, {count('k')} dari {count('n')} indikator belum "
                         rf"mencapai target"),
              lambda m: n(m["k"]) < n(m["n"]) and words_match(m, "k", "n")),
    "cakupan": (re.compile(
        rf"didukung anggaran sebesar Rp(?P<a>{NUM}) \((?P<pa>{NUM})% dari pagu\)\. Anggaran "
        rf"sebesar Rp(?P<b>{NUM}) \((?P<pb>{NUM})% dari pagu\)"),
        lambda m: r2(n(m["a"]) / (n(m["a"]) + n(m["b"])) * 100) == n(m["pa"])
        and r2(n(m["b"]) / (n(m["a"]) + n(m["b"])) * 100) == n(m["pb"])),
}


def test_every_stated_calculation_holds_on_the_printed_figures(printed):
    seen = dict.fromkeys(CHECKS, 0)
    for text in printed:
        for name, (pattern, holds) in CHECKS.items():
            for m in pattern.finditer(text):
                seen[name] += 1
                if holds is None:
                    check_capaian(m)
                else:
                    assert holds(m), (name, m.group(0))
    assert all(seen.values()), seen   # every kind of sentence was read at least once


def test_the_mean_capaian_is_the_mean_of_the_printed_capaian(printed):
    for text in printed:
        items = re.findall(rf"^- [^\n:]+: capaian ({NUM})%", text, re.M)
        mean = re.search(rf"Rata-rata capaian kinerja sebesar ({NUM})%", text)
        if items and mean:
            assert r2(sum(n(x) for x in items) / len(items)) == n(mean.group(1))


def test_no_sentence_withdraws_its_own_verdict(printed):
    for text in printed:
        assert "kinerja menurun); realisasi triwulan" not in text
        assert "belum jatuh tempo" not in text or "Triwulan IV" not in text


def test_the_village_document_sum_no_longer_reads_as_ten_equals_thirty(printed):
    candipuro = printed[0]
    assert ("0 RKPDesa + 0 APBDesa + 10 LPPDesa = 10 dokumen, dari 30 dokumen yang dinilai "
            "(10 desa × 3 dokumen)") in candipuro


def test_every_sentence_pattern_is_listed_for_the_language_review():
    """docs/kalimat.md lists each pattern of lkj/narrative.py with an example: a pattern added
    without being read by a reviewer fails here."""
    from pathlib import Path

    from lkj.narrative import T
    listed = (Path(__file__).resolve().parents[1] / "docs/kalimat.md").read_text(encoding="utf-8")
    assert [k for k in T if f"| `{k}` |" not in listed] == []


def test_the_programs_listed_as_supporting_the_indicators_are_those_linked_to_one(printed):
    candipuro, senduro = printed[0], printed[1]
    lead = re.search(r"Dari (\S+) \((\d+)\) program tahun 2023, (\S+) \((\d+)\) program menunjang "
                     r"pencapaian indikator kinerja \(program ([^)]+) tidak dikaitkan", candipuro)
    assert lead and lead[5] == "7.01.01"  # the only program with no kode_anggaran linking it
    listed = re.findall(r"(?:^|\s)\d+\. ", candipuro[lead.end():].split("\n")[1])
    assert len(listed) == int(lead[4]) == int(lead[2]) - 1
    assert "(program 7.01.01 dan 7.01.05 tidak dikaitkan" in senduro


def test_each_comparison_with_last_year_names_its_indicator(printed):
    for text in printed:
        for m in re.finditer(r"dibandingkan dengan realisasi tahun \d{4}", text, re.I):
            assert text[max(0, m.start() - 400):m.start()].rfind("Untuk indikator") != -1, m[0]
            assert not m[0].startswith("D")  # never a sentence of its own, unnamed


def test_the_budget_table_says_which_rows_are_sums_only_where_there_are_any(printed):
    candipuro, senduro, kasi = printed[:3]
    assert "Angka kegiatan dan program adalah jumlah sub kegiatan di bawahnya." in candipuro
    assert "Angka program adalah jumlah kegiatan di bawahnya." in kasi
    assert "adalah jumlah" not in senduro  # its budget lists programs only


def test_no_sentence_says_the_same_thing_twice(printed):
    for text in printed:
        for sentence in re.split(r"(?<=\.) ", text):
            assert sentence.count("bersifat kumulatif") <= 1 and \
                len(re.findall(r"target tahunan \d{4}", sentence)) <= 1, sentence
        assert text.count("bersifat kumulatif") <= 1
        # a cumulative quarter's caveat once after its indicators, not after each (reviewer)
        assert text.count("belum menilai kinerja tahun") <= 1
        assert text.count("belum dapat dibandingkan penuh dengan realisasi akhir tahun") <= 1


def test_the_hindering_budget_lines_name_the_indicator_they_hold_back(printed):
    candipuro = printed[0]
    m = re.search(rf"{count('n')} dari 41 sub kegiatan menyerap kurang dari 25,00% pagu, yaitu "
                  rf"separuh dari serapan yang sepadan dengan bagian tahun yang telah berjalan "
                  rf"\(50,00%\).*?Dari "
                  rf"{count('m')} sub kegiatan tersebut, {count('k')} menghambat indikator yang "
                  rf"belum tercapai dan {count('j')} tidak dikaitkan", candipuro)
    assert m and n(m["k"]) + n(m["j"]) == n(m["n"]) == n(m["m"]) and words_match(m, "n", "k", "j")
    table = candipuro[m.end():candipuro.index("Anggaran dengan Serapan Rendah", m.end()) + 200]
    assert "| Indikator yang Dihambat |" in table
    rows = dict(re.findall(r"\| (7\.\d\d\.\d\d\.\d\.\d\d\.\d\d) \|(?:[^|]*\|){4} ([^|]*?) \|", table))
    assert len(rows) == n(m["n"]) and sum(v != "–" for v in rows.values()) == n(m["k"])
    # 7.01.01 (no kode_anggaran names it) holds back no indicator; 7.01.03 is indicator 1's
    assert {v for k, v in rows.items() if k.startswith("7.01.01.")} == {"–"}
    assert {v for k, v in rows.items() if k.startswith("7.01.03.")} == {"1"}


def test_a_budget_line_holds_back_no_indicator_that_is_already_achieved(printed):
    # Senduro: 7.01.03 (24,97%) supports indicators 1 and 3; indicator 3 is at 100,00%
    senduro = printed[1]
    assert "Program tersebut mendukung indikator yang belum tercapai, sehingga menghambat" in senduro
    table = senduro[senduro.index("| Indikator yang Dihambat |"):].split("\n\n")[0]
    assert re.findall(r"\| (7\.01\.\d\d) \|(?:[^|]*\|){4} ([^|]*?) \|", table) == [("7.01.03", "1")]


def test_every_activity_row_names_its_jenis(printed):
    candipuro = printed[0]
    seg = candipuro[candipuro.index("| No | Jenis Fasilitasi |"):].split("\n")[0]  # the table
    rows = re.findall(r"\| (\d+) \| ([^|]*?) \| ([^|]*?) \|", seg)
    assert len(rows) == 28 and all(jenis.strip() for _, jenis, _ in rows)  # 28 of 51 (seed 000)


def test_every_efficiency_verdict_per_program_is_capitalised_as_the_others(printed):
    for text in printed[:2]:
        seg = text[text.index("| Kode | Program | Pagu (Rp) | Realisasi (Rp) | Serapan | Indikator"):]
        rows = re.findall(r"\| (7\.\d\d\.\d\d) \|(?:[^|]*\|){7} ([^|]*?) \|", seg.split("\n")[0])
        assert rows and all(v[:1].isupper() for _, v in rows), rows
