"""A set of loaded files combined into the canonical tables, with duplicates marked.

This module holds the in-memory storage of a loaded case; swapping it for an
embedded database later touches only this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from analysis import schema as S
from analysis.errors import WorkbenchError
from analysis.normalize import LoadedFile, _conform, load_file


@dataclass(frozen=True)
class Dataset:
    """Everything loaded for one analysis.

    Attributes
    ----------
    files : the files read, in the order given
    failed : ``(file name, one-line message)`` for files that could not be read
    complaints, shipments, lots, voc, events : canonical tables (see :mod:`analysis.schema`)
    duplicates : per file (its place in ``files``), rows marked as re-posted duplicates of an earlier row
    """

    files: tuple[LoadedFile, ...]
    failed: tuple[tuple[str, str], ...]
    complaints: pd.DataFrame
    shipments: pd.DataFrame
    lots: pd.DataFrame
    voc: pd.DataFrame
    events: pd.DataFrame
    duplicates: Mapping[int, int] = field(default_factory=dict)  # by the file's place in ``files`` (two files may share a name)

    def inputs(self) -> list[dict[str, Any]]:
        """One entry per file for ``findings.json``: path, kind, rows, rejected, duplicates, sha256."""
        return [
            {
                "path": f.name,
                "kind": f.kind,
                "rows": int(f.rows),
                "rejected": int(len(f.rejected)),
                "duplicates": int(self.duplicates.get(i, 0)),
                "sha256": f.sha256,
            }
            for i, f in enumerate(self.files)
        ]

    def summary(self) -> pd.DataFrame:
        """One row per file: ``file, kind, rows, rejected, duplicates, data_lines, date_min, date_max, encoding, recognised, notes``."""
        rows = []
        for i, f in enumerate(self.files):
            start, end = f.date_range
            same = next((g.name for g in self.files[:i] if f.sha256 and g.sha256 == f.sha256), None)  # given before
            rows.append(
                {
                    "file": f.name,
                    "kind": f.kind,
                    "rows": f.rows,
                    "rejected": len(f.rejected),
                    "duplicates": int(self.duplicates.get(i, 0)),
                    "data_lines": f.data_lines,
                    "date_min": start,
                    "date_max": end,
                    "encoding": f.encoding,
                    "recognised": len(f.recognised),
                    "notes": "; ".join([*f.notes, *([f"the same content as {same}: every row a duplicate"] if same else [])]),
                }
            )
        return pd.DataFrame(rows, columns=["file", "kind", "rows", "rejected", "duplicates", "data_lines", "date_min", "date_max", "encoding", "recognised", "notes"])

    def rejected(self) -> pd.DataFrame:
        """Every rejected line of every file: ``file, line, reason, raw``."""
        parts = [f.rejected.assign(file=f.name)[["file", "line", "reason", "raw"]] for f in self.files if len(f.rejected)]
        if not parts:
            return pd.DataFrame({"file": pd.Series([], dtype="str"), "line": pd.Series([], dtype="int64"), "reason": pd.Series([], dtype="str"), "raw": pd.Series([], dtype="str")})
        return pd.concat(parts, ignore_index=True)

    def kinds(self) -> set[str]:
        return {f.kind for f in self.files}


def load_files(
    sources: Iterable[Any],
    kinds: Mapping[str, str] | None = None,
    column_maps: Mapping[str, Mapping[str, str]] | None = None,
    marketplace: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    strict: bool = False,
    on_file: Callable[[LoadedFile], None] | None = None,
) -> Dataset:
    """Read many files (paths, bytes pairs or uploads) into one :class:`Dataset`.

    Parameters
    ----------
    sources
        Paths, ``(name, bytes)`` pairs or uploaded-file objects.
    kinds
        Optional ``{file name: report kind}`` to force a kind.
    column_maps
        Optional ``{file name: {canonical column: header}}`` for reviews / lot masters.
    marketplace
        Marketplace code for seller-feedback dates (guessed when omitted).
    progress
        Called as ``progress(done, total, file name)`` after each file.
    strict
        Raise the first :class:`~analysis.errors.WorkbenchError` instead of
        collecting it in :attr:`Dataset.failed`.
    on_file
        Called with each :class:`LoadedFile` as soon as it is read (the report
        command uses it to start work that the next files need not wait for).
    """
    sources = list(sources)
    loaded: list[LoadedFile] = []
    failed: list[tuple[str, str]] = []
    for i, source in enumerate(sources):
        name = _name_of(source)
        try:
            loaded.append(load_file(source, kind=(kinds or {}).get(name), column_map=(column_maps or {}).get(name), marketplace=marketplace))
            if on_file:
                on_file(loaded[-1])
        except WorkbenchError as exc:
            if strict:
                raise
            failed.append((name, str(exc)))
        if progress:
            progress(i + 1, len(sources), name)
    return combine(loaded, failed)


def _name_of(source: Any) -> str:
    from pathlib import Path

    if isinstance(source, tuple):
        return str(source[0])
    if isinstance(source, (str, Path)):
        return Path(source).name
    return str(getattr(source, "name", "upload"))


def combine(files: list[LoadedFile], failed: list[tuple[str, str]] | None = None) -> Dataset:
    """Concatenate loaded files into the canonical tables and mark re-posted duplicates."""
    tables: dict[str, list[pd.DataFrame]] = {"complaints": [], "shipments": [], "lots": [], "voc": [], "events": []}
    for index, f in enumerate(files):
        tables[S.TABLE_OF_KIND[f.kind]].append(f.table.assign(_file_index=index))  # copy-on-write: f.table stays as read
    complaints = _concat(tables["complaints"], "complaints")
    if len(complaints):
        complaints[S.COMPLAINT_ID] = complaints["_file_index"].astype("str") + ":" + complaints[S.SOURCE_LINE].astype("str")
        complaints[S.IS_DUPLICATE] = _mark_duplicates(complaints)
        complaints = complaints[[S.COMPLAINT_ID] + [c for c in complaints.columns if c != S.COMPLAINT_ID]]
    shipments = _concat(tables["shipments"], "shipments")
    if len(shipments):
        shipments["_dup"] = _shipment_duplicates(shipments, len(files))
    duplicates: dict[str, int] = {}
    for table, flag in ((complaints, S.IS_DUPLICATE), (shipments, "_dup")):
        if len(table) and flag in table.columns:
            counts = table.loc[table[flag], "_file_index"].value_counts()
            for index, n in counts[counts > 0].items():
                duplicates[int(index)] = duplicates.get(int(index), 0) + int(n)
    if len(shipments):
        shipments = (shipments[~shipments["_dup"]] if shipments["_dup"].any() else shipments).drop(columns="_dup")
    lots = pd.concat(tables["lots"], ignore_index=True) if tables["lots"] else pd.DataFrame({S.SKU: pd.Series([], dtype="str"), S.LOT: pd.Series([], dtype="str")})
    if len(tables["lots"]) > 1:  # the same lot master given twice (e.g. as .xlsx and .csv): keep one copy of each row
        content = [c for c in lots.columns if c not in (S.SOURCE_KIND, S.SOURCE_FILE, S.SOURCE_LINE, "_file_index")]
        repeated = _cross_file_duplicates(lots, content)
        for index, n in lots.loc[repeated, "_file_index"].value_counts().items():
            duplicates[int(index)] = duplicates.get(int(index), 0) + int(n)
        lots = lots[~repeated].reset_index(drop=True)
    voc = _concat(tables["voc"], "voc")
    events = _concat(tables["events"], "events")
    complaints, shipments, lots, voc, events = (frame.drop(columns="_file_index", errors="ignore") for frame in (complaints, shipments, lots, voc, events))
    return Dataset(tuple(files), tuple(failed or ()), complaints, shipments, lots, voc, events, duplicates)


def _concat(parts: list[pd.DataFrame], table_name: str) -> pd.DataFrame:
    """One canonical table from the files' tables; categorical columns keep every file's categories.

    Categorical columns whose categories differ between the files are joined
    with ``union_categoricals`` on their own: left to ``pd.concat`` they went
    through plain values first (0.6 s for two shipment files of 1.3M lines).
    """
    if not parts:
        return _conform(pd.DataFrame(), table_name)
    differing = [col for col in S.CATEGORICAL_COLUMNS.get(table_name, ())
                 if all(col in part.columns and isinstance(part[col].dtype, pd.CategoricalDtype) for part in parts)
                 and len({part[col].dtype for part in parts}) > 1]
    columns = list(dict.fromkeys(col for part in parts for col in part.columns))
    frame = pd.concat([part.drop(columns=differing) for part in parts], ignore_index=True)
    for col in differing:
        frame[col] = union_categoricals([part[col] for part in parts])
    for col in S.CATEGORICAL_COLUMNS.get(table_name, ()):
        if col in frame.columns and not isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = union_categoricals([part[col] for part in parts])  # some file's column was not one: as before
    return frame[columns] if differing else frame


def _mark_duplicates(complaints: pd.DataFrame) -> pd.Series:
    """A return re-posted with the same license plate number (Amazon re-dates returns across pulls)."""
    flag = pd.Series(False, index=complaints.index)
    lpn = complaints[S.LPN].fillna("")
    has = (lpn != "") & (complaints[S.SOURCE_KIND] == S.FBA_RETURNS)
    if has.any():
        flag[has] = lpn[has].duplicated(keep="first")
    others = complaints[S.SOURCE_KIND] != S.FBA_RETURNS
    if others.any():
        keys = [S.SOURCE_KIND, S.ORDER_ID, S.SKU, S.ASIN, S.DATE, S.REASON, S.TEXT, S.RATING]
        flag[others] = _cross_file_duplicates(complaints[others], keys)
    return flag


def _shipment_duplicates(shipments: pd.DataFrame, n_files: int) -> pd.Series:
    """Shipment lines given twice: by overlapping downloads of one report, or by both reports
    of shipped units (Customer Shipment Sales and Amazon Fulfilled Shipments list the same
    shipped order lines).  A line is the same where order, SKU, shipping FC, quantity and ship
    day are (Fulfilled Shipments has no FNSKU or ASIN); the Customer Shipment Sales copy is kept."""
    if shipments["_file_index"].nunique() < 2:  # one file: nothing to compare (and 1.2M lines not copied for it)
        return pd.Series(False, index=shipments.index)
    day = shipments[S.DATE].dt.floor("D") if S.DATE in shipments.columns else None
    keyed = shipments.assign(**{S.DATE: day}) if day is not None else shipments
    rank = shipments["_file_index"] + n_files * (shipments[S.SOURCE_KIND] != S.FBA_SHIPMENTS).to_numpy()
    return _cross_file_duplicates(keyed, [S.ORDER_ID, S.SKU, S.DATE, S.FC_SHIPPED, S.QUANTITY], rank)


def _cross_file_duplicates(frame: pd.DataFrame, keys: list[str], rank: pd.Series | None = None) -> pd.Series:
    """True for rows whose key already appeared in an earlier file (overlapping downloads);
    ``rank``: which file's copy is kept, the lowest (default: the first file's)."""
    if frame["_file_index"].nunique() < 2:
        return pd.Series(False, index=frame.index)
    rank = frame["_file_index"] if rank is None else rank
    key = _row_keys(frame, [k for k in keys if k in frame.columns])
    first = rank.groupby(key).transform("min")
    return pd.Series(rank.to_numpy() > first.to_numpy(), index=frame.index)


def _row_keys(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Per row, a number that is the same exactly where the ``keys`` columns hold the same values.

    Each column is factorised (a categorical by its codes, text by Arrow) and
    the codes combined pairwise: the same rows as comparing the values as
    text, which took 1.4 s on 1.3M shipment lines.  Missing values are one
    value.  Columns of mixed Python objects are compared as text, as before.
    """
    out = np.zeros(len(frame), dtype=np.int64)
    for k in keys:
        col = frame[k]
        if col.dtype == object:
            col = col.astype("str")
        codes, uniques = pd.factorize(col, use_na_sentinel=False)
        out = pd.factorize(out * max(len(uniques), 1) + codes)[0]
    return out
