"""Joins: complaints <-> shipments <-> lot master, and what could not be joined.

Every complaint keeps its row; what does not link gets the level
:data:`analysis.schema.UNKNOWN_LEVEL`, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import schema as S
from analysis.aggregate import sum_by, week_start
from analysis.dataset import Dataset

#: canonical factor name of the shipping FC
SHIPPING_FC = "fulfillment_center"
SHIP_DATE = S.SHIP_DATE

_NOT_FACTORS = {S.SKU, S.FNSKU, S.ASIN, S.FC, S.SOURCE_KIND, S.SOURCE_FILE, S.SOURCE_LINE, S.PRODUCTION_DATE, S.RECEIVE_DATE, "units", "_file_index"}

#: how a unit was tied to its lot, by code (``link_method``)
LINK_METHODS = ("none", S.SKU, S.FNSKU, "fifo (estimated)")
_NONE, _BY_SKU, _BY_FNSKU, _FIFO = range(4)


@dataclass(frozen=True)
class Linked:
    """Complaints and shipments carrying the same factor columns.

    Attributes
    ----------
    complaints : complaints (duplicates removed) with ``fulfillment_center``, ``ship_date``,
        ``week`` and every lot-master factor; ``link_method`` says how the lot was found
    shipments : units shipped (``quantity``) per combination of shipping FC, ``asin``, ``sku``,
        ``week``, lot-master factors and ``link_method`` (None without shipments)
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
    """Attach shipping FC, ship date and lot attributes to complaints; sum shipment lines into units per cell.

    Notes
    -----
    * Complaint -> shipment: returns ``order-id`` + ``sku`` to the shipment
      line's ``amazon-order-id`` + ``sku`` (then order id alone), which gives the
      FC that **shipped** the unit; the returns report's own FC column is where
      the return was processed.
    * Shipment -> lot: SKU (or FNSKU) in the lot master when each maps to one
      lot; when a SKU has several lots with receive dates, units are attributed
      first-in-first-out (per FC when the lot master names the FC that received
      each lot; by the lot's ``units`` when given, otherwise to the latest lot
      received before the ship date) and the link is *estimated*.  A key with
      no exact match links to the lot master's one key equal to it ignoring
      case and surrounding spaces (:func:`_case_matches`), counted in
      ``coverage["skus_linked_ignoring_case"]``.
    * Shipment lines are then summed (:func:`analysis.aggregate.sum_by`) into
      units per shipping FC x ASIN x SKU x lot x week: every denominator of the
      analysis comes from that table.
    """
    complaints = dataset.complaints
    complaints = (complaints[~complaints[S.IS_DUPLICATE]] if len(complaints) else complaints).copy()
    lines = dataset.shipments if len(dataset.shipments) else None
    lots = dataset.lots.reset_index(drop=True)
    factors = lot_factors(lots) if len(lots) else []
    coverage: dict = {"complaints": int(len(complaints))}
    shipments = None
    lot_link = "none"
    if lines is not None:
        lot_row, method = _lot_rows(lines, lots)
        complaints, coverage_orders = _attach_shipments(complaints, lines, lot_row, method)
        coverage.update(coverage_orders)
        if len(lots):  # complaints whose order is not in the shipments: the lot by SKU where it is exact
            todo = complaints["_lot_row"].to_numpy() < 0
            if todo.any():
                direct_row, direct_method = _lot_rows(complaints.loc[todo], lots, fifo=False)
                complaints.loc[todo, "_lot_row"] = direct_row
                complaints.loc[todo, "_method"] = direct_method
        quantity = lines[S.QUANTITY].astype("float64").fillna(0.0).to_numpy()
        shipments = sum_by({SHIPPING_FC: lines[S.FC_SHIPPED], S.ASIN: lines[S.ASIN], S.SKU: lines[S.SKU],
                            S.WEEK: week_start(lines[S.DATE]), "_lot_row": lot_row, "_method": method}, quantity)
        lot_link = _overall_method(method)
        coverage["units_shipped"] = int(quantity.sum())
    else:
        complaints = complaints.rename(columns={S.FC_SHIPPED: SHIPPING_FC})
        complaints[SHIP_DATE] = pd.Series(pd.NaT, index=complaints.index, dtype="datetime64[ns]")
        lot_row, method = _lot_rows(complaints, lots)
        complaints["_lot_row"], complaints["_method"] = lot_row, method
        lot_link = _overall_method(method)
        coverage["complaints_linked_to_shipments"] = None
    if len(lots):
        skus = complaints[S.SKU].replace("", np.nan).dropna().unique()
        known = set(lots[S.SKU]) if S.SKU in lots.columns else set()
        known_fnsku = set(lots[S.FNSKU]) if S.FNSKU in lots.columns else set()
        coverage.update(_case_coverage(complaints, lines, lots))
        # SKUs linked ignoring case are in the lot master
        known |= set(_case_matches(pd.Index(skus), lots[S.SKU])) if S.SKU in lots.columns else set()
        known_fnsku |= set(_case_matches(pd.Index(complaints[S.FNSKU].unique()), lots[S.FNSKU])) if S.FNSKU in lots.columns else set()
        coverage["skus_in_lot_master"] = float(np.mean([s in known for s in skus])) if len(skus) else None
        in_lots = complaints[S.SKU].isin(known) | complaints[S.FNSKU].isin(known_fnsku)
        coverage["complaints_with_lot"] = float(in_lots.mean()) if len(complaints) else None
    for frame in (complaints, shipments):
        if frame is not None:
            _lot_columns(frame, lots, factors)
            frame[SHIPPING_FC] = as_levels(frame[SHIPPING_FC]) if SHIPPING_FC in frame.columns else as_levels(pd.Series("", index=frame.index, dtype="str"))
    complaints[S.WEEK] = week_start(complaints[SHIP_DATE].fillna(complaints[S.DATE]))
    coverage["lot_link"] = lot_link
    return Linked(complaints.reset_index(drop=True), shipments, tuple([SHIPPING_FC, *factors]), lot_link, coverage)


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


def _overall_method(method: np.ndarray) -> str:
    """How the run's lots were linked: "fifo (estimated)" when any unit was, else the exact key used, else "none"."""
    used = np.bincount(method, minlength=len(LINK_METHODS)) if len(method) else np.zeros(len(LINK_METHODS), dtype=int)
    if used[_FIFO]:
        return LINK_METHODS[_FIFO]
    exact = [LINK_METHODS[i] for i in np.argsort(-used[1:_FIFO], kind="stable") + 1 if used[i]]
    return exact[0] if exact else "none"


def _lot_columns(frame: pd.DataFrame, lots: pd.DataFrame, factors: list[str]) -> None:
    """Replace ``_lot_row`` / ``_method`` by the lot-master factor columns (categoricals) and ``link_method``."""
    rows = frame.pop("_lot_row").to_numpy(dtype=np.int64) if "_lot_row" in frame.columns else np.full(len(frame), -1)
    methods = frame.pop("_method").to_numpy(dtype=np.int64) if "_method" in frame.columns else np.zeros(len(frame), dtype=np.int64)
    for col in factors:
        values = lots[col].astype("str").to_numpy(dtype=object) if col in lots.columns else np.full(len(lots), "", dtype=object)
        codes, labels = pd.factorize(np.append(values, ""))
        column = pd.Categorical.from_codes(codes[np.where(rows >= 0, rows, len(values))], categories=pd.Index(labels, dtype=object))
        frame[col] = as_levels(pd.Series(column, index=frame.index))
    frame[S.LINK_METHOD] = np.asarray(LINK_METHODS, dtype=object)[methods]


def _attach_shipments(complaints: pd.DataFrame, lines: pd.DataFrame, lot_row: np.ndarray, method: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """Join complaints to the first shipment line of the same order (and SKU where it matches).

    Complaints get the shipping FC, the ship date and the line's lot-master row (``_lot_row``, ``_method``).
    """
    wanted = pa.array(complaints[S.ORDER_ID].dropna().unique(), type=pa.string())
    found = pc.fill_null(pc.is_in(pa.array(lines[S.ORDER_ID]), value_set=wanted), False)
    hit = found.to_numpy(zero_copy_only=False) & (lines[S.ORDER_ID] != "").to_numpy()
    # the lines' categoricals as plain text: the complaints' own columns are text
    has_asin = S.ASIN in lines.columns
    picked = lines.loc[hit, [S.ORDER_ID, S.SKU, *([S.ASIN] if has_asin else []), S.FC_SHIPPED, S.DATE]].astype(
        {S.SKU: "str", S.FC_SHIPPED: "str", **({S.ASIN: "str"} if has_asin else {})}).rename(columns={S.FC_SHIPPED: SHIPPING_FC, S.DATE: SHIP_DATE})
    picked["_lot_row"], picked["_method"] = lot_row[hit], method[hit]
    by_order_sku = picked.drop_duplicates([S.ORDER_ID, S.SKU]).drop(columns=[S.ASIN] if has_asin else [])
    # by order alone (feedback names no SKU): the line's SKU and ASIN too, for complaints that have none
    by_order = picked.drop_duplicates([S.ORDER_ID]).rename(columns={S.SKU: "_line_sku", S.ASIN: "_line_asin"})
    out = complaints.drop(columns=[c for c in (SHIPPING_FC, SHIP_DATE, S.LINK_METHOD) if c in complaints.columns])
    own_fc = out.pop(S.FC_SHIPPED) if S.FC_SHIPPED in out.columns else None
    out = out.reset_index(drop=True)
    first = out.merge(by_order_sku, on=[S.ORDER_ID, S.SKU], how="left")
    missing = first[SHIP_DATE].isna() & (first[S.ORDER_ID] != "")
    if missing.any():
        second = out.loc[missing, [S.ORDER_ID]].merge(by_order, on=S.ORDER_ID, how="left")
        second.index = first.index[missing]
        for col in second.columns:
            if col != S.ORDER_ID and not col.startswith("_line_"):
                first.loc[missing, col] = second[col]
        for col, line_col in ((S.SKU, "_line_sku"), (S.ASIN, "_line_asin")):
            if col in first.columns and line_col in second.columns:
                blank = missing & (first[col].fillna("").astype("str").str.strip() == "")
                found = second[line_col].reindex(first.index[blank])
                first.loc[blank & first.index.isin(found.dropna().index), col] = found.dropna()
    first["_lot_row"] = first["_lot_row"].fillna(-1).astype(np.int64)
    first["_method"] = first["_method"].fillna(_NONE).astype(np.int64)
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


def _lot_rows(frame: pd.DataFrame, lots: pd.DataFrame, fifo: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Lot-master row of each line (-1: none) and how it was found (index into :data:`LINK_METHODS`).

    By SKU, then FNSKU, where the key maps to one lot; keys with several lots
    are attributed first-in-first-out (:func:`_fifo`) unless ``fifo`` is False.
    """
    rows = np.full(len(frame), -1, dtype=np.int64)
    method = np.full(len(frame), _NONE, dtype=np.int64)
    if not len(lots) or not len(frame):
        return rows, method
    for code, key in ((_BY_SKU, S.SKU), (_BY_FNSKU, S.FNSKU)):
        if key not in lots.columns or key not in frame.columns:
            continue
        table = lots[lots[key] != ""]
        if table.empty:
            continue
        lots_per_key = table.groupby(key)[S.LOT].nunique()
        single = table[table[key].isin(lots_per_key.index[lots_per_key == 1])].drop_duplicates(key)
        codes, uniques = _key_codes(frame[key])
        aliases = _case_matches(uniques, table[key])
        if aliases:  # spelt as the lot master spells them
            uniques = pd.Index([aliases.get(u, u) for u in uniques], dtype=object)
        row_of_unique = pd.Index(single[key]).get_indexer(uniques)  # position in `single` per distinct key, -1 if none
        found = np.where(codes >= 0, row_of_unique[np.maximum(codes, 0)], -1)
        hit = (found >= 0) & (rows < 0)
        rows[hit] = single.index.to_numpy()[found[hit]]
        method[hit] = code
        multi_keys = lots_per_key.index[lots_per_key > 1]
        todo = (rows < 0) & (codes >= 0) & uniques.isin(multi_keys)[np.maximum(codes, 0)]
        if fifo and todo.any():
            lines = frame.loc[todo].assign(**{key: uniques[codes[todo]].to_numpy()}) if aliases else frame.loc[todo]
            rows[todo] = _fifo(lines, table[table[key].isin(multi_keys)], key)
            method[todo] = _FIFO
    return rows, method


def _case_matches(values: pd.Index, lot_keys: pd.Series) -> dict[str, str]:
    """The lot-master key of each of ``values`` that has no exact match there but one ignoring case and surrounding spaces.

    Seller SKUs are case-sensitive in principle, so an exact match always wins,
    and a value equal to several lot-master keys ignoring case is not matched.
    """
    written = pd.Index(pd.unique(lot_keys[lot_keys != ""].astype("str")), dtype=object)
    values = pd.Index(values, dtype=object).dropna()
    missing = values[~values.isin(written) & (values != "")]
    if not len(missing) or not len(written):
        return {}
    folded = pd.Series(written.str.strip().str.casefold(), index=written)
    alone = folded[~folded.duplicated(keep=False)]
    by_fold = pd.Series(alone.index, index=alone.to_numpy())
    found = by_fold.reindex(missing.str.strip().str.casefold())
    return {value: key for value, key in zip(missing, found) if isinstance(key, str)}


def _case_coverage(complaints: pd.DataFrame, lines: pd.DataFrame | None, lots: pd.DataFrame) -> dict:
    """How many distinct SKUs (complaints' and shipment lines') were linked to the lot master ignoring case, and one example."""
    if S.SKU not in lots.columns:
        return {"skus_linked_ignoring_case": 0, "sku_case_example": None}
    skus = [_present(frame[S.SKU]) for frame in (complaints, lines) if frame is not None and S.SKU in frame.columns]
    seen = pd.Index(pd.unique(np.concatenate(skus)), dtype=object) if skus else pd.Index([], dtype=object)
    matched = _case_matches(seen, lots[S.SKU])
    example = next(iter(sorted(matched.items())), None)
    return {"skus_linked_ignoring_case": len(matched),
            "sku_case_example": {"sku": example[0], "lot_master_sku": example[1]} if example else None}


def _present(values: pd.Series) -> np.ndarray:
    """The distinct values of a column (a categorical's used categories only: lines may have been left out)."""
    codes, uniques = _key_codes(values)
    used = np.bincount(codes[codes >= 0], minlength=len(uniques)) > 0
    return np.asarray(uniques, dtype=object)[used]


def _key_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer code per row (-1: missing) and the distinct values they index; a categorical's own codes, no hashing."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories
    codes, uniques = pd.factorize(values)
    return codes, pd.Index(uniques)


def _fifo(frame: pd.DataFrame, lots: pd.DataFrame, key: str) -> np.ndarray:
    """First-in-first-out attribution of units to lots (lot-master row per line) by receive (or production) date.

    Per key, and per FC when the lot master names the FC that received each lot
    (lines from an FC with no lot of their key fall back to all of the key's lots).
    """
    date_col = S.RECEIVE_DATE if S.RECEIVE_DATE in lots.columns else (S.PRODUCTION_DATE if S.PRODUCTION_DATE in lots.columns else None)
    out = np.full(len(frame), -1, dtype=np.int64)
    keys = frame[key].to_numpy(dtype=object)
    fc_col = next((c for c in (S.FC_SHIPPED, SHIPPING_FC) if c in frame.columns), None)
    fcs = frame[fc_col].astype("str").fillna("").to_numpy(dtype=object) if fc_col else np.full(len(frame), "", dtype=object)
    per_fc = S.FC in lots.columns and (lots[S.FC] != "").any()
    groups = pd.DataFrame({"k": keys, "fc": fcs if per_fc else ""}).groupby(["k", "fc"], sort=False).indices
    dates = frame[S.DATE].to_numpy(dtype="datetime64[ns]")
    qty = frame[S.QUANTITY].astype("float64").fillna(1).to_numpy()
    for (value, fc), positions in groups.items():
        lot_rows = lots[lots[key] == value]
        if per_fc and (lot_rows[S.FC] == fc).any():
            lot_rows = lot_rows[lot_rows[S.FC] == fc]
        if date_col:
            lot_rows = lot_rows.sort_values(date_col, kind="stable")
        positions = positions[np.argsort(dates[positions], kind="stable")]
        if "units" in lot_rows.columns and lot_rows["units"].notna().all():
            bounds = lot_rows["units"].to_numpy(dtype=float).cumsum()
            shipped_before = np.cumsum(qty[positions]) - qty[positions]
            index = np.minimum(np.searchsorted(bounds, shipped_before, side="right"), len(lot_rows) - 1)
        elif date_col:
            received = lot_rows[date_col].to_numpy(dtype="datetime64[ns]")
            index = np.clip(np.searchsorted(received, dates[positions], side="right") - 1, 0, len(lot_rows) - 1)
        else:
            index = np.zeros(len(positions), dtype=int)
        out[positions] = lot_rows.index.to_numpy()[index]
    return out
