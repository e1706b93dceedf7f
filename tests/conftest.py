"""Shared fixtures: paths to the bundled sample data and the shared real data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_data"
REALDATA_DIR = ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The shared real public data; tests that need it skip cleanly when it is absent."""
    if not REALDATA_DIR.is_dir():
        pytest.skip(f"shared real data not found at {REALDATA_DIR}")
    return REALDATA_DIR
