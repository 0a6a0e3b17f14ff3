"""Chapter templates (lkj/templates/bab/): the wording is editable, the numbers are not.

A kecamatan may replace a template with its own file in data/raw/<kec>/templat/. That file is
written by someone else: it runs in Jinja's sandbox, sees plain values only, prints the data
escaped, and a template that cannot be used is named with its line by ``lkj check``.
"""

from __future__ import annotations

import pytest

from lkj import pipeline
from lkj.cli import main
from lkj.errors import LkjError
from lkj.params import ReportId
from lkj.report import SECTIONS, TEMPLATES, Laporan

RID = ReportId("candipuro", 2023, 2)


def laporan(project) -> Laporan:
    pipeline.process(project, RID)
    lap = Laporan.from_processed(RID.processed_dir(project), project / "gambar")
    lap.dry = True
    return lap


def override(project, name: str, text: str):
    folder = project / "data/raw/candipuro/templat"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(text, encoding="utf-8")


def test_every_part_of_the_report_has_a_template_a_person_can_read():
    for name in SECTIONS:
        if name != "metadata":
            text = (TEMPLATES / f"{name}.md").read_text(encoding="utf-8")
            assert text.startswith("{#"), name   # it says what it is for


def test_a_kecamatan_template_changes_the_wording_and_keeps_the_numbers(project):
    override(project, "bab1", "# BAB I PENGANTAR {.unnumbered}\n\n## {{ huruf() }}. Wilayah "
                              "Kami {.unnumbered}\n\n{{ kalimat.wilayah }}\n")
    text = laporan(project).section("bab1")
    assert "# BAB I PENGANTAR" in text and "## A. Wilayah Kami" in text
    # 10 desa of desa.csv, counted by lkj, not typed in the template
    assert "terdiri atas 10 desa" in text
    pipeline.process(project, ReportId("senduro", 2023, 2))  # another kecamatan: not affected
    senduro = Laporan.from_processed(ReportId("senduro", 2023, 2).processed_dir(project))
    senduro.dry = True
    assert "# BAB I PENDAHULUAN" in senduro.section("bab1")


def test_letters_skip_sections_without_content(project):
    text = laporan(project).section("bab2")
    assert "## A. Visi, Misi" in text and "## B. Perjanjian Kinerja" in text
    (project / "data/raw/candipuro/2023/camat/tw2/narasi/visi_misi.md").unlink()
    text = laporan(project).section("bab2")
    assert "Visi, Misi" not in text and "## A. Perjanjian Kinerja" in text


def test_data_printed_by_a_template_is_escaped(project):
    override(project, "bab1", "{{ laporan.kabupaten }} {{ '<b>x</b> [y]{typst:a=1}' }}\n")
    text = laporan(project).section("bab1")
    assert "\\<b\\>x\\</b\\> \\[y\\]\\{typst\\:a\\=1\\}" in text


@pytest.mark.parametrize("source, words", [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "templat bab tidak dapat dipakai"),
    ("{{ laporan._mapping }}", "templat bab tidak dapat dipakai"),
    ("baris satu\n{% if %}\n", "baris 2: templat bab tidak dapat dipakai"),
    ("{{ tidak_ada }}", "templat bab tidak dapat dipakai"),
    ("{% raw %}{{< include /etc/passwd >}}{% endraw %}", "shortcode Quarto"),
])
def test_a_template_that_cannot_be_used_is_named(project, source, words):
    override(project, "bab4", source)
    with pytest.raises(LkjError, match="data/raw/candipuro/templat/bab4.md") as exc:
        laporan(project).section("bab4")
    assert words in str(exc.value)


def test_lkj_check_names_a_broken_kecamatan_template(project, capsys):
    override(project, "bab3_analisis", "### {{ nomor( }}\n")
    assert main(["check", "--kec", "candipuro", "--tw", "2"]) == 1
    err = capsys.readouterr().err
    assert "data/raw/candipuro/templat/bab3_analisis.md, baris 1" in err


def test_a_template_can_include_no_file_outside_the_templates(project):
    override(project, "bab4", "{% include '/etc/passwd' %}")
    with pytest.raises(LkjError, match="bab4.md"):
        laporan(project).section("bab4")
    override(project, "bab4", "{% include '../../../../../../etc/passwd' %}")
    with pytest.raises(LkjError, match="bab4.md"):
        laporan(project).section("bab4")
