"""The whole analysis in one call: link -> classify -> screen and select -> findings.json.

The app, the CLI and notebooks all go through :func:`analyze`, so they print
the same numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.config import Settings
from analysis.dataset import Dataset
from analysis.aggregate import exposure_by, lag_cdf, level_cells, on_ship_weeks, voc_by_asin, week_start, weekly_cells
from analysis.findings import FindingsResult, complaint_units, notice, rank_findings, unshipped_rows
from analysis.link import Linked, as_levels, link


@dataclass(frozen=True)
class Analysis:
    """Everything one run computed.

    Attributes
    ----------
    dataset : the loaded files
    linked : complaints and shipments with factor columns
    complaints : linked complaints with ``family``, ``family_confidence``, ``evidence``
    shipments : units shipped per combination of factor levels and week (see :class:`~analysis.link.Linked`; None without shipments)
    factors : factors examined
    result : the :class:`~analysis.findings.FindingsResult`
    findings : the findings.json document
    settings : the settings used
    """

    dataset: Dataset
    linked: Linked
    complaints: pd.DataFrame
    shipments: pd.DataFrame | None
    factors: tuple[str, ...]
    result: FindingsResult
    findings: dict
    settings: Settings
    timings: dict = field(default_factory=dict)

    # ---- views the app and the export use -------------------------------
    def level_table(self, factor: str, family: str) -> pd.DataFrame:
        """Every level of ``factor`` for ``family`` with rate, interval, rate ratio and adjusted p."""
        levels = self.result.levels
        return levels[(levels["factor"] == factor) & (levels["family"] == family)].reset_index(drop=True)

    def voc_levels(self, factor: str) -> pd.DataFrame:
        """Amazon's NCX rate per level of ``factor`` (``level, skus, ncx_orders, orders, ncx_rate, top_reason``), from the
        Voice of the Customer's SKUs that reach a level (:func:`analysis.aggregate.voc_level_cells`); empty without."""
        from analysis.aggregate import voc_level_cells

        cells = voc_level_cells(self.dataset.voc, self.dataset.lots, factor)
        cells.insert(4, "ncx_rate", (cells["ncx_orders"] / cells["orders"]).astype("float64") if len(cells) else pd.Series(dtype="float64"))
        return cells

    def weekly(self, family: str, factor: str | None = None, level: str | None = None) -> pd.DataFrame:
        """``week, complaints, units, exposure`` for a family, optionally within one factor level
        (see :func:`analysis.aggregate.weekly_cells`: weekly rates divide by ``exposure``)."""
        return weekly_cells(self.complaints, self.shipments, family, factor, level)

    def weekly_rows(self, family: str, factor: str | None = None, level: str | None = None) -> pd.DataFrame:
        """The complaints weekly rates count (:meth:`rows` tied to the week their unit shipped, when
        there are shipments; see :func:`analysis.aggregate.on_ship_weeks`)."""
        return on_ship_weeks(self.rows(family, factor, level), self.shipments)

    def weekly_left_out(self, family: str, factor: str | None = None, level: str | None = None) -> int:
        """Complaints of ``family`` (within one level) that weekly rates leave out (not in :meth:`weekly_rows`); 0 without shipments."""
        return len(self.rows(family, factor, level)) - len(self.weekly_rows(family, factor, level))

    def rows(self, family: str | None = None, factor: str | None = None, level: str | None = None) -> pd.DataFrame:
        """The complaints behind a finding or a chart point."""
        c = self.complaints
        if family is not None:
            c = c[c[S.FAMILY] == family]
        if factor is not None:
            c = c[c[factor] == level]
        return c.drop(columns=["_units"], errors="ignore").reset_index(drop=True)

    def counted(self, family: str, factor: str, level: str) -> dict:
        """How :meth:`rows` of a level become the complaints its rate counts: ``rows``; ``unshipped``, rows on a
        product no shipment line lists (:func:`~analysis.findings.unshipped_rows`); ``repeated``, rows whose order
        already counts for this family; ``counted``, the complaints (units) the level's rate counts."""
        c = self.complaints
        c = c[(c[S.FAMILY] == family) & (c[factor] == level)]
        unshipped = unshipped_rows(c, self.shipments)
        none = (c["_units"] == 0).to_numpy()
        return {"rows": len(c), "unshipped": int(unshipped.sum()), "repeated": int((none & ~unshipped).sum()), "counted": float(c["_units"].sum())}

    def level_cells(self, factor: str, family: str) -> pd.DataFrame:
        return level_cells(self.complaints, self.shipments, factor, family)

    def change_point(self, family: str, factor: str | None = None, level: str | None = None):
        """Week the weekly rate stepped (see :func:`analysis.stats.change_point`), or None with < 4 weeks."""
        from analysis import stats

        weekly = self.weekly(family, factor, level)
        weekly = weekly[weekly["exposure"] > 0]
        if len(weekly) < 4:
            return None
        return stats.change_point(weekly["complaints"].to_numpy(dtype=float), weekly["exposure"].to_numpy(dtype=float), dates=list(weekly["week"]), min_segment=2)

    def before_after(self, family: str, date, factor: str | None = None, level: str | None = None, claimed_reduction: float | None = None):
        """Rates before and from ``date`` (a corrective action) and whether enough units shipped since.

        Returns ``(BeforeAfter, units_after)``, or ``(None, 0)`` when either side has no units.
        See :func:`analysis.stats.before_after`.
        """
        return _compare(*self._split_weeks(family, date, factor, level), claimed_reduction)

    def _split_weeks(self, family: str, date, factor: str | None = None, level: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The :meth:`weekly` rows with units before the week of ``date`` and from it on."""
        weekly = self.weekly(family, factor, level)
        weekly = weekly[weekly["exposure"] > 0]
        weeks = pd.to_datetime(weekly["week"])
        return weekly[weeks < pd.Timestamp(date)], weekly[weeks >= pd.Timestamp(date)]

    def before_after_record(self, family: str, date, factor: str | None = None, level: str | None = None) -> dict:
        """:meth:`before_after` as findings.json's ``before_after``: the date, complaints and units (allowing for
        the time complaints take) before and since, the rates, their ratio with its interval, the test and p,
        and the minimum detectable rate; rates None when no unit shipped before or since."""
        before, after = self._split_weeks(family, date, factor, level)
        num = lambda x: None if x is None or pd.isna(x) else float(x)  # noqa: E731
        out = {"date": str(pd.Timestamp(date).date()), "complaints_before": num(before["complaints"].sum()), "units_before": num(before["exposure"].sum()),
               "complaints_after": num(after["complaints"].sum()), "units_after": num(after["exposure"].sum())}
        ba, _ = _compare(before, after)
        if ba is None:
            return {**out, "rate_before": None, "rate_after": None, "note": "no_units_before" if not out["units_before"] else "no_units_after"}
        return {**out, "rate_before": num(ba.rate_before), "rate_after": num(ba.rate_after), "rate_ratio": num(ba.rate_ratio),
                "rr_ci_low": num(ba.rr_ci_low), "rr_ci_high": num(ba.rr_ci_high), "test": ba.test, "p_value": num(ba.p_value),
                "minimum_detectable_rate": num(ba.minimum_detectable_rate), "note": ba.note}


def _compare(before: pd.DataFrame, after: pd.DataFrame, claimed_reduction: float | None = None):
    """:meth:`Analysis.before_after` of weeks already split: ``(BeforeAfter, units after)``, or ``(None, 0)``."""
    from analysis import stats

    if before["exposure"].sum() <= 0 or after["exposure"].sum() <= 0:
        return None, 0.0
    # units allowing for the time complaints take: units shipped just before the data end have not
    # been returned yet, and counted whole they would show a fix working that has not been tested
    result = stats.before_after(before["complaints"].sum(), before["exposure"].sum(), after["complaints"].sum(), after["exposure"].sum(),
                                claimed_reduction=claimed_reduction)
    return result, float(after["exposure"].sum())


def analyze(dataset: Dataset, settings: Settings | None = None, taxonomy=None, progress: Callable[[str, float], None] | None = None,
            corrections: pd.DataFrame | None = None) -> Analysis:
    """Run the root-cause analysis on a loaded dataset.

    Parameters
    ----------
    dataset
        From :func:`analysis.load_files`.  Works with returns alone (no shipments,
        no lot master): then rates are replaced by shares of complaints.
    settings
        :class:`analysis.config.Settings`; defaults when omitted.
    taxonomy
        A :class:`analysis.classify.Taxonomy`; the default rules (or the file named
        in ``settings.taxonomy_path``) when omitted.
    progress
        Called as ``progress(step name, fraction done)``.
    corrections
        An analyst's corrections (:func:`analysis.corrections.read_corrections`),
        applied after the rules; ``findings.json`` counts them under
        ``summary.corrections``.
    """
    import time

    from analysis.classify import classify_complaints, load_taxonomy
    from analysis.keywords import top_terms_significance

    settings = settings or Settings()
    timings: dict[str, float] = {}

    def step(name: str, fraction: float) -> None:
        if progress:
            progress(name, fraction)

    t = time.perf_counter()
    step("linking", 0.05)
    linked = link(dataset)
    linked, after_end = _units_in_complaint_window(linked)
    timings["link"] = time.perf_counter() - t
    t = time.perf_counter()
    step("classifying", 0.25)
    if taxonomy is None and settings.taxonomy_path:  # else the bundled rules, compiled once per process
        taxonomy = load_taxonomy(overrides=settings.taxonomy_path)
    complaints = classify_complaints(linked.complaints, taxonomy=taxonomy, safety=True)
    from analysis.corrections import EVIDENCE_ANALYST, apply_corrections

    complaints, corrected = apply_corrections(complaints, corrections)
    # praise is no complaint, nor a neutral review whose words name none, unless they tell of a
    # safety incident or an analyst gave them a family
    kept = (complaints[S.SAFETY].fillna("").astype("str") != "").to_numpy() | \
        complaints[S.EVIDENCE].astype("str").str.startswith(EVIDENCE_ANALYST).to_numpy()
    praise = praise_rows(complaints, settings.analysis.praise_min_rating) & ~kept
    neutral = neutral_rows(complaints, settings.analysis.praise_min_rating) & ~kept & ~praise
    same_order = same_order_rows(complaints) & ~kept & ~praise & ~neutral
    left_out = {name: {str(k): int(v) for k, v in complaints.loc[rows, S.SOURCE_KIND].value_counts().items() if v}
                for name, rows in (("praise", praise), ("neutral", neutral), ("same_order", same_order))}
    complaints = complaints[~(praise | neutral | same_order)].copy()
    unshipped = unshipped_rows(complaints, linked.shipments)
    complaints["_units"] = complaint_units(complaints, unshipped) if len(complaints) else pd.Series(dtype="float64")
    left_out["after_end"] = after_end
    left_out["unshipped"] = {str(k): int(v) for k, v in complaints.loc[unshipped, S.SOURCE_KIND].value_counts().items() if v}
    timings["classify"] = time.perf_counter() - t
    t = time.perf_counter()
    step("testing factors", 0.5)
    factors = list(linked.factors)
    base = linked.shipments if linked.shipments is not None else complaints
    # listing factors: ASIN and SKU; a product name only when nothing better names the product (review exports)
    extras = [S.ASIN, S.SKU]
    if S.PRODUCT_NAME in base.columns and not any(e in base.columns and (base[e].fillna("").astype("str") != "").any() for e in extras):
        extras.append(S.PRODUCT_NAME)
    for extra in extras:
        if extra in base.columns and extra not in factors and (base[extra].fillna("").astype("str") != "").any():
            factors.append(extra)
    for frame in (complaints, linked.shipments):
        if frame is None:
            continue
        for extra in extras:
            if extra in frame.columns and extra in factors:
                frame[extra] = as_levels(frame[extra])
    result = rank_findings(complaints, linked.shipments, factors, settings.analysis, top_terms_fn=lambda focus, ref, n, **kw: top_terms_significance(focus, ref, n=n, **kw))
    _ship_weeks(result.findings, linked.shipments)
    _ledger_evidence(result.findings, dataset.events, linked.shipments, settings.analysis.alpha)
    _voc_evidence(result.findings, dataset.voc, dataset.lots, settings.analysis.alpha)
    timings["findings"] = time.perf_counter() - t
    step("done", 1.0)
    findings = _document(dataset, linked, complaints, result, settings, corrected, left_out)
    analysis = Analysis(dataset, linked, complaints, linked.shipments, tuple(factors), result, findings, settings, timings)
    if settings.analysis.action_date and linked.shipments is not None:  # each finding before and since the corrective action
        for f in findings["findings"]:
            f["before_after"] = analysis.before_after_record(f["family"], settings.analysis.action_date, f["factor"], f["level"])
    return analysis


#: p-value under which Amazon's own records (ledger, NCX rate) are said to agree with a finding (``agrees``)
AGREES_P = 0.01
#: complaint families a fulfilment centre's own damage records speak to
LEDGER_FAMILIES = ("warehouse_damage", "shipping_damage")


def _units_in_complaint_window(linked: Linked) -> tuple[Linked, dict | None]:
    """Leave out of every rate the units shipped in weeks that begin after the last complaint of the data (the
    latest date of any complaint file's rows, praise included): none of their complaints can be in these files.
    Returns 30 days beside shipments of 90 made the early SKUs 11 "established" findings, their units the only
    ones with time for complaints.  Also returns what was left out (``units``, ``complaints_end``, ``weeks``), or None."""
    shipments, complaints = linked.shipments, linked.complaints
    if shipments is None or not len(shipments) or not len(complaints) or S.DATE not in complaints.columns:
        return linked, None
    end = pd.to_datetime(complaints[S.DATE]).max()
    if pd.isna(end):
        return linked, None
    late = (pd.to_datetime(shipments[S.WEEK]) > week_start(pd.Series([end])).iloc[0]).to_numpy()
    if not late.any():
        return linked, None
    weeks = pd.to_datetime(shipments.loc[late, S.WEEK])
    left = {"units": int(shipments.loc[late, S.QUANTITY].sum()), "complaints_end": end.strftime("%Y-%m-%d"),
            "weeks": [weeks.min().strftime("%Y-%m-%d"), weeks.max().strftime("%Y-%m-%d")]}
    return dataclasses.replace(linked, shipments=shipments[~late].reset_index(drop=True)), left


def _ship_weeks(findings: list[dict], shipments: pd.DataFrame | None) -> None:
    """Each finding's ``ship_weeks``: the first and last week (their Mondays) its level's units shipped in.

    A finding's units are not the complaints' period: a lot ships for some weeks, and its complaints come
    weeks later ("9,660 units shipped between" the first and last complaint dates was wrong).
    """
    for f in findings:
        if shipments is None or f["factor"] not in shipments.columns:
            continue
        weeks = shipments.loc[(shipments[f["factor"]] == f["level"]).to_numpy() & (shipments[S.QUANTITY] > 0).to_numpy(), S.WEEK]
        if len(weeks):
            f["ship_weeks"] = {"first": weeks.min().strftime("%Y-%m-%d"), "last": weeks.max().strftime("%Y-%m-%d")}


def _ledger_evidence(findings: list[dict], events: pd.DataFrame | None, shipments: pd.DataFrame | None, alpha: float) -> None:
    """What Amazon's own records say of a fulfilment centre's damage finding (``finding["ledger"]``).

    The Inventory Ledger's damage records at each FC (reason E, :func:`analysis.aggregate.fc_damaged_units`)
    are set against the FC's share of the units shipped: ``damaged_records`` of ``damaged_records_all``
    at this FC (``share``, Wilson interval ``ci_low``-``ci_high``) against ``units_share`` expected,
    with the one-sided exact binomial ``p_value`` (:func:`analysis.stats.share_excess`; ``agrees`` when
    it is under :data:`AGREES_P`).  The test counts records, not units: the units of one record were
    damaged together, and counted one by one they made the evidence look stronger than it is (39 of 68
    units were 28 of 48 records).  ``damaged_units`` of ``damaged_units_all`` are said beside.  Units
    stored rather than shipped are not known, so units shipped stand for the units an FC handles.
    ``reimbursed_units``: units reimbursed as damaged in Amazon's warehouses, over all FCs.
    """
    from analysis import stats
    from analysis.aggregate import fc_damaged_units, units_by, warehouse_reimbursed_units
    from analysis.link import SHIPPING_FC

    damaged = fc_damaged_units(events)
    records = fc_damaged_units(events, records=True)
    total, total_records = float(damaged.sum()), float(records.sum())
    if total <= 0 or total_records <= 0 or shipments is None or SHIPPING_FC not in shipments.columns:
        return
    units = units_by(None, shipments, SHIPPING_FC)
    units.index = units.index.astype("str")
    reimbursed = warehouse_reimbursed_units(events)
    for f in findings:
        if f["factor"] != SHIPPING_FC or f["family"] not in LEDGER_FAMILIES or units.sum() <= 0:
            continue
        k = float(damaged.get(str(f["level"]), 0.0))
        r = float(records.get(str(f["level"]), 0.0))
        expected = float(units.get(str(f["level"]), 0.0) / units.sum())
        low, high = stats.proportion_ci(np.array([r]), np.array([total_records]), alpha=alpha)
        p = stats.share_excess(int(r), int(total_records), expected)
        f["ledger"] = {"damaged_units": int(k), "damaged_units_all": int(total), "damaged_records": int(r),
                       "damaged_records_all": int(total_records), "share": r / total_records,
                       "ci_low": float(low[0]), "ci_high": float(high[0]), "units_share": expected,
                       "p_value": None if np.isnan(p) else p, "agrees": bool(p < AGREES_P), "reimbursed_units": int(reimbursed)}


def _voc_evidence(findings: list[dict], voc: pd.DataFrame | None, lots: pd.DataFrame | None, alpha: float) -> None:
    """What Amazon's own NCX rate says of a finding (``finding["voc"]``): the Voice of the Customer's
    NCX and total orders for the SKUs that carry the finding's level against the other SKUs that reach
    a level of its factor (:func:`analysis.aggregate.voc_level_cells`; FBM twins of FBA SKUs and SKUs
    missing from the lot master are in neither side).  Rates, Wilson interval, rate ratio with its
    Katz interval and the Fisher or chi-square test come from :func:`analysis.stats.compare_levels`
    (``agrees``: higher, with p under :data:`AGREES_P`).  NCX orders count every product or listing
    issue, not only the finding's family.
    """
    from analysis import stats
    from analysis.aggregate import voc_level_cells

    if voc is None or not len(voc):
        return
    cells_of: dict[str, pd.DataFrame] = {}
    for f in findings:
        factor, level = f["factor"], str(f["level"])
        cells = cells_of.setdefault(factor, voc_level_cells(voc, lots, factor))
        mine = (cells["level"].astype("str") == level).to_numpy()
        if not mine.any() or mine.all():
            continue
        two = pd.DataFrame({"level": ["focus", "rest"], "complaints": [cells.loc[mine, "ncx_orders"].sum(), cells.loc[~mine, "ncx_orders"].sum()],
                            "units": [cells.loc[mine, "orders"].sum(), cells.loc[~mine, "orders"].sum()]})
        row = stats.compare_levels(two, alpha=alpha, min_units=1, min_complaints=1).set_index("level").loc["focus"]
        num = lambda x: None if pd.isna(x) else float(x)  # noqa: E731
        top = cells.loc[mine, "top_reason"].iloc[0]
        f["voc"] = {"skus": int(cells.loc[mine, "skus"].sum()), "ncx_orders": int(two.loc[0, "complaints"]), "orders": int(two.loc[0, "units"]),
                    "ncx_rate": num(row["rate"]), "ci_low": num(row["ci_low"]), "ci_high": num(row["ci_high"]),
                    "skus_rest": int(cells.loc[~mine, "skus"].sum()), "ncx_orders_rest": int(two.loc[1, "complaints"]), "orders_rest": int(two.loc[1, "units"]),
                    "ncx_rate_rest": num(row["baseline_rate"]), "rate_ratio": num(row["rate_ratio"]), "rr_ci_low": num(row["rr_ci_low"]),
                    "rr_ci_high": num(row["rr_ci_high"]), "p_value": num(row["p_value"]), "test": str(row["test"]),
                    "top_reason": None if pd.isna(top) else str(top),
                    "agrees": bool(row["p_value"] < AGREES_P and row["rate_ratio"] > 1), "agrees_below_p": AGREES_P}


#: complaints that return the unit: another voice on the same order (feedback, a review) is the same unit again
_RETURN_KINDS = (S.FBA_RETURNS, S.FBM_RETURNS, S.REPLACEMENTS)


def same_order_rows(complaints: pd.DataFrame) -> np.ndarray:
    """Reviews and seller feedback on an order that a return or a replacement of these data already names.

    The return counts the unit (with Amazon's reason code and the FC's disposition); counting the buyer's
    feedback on the same order too counted one unit twice (67 of the sample's 70 negative feedback were on
    returned orders).  Counted in ``summary.same_order``, left out of the analysis.
    """
    out = np.zeros(len(complaints), dtype=bool)
    if not len(complaints) or S.ORDER_ID not in complaints.columns:
        return out
    kinds = complaints[S.SOURCE_KIND].astype("str")
    text_only = kinds.isin([S.REVIEWS, S.SELLER_FEEDBACK]).to_numpy()
    if not text_only.any():  # returns alone (the big runs): nothing to look up
        return out
    orders = complaints[S.ORDER_ID]
    mine = orders[text_only].fillna("").astype("str").str.strip()
    returned = orders[kinds.isin(_RETURN_KINDS).to_numpy()].dropna().astype("str").str.strip().unique()
    out[np.flatnonzero(text_only)] = ((mine != "") & mine.isin(returned)).to_numpy()
    return out


def neutral_rows(complaints: pd.DataFrame, min_rating: float | None) -> np.ndarray:
    """Classified reviews and seller feedback rated one star under ``min_rating`` (3 stars: neutral, in
    Amazon's words for feedback) whose words name no complaint (family ``other``: "Average", "OK product,
    delivery took a while").  Counted in ``summary.neutral``, left out of the analysis."""
    if min_rating is None or S.FAMILY not in complaints.columns:
        return np.zeros(len(complaints), dtype=bool)
    rating = _text_only_ratings(complaints)
    return (rating >= float(min_rating) - 1) & (rating < float(min_rating)) & (complaints[S.FAMILY] == "other").to_numpy()


def praise_rows(complaints: pd.DataFrame, min_rating: float | None) -> np.ndarray:
    """Reviews and seller feedback rated ``min_rating`` or higher: praise, not complaints
    ("Fast shipping, item as described", five stars).  Counted in ``summary.praise``, left out of
    the analysis (unless they tell of a safety incident or an analyst gave them a family, see
    :func:`analyze`); a review without a rating stays a complaint, read by its words."""
    if min_rating is None:
        return np.zeros(len(complaints), dtype=bool)
    return _text_only_ratings(complaints) >= float(min_rating)


def _text_only_ratings(complaints: pd.DataFrame) -> np.ndarray:
    """The star rating of each review and seller feedback; NaN for every other complaint (and without ratings)."""
    if not len(complaints) or S.RATING not in complaints.columns:
        return np.full(len(complaints), np.nan)
    kinds = complaints[S.SOURCE_KIND].astype("str").isin([S.REVIEWS, S.SELLER_FEEDBACK]).to_numpy()
    rating = pd.to_numeric(complaints[S.RATING], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(kinds, rating, np.nan)


def _safety(complaints: pd.DataFrame, most: int = 5) -> dict:
    """How many complaints describe a safety incident, and the incidents most often named."""
    said = complaints[S.SAFETY] if S.SAFETY in complaints.columns else pd.Series(dtype="str")
    said = said[said.fillna("") != ""]
    # most complaints first, ties alphabetically
    terms = said.str.split(", ").explode().value_counts().sort_index().sort_values(ascending=False, kind="stable")
    return {"complaints": int(len(said)), "terms": [str(x) for x in terms.index[:most]]}


RECENT_SHARE = 0.8  # a level whose units can have had less than this share of their complaints made is "recent"


def _recent(complaints: pd.DataFrame, shipments: pd.DataFrame | None, factors: list[str], min_units: int) -> list[dict]:
    """Levels whose units shipped mostly shortly before the complaint data end: ``{factor, level, share}``
    with ``share`` the part of their complaints that can have been made by then (see
    :func:`analysis.aggregate.lag_cdf`), below :data:`RECENT_SHARE`; the fewest first."""
    lag = lag_cdf(complaints) if shipments is not None and len(shipments) else None
    if lag is None:
        return []
    out = []
    for factor in factors:
        if factor not in shipments.columns:
            continue
        units = shipments.groupby(factor, observed=True)[S.QUANTITY].sum().astype("float64")
        share = (exposure_by(shipments, factor, lag).reindex(units.index).fillna(0.0) / units.where(units > 0)).dropna()
        for level, value in share[(share < RECENT_SHARE) & (units.reindex(share.index) >= min_units)].items():
            if str(level) != S.UNKNOWN_LEVEL:
                out.append({"factor": factor, "level": str(level), "share": round(float(value), 3)})
    return sorted(out, key=lambda x: (x["share"], x["factor"], x["level"]))


def _document(dataset: Dataset, linked: Linked, complaints: pd.DataFrame, result: FindingsResult, settings: Settings,
              corrected: dict | None = None, left_out: dict | None = None) -> dict:
    """The findings.json document (shape kept stable: others build on it)."""
    dates = complaints[S.DATE].dropna() if len(complaints) else pd.Series(dtype="datetime64[ns]")
    lines = dataset.shipments
    shipped = lines[S.DATE].dropna() if lines is not None and len(lines) and S.DATE in lines.columns else pd.Series(dtype="datetime64[ns]")
    left_out = left_out or {}
    if left_out.get("after_end"):  # the units' period: the weeks that count
        shipped = shipped[week_start(shipped) <= pd.Timestamp(left_out["after_end"]["complaints_end"])]
    families = complaints[S.FAMILY].value_counts() if len(complaints) else pd.Series(dtype="int64")
    total = int(families.sum())
    asins = sorted(a for a in complaints[S.ASIN].unique() if a and a != S.UNKNOWN_LEVEL) if len(complaints) else []
    units = int(linked.shipments[S.QUANTITY].sum()) if linked.shipments is not None else None
    safety = _safety(complaints)
    warnings = ([notice("safety", n=safety["complaints"], terms=", ".join(safety["terms"]))] if safety["complaints"] else []) + list(result.warnings)
    cov = linked.coverage
    if cov.get("share_linked_to_shipments") is not None and cov["share_linked_to_shipments"] < 0.8:
        warnings.append(notice("low_link", share=cov["share_linked_to_shipments"]))
    if cov.get("skus_in_lot_master") is not None and cov["skus_in_lot_master"] < 0.9:
        warnings.append(notice("low_lot_coverage", share=cov["skus_in_lot_master"]))
    if cov.get("skus_linked_ignoring_case"):
        example = cov["sku_case_example"]
        warnings.append(notice("sku_case_linked", n=cov["skus_linked_ignoring_case"], sku=example["sku"], lot_master_sku=example["lot_master_sku"]))
    if linked.lot_link == "fifo (estimated)":
        warnings.append(notice("fifo_estimated"))
    recent = _recent(complaints, linked.shipments, [e["factor"] for e in result.examined], settings.analysis.min_units)
    if recent:
        named = recent[:8]  # the most recent first
        levels = ", ".join(f"{r['factor'].replace('_', ' ')} {r['level']} (about {r['share']:.0%} of their complaints in)" for r in named)
        warnings.append(notice("recent", n=len(recent), levels=levels + (", ..." if len(recent) > len(named) else ""), items=named))
    if left_out.get("after_end"):
        a = left_out["after_end"]
        warnings.append(notice("after_end", units=a["units"], end=a["complaints_end"], first=a["weeks"][0], last=a["weeks"][1]))
    if left_out.get("praise"):
        warnings.append(notice("praise", n=sum(left_out["praise"].values()), min_rating=f"{settings.analysis.praise_min_rating:g}"))
    if left_out.get("neutral"):
        warnings.append(notice("neutral", n=sum(left_out["neutral"].values()), rating=f"{settings.analysis.praise_min_rating - 1:g}"))
    if left_out.get("same_order"):
        warnings.append(notice("same_order", n=sum(left_out["same_order"].values())))
    if left_out.get("unshipped"):
        warnings.append(notice("unshipped", n=sum(left_out["unshipped"].values())))
    if corrected and corrected["applied"]:
        warnings.append(notice("corrected", applied=corrected["applied"], corrections=corrected["corrections"]))
    if corrected and corrected["unmatched"]:
        warnings.append(notice("corrections_unmatched", unmatched=corrected["unmatched"]))
    return {
        "inputs": dataset.inputs(),
        "summary": {
            "period_start": dates.min().strftime("%Y-%m-%d") if len(dates) else None,
            "period_end": dates.max().strftime("%Y-%m-%d") if len(dates) else None,
            # the units' own period (the shipment lines' first and last day), not the complaints'
            "shipped_start": shipped.min().strftime("%Y-%m-%d") if len(shipped) else None,
            "shipped_end": shipped.max().strftime("%Y-%m-%d") if len(shipped) else None,
            "asins": asins,
            "complaints": total,
            "units": units,
            "families": [{"family": f, "count": int(n), "share": float(n / total) if total else 0.0} for f, n in families.items()],
            "basis": result.basis,
            "coverage": {k: v for k, v in cov.items()},
            "corrections": corrected or {"corrections": 0, "applied": 0, "unmatched": 0},
            "safety": safety,
            "voc": voc_by_asin(dataset.voc),
            "praise": left_out.get("praise") or {},
            "neutral": left_out.get("neutral") or {},
            "same_order": left_out.get("same_order") or {},
            "unshipped": left_out.get("unshipped") or {},
            "after_end": left_out.get("after_end"),
        },
        "findings": result.findings,
        "explained": result.explained,
        "examined": result.examined,
        "warnings": [w["text"] for w in warnings],
        "notices": warnings,
        "settings": settings.to_dict(),
        "generated_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def export_analysis(analysis: Analysis, out_dir: Path, input_files: list | None = None, settings: Settings | None = None, language: str | None = None, selected: list[int] | None = None, overrides: dict | None = None) -> dict[str, Path]:
    """Write the POA documents, charts and evidence pack for an analysis (see :mod:`analysis.export`)."""
    from analysis.export import write_all
    from analysis.figures import figures_for

    settings = settings or analysis.settings
    figures, tables = figures_for(analysis, language=language or settings.language)
    return write_all(
        Path(out_dir),
        analysis.findings,
        analysis.rows(),
        tables,
        figures,
        input_files=[Path(p) for p in (input_files or []) if isinstance(p, (str, Path))],
        settings=settings.to_dict(),
        language=language or settings.language,
        selected=selected,
        overrides=overrides,
        poa=settings.poa,
    )
