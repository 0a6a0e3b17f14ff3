"""Shared fixtures: a throw-away project with a copy of the sample data."""

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The three samples of ../shared/seeds: `lkj report` arguments and the reports' path stem.
SAMPLES = {
    "candipuro": (["--kec", "candipuro", "--tw", "2", "--tahun", "2023"],
                  "candipuro/2023/tw2/lkj-candipuro-2023-tw2-camat"),
    "senduro": (["--kec", "senduro", "--tw", "2", "--tahun", "2023"],
                "senduro/2023/tw2/lkj-senduro-2023-tw2-camat"),
    "kasi": (["--kec", "candipuro", "--tw", "2", "--tahun", "2024", "--unit", "kasi-pemberdayaan"],
             "candipuro/2024/tw2/lkj-candipuro-2024-tw2-kasi-pemberdayaan"),
}


def copy_project(dst: Path) -> Path:
    """Copy what a report needs (raw data, notebook, render settings) into ``dst``."""
    for name in ("data/raw", "notebooks", "_quarto.yml"):
        src, target = ROOT / name, dst / name
        if src.is_dir():
            shutil.copytree(src, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
    return dst


def build_reports(root: Path, *reports: list[str]) -> Path:
    """Run ``lkj report`` (embedded engine) for each argument list with LKJ_ROOT=root."""
    from lkj.cli import main

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LKJ_ROOT", str(root))
        for args in reports:
            assert main(["report", *args, "--engine", "embedded"]) == 0, args
    return root / "reports"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A copy of the project's data, notebook and settings in tmp; LKJ_ROOT points at it."""
    copy_project(tmp_path)
    monkeypatch.setenv("LKJ_ROOT", str(tmp_path))
    return tmp_path


@pytest.fixture
def tw2(project) -> Path:
    return project / "data/raw/candipuro/2023/camat/tw2"
