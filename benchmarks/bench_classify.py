"""Time classify_complaints on 1,000,000 synthetic complaints.

The complaints are sampled (fixed seed) from the real amazon.in earphone
reviews in the shared real-data folder, each given a reason code and FC
disposition drawn from a plausible returns mix (half of the rows are
text-only reviews without a code).  Nothing is written to the project.

A second set makes nearly every text distinct, as real complaint streams
are: each review gets a realistic variant ("Bought the blue boAt Rockerz 255
pro.") or order number ("Order #404-1234567-7654321.") woven in, so the
per-unique-text cache cannot help.

Usage: python benchmarks/bench_classify.py [n_rows] [mix|unique|both]
Prints, per set: rows, unique texts, seconds, rows per second.
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


COLOURS = ["black", "blue", "white", "red", "green", "grey", "yellow", "pink", "purple", "silver"]
VARIANTS = ["pro", "lite", "neo", "plus", "max", "2022 edition", "v2", "mini"]


def synthesise_unique(n: int, seed: int = 20261124) -> pd.DataFrame:
    """Like :func:`synthesise`, but each text carries a variant word and/or an
    order number, so nearly every row has a distinct text."""
    df = synthesise(n, seed)
    raw = pd.read_csv(REVIEWS)
    rng = np.random.default_rng(seed + 1)
    prod = raw["Product"].astype(str).str.strip().to_numpy()[rng.integers(0, len(raw), n)]
    order, order2 = rng.integers(0, 10**7, n), rng.integers(0, 10**7, n)
    col, var, kind = rng.integers(0, len(COLOURS), n), rng.integers(0, len(VARIANTS), n), rng.integers(0, 3, n)
    text = df[schema.TEXT].to_numpy(dtype=object)
    out = []
    for i in range(n):
        t = text[i]
        if kind[i] == 0:
            out.append(f"{t} Order #40{order[i] % 9 + 1}-{order[i]:07d}-{order2[i]:07d}.")
        elif kind[i] == 1:
            out.append(f"Bought the {COLOURS[col[i]]} {prod[i]} {VARIANTS[var[i]]}. {t} (order {order[i]:07d})")
        else:
            out.append(f"{t} {COLOURS[col[i]]} {VARIANTS[var[i]]} model, order no {order[i]:07d}{order2[i] % 100:02d}")
    df[schema.TEXT] = pd.array(out, dtype="str")
    return df


def run(name: str, df: pd.DataFrame, tax) -> None:
    uniq = (df[schema.TITLE].fillna("") + "\x1f" + df[schema.TEXT].fillna("")).nunique()
    start = time.perf_counter()
    out = classify_complaints(df, tax)
    secs = time.perf_counter() - start
    print(f"[{name}] rows={len(out)} unique_texts={uniq} seconds={secs:.2f} rows_per_second={len(out) / secs:,.0f}")
    print(out[schema.FAMILY].value_counts().to_string())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 1_000_000
    if not REVIEWS.is_file():
        print(f"real data not found: {REVIEWS}")
        return 1
    which = argv[1] if len(argv) > 1 else "both"
    tax = load_taxonomy()
    if which in ("mix", "both"):
        run("current mix", synthesise(n), tax)
    if which in ("unique", "both"):
        run("mostly unique", synthesise_unique(n), tax)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
