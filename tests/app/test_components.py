"""Helpers of ui.components that need no running app."""

from __future__ import annotations

import numpy as np
import pandas as pd


def test_translated_is_map_with_one_call_per_distinct_value():
    from ui.components import translated

    calls = []

    def name(v):
        calls.append(v)
        return "?" if pd.isna(v) else v.upper()

    values = pd.Series(["a", "b", "a", None, "b", np.nan, "a"], index=[7, 6, 5, 4, 3, 2, 1])
    got = translated(values, name)
    assert got.tolist() == ["A", "B", "A", "?", "B", "?", "A"]
    assert got.index.tolist() == values.index.tolist()
    assert len(calls) == 3 and calls[:2] == ["a", "b"] and pd.isna(calls[2])  # None and NaN: one missing value
    assert translated(pd.Series([], dtype=object), name).tolist() == []
