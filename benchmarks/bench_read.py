"""Reading speed: load_file on ~1.2M shipment lines against pyarrow's bare parse of the same file.

Usage: python benchmarks/bench_read.py [--scale 26]
Generates the data once into benchmarks/data/ (git-ignored) with the sample generator.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ensure_data(scale: float) -> Path:
    out = ROOT / "benchmarks" / "data" / f"scale{scale:g}"
    if not (out / "fba_customer_shipment_sales.txt").exists():
        from sample_data.make_sample import generate

        t = time.perf_counter()
        generate(out, seed=7, scenario="planted", scale=scale)
        print(f"generated scale {scale:g} data in {time.perf_counter() - t:.1f} s")
    return out


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=26)
    args = parser.parse_args()
    data = ensure_data(args.scale)
    path = data / "fba_customer_shipment_sales.txt"
    import pyarrow.csv as pacsv

    from analysis.normalize import load_file

    size = path.stat().st_size
    bare, table = best_of(lambda: pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False)))
    ours, loaded = best_of(lambda: load_file(path))
    print(f"file: {path.name}, {size / 2**20:.0f} MB, {table.num_rows:,} lines")
    print(f"pyarrow bare parse: {bare:.2f} s")
    print(f"load_file (detect, decode check, parse, validate, canonical table): {ours:.2f} s  = {ours / bare:.2f}x pyarrow")
    print(f"rows {loaded.rows:,}, rejected {len(loaded.rejected):,}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
