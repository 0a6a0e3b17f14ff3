"""Shared fixtures: a throw-away project with a copy of the sample data."""

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A copy of the project's data, notebook and settings in tmp; LKJ_ROOT points at it."""
    for name in ("data/raw", "notebooks", "_quarto.yml"):
        src = ROOT / name
        dst = tmp_path / name
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
    monkeypatch.setenv("LKJ_ROOT", str(tmp_path))
    return tmp_path


@pytest.fixture
def tw2(project) -> Path:
    return project / "data/raw/candipuro/2023/camat/tw2"
