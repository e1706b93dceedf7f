"""Rank root causes: which factor level drives which complaint family, net of confounding.

Three steps per family (compute -> decide; rendering is elsewhere):

1. **Screen** every level of every factor against the rest of its factor
   (:func:`analysis.stats.compare_levels`: Wilson interval, rate ratio,
   Fisher or chi-square) and adjust all p-values of the run together
   (Benjamini-Hochberg).
2. **Select** among the levels that pass the screen with forward selection in a
   binomial GLM over the joint cells of all factors (likelihood-ratio test at
   ``selection_p``).  A level whose excess disappears once a selected level is
   in the model is *explained by* it; levels that cover exactly the same units
   are aliases of each other and are named together.
3. **Describe** each selected level: rate vs baseline, interval, adjusted p,
   onset (change point of its weekly rate), the buyers' distinctive terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis import stats
from analysis.config import AnalysisSettings

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
    warnings : plain-language limits of this run
    """

    findings: list[dict]
    explained: list[dict]
    examined: list[dict]
    levels: pd.DataFrame
    basis: str
    warnings: list[str] = field(default_factory=list)


def complaint_units(complaints: pd.DataFrame) -> pd.Series:
    """Units complained about per complaint row: the return quantity, 1 for text-only signals.

    A return and a negative feedback about the same order and family count once.
    """
    qty = complaints[S.QUANTITY].astype("float64").fillna(1).clip(lower=1)
    has_order = complaints[S.ORDER_ID].fillna("") != ""
    key = complaints[S.ORDER_ID].astype("str") + "|" + complaints[S.SKU].astype("str") + "|" + complaints[S.FAMILY].astype("str")
    repeat = has_order & key.duplicated(keep="first")
    return qty.where(~repeat, 0.0)


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


def level_cells(complaints: pd.DataFrame, shipments: pd.DataFrame | None, factor: str, family: str) -> pd.DataFrame:
    """``level, complaints, units`` for one factor and family (unknown level left out).

    With shipments, ``units`` are units shipped; without, all complaints of the level
    (the family's share of complaints).
    """
    fam = complaints[complaints[S.FAMILY] == family]
    counts = fam.groupby(factor, observed=True)["_units"].sum()
    if shipments is not None:
        units = shipments.groupby(factor, observed=True)[S.QUANTITY].sum().astype("float64")
    else:
        units = complaints.groupby(factor, observed=True)["_units"].sum()
    cells = pd.DataFrame({"units": units}).join(counts.rename("complaints"), how="left").fillna({"complaints": 0.0})
    cells = cells[cells.index != S.UNKNOWN_LEVEL]
    cells["complaints"] = np.minimum(cells["complaints"], cells["units"])
    return cells.rename_axis("level").reset_index()[["level", "complaints", "units"]]


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
        ``fn(focus_df, reference_df, n) -> list[str]`` giving the distinctive terms
        of a finding's complaints (normally :func:`analysis.keywords.top_terms`).

    Returns
    -------
    FindingsResult
    """
    settings = settings or AnalysisSettings()
    complaints = complaints.copy()
    complaints["_units"] = complaint_units(complaints) if len(complaints) else pd.Series(dtype="float64")
    basis = "units" if shipments is not None and len(shipments) else "complaints"
    if basis == "complaints":
        shipments = None
    warnings: list[str] = []
    if basis == "complaints":
        warnings.append("No shipment file: rates per unit are not available; findings compare each level's share of complaints with the rest.")
    families = analysed_families(complaints, settings)
    factors = usable_factors(list(factors), complaints, shipments, settings)
    # ---- 1. screen
    screens = []
    for family in families:
        for factor in factors:
            cells = level_cells(complaints, shipments, factor, family)
            if len(cells) < 2 or cells["units"].sum() <= 0:
                continue
            table = stats.compare_levels(cells, alpha=settings.alpha, min_units=settings.min_units, min_complaints=settings.min_complaints)
            table.insert(0, "factor", factor)
            table.insert(0, "family", family)
            screens.append(table)
    if not screens:
        empty = pd.DataFrame(columns=LEVEL_COLUMNS)
        return FindingsResult([], [], [], empty, basis, warnings + ["Too few complaints or factors to test anything."])
    levels = pd.concat(screens, ignore_index=True)
    tested = levels["enough_data"].astype(bool) & levels["p_value"].notna()
    levels["p_adjusted"] = np.nan
    levels.loc[tested, "p_adjusted"] = stats.adjust_pvalues(levels.loc[tested, "p_value"].to_numpy())
    levels = levels[LEVEL_COLUMNS]
    examined = [
        {"factor": factor, "levels": int(levels.loc[levels["factor"] == factor, "level"].nunique()), "families": sorted(levels.loc[levels["factor"] == factor, "family"].unique().tolist())}
        for factor in factors
        if (levels["factor"] == factor).any()
    ]
    candidates = levels[tested & (levels["p_adjusted"] < settings.fdr) & (levels["rate_ratio"] >= settings.min_rate_ratio) & (levels["complaints"] >= settings.min_complaints)]
    # ---- 2. select per family
    findings: list[dict] = []
    explained: list[dict] = []
    for family, group in candidates.groupby("family", sort=False):
        chosen, expl = _select(complaints, shipments, family, group, factors, settings)
        explained.extend(expl)
        for item in chosen:
            findings.append(_describe(item, complaints, shipments, family, levels, settings, top_terms_fn))
    findings.sort(key=lambda f: (-f["excess_complaints"], f["p_adjusted"]))
    findings = findings[: settings.max_findings]
    for rank, f in enumerate(findings, start=1):
        f["rank"] = rank
    if basis == "units" and not findings:
        warnings.append(f"No factor level passed the screen (Benjamini-Hochberg adjusted p < {settings.fdr}, rate ratio >= {settings.min_rate_ratio}, >= {settings.min_complaints} complaints): no root cause can be claimed from these data.")
    return FindingsResult(findings, explained, examined, levels.reset_index(drop=True), basis, warnings)


# ------------------------------------------------------------------ select
def _joint_cells(complaints: pd.DataFrame, shipments: pd.DataFrame | None, family: str, factors: list[str]) -> pd.DataFrame:
    """Complaints and units per combination of all factor levels (unknown combinations dropped)."""
    fam = complaints[complaints[S.FAMILY] == family]
    counts = fam.groupby(factors, observed=True)["_units"].sum().rename("complaints")
    if shipments is not None:
        units = shipments.groupby(factors, observed=True)[S.QUANTITY].sum().astype("float64").rename("units")
    else:
        units = complaints.groupby(factors, observed=True)["_units"].sum().rename("units")
    cells = units.to_frame().join(counts, how="left").fillna({"complaints": 0.0}).reset_index()
    known = np.ones(len(cells), dtype=bool)
    for factor in factors:
        known &= (cells[factor] != S.UNKNOWN_LEVEL).to_numpy()
    cells = cells[known & (cells["units"] > 0).to_numpy()].reset_index(drop=True)
    cells["complaints"] = np.minimum(cells["complaints"], cells["units"])
    return cells


def _select(complaints, shipments, family, group, factors, settings):
    """Forward selection of candidate levels in a binomial GLM over the joint cells."""
    cells = _joint_cells(complaints, shipments, family, factors)
    terms: dict[str, dict] = {}
    indicator: dict[str, np.ndarray] = {}
    for row in group.itertuples():
        vec = (cells[row.factor] == row.level).to_numpy()
        if not vec.any():
            continue
        name = f"t{len(terms)}"
        terms[name] = {"factor": row.factor, "level": row.level, "row": row, "aliases": []}
        indicator[name] = vec
    # aliases: identical unit sets (e.g. a SKU that is one lot); keep the strongest as the term
    order = sorted(terms, key=lambda t: terms[t]["row"].p_value)
    kept: list[str] = []
    for name in order:
        twin = next((k for k in kept if np.array_equal(indicator[k], indicator[name])), None)
        if twin is None:
            kept.append(name)
        else:
            terms[twin]["aliases"].append({"factor": terms[name]["factor"], "level": terms[name]["level"]})
    frame = cells[["complaints", "units"]].copy()
    for name in kept:
        frame[name] = indicator[name].astype(float)
    selected: list[str] = []
    current = stats.binomial_glm(frame, [])
    # LR statistic of each remaining term given the selected ones, at every step
    history: dict[str, list[tuple[str | None, float]]] = {name: [] for name in kept}
    remaining = list(kept)
    while remaining:
        best, best_lr, best_fit = None, -1.0, None
        for name in remaining:
            fit = stats.binomial_glm(frame, selected + [name])
            lr = stats.lr_test(current, fit)
            history[name].append((selected[-1] if selected else None, lr.statistic))
            if lr.statistic > best_lr:
                best, best_lr, best_fit, best_p = name, lr.statistic, fit, lr.p_value
        if best is None or not (best_p < settings.selection_p):
            break
        coef = best_fit.coefficients.set_index("term").loc[best, "coef"]
        if coef <= 0:  # a level that only looks bad through others and is better than them net of them
            remaining.remove(best)
            continue
        selected.append(best)
        remaining.remove(best)
        current = best_fit
    chosen = []
    for name in selected:
        item = dict(terms[name])
        item["explains"] = []
        item["glm_coef"] = float(current.coefficients.set_index("term").loc[name, "coef"])
        chosen.append(item)
    explained = []
    by_name = {name: item for name, item in zip(selected, chosen)}
    for name in kept:
        if name in selected:
            continue
        steps = history[name]
        if not steps:
            continue
        # the selected term whose entry cut this level's evidence the most
        drops = []
        previous = steps[0][1]
        for i in range(1, len(steps)):
            entered = steps[i][0]
            drops.append((previous - steps[i][1], entered))
            previous = steps[i][1]
        if drops:
            _, cause = max(drops, key=lambda d: d[0])
        else:
            cause = selected[0] if selected else None
        if cause is None or cause not in by_name:
            overlap = [(float((indicator[name] & indicator[s]).sum()), s) for s in selected]
            cause = max(overlap)[1] if overlap else None
        if cause is None:
            continue
        source = by_name[cause]
        record = {"factor": terms[name]["factor"], "level": terms[name]["level"], "family": family, "explained_by": {"factor": source["factor"], "level": source["level"]}}
        explained.append(record)
        source["explains"].append({"factor": terms[name]["factor"], "level": terms[name]["level"]})
        for alias in terms[name]["aliases"]:
            explained.append({**alias, "family": family, "explained_by": record["explained_by"]})
    return chosen, explained


# ---------------------------------------------------------------- describe
def _describe(item, complaints, shipments, family, levels, settings, top_terms_fn) -> dict:
    row = item["row"]
    factor, level = item["factor"], item["level"]
    in_level = complaints[factor] == level
    focus = complaints[in_level & (complaints[S.FAMILY] == family)]
    reference = complaints[~(in_level & (complaints[S.FAMILY] == family))]
    terms: list[str] = []
    if top_terms_fn is not None and len(focus):
        try:
            terms = list(top_terms_fn(focus, reference, settings.top_terms))
        except ValueError:
            terms = []
    onset = _onset(complaints, shipments, factor, level, family)
    expected = row.units * row.baseline_rate
    finding = {
        "rank": 0,
        "factor": factor,
        "level": level,
        "family": family,
        "complaints": int(round(row.complaints)),
        "units": None if shipments is None else int(round(row.units)),
        "rate": _num(row.rate),
        "baseline_rate": _num(row.baseline_rate),
        "rate_ratio": _num(row.rate_ratio),
        "ci_low": _num(row.ci_low),
        "ci_high": _num(row.ci_high),
        "rr_ci_low": _num(row.rr_ci_low),
        "rr_ci_high": _num(row.rr_ci_high),
        "p_value": _num(row.p_value),
        "p_adjusted": _num(row.p_adjusted),
        "test": row.test,
        "top_terms": terms,
        "aliases": item["aliases"],
        "explains": item["explains"],
        "onset": onset,
        "excess_complaints": _num(row.complaints - expected),
        "basis": "units" if shipments is not None else "complaints",
        "method": (
            f"{'rate per unit shipped' if shipments is not None else 'share of complaints'} vs all other levels of {factor}: "
            f"Wilson {100 * (1 - settings.alpha):.0f}% CI, {'Fisher exact' if row.test == 'fisher' else 'Pearson chi-square'} test, "
            f"Benjamini-Hochberg across {int(levels['p_adjusted'].notna().sum())} tests; kept by forward selection in a binomial GLM over all factors (LR p < {settings.selection_p})"
        ),
    }
    finding["statement"] = statement(finding)
    return finding


def _onset(complaints, shipments, factor, level, family) -> str | None:
    """Week the level's rate stepped up (change point, permutation p < 0.05), or None."""
    fam = complaints[(complaints[factor] == level) & (complaints[S.FAMILY] == family)]
    counts = fam.groupby(S.WEEK)["_units"].sum()
    if shipments is not None:
        units = shipments[shipments[factor] == level].groupby(S.WEEK)[S.QUANTITY].sum().astype("float64")
    else:
        units = complaints[complaints[factor] == level].groupby(S.WEEK)["_units"].sum()
    weekly = pd.DataFrame({"units": units}).join(counts.rename("complaints"), how="left").fillna(0.0).sort_index()
    weekly = weekly[weekly["units"] > 0]
    if len(weekly) < 6 or weekly["complaints"].sum() < 5:
        return None
    counts_arr = np.minimum(weekly["complaints"].to_numpy(), weekly["units"].to_numpy())
    result = stats.change_point(counts_arr, weekly["units"].to_numpy(), dates=list(weekly.index), min_segment=2)
    if result is None or not (result.p_value < 0.05) or not (result.rate_after > result.rate_before):
        return None
    return pd.Timestamp(result.date).strftime("%Y-%m-%d")


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


def statement(f: dict) -> str:
    """One readable English sentence for a finding (the UI translates its own)."""
    label = f"{f['factor'].replace('_', ' ')} {f['level']}"
    words = FAMILY_WORDS.get(f["family"], f["family"])
    p = f["p_adjusted"]
    p_text = "< 0.0001" if p is not None and p < 1e-4 else (f"{p:.2g}" if p is not None else "n/a")
    if f.get("basis") == "complaints":
        text = f"{label}: {100 * f['rate']:.1f}% of its complaints {words} vs {100 * f['baseline_rate']:.1f}% elsewhere"
    else:
        text = f"{label}: {100 * f['rate']:.2f}% of {f['units']:,} units {words} vs {100 * f['baseline_rate']:.2f}% elsewhere"
    if f.get("rate_ratio"):
        text += f", {f['rate_ratio']:.1f}x"
    if f.get("rr_ci_low") is not None and f.get("rr_ci_high") is not None:
        text += f" (95% CI {f['rr_ci_low']:.1f}-{f['rr_ci_high']:.1f})"
    text += f"; adjusted p {p_text}"
    if f.get("onset"):
        text += f"; since {f['onset']}"
    if f.get("top_terms"):
        text += "; buyers say: " + ", ".join(f['top_terms'][:3])
    return text
