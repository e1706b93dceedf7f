"""Evidence for each finding: the statistics tables and the charts drawn from them.

Shared by the export and the app so the numbers on screen and in the documents
are the same.  Computation happens here (through :mod:`analysis.stats` and
:mod:`analysis.keywords`); :mod:`analysis.charts` only draws.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import pandas as pd

from analysis import stats
from analysis.aggregate import overall_rate

if TYPE_CHECKING:  # pragma: no cover
    from analysis.pipeline import Analysis

CHART_LABELS = {
    "en": {
        "pareto": {"title": "Complaints by family (Pareto)"},
        "rates": {"title": "{family}: complaint rate by {factor} (95% CI)"},
        "funnel": {"title": "{family}: funnel plot by {factor}"},
        "control": {"title": "{family}, {factor} {level}: weekly p-chart"},
        "terms": {"title": "What buyers say: {factor} {level} ({family})"},
    },
    "zh": {
        "pareto": {"title": "投诉类别帕累托图"},
        "rates": {"title": "{family}：按{factor}的投诉率（95% 置信区间）"},
        "funnel": {"title": "{family}：按{factor}的漏斗图"},
        "control": {"title": "{family}，{factor} {level}：每周 p 控制图"},
        "terms": {"title": "买家怎么说：{factor} {level}（{family}）"},
    },
}


def rate_word(analysis: "Analysis") -> str:
    """The chart word of a rate axis: complaints per unit shipped (``rate_y``), or without shipments each
    level's (or week's) share of its complaints (``share_y``)."""
    return "rate_y" if analysis.shipments is not None else "share_y"


def control_table(analysis: "Analysis", family: str, factor: str | None = None, level: str | None = None, laney: bool = False) -> pd.DataFrame:
    """Weekly p-chart (or Laney p′ chart) table for a family, optionally within one level."""
    weekly = analysis.weekly(family, factor, level)
    weekly = weekly[weekly["exposure"] > 0]  # units allowing for the time complaints take (see aggregate.weekly_cells)
    if len(weekly) < 2:
        return pd.DataFrame(columns=["sample", "count", "size", "value", "center", "lcl", "ucl", "out_of_control", "phase"])
    chart = stats.laney_p_chart if laney else stats.p_chart
    return chart(weekly["complaints"].to_numpy(dtype=float), weekly["exposure"].to_numpy(dtype=float), samples=list(weekly["week"]))


def funnel_tables(analysis: "Analysis", factor: str, family: str) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Funnel points, limits and the overall rate for one factor and family."""
    cells = analysis.level_cells(factor, family)
    cells = cells[cells["units"] > 0]
    baseline = float(cells["complaints"].sum() / cells["units"].sum()) if len(cells) and cells["units"].sum() > 0 else 0.0
    points = stats.funnel_points(cells, baseline_rate=baseline)
    phi = float(points["phi"].iloc[0]) if len(points) and "phi" in points else 1.0
    grid = np.unique(np.geomspace(max(1.0, float(cells["units"].min()) / 2), float(cells["units"].max()) * 1.5, 60).round()) if len(cells) else np.array([1.0])
    limits = stats.funnel_limits(grid, baseline, phi=max(phi, 1.0))
    return points, limits, baseline


def finding_comparison(finding: dict, levels: pd.DataFrame) -> pd.DataFrame:
    """The comparison a finding's sentence states, beside its level as a whole (as in the level table and charts).

    A finding counts the complaints and units whose every factor is known and, where findings of one family lie
    side by side, compares its units outside the others (``net_of``): its numbers are not the level table's.
    This table is where a reader finds both.
    """
    whole = levels[levels["level"].astype("str") == str(finding["level"])]
    net = "; ".join(f"{n['factor']} {n['level']}" for n in finding.get("net_of") or ())
    rows = [{
        "comparison": "finding (as stated)",
        "counted": "complaints and units with every factor known" + (f"; without the units of {net}" if net else ""),
        "complaints": finding.get("complaints"), "units": finding.get("units"), "rate": finding.get("rate"),
        "ci_low": finding.get("ci_low"), "ci_high": finding.get("ci_high"),
        "rest_complaints": finding.get("baseline_complaints"), "rest_units": finding.get("baseline_units"),
        "baseline_rate": finding.get("baseline_rate"), "rate_ratio": finding.get("rate_ratio"),
        "rr_ci_low": finding.get("rr_ci_low"), "rr_ci_high": finding.get("rr_ci_high"),
        "test": finding.get("test"), "p_value": finding.get("p_value"), "p_adjusted": finding.get("p_adjusted"),
    }]
    if len(whole):
        w = whole.iloc[0]
        rows.append({
            "comparison": "level as a whole", "counted": "every complaint and unit of the level, against all other levels",
            **{c: w[c] for c in ("complaints", "units", "rate", "ci_low", "ci_high", "baseline_rate", "rate_ratio", "rr_ci_low",
                                 "rr_ci_high", "test", "p_value", "p_adjusted") if c in w.index},
        })
    return pd.DataFrame(rows)


def finding_terms(analysis: "Analysis", finding: dict) -> pd.DataFrame:
    """Distinctive terms of a finding's complaints against what its ``top_terms`` were scored
    against (:func:`analysis.findings.terms_table`); ``attrs["against"]`` says which."""
    from analysis.findings import terms_table

    return terms_table(analysis.complaints, finding["factor"], finding["level"], finding["family"], finding.get("terms_against"))


def figures_for(analysis: "Analysis", language: str = "en", max_findings: int = 6) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Charts and statistics tables for the export: Pareto, then per finding rates, funnel, control chart, terms."""
    from analysis import charts
    from analysis.export.poa import figure_name
    from analysis.keywords import drop_contained, family_pareto

    lab = CHART_LABELS.get(language, CHART_LABELS["en"])
    words = chart_words(language)
    names = family_names(language)
    figures: dict[str, Any] = {}
    tables: dict[str, pd.DataFrame] = {}
    complaints = analysis.complaints
    if len(complaints):
        pareto = family_pareto(complaints)
        tables["family_pareto"] = pareto
        figures["family_pareto"] = charts.pareto_chart(pareto, labels=chart_labels(
            language, **lab["pareto"], x_title=words["pareto_x"], y_title=words["pareto_y"]))
    tables["level_tests"] = analysis.result.levels
    for f in analysis.findings["findings"][:max_findings]:
        key = partial(figure_name, f["rank"], f["factor"])
        fmt = {"family": names.get(f["family"], f["family"]), "factor": factor_name(f["factor"], language, capital=False), "level": f["level"]}
        level_df = analysis.level_table(f["factor"], f["family"])
        tables[key("comparison")] = finding_comparison(f, level_df)
        tables[key("levels")] = level_df
        figures[key("rates")] = charts.rates_chart(level_df, baseline=overall_rate(level_df) if analysis.shipments is not None else None, labels=chart_labels(
            language, title=lab["rates"]["title"].format(**fmt), x_title=factor_name(f["factor"], language), y_title=words[rate_word(analysis)]))
        if analysis.shipments is not None:
            points, limits, baseline = funnel_tables(analysis, f["factor"], f["family"])
            tables[key("funnel")] = points
            figures[key("funnel")] = charts.funnel_chart(points, limits, baseline, highlight=f["level"], labels=chart_labels(
                language, title=lab["funnel"]["title"].format(**fmt), x_title=words["funnel_x"], y_title=words[rate_word(analysis)]))
            control = control_table(analysis, f["family"], f["factor"], f["level"])
            if len(control):
                tables[key("control")] = control
                figures[key("control")] = charts.control_chart(
                    control, onset=f.get("onset"), action_date=analysis.settings.analysis.action_date, labels=chart_labels(
                        language, title=lab["control"]["title"].format(**fmt), x_title=words["week"], y_title=words[rate_word(analysis)]))
        terms = finding_terms(analysis, f)
        if len(terms):
            tables[key("terms")] = terms
            figures[key("terms")] = charts.terms_chart(drop_contained(terms).head(15), labels=chart_labels(
                language, title=lab["terms"]["title"].format(**fmt), x_title=words["terms_x"]))
    return figures, tables


def family_names(language: str) -> dict[str, str]:
    """Display names of the complaint families, from the POA templates (one source for documents, app and charts)."""
    return _names(language, "families")


def factor_names(language: str) -> dict[str, str]:
    """Display names of the factors (and the complaint columns named like them), from the POA templates."""
    return _names(language, "factors")


def factor_name(factor: str, language: str = "en", capital: bool = True) -> str:
    """One factor's display name (``capital=False``: as written inside a sentence); a lot-master column the templates do not know keeps its own name."""
    name = _templates(language)["factors"].get(factor) or str(factor).replace("_", " ")
    return _capital(name) if capital else name


def _names(language: str, table: str) -> dict[str, str]:
    return {key: _capital(name) for key, name in _templates(language)[table].items()}


def _capital(name: str) -> str:
    return name[:1].upper() + name[1:]


def _templates(language: str) -> Mapping[str, Any]:
    from analysis.export.poa import load_templates

    return load_templates(language if language in ("en", "zh") else "en")


#: what every chart may name in its legend and hover: ``{label key: key in the templates' [chart] table}``
_CHART_WORDS = {k: k for k in ("complaints", "units", "rate", "baseline", "ci", "rate_ratio", "p_value", "p_adjusted", "not_enough",
                               "no_units", "inside", "outside95", "outside998", "below", "limit95", "limit998", "onset", "action", "size",
                               "phase", "empty", "out_of_control", "center", "limits", "cumulative", "documents", "share",
                               "date_ticks", "phase_trial", "phase_excluded", "phase_monitor")}
_CHART_WORDS.update({"value": "observed", "count": "complaints", "count_focus": "in_focus", "count_reference": "in_reference", "log_odds": "log_odds",
                     "y2_title": "cumulative"})


def chart_words(language: str) -> Mapping[str, str]:
    """The charts' words in ``language`` (titles, axes, legends; the templates' ``[chart]`` table)."""
    return _templates(language)["chart"]


def chart_labels(language: str = "en", **extra: Any) -> dict[str, Any]:
    """The ``labels`` every :mod:`analysis.charts` function takes, in ``language``: legend and hover names, family names, then ``extra``."""
    words = chart_words(language)
    lab: dict[str, Any] = {key: words[word] for key, word in _CHART_WORDS.items()}
    lab["families"] = family_names(language)
    lab.update(extra)
    return lab

