"""Plotly figures for the workbench: a tidy DataFrame in, a ``plotly`` Figure out.

No statistics happen here: every number drawn is a column of the input table
(computed by :mod:`analysis.stats`, :mod:`analysis.keywords` ...).  Each
function takes ``labels=``, a dict of already translated strings (title, axis
titles, legend names, hover names), so the UI can render in English or Chinese;
missing keys fall back to English.

Safety: plotly renders a subset of HTML in hover text, tick labels and legend
names, so every piece of data-derived text that is *displayed* (levels, terms,
families) is HTML-escaped first.  ``customdata`` keeps the raw value as its
first element, so the app can map a click back to rows.

Readability: figures carry no fixed size (the app stretches them); the export
renders them at 1200 x 700, for which fonts and margins below are chosen.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analysis import schema

__all__ = [
    "FAMILY_COLORS",
    "escape_hover",
    "pareto_chart",
    "rates_chart",
    "funnel_chart",
    "control_chart",
    "terms_chart",
    "family_week_chart",
]

# Stable colour per complaint family, so a family looks the same on every chart.
FAMILY_COLORS: dict[str, str] = {
    "product_defect": "#d62728",
    "quality_expectation": "#ff7f0e",
    "not_as_described": "#9467bd",
    "missing_parts": "#8c564b",
    "shipping_damage": "#1f77b4",
    "warehouse_damage": "#17becf",
    "wrong_item": "#e377c2",
    "authenticity": "#bcbd22",
    "not_received": "#7f7f7f",
    "misuse": "#2ca02c",
    "remorse": "#aec7e8",
    "other": "#c7c7c7",
}

_BASE = "#1f77b4"
_HIGHLIGHT = "#d62728"
_WARN = "#ff7f0e"
_MUTED = "#9e9e9e"
_REFERENCE = "#555555"
_BETTER = "#2ca02c"  # a level significantly better than the rest

_COMMON_LABELS: dict[str, str] = {
    "complaints": "Complaints",
    "units": "Units",
    "rate": "Rate",
    "ci": "95% CI",
    "baseline": "Baseline",
    "rate_ratio": "Rate ratio",
    "p_value": "p",
    "p_adjusted": "Adjusted p",
    "note": "Note",
}


def escape_hover(value: Any) -> str:
    """Return ``value`` as text safe to show in plotly hover, ticks and legends.

    Plotly interprets a subset of HTML (``<b>``, ``<a href>``, ``<br>`` ...)
    in displayed strings; escaping ``&``, ``<`` and ``>`` shows customer text
    literally.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return html.escape(str(value), quote=False)


def _labels(defaults: Mapping[str, Any], labels: Mapping[str, Any] | None) -> dict[str, Any]:
    out = dict(_COMMON_LABELS)
    out.update(defaults)
    if labels:
        out.update({k: v for k, v in labels.items() if v is not None})
    return out


def _family_name(family: Any, lab: Mapping[str, Any]) -> str:
    names = lab.get("families") or {}
    return str(names.get(family, str(family).replace("_", " ")))


#: a title line's width in Latin characters (a CJK character counts two): 22-pixel text in the app's
#: main column at a 1024-pixel window; plotly does not wrap titles, it cuts them
TITLE_WIDTH = 56


def wrap_title(text: str, width: int = TITLE_WIDTH) -> str:
    """``text`` escaped for plotly (:func:`escape_hover`) and broken into lines of at most ``width``
    (CJK characters counting two) with ``<br>``: after a space, or after a CJK character or full-width
    punctuation; a word longer than a line is left whole."""
    import unicodedata

    def cells(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

    lines: list[str] = []
    line, cut = "", -1  # cut: where the current line may break (an index into line)
    for ch in str(text):
        if line and cells(line) + cells(ch) > width:
            if ch == " ":
                lines.append(line.rstrip())
                line, cut = "", -1
                continue
            if cut > 0:
                lines.append(line[:cut].rstrip())
                line, cut = line[cut:].lstrip(), -1
        line += ch
        if ch == " " or cells(ch) == 2:
            cut = len(line)
    lines.append(line)
    return "<br>".join(escape_hover(x) for x in lines if x)


def _layout(fig: go.Figure, lab: Mapping[str, Any], **extra: Any) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        title={"text": wrap_title(lab.get("title", "")), "x": 0.01, "xanchor": "left", "font": {"size": 22}},
        font={"size": 15},
        margin={"l": 80, "r": 40, "t": 90, "b": 80},
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0.0, "xanchor": "left", "x": 0.0},
        hoverlabel={"font_size": 14},
        xaxis_title=escape_hover(lab.get("x_title", "")),
        yaxis_title=escape_hover(lab.get("y_title", "")),
        **extra,
    )
    return fig


def _date_ticks(fig: go.Figure, lab: Mapping[str, Any], x: pd.Series) -> None:
    """Dates on the x axis in the labels' language (``date_ticks``, a d3 time format; none: plotly's English month names)."""
    dates = pd.to_datetime(pd.Series(x), errors="coerce") if lab.get("date_ticks") and len(x) else None
    if dates is not None and not pd.api.types.is_numeric_dtype(pd.Series(x)) and dates.notna().all():
        fig.update_xaxes(tickformat=lab["date_ticks"], hoverformat="%Y-%m-%d")


def _empty(lab: Mapping[str, Any]) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=escape_hover(lab.get("empty", "No data")),
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        font={"size": 18, "color": _MUTED},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, lab)


def _num(value: Any) -> float | None:
    try:
        if value is None or pd.isna(value):
            return None
    except (TypeError, ValueError):
        return None
    return float(value)


def _col(df: pd.DataFrame, name: str, default: Any = float("nan")) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series([default] * len(df), index=df.index)


def _floats(series: pd.Series) -> list[float | None]:
    return [_num(v) for v in series]


# ------------------------------------------------------------------ pareto
def pareto_chart(pareto_df: pd.DataFrame, labels: Mapping[str, Any] | None = None) -> go.Figure:
    """Bar chart of complaint counts per family with the cumulative share line.

    Parameters
    ----------
    pareto_df : DataFrame
        Columns ``group, family, count, share, cumulative_share`` (the family
        Pareto table of :mod:`analysis.stats`), already sorted.  One bar trace
        and one cumulative line per ``group``.
    labels : dict, optional
        ``title, x_title, y_title, y2_title, count, cumulative, share, families``
        (``families`` maps family id -> display name).

    Returns
    -------
    plotly.graph_objects.Figure
        ``customdata[0]`` of every point is the family id, ``customdata[1]`` the group.
    """
    lab = _labels(
        {
            "title": "Complaints by family (Pareto)",
            "x_title": "Complaint family",
            "y_title": "Complaints",
            "y2_title": "Cumulative share",
            "count": "Complaints",
            "cumulative": "Cumulative share",
            "share": "Share",
        },
        labels,
    )
    if pareto_df is None or pareto_df.empty:
        return _empty(lab)
    groups = list(dict.fromkeys(_col(pareto_df, "group", "all").tolist()))
    fig = go.Figure()
    for group in groups:
        part = pareto_df[_col(pareto_df, "group", "all") == group] if len(groups) > 1 else pareto_df
        suffix = f" ({escape_hover(group)})" if len(groups) > 1 else ""
        names = [escape_hover(_family_name(f, lab)) for f in part["family"]]
        custom = [[f, g] for f, g in zip(part["family"], [group] * len(part))]
        colors = [FAMILY_COLORS.get(f, _BASE) for f in part["family"]] if len(groups) == 1 else None
        fig.add_bar(
            x=names,
            y=_floats(part["count"]),
            name=escape_hover(lab["count"]) + suffix,
            marker_color=colors,
            customdata=[c + [s] for c, s in zip(custom, _floats(part["share"]))],
            hovertemplate=(
                "%{x}<br>" + escape_hover(lab["count"]) + ": %{y:,}<br>"
                + escape_hover(lab["share"]) + ": %{customdata[2]:.1%}<extra></extra>"
            ),
        )
        fig.add_scatter(
            x=names,
            y=_floats(part["cumulative_share"]),
            name=escape_hover(lab["cumulative"]) + suffix,
            mode="lines+markers",
            yaxis="y2",
            line={"color": _REFERENCE, "width": 2},
            customdata=custom,
            hovertemplate="%{x}<br>" + escape_hover(lab["cumulative"]) + ": %{y:.1%}<extra></extra>",
        )
    _layout(
        fig,
        lab,
        barmode="group",
        yaxis2={
            "title": escape_hover(lab["y2_title"]),
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.02],
            "tickformat": ".0%",
            "dtick": 0.2,
            "showgrid": False,
        },
    )
    fig.update_layout(margin={"r": 90})
    # every family named: on a narrow screen plotly left every other bar without its name
    named = list(dict.fromkeys(x for trace in fig.data if trace.type == "bar" for x in trace.x))
    fig.update_xaxes(tickmode="array", tickvals=named, ticktext=named, tickangle=-30, automargin=True)
    return fig


# ------------------------------------------------------------------- rates
def rates_chart(
    level_df: pd.DataFrame,
    baseline: float | None = None,
    labels: Mapping[str, Any] | None = None,
) -> go.Figure:
    """Complaint rate per level with its 95% interval and the baseline line.

    Parameters
    ----------
    level_df : DataFrame
        The level-comparison table of :mod:`analysis.stats`: ``level,
        complaints, units, rate, ci_low, ci_high, baseline_rate, rate_ratio,
        p_value, enough_data, note`` (others ignored), in display order.
        When there are no shipments (``rate`` all missing) complaint counts
        are drawn instead, with a note saying so.
    baseline : float, optional
        Rate drawn as a horizontal reference line (e.g. the overall rate).
    labels : dict, optional
        ``title, x_title, y_title, rate, ci, baseline, complaints, units,
        rate_ratio, p_value, note, not_enough, no_units``.

    Returns
    -------
    plotly.graph_objects.Figure
        ``customdata[0]`` is the level.  Levels with ``enough_data`` False
        are drawn hollow and grey.
    """
    lab = _labels(
        {
            "title": "Complaint rate by level",
            "x_title": "Level",
            "y_title": "Complaint rate",
            "not_enough": "Not enough data",
            "no_units": "No shipment data: complaint counts shown, not rates",
        },
        labels,
    )
    if level_df is None or level_df.empty:
        return _empty(lab)
    levels = level_df["level"].tolist()
    x = [escape_hover(v) for v in levels]
    rate = _floats(_col(level_df, "rate"))
    enough = [bool(v) if _num(v) is not None or isinstance(v, bool) else True for v in _col(level_df, "enough_data", True)]
    notes = [escape_hover(v) for v in _col(level_df, "note", "")]
    custom = [
        [lvl, _num(c), _num(u), _num(rr), _num(p), note, _num(lo), _num(hi)]
        for lvl, c, u, rr, p, note, lo, hi in zip(
            levels,
            _col(level_df, "complaints"),
            _col(level_df, "units"),
            _col(level_df, "rate_ratio"),
            _col(level_df, "p_value"),
            notes,
            _col(level_df, "ci_low"),
            _col(level_df, "ci_high"),
        )
    ]
    fig = go.Figure()
    if all(r is None for r in rate):
        fig.add_bar(
            x=x,
            y=_floats(_col(level_df, "complaints")),
            name=escape_hover(lab["complaints"]),
            marker_color=[_BASE if e else _MUTED for e in enough],
            customdata=custom,
            hovertemplate="%{x}<br>" + escape_hover(lab["complaints"]) + ": %{y:,}<br>%{customdata[5]}<extra></extra>",
        )
        fig.add_annotation(
            text=escape_hover(lab["no_units"]), xref="paper", yref="paper", x=0, y=1.0,
            xanchor="left", yanchor="bottom", showarrow=False, font={"color": _MUTED},
        )
        _layout(fig, lab)
        fig.update_layout(yaxis_title=escape_hover(lab["complaints"]))
        return fig

    lo = _floats(_col(level_df, "ci_low"))
    hi = _floats(_col(level_df, "ci_high"))
    err_plus = [None if (r is None or h is None) else max(h - r, 0.0) for r, h in zip(rate, hi)]
    err_minus = [None if (r is None or lw is None) else max(r - lw, 0.0) for r, lw in zip(rate, lo)]
    hover = (
        "%{x}<br>" + escape_hover(lab["rate"]) + ": %{y:.2%}"
        " (" + escape_hover(lab["ci"]) + " %{customdata[6]:.2%} – %{customdata[7]:.2%})<br>"
        + escape_hover(lab["complaints"]) + ": %{customdata[1]:,} / "
        + escape_hover(lab["units"]) + ": %{customdata[2]:,}<br>"
        + escape_hover(lab["rate_ratio"]) + ": %{customdata[3]:.2f}<br>"
        + escape_hover(lab["p_value"]) + ": %{customdata[4]:.2g}<br>%{customdata[5]}<extra></extra>"
    )
    for flag, color, symbol, name in (
        (True, _BASE, "circle", lab["rate"]),
        (False, _MUTED, "circle-open", lab["not_enough"]),
    ):
        idx = [i for i, e in enumerate(enough) if e is flag]
        if not idx:
            continue
        fig.add_scatter(
            x=[x[i] for i in idx],
            y=[rate[i] for i in idx],
            mode="markers",
            name=escape_hover(name),
            marker={"size": 12, "color": color, "symbol": symbol, "line": {"width": 2, "color": color}},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [err_plus[i] for i in idx],
                "arrayminus": [err_minus[i] for i in idx],
                "thickness": 2,
                "width": 6,
                "color": color,
            },
            customdata=[custom[i] for i in idx],
            hovertemplate=hover,
        )
    if baseline is not None and _num(baseline) is not None:
        _hline(fig, float(baseline), lab["baseline"], x)
    _layout(fig, lab)
    fig.update_yaxes(tickformat=".1%", rangemode="tozero")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=x)
    return fig


def _hline(fig: go.Figure, y: float, name: str, x: list[Any]) -> None:
    """A dashed reference line as a trace (so it has a legend entry and hover)."""
    fig.add_scatter(
        x=[x[0], x[-1]] if x else [0, 1],
        y=[y, y],
        mode="lines",
        name=escape_hover(name),
        line={"color": _REFERENCE, "dash": "dash", "width": 2},
        hovertemplate=escape_hover(name) + ": %{y:.2%}<extra></extra>",
    )


# ------------------------------------------------------------------ funnel
#: where a point's name may go, in order of preference, and the offset of its box from the point (pixels)
_LABEL_TURNS = ("middle right", "top center", "bottom center", "middle left")


def _label_positions(named: Sequence[int], x: Sequence[float | None], y: Sequence[float | None], names: Sequence[str],
                     extra_x: Sequence[float | None] = (), extra_y: Sequence[float | None] = (),
                     size: tuple[float, float] = (1000.0, 480.0), char: float = 7.5, height: float = 16.0) -> dict[int, str]:
    """A ``textposition`` for each of the ``named`` points whose name collides least with names
    already placed and with every point (greedy, from left to right): the first of
    :data:`_LABEL_TURNS` that is free, else the one that overlaps least.  Boxes are estimated in
    pixels of a plot area of ``size`` at the export's font (``char`` pixels a character);
    ``extra_x``/``extra_y`` widen the axes as the chart's other traces do (plotly's autorange)."""
    xs = [v for v in list(x) + list(extra_x) if v is not None]
    ys = [v for v in list(y) + list(extra_y) if v is not None]
    if not named or not xs or not ys:
        return {}
    x_span, y_span = (max(max(xs), 0.0) or 1.0), (max(max(ys), 0.0) or 1.0)  # both axes start at zero
    px = [None if v is None else v / x_span * size[0] for v in x]
    py = [None if v is None else v / y_span * size[1] for v in y]
    marker = 7.0  # a point's half width, with its outline
    obstacles = [(a - marker, b - marker, a + marker, b + marker) for a, b in zip(px, py) if a is not None and b is not None]

    def box(i: int, turn: str) -> tuple[float, float, float, float]:
        w, gap = char * len(names[i]) + 4.0, marker + 2.0
        cx, cy = {"middle right": (px[i] + gap + w / 2, py[i]), "middle left": (px[i] - gap - w / 2, py[i]),
                  "top center": (px[i], py[i] + gap + height / 2), "bottom center": (px[i], py[i] - gap - height / 2)}[turn]
        return cx - w / 2, cy - height / 2, cx + w / 2, cy + height / 2

    def overlap(a: tuple, b: tuple) -> float:
        return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))

    area = (-height, -height, size[0] + height, size[1] + height)  # (autorange pads the axes a little)
    out: dict[int, str] = {}
    for i in sorted((i for i in named if px[i] is not None and py[i] is not None), key=lambda i: (px[i], py[i])):
        def cost(turn: str) -> float:
            b = box(i, turn)
            outside = overlap(b, area) < (b[2] - b[0]) * (b[3] - b[1]) - 1e-9
            return sum(overlap(b, o) for o in obstacles) + (1e6 if outside else 0.0)
        costs = [cost(turn) for turn in _LABEL_TURNS]
        turn = _LABEL_TURNS[costs.index(min(costs))]
        out[i] = turn
        obstacles.append(box(i, turn))
    return out


def funnel_chart(
    points_df: pd.DataFrame,
    limits_df: pd.DataFrame,
    baseline: float,
    labels: Mapping[str, Any] | None = None,
    highlight: Any = None,
) -> go.Figure:
    """Funnel plot: each level's rate against its units, with 95% and 99.8% limits.

    Parameters
    ----------
    points_df : DataFrame
        ``level, complaints, units, rate, z, z_adjusted, phi, outside95, outside998``.
    limits_df : DataFrame
        ``units, lower95, upper95, lower998, upper998`` (sorted by units).
    baseline : float
        The overall rate, the funnel's centre line.
    labels : dict, optional
        ``title, x_title, y_title, level, inside, outside95, outside998, below,
        limit95, limit998, baseline, complaints, units, rate``.
    highlight : optional
        A level named on the chart wherever it lies (a finding's own level, inside the limits too:
        the reader could not tell which point it was).  Points outside the limits are named anyway,
        each beside, above or below its point where it overlaps least (:func:`_label_positions`).

    Returns
    -------
    plotly.graph_objects.Figure
        ``customdata[0]`` is the level.  Levels outside the 95% limits are
        labelled on the chart: above them in orange (95%) or red (99.8%), below
        them (fewer complaints than the limits allow) in green.
    """
    lab = _labels(
        {
            "title": "Funnel plot: complaint rate vs units",
            "x_title": "Units shipped",
            "y_title": "Complaint rate",
            "inside": "Within limits",
            "outside95": "Above 95% limits",
            "outside998": "Above 99.8% limits",
            "below": "Below 95% limits (fewer complaints)",
            "limit95": "95% limits",
            "limit998": "99.8% limits",
            "z": "z",
        },
        labels,
    )
    if points_df is None or points_df.empty:
        return _empty(lab)
    fig = go.Figure()
    if limits_df is not None and not limits_df.empty:
        for lower, upper, name, dash in (
            ("lower998", "upper998", lab["limit998"], "dot"),
            ("lower95", "upper95", lab["limit95"], "dash"),
        ):
            for col, show in ((upper, True), (lower, False)):
                fig.add_scatter(
                    x=_floats(limits_df["units"]),
                    y=_floats(limits_df[col]),
                    mode="lines",
                    name=escape_hover(name),
                    legendgroup=name,
                    showlegend=show,
                    line={"color": _REFERENCE, "dash": dash, "width": 1.5},
                    hoverinfo="skip",
                )
    units = _floats(points_df["units"])
    if units:
        xs = [u for u in units if u is not None] or [0.0, 1.0]
        xs_line = [min(xs), max(xs)]
        if limits_df is not None and not limits_df.empty:
            lim = [u for u in _floats(limits_df["units"]) if u is not None]
            if lim:
                xs_line = [min(lim + xs), max(lim + xs)]
        if _num(baseline) is not None:
            fig.add_scatter(
                x=xs_line, y=[baseline, baseline], mode="lines", name=escape_hover(lab["baseline"]),
                line={"color": _REFERENCE, "width": 2},
                hovertemplate=escape_hover(lab["baseline"]) + ": %{y:.2%}<extra></extra>",
            )
    out95 = [bool(v) for v in _col(points_df, "outside95", False).fillna(False)]
    out998 = [bool(v) for v in _col(points_df, "outside998", False).fillna(False)]
    levels = points_df["level"].tolist()
    z = _floats(_col(points_df, "z"))
    rate = _floats(points_df["rate"])
    # below the funnel: fewer complaints than the limits allow (a level doing better, not a suspect)
    below = [(out95[i] or out998[i]) and ((z[i] if z[i] is not None else (rate[i] or 0.0) - (_num(baseline) or 0.0)) < 0)
             for i in range(len(levels))]
    custom = [
        [lvl, _num(c), zi]
        for lvl, c, zi in zip(levels, _col(points_df, "complaints"), z)
    ]
    hover = (
        "%{hovertext}<br>" + escape_hover(lab["rate"]) + ": %{y:.2%}<br>"
        + escape_hover(lab["complaints"]) + ": %{customdata[1]:,} / " + escape_hover(lab["units"])
        + ": %{x:,}<br>" + escape_hover(lab["z"]) + ": %{customdata[2]:.2f}<extra></extra>"
    )
    groups = (
        ("inside", [i for i in range(len(levels)) if not out95[i] and not out998[i]], _BASE),
        ("below", [i for i in range(len(levels)) if below[i]], _BETTER),
        ("outside95", [i for i in range(len(levels)) if out95[i] and not out998[i] and not below[i]], _WARN),
        ("outside998", [i for i in range(len(levels)) if out998[i] and not below[i]], _HIGHLIGHT),
    )
    named = [i for i in range(len(levels)) if out95[i] or out998[i] or (highlight is not None and str(levels[i]) == str(highlight))]
    lim_x = _floats(limits_df["units"]) if limits_df is not None and not limits_df.empty else []
    lim_y = [v for c in ("upper998", "upper95") if limits_df is not None and c in limits_df for v in _floats(limits_df[c])]
    position = _label_positions(named, units, rate, [str(v) for v in levels], lim_x, lim_y)
    for key, idx, color in groups:
        if not idx:
            continue
        fig.add_scatter(
            x=[units[i] for i in idx],
            y=[rate[i] for i in idx],
            mode="markers+text" if any(i in position for i in idx) else "markers",
            text=[escape_hover(levels[i]) if i in position else "" for i in idx],
            hovertext=[escape_hover(levels[i]) for i in idx],
            textposition=[position.get(i, "top center") for i in idx],
            textfont={"size": 13, "color": color},
            name=escape_hover(lab[key]),
            marker={"size": [11 if key != "inside" or i in position else 9 for i in idx], "color": color,
                    "line": {"width": [2 if highlight is not None and str(levels[i]) == str(highlight) else 1 for i in idx],
                             "color": ["black" if highlight is not None and str(levels[i]) == str(highlight) else "white" for i in idx]}},
            customdata=[custom[i] for i in idx],
            hovertemplate=hover,
        )
    _layout(fig, lab)
    fig.update_yaxes(tickformat=".1%", rangemode="tozero")
    fig.update_xaxes(rangemode="tozero", tickformat=",")
    return fig


# ----------------------------------------------------------------- control
def _x_value(value: Any, like: pd.Series) -> Any:
    """Turn an onset / action date into the x type of the chart's samples."""
    if value is None:
        return None
    if pd.api.types.is_datetime64_any_dtype(like):
        try:
            return pd.Timestamp(value)
        except (TypeError, ValueError):
            return None
    return value


def control_chart(
    chart_df: pd.DataFrame,
    onset: Any = None,
    action_date: Any = None,
    labels: Mapping[str, Any] | None = None,
) -> go.Figure:
    """Control chart (p / u / c): values, centre line, step limits, signals.

    Parameters
    ----------
    chart_df : DataFrame
        ``sample, count, size, value, center, lcl, ucl, out_of_control, phase``
        (``sample`` is a date or a sequence number), sorted by sample.
    onset : date-like, optional
        Drawn as a vertical line labelled ``labels["onset"]``.
    action_date : date-like, optional
        The corrective action date, drawn as a vertical line.
    labels : dict, optional
        ``title, x_title, y_title, value, center, limits, out_of_control,
        onset, action, count, size, phase``.

    Returns
    -------
    plotly.graph_objects.Figure
        ``customdata[0]`` is the sample; limits are drawn as steps
        (``line_shape="hv"``) because they change with the sample size.
    """
    lab = _labels(
        {
            "title": "Control chart",
            "x_title": "Week",
            "y_title": "Complaint rate",
            "value": "Observed",
            "center": "Centre line",
            "limits": "Control limits",
            "out_of_control": "Out of control",
            "onset": "Onset",
            "action": "Corrective action",
            "count": "Count",
            "size": "Size",
            "phase": "Phase",
            "phase_trial": "limits computed from it",
            "phase_excluded": "left out of the limits",
            "phase_monitor": "watched against the limits",
        },
        labels,
    )
    if chart_df is None or chart_df.empty:
        return _empty(lab)
    samples = chart_df["sample"]
    x = samples.tolist()
    phase = [escape_hover(lab.get(f"phase_{v}", v)) for v in _col(chart_df, "phase", "")]  # in the reader's language
    custom = [
        [s, _num(c), _num(n), p]
        for s, c, n, p in zip(x, _col(chart_df, "count"), _col(chart_df, "size"), phase)
    ]
    is_rate = bool(((chart_df["value"].dropna() <= 1) & (chart_df["value"].dropna() >= 0)).all()) and (
        _col(chart_df, "size").notna().any()
    )
    yfmt = ".2%" if is_rate else ".3g"
    fig = go.Figure()
    fig.add_scatter(
        x=x, y=_floats(chart_df["ucl"]), mode="lines", line_shape="hv", name=escape_hover(lab["limits"]),
        legendgroup="limits", line={"color": _HIGHLIGHT, "dash": "dash", "width": 1.5},
        hovertemplate="UCL: %{y:" + yfmt + "}<extra></extra>",
    )
    fig.add_scatter(
        x=x, y=_floats(chart_df["lcl"]), mode="lines", line_shape="hv", name=escape_hover(lab["limits"]),
        legendgroup="limits", showlegend=False, line={"color": _HIGHLIGHT, "dash": "dash", "width": 1.5},
        hovertemplate="LCL: %{y:" + yfmt + "}<extra></extra>",
    )
    fig.add_scatter(
        x=x, y=_floats(chart_df["center"]), mode="lines", line_shape="hv", name=escape_hover(lab["center"]),
        line={"color": _REFERENCE, "width": 2},
        hovertemplate=escape_hover(lab["center"]) + ": %{y:" + yfmt + "}<extra></extra>",
    )
    hover = (
        "%{x}<br>" + escape_hover(lab["value"]) + ": %{y:" + yfmt + "}<br>"
        + escape_hover(lab["count"]) + ": %{customdata[1]:,} / " + escape_hover(lab["size"])
        + ": %{customdata[2]:,}<br>" + escape_hover(lab["phase"]) + ": %{customdata[3]}<extra></extra>"
    )
    fig.add_scatter(
        x=x, y=_floats(chart_df["value"]), mode="lines+markers", name=escape_hover(lab["value"]),
        line={"color": _BASE, "width": 2}, marker={"size": 8}, customdata=custom, hovertemplate=hover,
    )
    ooc = [bool(v) for v in _col(chart_df, "out_of_control", False).fillna(False)]
    idx = [i for i, v in enumerate(ooc) if v]
    if idx:
        fig.add_scatter(
            x=[x[i] for i in idx],
            y=[_num(chart_df["value"].iloc[i]) for i in idx],
            mode="markers",
            name=escape_hover(lab["out_of_control"]),
            marker={"size": 15, "color": _HIGHLIGHT, "symbol": "diamond", "line": {"width": 1, "color": "white"}},
            customdata=[custom[i] for i in idx],
            hovertemplate=hover,
        )
    for value, key, color in ((onset, "onset", _WARN), (action_date, "action", "#2ca02c")):
        xv = _x_value(value, samples)
        if xv is None:
            continue
        # Shapes + annotations rather than add_vline: add_vline's annotation
        # positioning fails on date axes in some plotly versions.
        fig.add_shape(
            type="line", x0=xv, x1=xv, xref="x", y0=0, y1=1, yref="paper",
            line={"color": color, "width": 2, "dash": "dashdot"},
        )
        fig.add_annotation(
            x=xv, xref="x", y=0.99, yref="paper", yanchor="top", xanchor="left", showarrow=False,
            text=escape_hover(lab[key]), font={"color": color, "size": 14}, bgcolor="rgba(255,255,255,0.8)",
        )
    _layout(fig, lab)
    _date_ticks(fig, lab, samples)
    if is_rate:
        fig.update_yaxes(tickformat=".1%")
    fig.update_yaxes(rangemode="tozero")
    return fig


# ------------------------------------------------------------------- terms
def terms_chart(terms_df: pd.DataFrame, labels: Mapping[str, Any] | None = None) -> go.Figure:
    """Horizontal bars of the distinctive terms' z-scores (log-odds over its standard error), strongest on top.

    The bars are z, the order the terms are ranked in: with an informative Dirichlet prior every term
    used by the focus group alone has nearly the same log-odds (about 3.1 for the sample's product
    defects, used by 44 complaints or by 189), so bars of log-odds were equal where the evidence was
    not, and shorter above longer (Monroe, Colaresi & Quinn 2008 rank and plot by z).  Each bar's
    hover gives its log-odds too.

    Parameters
    ----------
    terms_df : DataFrame
        ``group, term, count_focus, count_reference, log_odds, variance, z,
        p_value, p_adjusted, focus_documents``, in display order (first row
        drawn on top).  One trace per ``group``.
    labels : dict, optional
        ``title, x_title, y_title, count_focus, count_reference, log_odds,
        p_adjusted, documents``.

    Returns
    -------
    plotly.graph_objects.Figure
        Terms are customer words: displayed escaped; ``customdata[0]`` is the
        raw term, ``customdata[1]`` the group.
    """
    lab = _labels(
        {
            "title": "What buyers say: distinctive terms",
            "x_title": "z-score vs reference",
            "y_title": "",
            "count_focus": "In focus group",
            "count_reference": "In reference",
            "log_odds": "Log-odds",
            "documents": "Complaints mentioning",
        },
        labels,
    )
    if terms_df is None or terms_df.empty:
        return _empty(lab)
    groups = list(dict.fromkeys(_col(terms_df, "group", "").tolist()))
    fig = go.Figure()
    hover = (
        "%{y}<br>" + escape_hover(lab["x_title"]) + ": %{x:.2f}<br>"
        + escape_hover(lab["count_focus"]) + ": %{customdata[2]:,}<br>"
        + escape_hover(lab["count_reference"]) + ": %{customdata[3]:,}<br>"
        + escape_hover(lab["log_odds"]) + ": %{customdata[4]:.2f}<br>"
        + escape_hover(lab["p_adjusted"]) + ": %{customdata[5]:.2g}<br>"
        + escape_hover(lab["documents"]) + ": %{customdata[6]:,}<extra></extra>"
    )
    palette = [_BASE, _WARN, "#2ca02c", "#9467bd", "#8c564b"]
    for gi, group in enumerate(groups):
        part = terms_df[_col(terms_df, "group", "") == group] if len(groups) > 1 else terms_df
        prefix = f"{escape_hover(group)}: " if len(groups) > 1 else ""
        y = [prefix + escape_hover(t) for t in part["term"]]
        custom = [
            [t, g, _num(a), _num(b), _num(z), _num(p), _num(d)]
            for t, g, a, b, z, p, d in zip(
                part["term"],
                [group] * len(part),
                _col(part, "count_focus"),
                _col(part, "count_reference"),
                _col(part, "log_odds"),
                _col(part, "p_adjusted"),
                _col(part, "focus_documents"),
            )
        ]
        fig.add_bar(
            x=_floats(part["z"]),
            y=y,
            orientation="h",
            name=escape_hover(group) if len(groups) > 1 else escape_hover(lab["x_title"]),
            marker_color=palette[gi % len(palette)],
            customdata=custom,
            hovertemplate=hover,
            showlegend=len(groups) > 1,
        )
    _layout(fig, lab)
    fig.update_yaxes(autorange="reversed", type="category", automargin=True)
    fig.update_layout(margin={"l": 160})
    return fig


# ------------------------------------------------------------ family/week
def family_week_chart(df: pd.DataFrame, labels: Mapping[str, Any] | None = None) -> go.Figure:
    """Stacked weekly complaint counts by family.

    Parameters
    ----------
    df : DataFrame
        Tidy counts: ``week`` (Monday of the ISO week), ``family``, ``count``.
    labels : dict, optional
        ``title, x_title, y_title, count, families``.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per family in :data:`analysis.schema.FAMILIES` order,
        coloured by :data:`FAMILY_COLORS`; ``customdata`` is ``[week, family]``.
    """
    lab = _labels(
        {"title": "Complaints per week by family", "x_title": "Week", "y_title": "Complaints", "count": "Complaints"},
        labels,
    )
    if df is None or df.empty:
        return _empty(lab)
    week_col = schema.WEEK if schema.WEEK in df.columns else "sample"
    present = list(dict.fromkeys(df[schema.FAMILY].tolist()))
    order = [f for f in schema.FAMILIES if f in present] + [f for f in present if f not in schema.FAMILIES]
    fig = go.Figure()
    for family in order:
        part = df[df[schema.FAMILY] == family]
        name = escape_hover(_family_name(family, lab))
        fig.add_bar(
            x=part[week_col].tolist(),
            y=_floats(part["count"]),
            name=name,
            marker_color=FAMILY_COLORS.get(family, _MUTED),
            customdata=[[w, family] for w in part[week_col].tolist()],
            hovertemplate="%{x}<br>" + name + ": %{y:,}<extra></extra>",
        )
    _layout(fig, lab, barmode="stack")
    _date_ticks(fig, lab, df[week_col])
    # many families: a vertical legend beside the plot never covers the title in a narrow column
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"})
    return fig
