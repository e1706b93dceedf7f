"""Shared fixtures: paths to the bundled sample data and the shared real data."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

# One BLAS thread per process.  The suite runs as two workers on two cores (``make test``); a
# worker's numpy and scikit-learn would otherwise start a BLAS thread per core each, and the
# four threads on two cores made a text model's training 1.6x slower (11.8 s against 7.2 s,
# same coefficients within 3e-5).  Set before numpy is loaded, and inherited by the processes
# the tests start (the app of the browser tests, the text model's reading worker).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_data"
REALDATA_DIR = ROOT.parent / "shared" / "realdata"


#: The two files that take longest (they train text models: about 3.7 and 2 minutes), handed to the two
#: workers first (``make test`` runs ``--dist loadfile --no-loadscope-reorder``), then the rest, most tests
#: first as pytest-xdist would order them.  Left to xdist's order (most tests first) the 4-5 star file,
#: with five tests, started late and one worker ran it alone at the end: 8.5 minutes, against 7 now.
SLOWEST_FIRST = ("tests/unit/test_textmodel_high.py", "tests/unit/test_textmodel.py")


def pytest_collection_modifyitems(config, items):
    files = [item.nodeid.split("::", 1)[0] for item in items]
    count = Counter(files)
    rank = {f: i for i, f in enumerate(SLOWEST_FIRST)}
    order = sorted(range(len(items)), key=lambda i: (rank.get(files[i], len(rank)), -count[files[i]], files[i], i))
    items[:] = [items[i] for i in order]


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The shared real public data; tests that need it skip cleanly when it is absent."""
    if not REALDATA_DIR.is_dir():
        pytest.skip(f"shared real data not found at {REALDATA_DIR}")
    return REALDATA_DIR
