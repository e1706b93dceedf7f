"""Time classify_complaints on 1,000,000 synthetic complaints.

The complaints are sampled (fixed seed) from the real amazon.in earphone
reviews in the shared real-data folder, each given a reason code and FC
disposition drawn from a plausible returns mix (half of the rows are
text-only reviews without a code).  Nothing is written to the project.

Usage: python benchmarks/bench_classify.py [n_rows]
Prints: rows, seconds, rows per second.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import schema  # noqa: E402
from analysis.classify import classify_complaints, load_taxonomy  # noqa: E402

REVIEWS = ROOT.parent / "shared" / "realdata" / "reviews" / "amazon_in_earphones_reviews.csv"

REASONS = ["", "DEFECTIVE", "QUALITY_UNACCEPTABLE", "DAMAGED_BY_FC", "DAMAGED_BY_CARRIER", "MISSING_PARTS",
           "UNWANTED_ITEM", "NOT_AS_DESCRIBED", "SWITCHEROO", "2", "3", "Item defective or doesn't work"]
REASON_P = [0.5, 0.2, 0.1, 0.04, 0.03, 0.03, 0.04, 0.02, 0.01, 0.01, 0.01, 0.01]
DISPOSITIONS = ["", "SELLABLE", "DEFECTIVE", "CUSTOMER_DAMAGED", "DAMAGED", "CARRIER_DAMAGED"]
DISP_P = [0.5, 0.15, 0.2, 0.1, 0.03, 0.02]


def synthesise(n: int, seed: int = 20261123) -> pd.DataFrame:
    raw = pd.read_csv(REVIEWS)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(raw), n)
    return pd.DataFrame({
        schema.SOURCE_KIND: np.where(rng.random(n) < 0.5, schema.REVIEWS, schema.FBA_RETURNS),
        schema.REASON: pd.array(np.array(REASONS, dtype=object)[rng.choice(len(REASONS), n, p=REASON_P)], dtype="str"),
        schema.DISPOSITION: pd.array(np.array(DISPOSITIONS, dtype=object)[rng.choice(len(DISPOSITIONS), n, p=DISP_P)], dtype="str"),
        schema.RATING: raw["ReviewStar"].to_numpy(dtype=float)[pick],
        schema.TITLE: pd.array(raw["ReviewTitle"].str.strip().to_numpy()[pick], dtype="str"),
        schema.TEXT: pd.array(raw["text"].str.strip().to_numpy()[pick], dtype="str"),
    })


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 1_000_000
    if not REVIEWS.is_file():
        print(f"real data not found: {REVIEWS}")
        return 1
    df = synthesise(n)
    tax = load_taxonomy()
    start = time.perf_counter()
    out = classify_complaints(df, tax)
    secs = time.perf_counter() - start
    print(f"rows={len(out)} seconds={secs:.2f} rows_per_second={len(out) / secs:,.0f}")
    print(out[schema.FAMILY].value_counts().to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
