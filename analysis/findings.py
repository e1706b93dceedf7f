"""Rank root causes: which factor level drives which complaint family, net of confounding.

Three steps per family (compute -> decide; rendering is elsewhere):

1. **Screen** every level of every factor against the rest of its factor
   (:func:`analysis.stats.compare_levels`: Wilson interval, rate ratio,
   Fisher or chi-square) and adjust all p-values of the run together
   (Benjamini-Hochberg).
2. **Select** with forward selection in a binomial GLM over the joint cells of
   all factors: the level with the largest Rao score statistic (net of the
   model's parameters) is tried next and enters when its likelihood-ratio test
   passes ``selection_p``; a lot yields to an attribute that contains it and
   fits as well (component lot, packaging...).  A level whose excess disappears
   once a selected level is in the model is *explained by* it; levels that
   cover exactly the same units are aliases of each other and are named together.
3. **Describe** each selected level: rate vs baseline, interval, adjusted p,
   onset (change point of its weekly rate), the buyers' distinctive terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis import stats
from analysis.aggregate import family_level_cells, joint_cells, units_by, weekly_cells
from analysis.config import AnalysisSettings
from analysis.keywords import name_words
from analysis.numbers import percent_text, ratio_text

#: plain-language limits of a run, by code; the UI translates them from the code and parameters
NOTICES = {
    "no_shipments": "No shipment file: rates per unit are not available; findings compare each level's share of complaints with the rest.",
    "nothing_testable": "Too few complaints or factors to test anything.",
    "all_excluded": "Every factor was left out of the analysis: nothing was examined. Put at least one back (settings: excluded_factors).",
    "tentative": "{n} finding(s) are tentative (adjusted p between {fdr} and {tentative_fdr}): real but weaker evidence; confirm with more units or a targeted inspection before naming them as root causes.",
    "no_established": "No factor level stands out once the others are accounted for (binomial GLM, Benjamini-Hochberg adjusted p < {fdr}, >= {min_complaints} complaints): no root cause can be claimed from these data.",
    "low_link": "Only {share:.0%} of complaints with an order id were found in the shipment files: add the shipment report covering the complaints' order dates.",
    "low_lot_coverage": "Only {share:.0%} of the complaints' SKUs are in the lot master: lots, suppliers and the other lot-master columns are known for those only (the rest read \"(unknown)\"); add the missing SKUs to the lot master.",
    "sku_case_linked": "{n} SKU(s) match a lot-master SKU only when letter case (and surrounding spaces) are ignored, such as {sku} and the lot master's {lot_master_sku}: they were linked to it. Amazon SKUs are case-sensitive: check these are the same products, and write them the same way in the lot master (summary.coverage.skus_linked_ignoring_case).",
    "fifo_estimated": "Lots were attributed to units first-in-first-out by receive date: the lot link is estimated.",
    "corrected": "{applied} complaint(s) carry an analyst's family instead of the rules' (from {corrections} correction(s)).",
    "corrections_unmatched": "{unmatched} correction(s) name no complaint in these files: they were made on other data.",
    "recent": "{n} level(s) shipped mostly shortly before the complaint data end, so part of their complaints cannot have been made yet and their rates read low (findings count units shipped): {levels}. Judge them again once their complaints have had time to come in.",
    "praise": "{n} review(s) and seller feedback rated {min_rating} stars or more are praise, not complaints: they are left out of the analysis (summary.praise counts them by file kind).",
    "neutral": "{n} review(s) and seller feedback rated {rating} stars name no complaint in their words (\"Average\", \"OK product\"): they are left out of the analysis (summary.neutral).",
    "same_order": "{n} review(s) and seller feedback are on orders that a return or replacement of these data already names: the return counts the unit, so they are left out of the analysis (summary.same_order counts them by file kind).",
    "after_end": "{units:,} units shipped in the weeks of {first} to {last}, after the complaint data end ({end}), are left out of every rate: none of their complaints can be in these files (add the complaint reports of those weeks to count them).",
    "unshipped": "{n} complaint(s) are on SKUs (or, naming none, ASINs) that no shipment line lists, such as merchant-fulfilled orders: their units are in no denominator, so they count in no rate (summary.unshipped counts them by file kind); they stay in the complaint lists and the families' shares.",
    "safety": "{n} complaint(s) describe a safety incident ({terms}). Read them first (Review page, filter \"Safety incidents only\"; the evidence pack's safety column): a safety complaint is handled as a product safety matter, not only through a Plan of Action.",
}


def notice(code: str, **params) -> dict:
    """A run's limit as data: ``{"code", "params", "text"}`` (English text; the UI translates from code + params)."""
    return {"code": code, "params": params, "text": NOTICES[code].format(**params)}


#: families not searched for root causes by default: no product, listing or logistics cause to find
DEFAULT_EXCLUDED_FAMILIES = ("other", "remorse")

LEVEL_COLUMNS = ["family", "factor", "level", "complaints", "units", "rate", "ci_low", "ci_high", "baseline_rate", "rate_ratio", "rr_ci_low", "rr_ci_high", "odds_ratio", "or_ci_low", "or_ci_high", "test", "p_value", "p_adjusted", "enough_data", "note"]


@dataclass(frozen=True)
class FindingsResult:
    """What :func:`rank_findings` decided.

    Attributes
    ----------
    findings : list of finding dicts (the ``findings`` array of findings.json)
    explained : list of ``{factor, level, family, explained_by: {factor, level}}``
    examined : list of ``{factor, levels, families}``
    levels : every level test of the run, columns :data:`LEVEL_COLUMNS`
    basis : "units" (rates per unit shipped) or "complaints" (shares of complaints)
    warnings : limits of this run, as :func:`notice` dicts
    """

    findings: list[dict]
    explained: list[dict]
    examined: list[dict]
    levels: pd.DataFrame
    basis: str
    warnings: list[dict] = field(default_factory=list)


def complaint_units(complaints: pd.DataFrame, unshipped: np.ndarray | None = None) -> pd.Series:
    """Units complained about per complaint row: the return quantity, 1 for text-only signals.

    A return and a negative feedback about the same order and family count once.  A complaint
    where ``unshipped`` is true (:func:`unshipped_rows`: a product no shipment line lists) counts none.
    """
    qty = complaints[S.QUANTITY].astype("float64").fillna(1).clip(lower=1)
    has_order = complaints[S.ORDER_ID].fillna("") != ""
    key = complaints[S.ORDER_ID].astype("str") + "|" + complaints[S.SKU].astype("str") + "|" + complaints[S.FAMILY].astype("str")
    repeat = has_order & key.duplicated(keep="first")
    return qty.where(~repeat if unshipped is None else ~repeat & ~unshipped, 0.0)


def unshipped_rows(complaints: pd.DataFrame, shipments: pd.DataFrame | None) -> np.ndarray:
    """Complaints on a product no shipment line lists: a SKU that is in none (a merchant-fulfilled
    SKU: FBA's shipment reports list FBA units only), or, where a complaint names no SKU, an ASIN
    that is in none.  Their units are in no denominator, so they count in no rate (the sample's
    FBM returns made a lot's rate 2.92% where its shipped units' returns made 2.81%); they stay in
    the complaint lists and the families' shares.  Counted in ``summary.unshipped``."""
    out = np.zeros(len(complaints), dtype=bool)
    if shipments is None or not len(complaints):
        return out
    for column, only_without_sku in ((S.SKU, False), (S.ASIN, True)):
        if column not in complaints.columns or column not in shipments.columns:
            continue
        mine = _named(complaints[column])
        listed = _named(pd.Series(np.asarray(shipments[column].dropna().unique(), dtype=object)))
        named = (mine != "").to_numpy(copy=True)
        if only_without_sku and S.SKU in complaints.columns:
            named &= (_named(complaints[S.SKU]) == "").to_numpy()
        out |= named & ~mine.isin(listed).to_numpy()
    return out


def _named(values: pd.Series) -> pd.Series:
    """Values as trimmed text, "" where none is named (missing, or :data:`~analysis.schema.UNKNOWN_LEVEL`)."""
    text = values.astype("object").fillna("").astype("str").str.strip()
    return text.where(text != S.UNKNOWN_LEVEL, "")


def analysed_families(complaints: pd.DataFrame, settings: AnalysisSettings) -> list[str]:
    present = complaints[S.FAMILY].dropna().unique().tolist() if len(complaints) else []
    wanted = list(settings.families) or [f for f in S.FAMILIES if f not in DEFAULT_EXCLUDED_FAMILIES]
    return [f for f in S.FAMILIES if f in wanted and f in present]


def usable_factors(factors: list[str], complaints: pd.DataFrame, shipments: pd.DataFrame | None, settings: AnalysisSettings) -> list[str]:
    """Factors with 2..max_levels known levels, minus those the user excluded."""
    base = shipments if shipments is not None else complaints
    out = []
    for factor in factors:
        if factor in settings.excluded_factors or factor not in base.columns:
            continue
        levels = base[factor][base[factor] != S.UNKNOWN_LEVEL].nunique()
        if 2 <= levels <= settings.max_levels_per_factor:
            out.append(factor)
    return out


def rank_findings(complaints: pd.DataFrame, shipments: pd.DataFrame | None, factors: list[str], settings: AnalysisSettings | None = None, top_terms_fn=None) -> FindingsResult:
    """Ranked, independent root causes across families and factors.

    Parameters
    ----------
    complaints
        Classified, linked complaints (duplicates removed): ``family``, ``week``,
        ``quantity``, ``order_id`` and one column per factor.
    shipments
        Shipment lines with the same factor columns, or None (then the analysis
        works on shares of complaints and says that rates are not available).
    factors
        Factor columns to examine (shipping FC, lot-master attributes, asin ...).
    settings
        Thresholds; see :class:`analysis.config.AnalysisSettings`.
    top_terms_fn
        ``fn(focus_df, reference_df, n, **options)`` giving the distinctive terms of a
        finding's complaints: a list of terms, or the terms and whether each is significant
        (normally :func:`analysis.keywords.top_terms_significance`).

    Returns
    -------
    FindingsResult
    """
    settings = settings or AnalysisSettings()
    if "_units" not in complaints.columns:  # analysis.pipeline has counted them already
        complaints = complaints.assign(_units=complaint_units(complaints, unshipped_rows(complaints, shipments)) if len(complaints)
                                       else pd.Series(dtype="float64"))
    basis = "units" if shipments is not None and len(shipments) else "complaints"
    if basis == "complaints":
        shipments = None
    warnings: list[dict] = []
    if basis == "complaints":
        warnings.append(notice("no_shipments"))
    families = analysed_families(complaints, settings)
    factors_given = list(factors)
    factors = usable_factors(factors_given, complaints, shipments, settings)
    # the group-bys read only these columns, one family at a time
    slim = complaints[[c for c in dict.fromkeys([S.FAMILY, "_units", S.WEEK, S.DATE, S.SHIP_DATE, *factors]) if c in complaints.columns]]
    family_of = slim[S.FAMILY].to_numpy(dtype=object)
    by_family = {family: slim[family_of == family] for family in families}
    # ---- 1. screen
    screens = []
    for factor in factors:
        cells = family_level_cells(slim, shipments, factor, families, units=units_by(slim, shipments, factor))
        if cells["level"].nunique() < 2 or cells["units"].sum() <= 0:
            continue
        screens.append(cells.assign(factor=factor))
    if not screens:
        empty = pd.DataFrame(columns=LEVEL_COLUMNS)
        # the user left out every factor there was to test: say that, not "too few complaints"
        every_one_excluded = not factors and bool(usable_factors(factors_given, complaints, shipments, replace(settings, excluded_factors=())))
        return FindingsResult([], [], [], empty, basis, warnings + [notice("all_excluded" if every_one_excluded else "nothing_testable")])
    # every level against the rest of its factor, for every family, in one array computation
    levels = stats.compare_levels(pd.concat(screens, ignore_index=True), by=["family", "factor"], alpha=settings.alpha, min_units=settings.min_units, min_complaints=settings.min_complaints)
    order = {(f, x): i for i, (f, x) in enumerate((f, x) for f in families for x in factors)}
    levels = levels.iloc[np.argsort([order[k] for k in zip(levels["family"], levels["factor"])], kind="stable")].reset_index(drop=True)
    tested = levels["enough_data"].astype(bool) & levels["p_value"].notna()
    levels["p_adjusted"] = np.nan
    levels.loc[tested, "p_adjusted"] = stats.adjust_pvalues(levels.loc[tested, "p_value"].to_numpy())
    levels = levels[LEVEL_COLUMNS]
    examined = [
        {"factor": factor, "levels": int(levels.loc[levels["factor"] == factor, "level"].nunique()), "families": sorted(levels.loc[levels["factor"] == factor, "family"].unique().tolist())}
        for factor in factors
        if (levels["factor"] == factor).any()
    ]
    marginal = levels[tested & (levels["p_adjusted"] < settings.fdr) & (levels["rate_ratio"] >= settings.min_rate_ratio)]
    # ---- 2. select per family, in a binomial GLM over the joint cells of all factors
    factors = _prioritised(factors)
    models = []
    joint_units = units_by(slim, shipments, factors)
    for family in families:
        # every level with enough data is a candidate: a cause can hide behind a stronger one in the marginal screen
        pool = levels[(levels["family"] == family) & levels["enough_data"].astype(bool) & (levels["complaints"] >= settings.min_complaints)]
        if pool.empty:
            continue
        models.append(_select(by_family[family], shipments, family, pool, factors, settings, joint_units))
    # ---- 3. one Benjamini-Hochberg over every conditional test of the run
    tests = [(m, t) for m in models for t in m["tests"]]
    if tests:
        adjusted = stats.adjust_pvalues(np.array([t["p_value"] for _, t in tests], dtype=float))
        for (m, t), p_adj in zip(tests, adjusted):
            t["p_adjusted"] = float(p_adj)
    findings: list[dict] = []
    explained: list[dict] = []
    texted = _with_text(complaints, factors)
    for m in models:
        chosen = [t for t in m["tests"] if t["selected"] and t["p_adjusted"] < max(settings.fdr, settings.tentative_fdr)]
        for t in chosen:
            # read on the family's units outside its other findings (not those containing this one), so that
            # one finding's start is not given to another; with one finding, the family's own
            others = [o for o in chosen if o is not t and not bool(np.all(o["indicator"][t["indicator"]]))]
            onset = _onset(slim, shipments, m["family"], [(o["factor"], o["level"]) for o in others])
            findings.append(_describe(t, chosen, m, texted, shipments, levels, settings, top_terms_fn, len(tests), onset))
        chosen_names = {t["name"] for t in chosen}
        for row in marginal[marginal["family"] == m["family"]].itertuples():
            if any(t["factor"] == row.factor and t["level"] == row.level for t in chosen):
                continue
            if any(a["factor"] == row.factor and a["level"] == row.level for t in chosen for a in t["aliases"]):
                continue
            cause = m["explained_by"].get((row.factor, row.level))
            if cause is None or cause not in chosen_names:
                continue
            source = next(t for t in chosen if t["name"] == cause)
            explained.append({"factor": row.factor, "level": row.level, "family": m["family"], "explained_by": {"factor": source["factor"], "level": source["level"]}})
    for f in findings:
        f["explains"] = [{"factor": e["factor"], "level": e["level"]} for e in explained if e["family"] == f["family"] and e["explained_by"] == {"factor": f["factor"], "level": f["level"]}]
        f["statement"] = statement(f)
    findings.sort(key=lambda f: (f["strength"] != "established", -(f["excess_complaints"] or 0.0), f["p_adjusted"]))
    findings = findings[: settings.max_findings]
    for rank, f in enumerate(findings, start=1):
        f["rank"] = rank
    for f in findings:  # the same level behind another kind of complaint (one cause, complaints filed two ways)
        f["also"] = [{"rank": o["rank"], "family": o["family"]} for o in findings
                     if o is not f and o["factor"] == f["factor"] and o["level"] == f["level"]]
    tentative = [f for f in findings if f["strength"] == "tentative"]
    if tentative:
        warnings.append(notice("tentative", n=len(tentative), fdr=settings.fdr, tentative_fdr=settings.tentative_fdr))
    if basis == "units" and not [f for f in findings if f["strength"] == "established"]:
        warnings.append(notice("no_established", fdr=settings.fdr, min_complaints=settings.min_complaints))
    return FindingsResult(findings, explained, examined, levels.reset_index(drop=True), basis, warnings)


#: most complaints whose words are scored per finding (a seeded sample beyond that)
_TERM_SAMPLE = 800
#: worded complaints of the family outside a level needed to compare the level's words with them
MIN_TERM_REFERENCE = 30

#: factors that are bookkeeping aliases of a lot: named last when levels cover the same units
_LATE_FACTORS = ("sku", "inbound_shipment_id", "fnsku")


#: factors whose levels are containers of the seller's attributes: a lot holds its component lots,
#: supplier and packaging; SKUs, FNSKUs and inbound shipments are bookkeeping names of lots
_CONTAINER_FACTORS = ("lot", *_LATE_FACTORS)


def _attribute_over_container(best: int, z: np.ndarray, X: np.ndarray, terms: list[dict], selected: list[int]) -> int:
    """The term to enter: ``best``, or an attribute that contains it and fits nearly as well.

    When the best-scoring level is a lot (or one of its bookkeeping names) and a
    level of another factor covers all of its units (a component lot, a
    packaging version...) with a score statistic within 4 of it (about 2
    log-likelihood units: the data cannot tell them apart), the attribute enters
    instead: it is the more specific explanation of what in the lot went wrong,
    and the lot is then listed as *competing* with it.
    """
    if terms[best]["factor"] not in _CONTAINER_FACTORS:
        return best
    inside = X[:, best] > 0
    near = [i for i in range(len(terms))
            if i not in selected and i != best and terms[i]["factor"] not in _CONTAINER_FACTORS
            and z[i] > 0 and z[best] ** 2 - z[i] ** 2 < 4.0 and bool(np.all(X[inside, i] > 0))]
    return max(near, key=lambda i: z[i]) if near else best


def _comparison_cells(mine: np.ndarray, others: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The cells a finding's comparison reads (:func:`_describe`): its own (``mine``) outside the other
    findings' (``others``) that do not contain it, against the cells outside every other finding, within
    those that contain it (a lot inside a bad component lot is compared with the rest of that lot)."""
    containing = [o for o in others if bool(np.all(o[mine]))]
    apart = np.zeros(len(mine), dtype=bool)
    for o in others:
        if not any(o is c for c in containing):
            apart |= o
    inside, outside = mine & ~apart, ~mine & ~apart
    for c in containing:
        outside &= c
    return inside, outside


def _net_ratio(k: int, selected: Sequence[int], X: np.ndarray, y: np.ndarray, n: np.ndarray) -> float:
    """Term ``k``'s rate ratio as its finding states it (:func:`_describe`): its cells outside the other
    selected terms that do not contain it, against the cells outside every selected term (inside those
    that contain it).  NaN where either side has no units; inf where only the rest has no complaints."""
    inside, outside = _comparison_cells(X[:, k] > 0, [X[:, j] > 0 for j in selected if j != k])
    n_in, n_out = float(n[inside].sum()), float(n[outside].sum())
    if n_in <= 0 or n_out <= 0:
        return float("nan")
    rate_in, rate_out = float(y[inside].sum()) / n_in, float(y[outside].sum()) / n_out
    return rate_in / rate_out if rate_out > 0 else (float("inf") if rate_in > 0 else float("nan"))


def _prioritised(factors: list[str]) -> list[str]:
    return [f for f in factors if f not in _LATE_FACTORS] + [f for f in factors if f in _LATE_FACTORS]


# ------------------------------------------------------------------ select
def _fit(y: np.ndarray, n: np.ndarray, X: np.ndarray):
    """Binomial GLM (logit) on aggregated cells; returns (log-likelihood, fitted probabilities, coefficients)."""
    import warnings

    from statsmodels.genmod.families import Binomial  # not statsmodels.api: that also loads plotting and time series
    from statsmodels.genmod.generalized_linear_model import GLM

    exog = np.column_stack([np.ones(len(y)), X]) if X.size else np.ones((len(y), 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = GLM(np.column_stack([y, n - y]), exog, family=Binomial()).fit()
    return float(res.llf), np.asarray(res.mu), np.asarray(res.params)


def _score_z(y, n, mu, X, model: np.ndarray) -> np.ndarray:
    """Rao score statistic, signed, for adding each column of ``X`` to the fitted model.

    ``mu`` are the model's fitted rates and ``model`` its columns (without the
    intercept).  The score's variance is the efficient one, net of what the
    model's own parameters already absorb::

        U = x'(y - n mu),  V = x'Wx - x'WM (M'WM)^-1 M'Wx,  W = diag(n mu (1 - mu)),  M = [1, model]

    so z**2 is the score test of one extra parameter (Rao 1948; it matches
    statsmodels' ``GLMResults.score_test``).  Leaving the correction out would
    overstate small levels against large ones.  Columns the model already spans get 0.
    """
    w = n * mu * (1 - mu)
    M = np.column_stack([np.ones(len(y)), model]) if model.size else np.ones((len(y), 1))
    U = X.T @ (y - n * mu)
    WM = M * w[:, None]
    A = X.T @ WM
    V = (X * X).T @ w - np.einsum("km,km->k", A, (np.linalg.pinv(M.T @ WM) @ A.T).T)
    scale = (X * X).T @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(V > 1e-9 * np.maximum(scale, 1e-300), U / np.sqrt(np.maximum(V, 0.0)), 0.0)


def _select(complaints, shipments, family, pool, factors, settings, joint_units=None) -> dict:
    """Forward selection of levels in a binomial GLM over the joint cells of all factors.

    Returns the family's model: ``tests`` (one per distinct candidate: selected ones
    with their drop-one LR p-value in the final model, the others with their
    add-one score p-value), and ``explained_by`` (candidate -> the selected term
    that removed most of its excess).
    """
    from scipy import stats as sps

    cells = joint_cells(complaints, shipments, family, factors, joint_units)
    y = cells["complaints"].to_numpy(dtype=float)
    n = cells["units"].to_numpy(dtype=float)
    rank = {f: i for i, f in enumerate(factors)}
    rows = sorted(pool.itertuples(), key=lambda r: (rank.get(r.factor, 99), str(r.level)))
    terms: list[dict] = []
    columns: list[np.ndarray] = []
    term_of_cells: dict[bytes, dict] = {}  # the cells a term covers -> the term
    for row in rows:
        vec = (cells[row.factor] == row.level).to_numpy()
        if not vec.any() or vec.all():
            continue
        twin = term_of_cells.get(vec.tobytes())
        if twin is not None:  # same units: an alias, named with the term
            twin["aliases"].append({"factor": row.factor, "level": row.level})
            continue
        terms.append({"name": f"{row.factor}={row.level}", "factor": row.factor, "level": row.level, "aliases": [], "selected": False})
        columns.append(vec)
        term_of_cells[vec.tobytes()] = terms[-1]
    model = {"family": family, "tests": [], "explained_by": {}, "cells": cells}
    if not terms or y.sum() == 0:
        return model
    X = np.column_stack(columns).astype(float)
    threshold = settings.selection_p  # entry gate; the run-wide Benjamini-Hochberg decides what is reported
    selected: list[int] = []
    llf, mu, params = _fit(y, n, X[:, []])
    z0 = _score_z(y, n, mu, X, X[:, []])
    while len(selected) < min(len(terms), 10):
        z = _score_z(y, n, mu, X, X[:, selected])
        z[selected] = -np.inf
        best = int(np.argmax(z))
        if not np.isfinite(z[best]) or z[best] <= 0:
            break
        best = _attribute_over_container(best, z, X, terms, selected)
        llf_new, mu_new, params_new = _fit(y, n, X[:, selected + [best]])
        lr = max(0.0, 2 * (llf_new - llf))
        p = float(sps.chi2.sf(lr, 1))
        if not (p < threshold) or params_new[-1] <= 0:
            break
        selected.append(best)
        llf, mu, params = llf_new, mu_new, params_new
    # A term is no cause of its own, whatever its entry test said, when once the others are in (1) its
    # coefficient is zero or below: later terms took its excess over, and its drop-one test would read
    # its shortfall as evidence; or (2) its units outside the other terms show no excess (rate ratio 1
    # or below, the comparison its finding states, see _net_ratio): the model split an excess where two
    # levels meet between them (a supplier's units in one packaging version: 0.8x outside it).  Drop
    # the worst, refit, until every term left stands; a dropped one is then a candidate like any other.
    while selected:
        coef = dict(zip(selected, params[1:].tolist()))
        worst = [(coef[k], k) for k in selected if coef[k] <= 0] or [
            (r, k) for k in selected if (r := _net_ratio(k, selected, X, y, n)) <= 1]
        if not worst:
            break
        selected.remove(min(worst)[1])
        llf, mu, params = _fit(y, n, X[:, selected])
    # conditional evidence in the final model
    mu_without: dict[int, np.ndarray] = {}  # fitted rates without each selected term (reused for "competing")
    for i, term in enumerate(terms):
        if i in selected:
            others = [j for j in selected if j != i]
            llf_without, mu_without[i], _ = _fit(y, n, X[:, others])
            lr = max(0.0, 2 * (llf - llf_without))
            term.update(selected=True, p_value=float(sps.chi2.sf(lr, 1)), statistic=lr, test="likelihood ratio (drop-one, binomial GLM)")
        else:
            z = float(_score_z(y, n, mu, X[:, [i]], X[:, selected])[0])
            term.update(selected=False, p_value=float(sps.norm.sf(z)), statistic=z, test="score (add-one, binomial GLM)")
        term["indicator"] = X[:, i].astype(bool)
    # which selected term took each candidate's excess away
    single = {j: _score_z(y, n, _fit(y, n, X[:, [j]])[1], X, X[:, [j]]) for j in selected}  # every candidate's z with j alone in the model
    for i, term in enumerate(terms):
        if i in selected or not selected:
            continue
        drops = [(z0[i] - float(single[j][i]), terms[j]["name"]) for j in selected]
        model["explained_by"][(term["factor"], term["level"])] = max(drops)[1]
        for alias in term["aliases"]:
            model["explained_by"][(alias["factor"], alias["level"])] = max(drops)[1]
    # levels the data cannot tell apart from a selected one: sharing its units and fitting
    # (nearly) as well in its place (score statistic within 4 of it, i.e. about 2 log-likelihood units)
    for j in selected:
        z = _score_z(y, n, mu_without[j], X, X[:, [k for k in selected if k != j]])
        shared = (X.T @ (X[:, j] * n)) > 0
        competing = [i for i in range(len(terms)) if i not in selected and shared[i] and z[i] > 0 and z[j] ** 2 - z[i] ** 2 < 4.0]
        terms[j]["competing"] = [{"factor": terms[i]["factor"], "level": terms[i]["level"]} for i in sorted(competing, key=lambda i: -z[i])]
    model["tests"] = terms
    return model


# ---------------------------------------------------------------- describe
def _sampled(frame: pd.DataFrame, most: int) -> pd.DataFrame:
    """At most ``most`` rows, a fixed-seed sample beyond that (term scores stable, runs fast on big sellers)."""
    return frame.sample(n=most, random_state=0) if len(frame) > most else frame


#: complaints of a finding that must use a term for it to be listed among the finding's terms
MIN_TERM_DOCUMENTS = 2


def terms_table(complaints: pd.DataFrame, factor: str, level: str, family: str, against: str | None = "family") -> pd.DataFrame:
    """Distinctive terms (up to three words: "case hinge cracked") of a finding's complaints against what
    its ``top_terms`` were scored against (:func:`term_sides`): the evidence pack's and the app's terms
    table, and what ``top_terms_significant`` is judged by.  Terms used by fewer than
    :data:`MIN_TERM_DOCUMENTS` complaints (a quote, not a pattern; maybe a buyer's own name) and the
    level's own name's words are left out; ``attrs["against"]`` says which reference it is."""
    from analysis.keywords import distinctive_terms, name_term_mask

    focus, reference, against = term_sides(complaints, factor, level, family, against)
    if not focus.any():
        return pd.DataFrame()
    frame = complaints[focus | reference].assign(_group=np.where(focus[focus | reference], "focus", "rest"))
    terms = distinctive_terms(frame, by="_group", focus="focus", ngram_range=(1, 3))
    shared = (terms["focus_documents"] >= MIN_TERM_DOCUMENTS).to_numpy()
    terms = terms[(terms["group"] == "focus").to_numpy() & shared & ~name_term_mask(terms["term"], name_words(level))].reset_index(drop=True)
    terms.attrs["against"] = against
    return terms


def _judged(terms: list[str], flags: list[bool] | None, table: pd.DataFrame, alpha: float) -> list[bool] | None:
    """Per term, whether the terms table (:func:`terms_table`) finds it significantly more frequent
    (adjusted p < ``alpha``), so that what the documents say of a term is what its table shows; a
    phrase the table has not (four words) keeps the picker's own judgement (``flags``)."""
    if flags is None or not len(table):
        return flags
    p = dict(zip(table["term"], table["p_adjusted"]))
    return [bool(p[t] < alpha) if t in p else bool(f) for t, f in zip(terms, flags)]


def term_sides(complaints: pd.DataFrame, factor: str, level: str, family: str, against: str | None = "family") -> tuple[np.ndarray, np.ndarray, str]:
    """Which complaints a finding's words are read from, and which they are compared with.

    The focus is the level's complaints of the family.  The reference is the
    same family's complaints outside the level, so the terms say what these
    buyers say that buyers with the same kind of complaint elsewhere do not
    (a battery lot's "disappointing quality" excess reads "battery drains
    fast", not the fit and bass every quality complaint mentions).  When the
    family has fewer than :data:`MIN_TERM_REFERENCE` complaints with words
    outside the level (one FC holds nearly all warehouse damage), or
    ``against`` is ``"all"`` (a finding whose words say nothing against its
    family: see :func:`_describe`), the reference is every other complaint.

    Returns
    -------
    focus, reference : boolean arrays over ``complaints``' rows
    against : ``"family"`` or ``"all"``, which reference it is
    """
    in_family = (complaints[S.FAMILY] == family).to_numpy()
    focus = in_family & (complaints[factor] == level).to_numpy()
    reference = in_family & ~focus
    if against == "all" or int((reference & _has_words(complaints)).sum()) < MIN_TERM_REFERENCE:
        return focus, ~focus, "all"
    return focus, reference, "family"


def _has_words(complaints: pd.DataFrame) -> np.ndarray:
    """Rows with a title or a text."""
    with_text = np.zeros(len(complaints), dtype=bool)
    for col in (S.TEXT, S.TITLE):
        if col in complaints.columns:
            with_text |= (complaints[col].fillna("").astype("str") != "").to_numpy()
    return with_text


def _with_text(complaints: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """The complaints that carry a title or text (the ones whose words can be scored): family, factors and texts."""
    texts = [c for c in (S.TEXT, S.TITLE) if c in complaints.columns]
    return complaints.loc[_has_words(complaints), [S.FAMILY, *factors, *texts]]


def _describe(term, chosen, model, texted, shipments, levels, settings, top_terms_fn, n_tests: int, onset: dict | None) -> dict:
    """Numbers for one finding, net of the family's other findings.

    The level's rate is computed on its units outside the other selected levels,
    the baseline on the units outside every selected level, so rate, ratio and
    p-value all speak of the same comparison.  A level that lies inside another
    finding (a lot inside a bad component lot) is compared with the rest of that
    finding's units (``within``).  ``texted`` are the complaints with words
    (:func:`_with_text`); ``onset`` is the family's (:func:`_onset`).
    """
    family, factor, level = model["family"], term["factor"], term["level"]
    cells = model["cells"]
    mine = term["indicator"]
    containers = [t for t in chosen if t is not term and bool(np.all(t["indicator"][mine]))]
    inside, outside = _comparison_cells(mine, [t["indicator"] for t in chosen if t is not term])
    two = pd.DataFrame(
        {
            "level": ["focus", "rest"],
            "complaints": [cells.loc[inside, "complaints"].sum(), cells.loc[outside, "complaints"].sum()],
            "units": [cells.loc[inside, "units"].sum(), cells.loc[outside, "units"].sum()],
        }
    )
    row = stats.compare_levels(two, alpha=settings.alpha, min_units=1, min_complaints=1).set_index("level").loc["focus"]
    terms: list[str] = []
    significant: list[bool] | None = None
    terms_against = None
    # buyers name the product they complain about: its name's words are no symptom
    name = {"exclude_words": words} if (words := name_words(level)) else {}
    for against in ("family", "all"):
        in_focus, in_reference, terms_against = term_sides(texted, factor, level, family, against)
        focus, reference = _sampled(texted[in_focus], _TERM_SAMPLE), _sampled(texted[in_reference], 3 * _TERM_SAMPLE)
        if top_terms_fn is None or not len(focus):
            break
        try:
            # against the family elsewhere only when that says something (a term significantly more frequent):
            # where the lot's complaints are worded like the family's everywhere, its words are the family's
            got = top_terms_fn(focus, reference, settings.top_terms, **name, **({"min_significant": 1} if terms_against == "family" else {}))
        except ValueError:
            got = []
        terms, significant = _terms_and_flags(got)
        if terms or terms_against == "all":
            break
    if terms and significant is not None:
        from analysis.keywords import TERMS_ALPHA
        significant = _judged(terms, significant, terms_table(texted, factor, level, family, terms_against), TERMS_ALPHA)
    marginal = levels[(levels["family"] == family) & (levels["factor"] == factor) & (levels["level"] == level)]
    expected = row["units"] * row["baseline_rate"]
    net_of = [{"factor": t["factor"], "level": t["level"]} for t in chosen if t is not term and not any(t is c for c in containers)]
    within = [{"factor": c["factor"], "level": c["level"]} for c in containers]
    finding = {
        "rank": 0,
        "factor": factor,
        "level": level,
        "family": family,
        "complaints": int(round(row["complaints"])),
        "units": None if shipments is None else int(round(row["units"])),
        "rate": _num(row["rate"]),
        "baseline_rate": _num(row["baseline_rate"]),
        "baseline_complaints": int(round(row["rest_complaints"])),
        "baseline_units": None if shipments is None else int(round(row["rest_units"])),
        "rate_ratio": _num(row["rate_ratio"]),
        "ci_low": _num(row["ci_low"]),
        "ci_high": _num(row["ci_high"]),
        "rr_ci_low": _num(row["rr_ci_low"]),
        "rr_ci_high": _num(row["rr_ci_high"]),
        # the same comparison as odds (sample odds ratio, Woolf interval; see stats.compare_levels)
        "odds_ratio": _num(row["odds_ratio"]),
        "or_ci_low": _num(row["or_ci_low"]),
        "or_ci_high": _num(row["or_ci_high"]),
        "p_value": _num(term["p_value"]),
        "p_adjusted": _num(term["p_adjusted"]),
        "test": term["test"],
        "strength": "established" if term["p_adjusted"] < settings.fdr else "tentative",
        "top_terms": terms,
        # per term: significantly more frequent (BH-adjusted p < 0.05, keywords.top_terms_significance); null: not tested
        "top_terms_significant": significant,
        "terms_against": terms_against,
        "aliases": term["aliases"],
        "competing": term.get("competing", []),
        "explains": [],
        "onset": onset["date"] if onset else None,
        # the onset's uncertainty: the weeks of its 95% likelihood support set, and the permutation p of the step
        "onset_interval": [onset["low"], onset["high"]] if onset else None,
        "onset_p": onset["p_value"] if onset else None,
        "excess_complaints": _num(row["complaints"] - expected),
        "net_of": net_of,
        "within": within,
        "marginal": {"complaints": _num(marginal["complaints"].iloc[0]), "units": _num(marginal["units"].iloc[0]), "rate": _num(marginal["rate"].iloc[0]), "baseline_rate": _num(marginal["baseline_rate"].iloc[0]), "p_adjusted": _num(marginal["p_adjusted"].iloc[0])} if len(marginal) else None,
        "basis": "units" if shipments is not None else "complaints",
        "method": (
            f"{'complaints per unit shipped' if shipments is not None else 'share of complaints'}, {factor} {level} against units outside it"
            + (" and outside the family's other findings" if net_of else "")
            + ", counting the complaints and units whose every factor is known (the level as a whole: marginal)"
            + f"; Wilson {100 * (1 - settings.alpha):.0f}% CI for the rate, Katz CI for the rate ratio; evidence: {term['test']} p-value, "
            f"Benjamini-Hochberg across the {n_tests} conditional tests of the run; "
            f"selected by forward selection guided by Rao's score (entry at LR p < {settings.selection_p})"
        ),
        # the same, as numbers and codes, for a method sentence in another language
        "method_params": {"net_of": bool(net_of), "confidence": round(100 * (1 - settings.alpha)), "test": _TEST_CODES.get(term["test"], term["test"]),
                          "tests": n_tests, "entry_p": settings.selection_p},
    }
    return finding


#: the tests behind a finding's p-value, by the code ``method_params.test`` gives them
_TEST_CODES = {"likelihood ratio (drop-one, binomial GLM)": "lr_drop_one", "score (add-one, binomial GLM)": "score_add_one"}


def _onset(complaints, shipments, family, outside: Sequence[tuple[str, str]] = ()) -> dict | None:
    """Week the family's overall rate stepped up (change point, permutation p < 0.01), or None:
    ``{date, low, high, p_value}`` (``low``-``high``: the weeks of the 95% likelihood support set).

    ``outside``: (factor, level) pairs whose complaints and units are left out.
    A finding's onset is read with the family's other findings left out: the
    family's rate steps up when a bad packaging version starts shipping, and
    that date belongs to the packaging finding, not to a fulfilment centre
    whose excess was there all along.

    Uses complaints tied to a ship week (as every weekly rate does, see
    :func:`analysis.aggregate.on_ship_weeks`), so numerator and denominator count the same units.
    """
    if shipments is None:
        return None
    for factor, level in outside:
        complaints = complaints[complaints[factor] != level]
        shipments = shipments[shipments[factor] != level]
    weekly = weekly_cells(complaints, shipments, family)
    weekly = weekly[weekly["exposure"] > 0]
    if len(weekly) < 6 or weekly["complaints"].sum() < 5:
        return None
    result = stats.change_point(weekly["complaints"].to_numpy(), weekly["exposure"].to_numpy(), dates=list(weekly["week"]), min_segment=2)
    if result is None or not (result.p_value < 0.01) or not (result.rate_after > result.rate_before):
        return None
    day = lambda d: pd.Timestamp(d).strftime("%Y-%m-%d")  # noqa: E731
    return {"date": day(result.date), "low": day(result.ci_low), "high": day(result.ci_high), "p_value": float(result.p_value)}


def _num(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None


FAMILY_WORDS = {
    "product_defect": "returned as defective",
    "quality_expectation": "returned for disappointing quality",
    "not_as_described": "returned as not as described",
    "missing_parts": "returned with missing parts",
    "shipping_damage": "damaged in transit",
    "warehouse_damage": "damaged at the fulfilment centre",
    "wrong_item": "wrong item",
    "authenticity": "reported as not genuine",
    "not_received": "not received",
    "misuse": "damaged by use",
    "remorse": "returned unwanted",
    "other": "complaints (other)",
}


#: why a finding with no complaints elsewhere still has a finite rate ratio (see :func:`analysis.stats.compare_levels`)
ZERO_REST_NOTE = "none elsewhere: the ratio adds 0.5 to every cell"


def _terms_and_flags(got) -> tuple[list[str], list[bool] | None]:
    """A ``top_terms_fn``'s answer as (terms, per term significant or None): it gives either."""
    if isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], list):
        terms, flags = list(got[0]), got[1]
        return terms, None if flags is None or len(flags) != len(terms) else [bool(x) for x in flags]
    return list(got), None


def statement(f: dict) -> str:
    """One readable English sentence for a finding (the UI translates its own)."""
    label = f"{f['factor'].replace('_', ' ')} {f['level']}"
    words = FAMILY_WORDS.get(f["family"], f["family"])
    p = f["p_adjusted"]
    p_text = "< 0.0001" if p is not None and p < 1e-4 else (f"{p:.2g}" if p is not None else "n/a")
    where = "elsewhere" + "".join(f" in {w['factor'].replace('_', ' ')} {w['level']}" for w in f.get("within") or ())
    if f.get("basis") == "complaints":
        kind = f["family"].replace("_", " ")
        text = f"{label}: {percent_text(f['rate'], 1)} of its complaints are {kind} vs {percent_text(f['baseline_rate'], 1)} {where}"
    else:
        text = f"{label}: {percent_text(f['rate'])} of {f['units']:,} units {words} vs {percent_text(f['baseline_rate'])} {where}"
    if f.get("rate_ratio"):
        text += f", {ratio_text(f['rate_ratio'])}x"
    if f.get("rr_ci_low") is not None and f.get("rr_ci_high") is not None:
        text += f" (95% CI {ratio_text(f['rr_ci_low'])}-{ratio_text(f['rr_ci_high'])})"
    if f.get("rate_ratio") and f.get("baseline_rate") == 0:
        text += f" ({ZERO_REST_NOTE})"
    text += f"; adjusted p {p_text}"
    if f.get("strength") == "tentative":
        text += " (tentative)"
    if f.get("onset"):
        text += f"; since {f['onset']}"
    if f.get("top_terms"):
        from analysis.export.poa import terms_with_significance

        terms = terms_with_significance(f)
        strong = [x for x, sig in terms if sig is not False]
        text += "; buyers say: " + (", ".join(strong[:3]) if strong else ", ".join(x for x, _ in terms[:3]) + " (none significantly more often)")
    if f.get("competing"):
        text += "; cannot be told apart from " + ", ".join(f"{c['factor'].replace('_', ' ')} {c['level']}" for c in f["competing"][:3])
    return text
