"""Joins: complaints <-> shipments <-> lot master, and what could not be joined.

Every complaint keeps its row; what does not link gets the level
:data:`analysis.schema.UNKNOWN_LEVEL`, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.dataset import Dataset

#: canonical factor name of the shipping FC
SHIPPING_FC = "fulfillment_center"
SHIP_DATE = "ship_date"

_NOT_FACTORS = {S.SKU, S.FNSKU, S.ASIN, S.SOURCE_KIND, S.SOURCE_FILE, S.SOURCE_LINE, S.PRODUCTION_DATE, S.RECEIVE_DATE, "units", "_file_index"}


@dataclass(frozen=True)
class Linked:
    """Complaints and shipments carrying the same factor columns.

    Attributes
    ----------
    complaints : complaints (duplicates removed) with ``fulfillment_center``, ``ship_date``,
        ``week`` and every lot-master factor; ``link_method`` says how the lot was found
    shipments : shipment lines with the same factor columns (None without shipments)
    factors : factor columns present in both, in a stable order
    lot_link : "sku", "fnsku", "fifo (estimated)" or "none"
    coverage : plain numbers about how well things joined
    """

    complaints: pd.DataFrame
    shipments: pd.DataFrame | None
    factors: tuple[str, ...]
    lot_link: str
    coverage: dict


def lot_factors(lots: pd.DataFrame) -> list[str]:
    """Lot-master columns analysed as factors (lot, supplier, component lots, packaging ...)."""
    return [c for c in lots.columns if c not in _NOT_FACTORS]


def link(dataset: Dataset) -> Linked:
    """Attach shipping FC, ship date and lot attributes to complaints and shipments.

    Notes
    -----
    * Complaint -> shipment: returns ``order-id`` + ``sku`` to the shipment
      line's ``amazon-order-id`` + ``sku`` (then order id alone), which gives the
      FC that **shipped** the unit; the returns report's own FC column is where
      the return was processed.
    * Shipment -> lot: SKU (or FNSKU) in the lot master when each maps to one
      lot; when a SKU has several lots with receive dates, units are attributed
      first-in-first-out (by the lot's ``units`` when given, otherwise to the
      latest lot received before the ship date) and the link is *estimated*.
    """
    complaints = dataset.complaints
    if len(complaints):
        complaints = complaints[~complaints[S.IS_DUPLICATE]].copy()
    else:
        complaints = complaints.copy()
    shipments = dataset.shipments.copy() if len(dataset.shipments) else None
    lots = dataset.lots
    factors = lot_factors(lots) if len(lots) else []
    lot_link = "none"
    coverage: dict = {"complaints": int(len(complaints))}

    if shipments is not None:
        shipments = shipments.rename(columns={S.FC_SHIPPED: SHIPPING_FC})
        shipments[SHIP_DATE] = shipments[S.DATE]
        if len(lots):
            shipments, lot_link = _attach_lots(shipments, lots, factors)
        complaints, coverage_orders = _attach_shipments(complaints, shipments, factors)
        coverage.update(coverage_orders)
        if len(lots):  # complaints whose order is not in the shipments: the lot by SKU where it is exact
            todo = complaints[S.LINK_METHOD].isna() | (complaints[S.LINK_METHOD] == "none")
            if todo.any():
                direct, _ = _attach_lots(complaints.loc[todo].drop(columns=[f for f in factors if f in complaints.columns] + [S.LINK_METHOD]), lots, factors)
                direct = direct[direct[S.LINK_METHOD].isin([S.SKU, S.FNSKU])]
                for col in [*factors, S.LINK_METHOD]:
                    if col in direct.columns:
                        if col not in complaints.columns:
                            complaints[col] = pd.Series(pd.NA, index=complaints.index, dtype="object")
                        complaints.loc[direct.index, col] = direct[col]
        coverage["units_shipped"] = int(shipments[S.QUANTITY].sum())
    else:
        complaints = complaints.rename(columns={S.FC_SHIPPED: SHIPPING_FC})
        complaints[SHIP_DATE] = pd.Series(pd.NaT, index=complaints.index, dtype="datetime64[ns]")
        if len(lots):
            complaints, lot_link = _attach_lots(complaints.assign(**{S.DATE: complaints[S.DATE]}), lots, factors)
        coverage["complaints_linked_to_shipments"] = None
    if len(lots):
        skus = complaints[S.SKU].replace("", np.nan).dropna().unique()
        known = set(lots[S.SKU]) if S.SKU in lots.columns else set()
        known_fnsku = set(lots[S.FNSKU]) if S.FNSKU in lots.columns else set()
        coverage["skus_in_lot_master"] = float(np.mean([s in known for s in skus])) if len(skus) else None
        in_lots = complaints[S.SKU].isin(known) | complaints[S.FNSKU].isin(known_fnsku)
        coverage["complaints_with_lot"] = float(in_lots.mean()) if len(complaints) else None
    for col in [SHIPPING_FC, *factors]:
        for frame in (complaints, shipments):
            if frame is not None:
                frame[col] = as_levels(frame[col]) if col in frame.columns else as_levels(pd.Series("", index=frame.index, dtype="str"))
    basis = complaints[SHIP_DATE].fillna(complaints[S.DATE])
    complaints[S.WEEK] = _week(basis)
    if shipments is not None:
        shipments[S.WEEK] = _week(shipments[S.DATE])
    coverage["lot_link"] = lot_link
    return Linked(complaints.reset_index(drop=True), None if shipments is None else shipments.reset_index(drop=True), tuple([SHIPPING_FC, *factors]), lot_link, coverage)


def as_levels(series: pd.Series) -> pd.Series:
    """A factor column as a categorical whose missing or blank values read :data:`~analysis.schema.UNKNOWN_LEVEL`.

    Categoricals keep group-bys over millions of shipment lines fast.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        labels = [str(c) for c in series.cat.categories]
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        labels = [str(u) for u in uniques]
    labels = np.array([S.UNKNOWN_LEVEL if (not label.strip() or label in ("nan", "<NA>", "None")) else label for label in labels] + [S.UNKNOWN_LEVEL], dtype=object)
    codes = np.where(codes < 0, len(labels) - 1, codes)
    categories, inverse = np.unique(labels.astype(str), return_inverse=True)
    return pd.Series(pd.Categorical.from_codes(inverse[codes], categories=categories), index=series.index, name=series.name)


def _week(dates: pd.Series) -> pd.Series:
    """Monday of the ISO week."""
    d = pd.to_datetime(dates).dt.normalize()
    return d - pd.to_timedelta(d.dt.day_of_week, unit="D")


def _attach_shipments(complaints: pd.DataFrame, shipments: pd.DataFrame, factors: list[str]) -> tuple[pd.DataFrame, dict]:
    """Join complaints to the first shipment line of the same order (and SKU where it matches)."""
    keep = [S.ORDER_ID, S.SKU, SHIPPING_FC, SHIP_DATE, *[f for f in factors if f in shipments.columns]]
    if S.LINK_METHOD in shipments.columns:
        keep.append(S.LINK_METHOD)
    wanted = complaints[S.ORDER_ID].unique()
    lines = shipments.loc[shipments[S.ORDER_ID].isin(wanted), keep]
    lines = lines[lines[S.ORDER_ID] != ""]
    by_order_sku = lines.drop_duplicates([S.ORDER_ID, S.SKU])
    by_order = lines.drop_duplicates([S.ORDER_ID]).drop(columns=[S.SKU])
    out = complaints.drop(columns=[c for c in (SHIPPING_FC, SHIP_DATE, S.LINK_METHOD, *factors) if c in complaints.columns and c != S.FC_SHIPPED])
    own_fc = out.pop(S.FC_SHIPPED) if S.FC_SHIPPED in out.columns else None
    out = out.reset_index(drop=True)
    first = out.merge(by_order_sku, on=[S.ORDER_ID, S.SKU], how="left")
    missing = first[SHIP_DATE].isna() & (first[S.ORDER_ID] != "")
    if missing.any():
        second = out.loc[missing, [S.ORDER_ID]].merge(by_order, on=S.ORDER_ID, how="left")
        second.index = first.index[missing]
        for col in second.columns:
            if col != S.ORDER_ID:
                first.loc[missing, col] = second[col]
    linked = first[SHIP_DATE].notna()
    if own_fc is not None:  # replacements name the FC that shipped the failed unit
        own = own_fc.reset_index(drop=True)
        first[SHIPPING_FC] = first[SHIPPING_FC].where(first[SHIPPING_FC].notna() & (first[SHIPPING_FC] != ""), own)
    with_order = first[S.ORDER_ID] != ""
    coverage = {
        "complaints_with_order_id": int(with_order.sum()),
        "complaints_linked_to_shipments": int(linked.sum()),
        "share_linked_to_shipments": float(linked[with_order].mean()) if with_order.any() else None,
    }
    return first, coverage


def _attach_lots(frame: pd.DataFrame, lots: pd.DataFrame, factors: list[str]) -> tuple[pd.DataFrame, str]:
    """Attach lot-master factors to shipment lines (or complaints) by SKU / FNSKU, FIFO when a SKU has many lots."""
    attrs = [f for f in factors if f in lots.columns]
    frame = frame.copy()
    frame[S.LINK_METHOD] = "none"
    for key in (S.SKU, S.FNSKU):
        if key not in lots.columns:
            continue
        table = lots[lots[key] != ""]
        if table.empty:
            continue
        lots_per_key = table.groupby(key)[S.LOT].nunique()
        single = table[table[key].isin(lots_per_key[lots_per_key == 1].index)].drop_duplicates(key).reset_index(drop=True)
        todo = (frame[S.LINK_METHOD] == "none").to_numpy()
        if not single.empty and todo.any():
            codes, uniques = pd.factorize(frame[key])
            row_of_unique = pd.Index(single[key]).get_indexer(pd.Index(uniques))  # lot-master row per distinct key, -1 if none
            row = np.where(codes >= 0, row_of_unique[np.maximum(codes, 0)], -1)
            hit = (row >= 0) & todo
            for col in attrs:
                values = np.append(single[col].astype("str").to_numpy(dtype=object), "")
                current = frame[col].astype("str").to_numpy(dtype=object) if col in frame.columns else np.full(len(frame), "", dtype=object)
                frame[col] = np.where(hit, values[np.where(row >= 0, row, len(values) - 1)], current)
            method = frame[S.LINK_METHOD].to_numpy(dtype=object)
            method[hit] = key
            frame[S.LINK_METHOD] = method
        multi_keys = lots_per_key[lots_per_key > 1].index
        todo = (frame[S.LINK_METHOD] == "none") & frame[key].isin(multi_keys)
        if len(multi_keys) and todo.any():
            assigned = _fifo(frame.loc[todo], table[table[key].isin(multi_keys)], key, attrs)
            for col in attrs:
                if col not in frame.columns:
                    frame[col] = pd.Series("", index=frame.index, dtype="str")
                frame.loc[assigned.index, col] = assigned[col]
            frame.loc[assigned.index, S.LINK_METHOD] = "fifo (estimated)"
    methods = frame[S.LINK_METHOD].value_counts()
    method = "none" if methods.get("none", 0) == len(frame) else ("fifo (estimated)" if methods.get("fifo (estimated)", 0) else [m for m in methods.index if m != "none"][0])
    return frame, method


def _fifo(frame: pd.DataFrame, lots: pd.DataFrame, key: str, attrs: list[str]) -> pd.DataFrame:
    """First-in-first-out attribution of units to lots per key, by receive (or production) date."""
    date_col = S.RECEIVE_DATE if S.RECEIVE_DATE in lots.columns else (S.PRODUCTION_DATE if S.PRODUCTION_DATE in lots.columns else None)
    out = []
    for value, group in frame.groupby(key, sort=False):
        lot_rows = lots[lots[key] == value]
        if date_col:
            lot_rows = lot_rows.sort_values(date_col, kind="stable")
        group = group.sort_values(S.DATE, kind="stable")
        if "units" in lot_rows.columns and lot_rows["units"].notna().all():
            bounds = lot_rows["units"].to_numpy(dtype=float).cumsum()
            qty = group[S.QUANTITY].astype("float64").fillna(1).to_numpy()
            position = np.cumsum(qty) - qty  # units shipped before this line
            index = np.minimum(np.searchsorted(bounds, position, side="right"), len(lot_rows) - 1)
        elif date_col:
            received = lot_rows[date_col].to_numpy(dtype="datetime64[ns]")
            index = np.searchsorted(received, group[S.DATE].to_numpy(dtype="datetime64[ns]"), side="right") - 1
            index = np.clip(index, 0, len(lot_rows) - 1)
        else:
            index = np.zeros(len(group), dtype=int)
        picked = lot_rows.iloc[index][attrs]
        picked.index = group.index
        out.append(picked)
    return pd.concat(out) if out else pd.DataFrame(columns=attrs)
