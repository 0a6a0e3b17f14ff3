"""Chapter templates (lkj/templates/bab/): the wording is editable, the numbers are not.

A kecamatan may replace a template with its own file in data/raw/<kec>/templat/. That file is
written by someone else: it runs in Jinja's sandbox, sees plain values only, prints the data
escaped, and a template that cannot be used is named with its line by ``lkj check``.
"""

from __future__ import annotations

import os

import pytest
from jinja2 import Environment

from lkj import pipeline, report
from lkj.cli import main
from lkj.errors import LkjError
from lkj.params import ReportId
from lkj.report import SECTIONS, SUSUNAN, TEMPLATES, Laporan

RID = ReportId("candipuro", 2023, 2)


def laporan(project) -> Laporan:
    pipeline.process(project, RID)
    lap = Laporan.from_processed(RID.processed_dir(project), project / "gambar")
    lap.dry = True
    return lap


def override(project, name: str, text: str):
    path = project / "data/raw/candipuro/templat" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_every_part_of_the_report_has_a_template_a_person_can_read():
    for susunan in SUSUNAN:
        for name in (*SECTIONS[1:], "jejak_audit"):
            own = TEMPLATES / susunan / f"{name}.md"
            text = (own if own.exists() else TEMPLATES / f"{name}.md").read_text(encoding="utf-8")
            assert text.startswith("{#"), name   # it says what it is for


def test_each_layout_numbers_its_tables_as_its_seed_does(project):
    # seed 000: Permenpan RB 53/2014, Bab I–IV, Tabel 3.1 capaian … Tabel 3.5 realisasi anggaran
    text = laporan(project).markdown()
    assert "# BAB IV PENUTUP" in text
    assert "Tabel 3\\.1 Capaian Indikator" in text and "Tabel 3\\.5 Realisasi Anggaran" in text
    # seeds 002 and 003: Bab I–III, 2.1 Perjanjian Kinerja … 2.5 Tanggapan Atasan Langsung
    for rid in (ReportId("senduro", 2023, 2), ReportId("candipuro", 2024, 2, "kasi-pemberdayaan")):
        pipeline.process(project, rid)
        lap = Laporan.from_processed(rid.processed_dir(project))
        lap.dry = True
        text = lap.markdown()
        assert "# BAB II AKUNTABILITAS KINERJA" in text and "# BAB IV" not in text
        assert "## 2\\.1 Perjanjian Kinerja" in text and "Tanggapan Atasan Langsung" in text
        assert "Tabel 2\\.1 Perjanjian Kinerja" in text


def test_the_layout_is_chosen_in_the_data(project):
    (project / "data/raw/candipuro/2023/camat/tw2/laporan.csv").open("a").write(
        "susunan;triwulanan\n")
    assert "# BAB III PENUTUP" in laporan(project).markdown()


def test_an_unknown_layout_is_refused_with_the_choices(project, capsys):
    (project / "data/raw/candipuro/2023/camat/tw2/laporan.csv").open("a").write(
        "susunan;bab lima\n")
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 1
    err = capsys.readouterr().err
    assert "laporan.csv" in err and "susunan bab tidak dikenal" in err and "triwulanan" in err


def test_a_kecamatan_template_changes_the_wording_and_keeps_the_numbers(project):
    override(project, "pendahuluan", "# BAB I PENGANTAR {.unnumbered}\n\n## {{ huruf() }}. "
                                     "Wilayah Kami {.unnumbered}\n\n{{ kalimat.wilayah }}\n")
    text = laporan(project).section("pendahuluan")
    assert "# BAB I PENGANTAR" in text and "## A. Wilayah Kami" in text
    # 10 desa of desa.csv, counted by lkj, not typed in the template
    assert "terdiri atas sepuluh \\(10\\) desa" in text
    pipeline.process(project, ReportId("senduro", 2023, 2))  # another kecamatan: not affected
    senduro = Laporan.from_processed(ReportId("senduro", 2023, 2).processed_dir(project))
    senduro.dry = True
    assert "# BAB I PENDAHULUAN" in senduro.section("pendahuluan")


def test_a_kecamatan_template_may_be_for_one_layout_only(project):
    override(project, "triwulanan/pendahuluan", "{# sendiri #}\n# BAB I MILIK KAMI {.unnumbered}\n")
    assert "# BAB I PENDAHULUAN" in laporan(project).section("pendahuluan")  # permenpan: lkj's
    (project / "data/raw/candipuro/2023/camat/tw2/laporan.csv").open("a").write(
        "susunan;triwulanan\n")
    assert "# BAB I MILIK KAMI" in laporan(project).section("pendahuluan")


def test_a_template_edited_while_lkj_runs_is_read_again(project):
    # one process builds many reports (a notebook, `lkj all`, `lkj watch`): templates are
    # compiled once, yet an edit is seen at the next report
    override(project, "penutup", "# BAB IV PENUTUP {.unnumbered}\n\nKalimat pertama.\n")
    assert "Kalimat pertama." in laporan(project).section("penutup")
    path = project / "data/raw/candipuro/templat/penutup.md"
    path.write_text("# BAB IV PENUTUP {.unnumbered}\n\nKalimat kedua.\n", encoding="utf-8")
    later = path.stat().st_mtime + 2
    os.utime(path, (later, later))
    assert "Kalimat kedua." in laporan(project).section("penutup")


def test_a_warm_process_compiles_no_template_of_lkj_again(project, monkeypatch):
    # the reports of `lkj all` and the rebuilds of `lkj watch` fork from a warmed-up process
    report.warm_up()
    compiled = []
    real = Environment.compile
    monkeypatch.setattr(Environment, "compile",
                        lambda env, *a, **k: compiled.append(a) or real(env, *a, **k))
    laporan(project).markdown()
    assert compiled == []


def test_the_analysis_follows_the_order_of_permenpan_rb_53_2014(project):
    # Lampiran Permenpan RB 53/2014, analisis capaian kinerja: (2) tahun lalu, (3) target jangka
    # menengah, (4) standar nasional, (5) penyebab, (6) efisiensi, (7) program penunjang
    order = ["Perbandingan dengan Tahun 2022", "Perbandingan dengan Standar Nasional",
             "Analisis Penyebab", "Analisis Efisiensi", "Program yang Menunjang",
             "yang Menghambat"]
    for rid in (RID, ReportId("senduro", 2023, 2)):
        pipeline.process(project, rid)
        lap = Laporan.from_processed(rid.processed_dir(project))
        lap.dry = True
        text = lap.markdown()
        where = [text.find(f"{heading}") for heading in order]
        assert -1 not in where and where == sorted(where), (rid, where)


def test_a_section_title_names_only_what_the_narasi_holds(project):
    # Senduro (triwulanan) writes a rencana tindak lanjut but no hambatan.md
    rid = ReportId("senduro", 2023, 2)
    pipeline.process(project, rid)
    lap = Laporan.from_processed(rid.processed_dir(project))
    lap.dry = True
    text = lap.markdown()
    assert "## 2\\.4 Rencana Tindak Lanjut" in text and "Hambatan" not in text
    assert "**Rencana tindak lanjut**" not in text  # no sub-title under its own title
    # a program serving two indicators: the Capaian printed for it is their average, said so
    assert "adalah rata-rata capaian indikator tersebut" in text
    assert "rata-rata capaian indikator tersebut" not in laporan(project).markdown()  # Candipuro


def test_the_perjanjian_kinerja_table_is_announced_once(project):
    """The Kasi's own text ends "… disajikan pada tabel berikut.": lkj's count sentence comes
    before it and does not announce the table a second time (reviewer, Kasi p. 2). A text that
    does not lead into the table is followed by lkj's announcing sentence, as before."""
    rid = ReportId("candipuro", 2024, 2, "kasi-pemberdayaan")
    pipeline.process(project, rid)
    lap = Laporan.from_processed(rid.processed_dir(project))
    lap.dry = True
    section = lap.markdown().split("Perjanjian Kinerja {.unnumbered}", 1)[1].split("| No |")[0]
    assert "sebagai berikut" not in section
    assert section.index("beserta sasarannya.") < section.index("disajikan pada tabel berikut")
    narasi = project / "data/raw/candipuro/2024/kasi-pemberdayaan/tw2/narasi/visi_misi.md"
    narasi.write_text("Sasaran dan targetnya ditetapkan pada 10 Januari 2024.\n", encoding="utf-8")
    pipeline.process(project, rid)
    lap = Laporan.from_processed(rid.processed_dir(project))
    lap.dry = True
    text = lap.markdown()
    assert "10 Januari 2024\\.\n\nPerjanjian kinerja Kasi" in text
    assert "beserta sasarannya sebagai berikut." in text


def test_the_comparison_with_last_year_shows_both_years_capaian(project):
    """Permenpan RB 53/2014 III.A (2) compares realisasi *and capaian* with last year
    (reviewer: Capaian 2022 missing from Tabel 3.3). By hand from riwayat.csv and the PK:
    IK-01 91,83 ÷ 91,39 = 100,48%; IK-02 86,66 ÷ 81,75 = 106,01%; this year 54,90 ÷ 91,50 =
    60,00% and 33,33 ÷ 82,00 = 40,65%."""
    table = laporan(project).markdown().split("Perbandingan dengan Tahun 2022", 1)[1]
    table = table.split(": Tabel 3\\.3", 1)[0]
    assert "| Capaian 2022 |" in table and "| Capaian 2023 s\\.d\\. TW II |" in table
    assert "| 91,39% | 91,83% | 100,48% | 91,50% | 54,90% | 60,00% |" in table
    assert "| 81,75% | 86,66% | 106,01% | 82,00% | 33,33% | 40,65% |" in table


def test_letters_skip_sections_without_content(project):
    text = laporan(project).section("perencanaan")
    assert "## A. Visi, Misi" in text and "## B. Perjanjian Kinerja" in text
    (project / "data/raw/candipuro/2023/camat/tw2/narasi/visi_misi.md").unlink()
    text = laporan(project).section("perencanaan")
    assert "Visi, Misi" not in text and "## A. Perjanjian Kinerja" in text


def test_data_printed_by_a_template_is_escaped(project):
    override(project, "pendahuluan", "{{ laporan.kabupaten }} {{ '<b>x</b> [y]{typst:a=1}' }}\n")
    text = laporan(project).section("pendahuluan")
    assert "\\<b\\>x\\</b\\> \\[y\\]\\{typst\\:a\\=1\\}" in text


@pytest.mark.parametrize("source, words", [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "templat bab tidak dapat dipakai"),
    ("{{ laporan._mapping }}", "templat bab tidak dapat dipakai"),
    ("baris satu\n{% if %}\n", "baris 2: templat bab tidak dapat dipakai"),
    ("{{ tidak_ada }}", "templat bab tidak dapat dipakai"),
    ("{% raw %}{{< include /etc/passwd >}}{% endraw %}", "shortcode Quarto"),
    ("{% raw %}{{% env HOME %}}{% endraw %}", "shortcode Quarto"),
    # a filter block's output skips the escaping of the template's own "<" (attacker's pass)
    ("{% filter replace('LT', '<') %}LTscript>alert(1)LT/script>{% endfilter %}",
     "baris 1: templat bab tidak dapat dipakai (blok {% filter %} tidak boleh dipakai"),
    ("{% filter replace('LT','<') %}{% raw %}{{{% endraw %}LT env HOME >}}{% endfilter %}",
     "blok {% filter %} tidak boleh dipakai"),
])
def test_a_template_that_cannot_be_used_is_named(project, source, words):
    override(project, "penutup", source)
    with pytest.raises(LkjError, match="data/raw/candipuro/templat/penutup.md") as exc:
        laporan(project).section("penutup")
    assert words in str(exc.value)


def test_lkj_check_names_a_broken_kecamatan_template(project, capsys):
    override(project, "analisis", "### {{ nomor( }}\n")
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 1
    err = capsys.readouterr().err
    assert "data/raw/candipuro/templat/analisis.md, baris 1" in err


def test_a_template_can_include_no_file_outside_the_templates(project):
    override(project, "penutup", "{% include '/etc/passwd' %}")
    with pytest.raises(LkjError, match="penutup.md"):
        laporan(project).section("penutup")
    override(project, "penutup", "{% include '../../../../../../etc/passwd' %}")
    with pytest.raises(LkjError, match="penutup.md"):
        laporan(project).section("penutup")
