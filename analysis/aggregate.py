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


def overall_rate(levels: pd.DataFrame) -> float | None:
    """The family's rate over every level of a level table (``complaints``, ``units``): the line a rates chart
    draws beside the levels, which are counted as wholes too.  None without units."""
    units = float(levels["units"].sum()) if len(levels) else 0.0
    return float(levels["complaints"].sum()) / units if units > 0 else None


def on_ship_weeks(complaints: pd.DataFrame, shipments: pd.DataFrame | None) -> pd.DataFrame:
    """The complaints a weekly rate counts: with shipments, those tied to the week their unit shipped.

    A complaint without a ship date (an FBM return, a review without an order
    number, an order that is not in the shipment files) would otherwise sit in
    the week it was made, weeks after its unit shipped: counted against that
    later week's units, it made rates climb at the end of a lot's run (3% ->
    24% in a lot's last weeks of shipping on the benchmark data) where there
    was no change at all.  Without shipments every complaint counts, in the
    week it was made.
    """
    if shipments is None or S.SHIP_DATE not in complaints.columns:
        return complaints
    return complaints[complaints[S.SHIP_DATE].notna()]


MIN_LAG_COMPLAINTS = 30  # complaints tied to a ship date needed to estimate how soon complaints follow shipping


def lag_cdf(complaints: pd.DataFrame, family: str | None = None) -> tuple[np.ndarray, pd.Timestamp] | None:
    """How soon complaints follow shipping, and the day the complaint data end.

    Returns ``(F, end)``: ``F[d]`` the share of complaints made within ``d``
    days of shipping (:func:`analysis.stats.complaint_lag_cdf`, from the
    complaints tied to a ship date: the family's own when it has
    :data:`MIN_LAG_COMPLAINTS` of them, else all), ``end`` the last complaint
    day.  None when too few complaints are tied to a ship date.
    """
    if S.SHIP_DATE not in complaints.columns or S.DATE not in complaints.columns:
        return None
    linked = complaints[complaints[S.SHIP_DATE].notna() & complaints[S.DATE].notna()]
    if len(linked) < MIN_LAG_COMPLAINTS:
        return None
    from analysis import stats

    end = pd.Timestamp(linked[S.DATE].max()).normalize()
    own = linked[linked[S.FAMILY] == family] if family is not None else linked
    use = own if len(own) >= MIN_LAG_COMPLAINTS else linked
    shipped = use[S.SHIP_DATE].dt.normalize()
    lags = (use[S.DATE].dt.normalize() - shipped).dt.days.to_numpy()
    cdf = stats.complaint_lag_cdf(lags, (end - shipped).dt.days.to_numpy())
    return (cdf, end) if len(cdf) else None


def exposure_by(shipments: pd.DataFrame, keys, lag: tuple[np.ndarray, pd.Timestamp]) -> pd.Series:
    """Units shipped per level, each counted as the share of its complaints made by the data's end
    (``lag`` from :func:`lag_cdf`): a unit shipped a week before the end counts as ``F[7]`` of a unit.

    Shipments are kept per ship week, so a week's units are taken as shipped
    evenly over its seven days.
    """
    cdf, end = lag
    age = (end - pd.to_datetime(shipments[S.WEEK])).dt.days.to_numpy()[:, None] - np.arange(7)[None, :]
    share = np.where(age < 0, 0.0, cdf[np.clip(age, 0, len(cdf) - 1)]).mean(axis=1)
    weights = shipments[S.QUANTITY].to_numpy(dtype=float) * share
    return pd.Series(weights, index=shipments.index).groupby([shipments[k] for k in ([keys] if isinstance(keys, str) else keys)],
                                                             observed=True).sum().rename("exposure")


def weekly_cells(complaints: pd.DataFrame, shipments: pd.DataFrame | None, family: str, factor: str | None = None, level: str | None = None) -> pd.DataFrame:
    """``week, complaints, units, exposure`` for a family, optionally within one factor level, sorted by week.

    Units are units shipped per ship week, and complaints those tied to a ship
    week (:func:`on_ship_weeks`); without shipments, all complaints of the week.
    ``exposure`` is the units allowing for the time complaints take to come
    (:func:`exposure_by`, whole units, at least the complaints): a unit shipped
    in the data's last weeks has not had the time to be returned that earlier
    ones had, and its week's rate per unit shipped looks like an improvement
    that is not one.  Rates over time divide by ``exposure``; it equals
    ``units`` without shipments or with too few complaints tied to a ship
    date to tell how soon complaints come (:func:`lag_cdf`).
    """
    lag = lag_cdf(complaints, family) if shipments is not None else None  # the family's, at every level
    if factor is not None:
        complaints = complaints[complaints[factor] == level]
        if shipments is not None:
            shipments = shipments[shipments[factor] == level]
    complaints = on_ship_weeks(complaints, shipments)
    counts = complaints_by(complaints[complaints[S.FAMILY] == family], S.WEEK)
    units = units_by(complaints, shipments, S.WEEK)
    out = pd.DataFrame({"units": units}).join(counts, how="outer").fillna(0.0).sort_index()
    out["complaints"] = np.minimum(out["complaints"], out["units"].where(out["units"] > 0, out["complaints"]))
    if lag is not None and len(shipments):
        exposure = exposure_by(shipments, S.WEEK, lag).reindex(out.index).fillna(0.0)
        out["exposure"] = np.minimum(np.maximum(np.round(exposure.to_numpy()), out["complaints"].to_numpy()), out["units"].to_numpy())
    else:
        out["exposure"] = out["units"]
    return out.rename_axis("week").reset_index()[["week", "complaints", "units", "exposure"]]


#: Inventory Ledger adjustment reason for sellable units damaged at an Amazon fulfilment centre
#: (the main signal of FC damage, the same code in the current ledger and the legacy adjustments report)
FC_DAMAGE_REASON = "E"
#: reimbursement reason for units Amazon damaged in its warehouses
WAREHOUSE_DAMAGE_REIMBURSEMENT = "Damaged_Warehouse"


def fc_damaged_units(events: pd.DataFrame | None, records: bool = False) -> pd.Series:
    """Units the Inventory Ledger records as damaged at each fulfilment centre (adjustments with
    reason :data:`FC_DAMAGE_REASON`, quantity taken as a count whatever its sign), by FC; with ``records``,
    the number of such ledger records instead (the units of one record were damaged together)."""
    if events is None or not len(events) or S.REASON not in events.columns:
        return pd.Series(dtype="float64")
    ledger = events[(events[S.SOURCE_KIND].astype("str") == S.LEDGER) & (events[S.REASON].astype("str").str.strip() == FC_DAMAGE_REASON)
                    & (events[S.FC].astype("str").str.strip() != "")]
    units = pd.to_numeric(ledger[S.QUANTITY], errors="coerce").abs().fillna(0.0).astype("float64")
    counted = (units > 0).astype("float64") if records else units
    return counted.groupby(ledger[S.FC].astype("str").str.strip().to_numpy()).sum()


def warehouse_reimbursed_units(events: pd.DataFrame | None) -> float:
    """Units reimbursed for damage in Amazon's warehouses (reason :data:`WAREHOUSE_DAMAGE_REIMBURSEMENT`;
    the reimbursements report names no fulfilment centre)."""
    if events is None or not len(events) or S.REASON not in events.columns:
        return 0.0
    rows = (events[S.SOURCE_KIND].astype("str") == S.REIMBURSEMENTS) & (events[S.REASON].astype("str").str.strip() == WAREHOUSE_DAMAGE_REIMBURSEMENT)
    return float(pd.to_numeric(events.loc[rows, S.QUANTITY], errors="coerce").abs().fillna(0.0).sum())


#: Voice of the Customer CX Health, worst first (AMAZON_FORMATS §9)
CX_HEALTH_ORDER = ("very poor", "poor", "fair", "good", "excellent")


def voc_by_asin(voc: pd.DataFrame | None) -> list[dict]:
    """Amazon's Voice of the Customer per ASIN, from the per-SKU rows of its download: NCX and total
    orders summed over the ASIN's SKUs with orders (``ncx_rate`` their ratio) and the reason behind
    most NCX orders (:func:`voc_level_cells`), how many of those SKUs are at CX Health Poor or Very
    poor, the worst health and the day the download was updated.  Highest NCX rate first."""
    cells = voc_level_cells(voc, None, S.ASIN)
    if not len(cells):
        return []
    asin = voc[S.ASIN].astype("str").str.strip()
    with_orders = pd.to_numeric(voc.get(S.TOTAL_ORDERS), errors="coerce").fillna(0.0) > 0
    health = voc.get(S.CX_HEALTH, pd.Series("", index=voc.index)).astype("str").str.strip()
    rank = health.str.lower().map({h: i for i, h in enumerate(CX_HEALTH_ORDER)})
    out = []
    for c in cells.itertuples(index=False):
        rows = (asin == c.level) & with_orders
        worst = rank[rows].dropna()
        dates = voc.loc[rows, S.DATE].dropna() if S.DATE in voc.columns else pd.Series(dtype="datetime64[ns]")
        out.append({
            "asin": str(c.level), "skus": int(c.skus), "ncx_orders": int(c.ncx_orders), "total_orders": int(c.orders),
            "ncx_rate": float(c.ncx_orders / c.orders), "poor_skus": int(rank[rows].isin([0, 1]).sum()),
            "worst_health": health[worst.idxmin()] if len(worst) else None,
            "top_reason": None if pd.isna(c.top_reason) else str(c.top_reason),
            "updated": pd.Timestamp(dates.max()).strftime("%Y-%m-%d") if len(dates) else None,
        })
    return sorted(out, key=lambda r: (-r["ncx_rate"], r["asin"]))


def voc_level_cells(voc: pd.DataFrame | None, lots: pd.DataFrame | None, factor: str) -> pd.DataFrame:
    """``level, skus, ncx_orders, orders, top_reason`` of Amazon's Voice of the Customer per level of ``factor``.

    The VoC's rows are per SKU.  A SKU reaches a level directly (``asin``, ``sku``) or through the lot
    master (a SKU with exactly one lot row; a SKU with several lots, or none, reaches no level and is
    left out).  ``top_reason`` is the reason behind most of the level's NCX orders (each SKU's top
    reason weighted by its NCX orders).  Empty when the factor cannot be reached.
    """
    columns = ["level", "skus", "ncx_orders", "orders", "top_reason"]
    if voc is None or not len(voc) or S.SKU not in voc.columns:
        return pd.DataFrame(columns=columns)
    sku = voc[S.SKU].astype("str").str.strip()
    if factor == S.ASIN:
        levels = voc[S.ASIN].astype("str").str.strip()
    elif factor == S.SKU:
        levels = sku
    elif lots is not None and len(lots) and S.SKU in lots.columns and factor in lots.columns:
        lt = lots.assign(_sku=lots[S.SKU].astype("str").str.strip())
        lt = lt[lt["_sku"] != ""]
        single = lt[lt.groupby("_sku")["_sku"].transform("size") == 1].set_index("_sku")  # one lot: its attributes are known
        levels = sku.map(single[factor].astype("str").str.strip())
    else:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({"level": levels, "ncx_orders": pd.to_numeric(voc.get(S.NCX_ORDERS), errors="coerce").fillna(0.0),
                          "orders": pd.to_numeric(voc.get(S.TOTAL_ORDERS), errors="coerce").fillna(0.0),
                          "reason": voc[S.TOP_REASON].astype("str").str.strip() if S.TOP_REASON in voc.columns else ""})
    frame = frame[frame["level"].notna() & (frame["level"].astype("str") != "") & (frame["orders"] > 0)]
    if not len(frame):
        return pd.DataFrame(columns=columns)
    cells = frame.groupby("level").agg(skus=("orders", "size"), ncx_orders=("ncx_orders", "sum"), orders=("orders", "sum"))
    reasons = frame[(frame["reason"] != "") & (frame["ncx_orders"] > 0)].groupby(["level", "reason"])["ncx_orders"].sum()
    top = reasons.groupby(level=0).idxmax().map(lambda key: key[1]) if len(reasons) else pd.Series(dtype="object")
    return cells.assign(top_reason=top.reindex(cells.index)).reset_index()[columns]


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
