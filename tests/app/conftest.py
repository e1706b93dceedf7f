"""AppTest fixtures: the app file, and a sample folder the "Load the bundled sample" button can read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = ("data", "root_causes", "lots", "trends", "keywords", "review", "taxonomy", "export")
TIMEOUT = 120


def _has_reports(folder: Path) -> bool:
    return folder.is_dir() and any(p.suffix in {".txt", ".csv", ".xlsx", ".tsv"} for p in folder.iterdir())


@pytest.fixture(scope="session", autouse=True)
def sample_folder(tmp_path_factory) -> Path:
    """sample_data/ when its files exist; otherwise the same files generated into a temp dir."""
    folder = ROOT / "sample_data"
    if not _has_reports(folder):
        from sample_data.make_sample import generate

        folder = tmp_path_factory.mktemp("sample")
        generate(folder)
    old = os.environ.get("WORKBENCH_SAMPLE_DIR")
    os.environ["WORKBENCH_SAMPLE_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("WORKBENCH_SAMPLE_DIR", None)
    else:
        os.environ["WORKBENCH_SAMPLE_DIR"] = old


def new_app(language: str = "en"):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["language"] = language
    return at.run()


def loaded_app(language: str = "en"):
    """The app with the bundled sample loaded through the Data page's button."""
    at = new_app(language)
    at.button(key="load_sample").click().run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app_en():
    return loaded_app("en")
