"""Every group-by of the analysis: units shipped and complaints per level, per combination of levels, per week.

The statistics never group rows themselves; they ask this module.  Shipment
lines are summed once, when they are linked (:func:`sum_by`), into
units per shipping FC x ASIN x SKU x lot-master row x week, so that every
later question ("units of cable lot X", "units per week of packaging V2") is
answered from a table of thousands of cells rather than millions of lines.
Keeping the group-bys here lets the engine behind them change (pandas and
numpy today, an embedded SQL engine for tens of millions of lines) without
touching the statistics.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from analysis import schema as S

#: Thursday 1970-01-01 is day 0; this shifts day numbers so that Monday is 0
_MONDAY_SHIFT = 3
_NS_PER_DAY = 86_400 * 10**9


def week_start(dates: pd.Series) -> pd.Series:
    """Monday of the ISO week of each date (NaT stays NaT), as ``datetime64[ns]``."""
    values = pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(values)
    days = values.view(np.int64) // _NS_PER_DAY
    weekday = days + _MONDAY_SHIFT
    weekday %= 7
    days -= weekday  # in place: millions of shipment lines pass through here
    days *= _NS_PER_DAY
    out = days.view("datetime64[ns]")
    out[missing] = np.datetime64("NaT")
    return pd.Series(out, index=dates.index, name=dates.name)


def group_sum(keys: Sequence[np.ndarray], weights: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Sum ``weights`` per distinct combination of non-negative integer codes.

    Returns the codes of each combination (one array per key, sorted by the
    combination) and the sums.  The codes are packed into one int64 per row
    (mixed radix), so one hash pass groups millions of rows.
    """
    radices = [int(k.max()) + 1 if len(k) else 1 for k in keys]
    if float(np.prod([float(r) for r in radices])) >= 2.0**62:  # too many combinations to pack: let pandas group
        frame = pd.DataFrame({i: k for i, k in enumerate(keys)}).assign(w=weights)
        sums = frame.groupby(list(range(len(keys))), sort=True)["w"].sum()
        return [sums.index.get_level_values(i).to_numpy() for i in range(len(keys))], sums.to_numpy(dtype=float)
    packed = np.zeros(len(weights), dtype=np.int64)
    for k, r in zip(keys, radices):  # in place: no temporary per key over millions of rows
        packed *= r
        packed += k.astype(np.int64, copy=False)
    codes, uniques = pd.factorize(packed, sort=True)
    sums = np.bincount(codes, weights=weights, minlength=len(uniques)).astype(float)
    out: list[np.ndarray] = []
    rest = np.asarray(uniques, dtype=np.int64)
    for r in reversed(radices):
        out.append(rest % r)
        rest = rest // r
    return out[::-1], sums


def units_by(complaints: pd.DataFrame, shipments: pd.DataFrame | None, keys) -> pd.Series:
    """Denominator per level (or combination of levels): units shipped, or all complaints without shipments."""
    if shipments is not None:
        return shipments.groupby(keys, observed=True)[S.QUANTITY].sum().astype("float64").rename("units")
    return complaints.groupby(keys, observed=True)["_units"].sum().rename("units")


def complaints_by(complaints: pd.DataFrame, keys) -> pd.Series:
    """Units complained about per level (or combination of levels)."""
    return complaints.groupby(keys, observed=True)["_units"].sum().rename("complaints")


def level_cells(complaints: pd.DataFrame, shipments: pd.DataFrame | None, factor: str, family: str, units: pd.Series | None = None) -> pd.DataFrame:
    """``level, complaints, units`` for one factor and family (unknown level left out).

    With shipments, ``units`` are units shipped; without, all complaints of the level
    (the family's share of complaints).  ``units`` may be passed in when already known.
    """
    cells = family_level_cells(complaints, shipments, factor, [family], units)
    return cells.drop(columns="family")


def family_level_cells(complaints: pd.DataFrame, shipments: pd.DataFrame | None, factor: str, families: Sequence[str], units: pd.Series | None = None) -> pd.DataFrame:
    """``family, level, complaints, units`` for one factor and several families in one pass (unknown level left out)."""
    if units is None:
        units = units_by(complaints, shipments, factor)
    units = units[units.index != S.UNKNOWN_LEVEL]
    families = list(families)
    wide = complaints_by(complaints, [factor, S.FAMILY]).unstack(S.FAMILY)  # level x family
    counts = wide.reindex(index=units.index, columns=families).fillna(0.0).to_numpy(dtype=float)
    u = units.to_numpy(dtype=float)
    return pd.DataFrame({
        "family": np.repeat(np.array(families, dtype=object), len(u)),
        "level": np.tile(units.index.to_numpy(dtype=object), len(families)),
        "complaints": np.minimum(counts, u[:, None]).ravel(order="F"),
        "units": np.tile(u, len(families)),
    })


def joint_cells(complaints: pd.DataFrame, shipments: pd.DataFrame | None, family: str, factors: list[str], units: pd.Series | None = None) -> pd.DataFrame:
    """Complaints and units per combination of all factor levels (unknown combinations dropped)."""
    counts = complaints_by(complaints[complaints[S.FAMILY] == family], factors)
    if units is None:
        units = units_by(complaints, shipments, factors)
    cells = units.to_frame().join(counts, how="left").fillna({"complaints": 0.0}).reset_index()
    known = np.ones(len(cells), dtype=bool)
    for factor in factors:
        known &= (cells[factor] != S.UNKNOWN_LEVEL).to_numpy()
    cells = cells[known & (cells["units"] > 0).to_numpy()].reset_index(drop=True)
    cells["complaints"] = np.minimum(cells["complaints"], cells["units"])
    return cells


def weekly_cells(complaints: pd.DataFrame, shipments: pd.DataFrame | None, family: str, factor: str | None = None, level: str | None = None) -> pd.DataFrame:
    """``week, complaints, units`` for a family, optionally within one factor level, sorted by week.

    Units are units shipped per ship week; without shipments, all complaints of the week.
    """
    if factor is not None:
        complaints = complaints[complaints[factor] == level]
        if shipments is not None:
            shipments = shipments[shipments[factor] == level]
    counts = complaints_by(complaints[complaints[S.FAMILY] == family], S.WEEK)
    units = units_by(complaints, shipments, S.WEEK)
    out = pd.DataFrame({"units": units}).join(counts, how="outer").fillna(0.0).sort_index()
    out["complaints"] = np.minimum(out["complaints"], out["units"].where(out["units"] > 0, out["complaints"]))
    return out.rename_axis("week").reset_index()[["week", "complaints", "units"]]


def sum_by(columns: dict[str, pd.Series | np.ndarray], weights: np.ndarray) -> pd.DataFrame:
    """Sum of ``weights`` per distinct combination of ``columns`` (each holding one value per row).

    Returns one row per combination, with each column's values (missing ones
    kept as their own group; a categorical's as plain values) and ``weights``
    summed into :data:`~analysis.schema.QUANTITY`.
    """
    codes, uniques = [], []
    for values in columns.values():
        c, u = pd.factorize(values, use_na_sentinel=True)
        codes.append(c + 1)  # missing values (-1) form group 0
        u = pd.Index(u)
        uniques.append(u.astype(u.categories.dtype) if isinstance(u, pd.CategoricalIndex) else u)
    combos, sums = group_sum(codes, np.asarray(weights, dtype=float))
    frame = pd.DataFrame({name: u.take(c - 1, allow_fill=True) for name, u, c in zip(columns, uniques, combos)})
    frame[S.QUANTITY] = sums
    return frame
