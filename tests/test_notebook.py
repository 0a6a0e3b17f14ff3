"""notebooks/laporan.ipynb is the report's own source: opened in Jupyter from notebooks/ it runs
with its default parameters (computing data/processed first when it is missing), and the
executed copy published in reports/ holds every chart as an image output, so that it shows the
whole report and `quarto render` of that one file, alone in an empty folder, renders it again.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from conftest import build_reports, copy_project
from lkj import execute

SLUG = "lkj-candipuro-2023-tw2-camat"


def outputs(nb: dict) -> list[dict]:
    return [o for c in nb["cells"] for o in c.get("outputs", [])]


@pytest.mark.slow
def test_the_notebook_runs_from_its_folder_with_its_default_parameters(tmp_path, monkeypatch):
    root = copy_project(tmp_path)
    monkeypatch.delenv("LKJ_ROOT", raising=False)   # as Jupyter would: found from the folder
    assert not (root / "data/processed/candipuro").exists()
    out = root / "notebooks" / "jalan.ipynb"
    # a separate kernel, as Jupyter runs it, in the notebook's own folder
    execute.run_notebook(root / "notebooks/laporan.ipynb", out, {}, root / "notebooks",
                         executor="kernel")
    nb = json.loads(out.read_text(encoding="utf-8"))
    assert not [o for o in outputs(nb) if o["output_type"] == "error"]
    text = "".join("".join(o["data"]["text/markdown"]) for o in outputs(nb)
                   if "text/markdown" in o.get("data", {}))
    assert "BAB III AKUNTABILITAS KINERJA" in text and "Candipuro" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs(nb)) == 4
    assert (root / "data/processed/candipuro/2023/camat/tw2/ringkasan.json").is_file()


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("terbit"))
    reports = build_reports(root, ["--kec", "candipuro", "--tw", "2"])
    return reports / "candipuro/2023/tw2" / f"{SLUG}.ipynb"


@pytest.mark.slow
def test_the_published_notebook_holds_each_chart_with_its_caption(published):
    nb = json.loads(published.read_text(encoding="utf-8"))
    outs = outputs(nb)
    images = [i for i, o in enumerate(outs) if "image/png" in o.get("data", {})]
    assert len(images) == 4
    for i in images:   # the caption follows its chart
        ident = outs[i]["metadata"]["lkj"]["gambar"]
        assert outs[i + 1]["metadata"]["lkj"]["keterangan"] == ident
        assert "".join(outs[i + 1]["data"]["text/markdown"]).startswith("Gambar ")
    text = json.dumps(nb)
    assert "figures/" not in text.replace('"figures_dir": "figures"', "")


@pytest.mark.slow
def test_the_published_notebook_renders_alone_with_quarto(published, tmp_path):
    if not shutil.which("quarto"):
        pytest.skip("Quarto tidak terpasang (CI memasangnya dari ../shared/tools/quarto)")
    alone = tmp_path / "sendiri"
    alone.mkdir()
    shutil.copyfile(published, alone / published.name)
    done = subprocess.run(["quarto", "render", published.name, "--to", "html"], cwd=alone,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    page = (alone / f"{SLUG}.html").read_text(encoding="utf-8")
    assert "BAB III AKUNTABILITAS KINERJA" in page and "Gambar 3.1" in page
    assert page.count("<img") >= 4
    assert "laporan.show(" not in page   # outputs, not code
