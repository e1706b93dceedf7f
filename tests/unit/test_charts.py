"""analysis.charts: tables in, plotly figures out (no rendering needed)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analysis import charts

HOSTILE = "<b>bold</b> & <a href='http://x'>click</a>"


@pytest.fixture
def level_df():
    return pd.DataFrame(
        {
            "level": ["CB-2407", "CB-2405", HOSTILE],
            "complaints": [41, 10, 1],
            "units": [3120, 5000, 100],
            "rate": [0.0131, 0.002, 0.01],
            "ci_low": [0.0097, 0.0011, 0.0018],
            "ci_high": [0.0178, 0.0037, 0.054],
            "rest_complaints": [19, 50, 59],
            "rest_units": [9000, 7120, 12020],
            "baseline_rate": [0.0021, 0.007, 0.0049],
            "rate_ratio": [6.2, 0.29, 2.0],
            "rr_ci_low": [3.6, 0.15, 0.3],
            "rr_ci_high": [10.7, 0.56, 14.0],
            "odds_ratio": [6.3, 0.29, 2.0],
            "or_ci_low": [3.6, 0.15, 0.3],
            "or_ci_high": [10.9, 0.56, 14.0],
            "test": ["fisher", "chi2", "fisher"],
            "p_value": [1e-12, 0.001, 0.4],
            "enough_data": [True, True, False],
            "note": ["", "", "fewer than 5 complaints <i>"],
        }
    )


def _displayed_strings(fig: go.Figure) -> list[str]:
    """Every string plotly would render as (pseudo-)HTML: text, names, ticks, templates, annotations."""
    out = []
    for trace in fig.data:
        for attr in ("name", "hovertemplate", "text", "x", "y"):
            value = getattr(trace, attr, None)
            if isinstance(value, str):
                out.append(value)
            elif value is not None and not isinstance(value, (int, float)):
                out += [v for v in value if isinstance(v, str)]
    out += [a.text for a in fig.layout.annotations if a.text]
    return out


def _custom_firsts(fig: go.Figure) -> set:
    firsts = set()
    for trace in fig.data:
        if trace.customdata is not None:
            firsts |= {row[0] for row in trace.customdata}
    return firsts


def test_rates_chart_points_ci_baseline_and_customdata(level_df):
    fig = charts.rates_chart(level_df, baseline=0.0025)
    main = next(t for t in fig.data if t.name == "Rate")
    assert list(main.y) == [0.0131, 0.002]
    assert main.error_y.array[0] == pytest.approx(0.0178 - 0.0131)
    assert main.error_y.arrayminus[0] == pytest.approx(0.0131 - 0.0097)
    hollow = next(t for t in fig.data if t.name == "Not enough data")
    assert hollow.marker.symbol == "circle-open"
    baseline = next(t for t in fig.data if t.name == "Baseline")
    assert set(baseline.y) == {0.0025}
    # raw level (not escaped) in customdata for click -> rows
    assert {"CB-2407", "CB-2405", HOSTILE} <= _custom_firsts(fig)
    assert "%{customdata[6]" in main.hovertemplate and "%{y:.2%}" in main.hovertemplate


def test_no_raw_markup_is_displayed(level_df):
    terms = pd.DataFrame(
        {"group": "product_defect", "term": [HOSTILE, "no sound"], "count_focus": [3, 9], "count_reference": [0, 1],
         "log_odds": [1.0, 2.0], "variance": [0.1, 0.1], "z": [2.0, 4.0], "p_value": [0.04, 0.001],
         "p_adjusted": [0.08, 0.004], "focus_documents": [3, 8]}
    )
    for fig in (charts.rates_chart(level_df), charts.terms_chart(terms)):
        shown = _displayed_strings(fig)
        assert shown
        for s in shown:
            assert "<b>bold" not in s and "<a href" not in s and "<i>" not in s, s
    assert any("&lt;b&gt;bold&lt;/b&gt; &amp;" in s for s in _displayed_strings(charts.terms_chart(terms)))
    assert HOSTILE in _custom_firsts(charts.terms_chart(terms))


def test_terms_chart_bars_are_the_z_scores_the_terms_are_ranked_by():
    """Bars of log-odds: every term the focus group alone uses has about the same (3.1 for the sample's product
    defects, 44 complaints or 189), so "right" and "working" drew equal bars and "sound" (z 10.1) a short one above them."""
    terms = pd.DataFrame({"group": "product_defect", "term": ["right", "sound", "working"], "count_focus": [189, 136, 44],
                          "count_reference": [0, 64, 0], "log_odds": [3.16, 1.36, 3.12], "variance": [0.058, 0.018, 0.247],
                          "z": [13.17, 10.07, 6.27], "p_value": [0.0, 0.0, 0.0], "p_adjusted": [0.0, 0.0, 0.0], "focus_documents": [189, 136, 44]})
    bars = charts.terms_chart(terms).data[0]
    assert list(bars.x) == [13.17, 10.07, 6.27]  # longest on top, in the order of the ranking
    assert [row[4] for row in bars.customdata] == [3.16, 1.36, 3.12] and "Log-odds: %{customdata[4]:.2f}" in bars.hovertemplate


def test_rates_chart_without_units_draws_counts(level_df):
    df = level_df.assign(units=np.nan, rate=np.nan, ci_low=np.nan, ci_high=np.nan)
    fig = charts.rates_chart(df)
    assert fig.data[0].type == "bar"
    assert list(fig.data[0].y) == [41, 10, 1]
    assert "No shipment data" in fig.layout.annotations[0].text


def test_labels_translate_title_axes_and_legend(level_df):
    labels = {"title": "各批次投诉率", "x_title": "批次", "y_title": "投诉率", "rate": "投诉率", "baseline": "基线"}
    fig = charts.rates_chart(level_df, baseline=0.0025, labels=labels)
    assert fig.layout.title.text == "各批次投诉率"
    assert fig.layout.xaxis.title.text == "批次"
    assert {"投诉率", "基线"} <= {t.name for t in fig.data}


def test_funnel_chart():
    points = pd.DataFrame(
        {"level": ["A", "B", "PHX7", "LOW1"], "complaints": [5, 9, 30, 1], "units": [1000, 3000, 4000, 5000],
         "rate": [0.005, 0.003, 0.0075, 0.0002], "z": [1.5, 0.3, 5.1, -3.6], "z_adjusted": [1.0, 0.2, 4.0, -3.6],
         "phi": [1.0] * 4, "outside95": [False, True, True, True], "outside998": [False, False, True, True]}
    )
    units = np.linspace(100, 6000, 20)
    limits = pd.DataFrame({"units": units, "lower95": 0.001, "upper95": 0.004, "lower998": 0.0, "upper998": 0.006})
    fig = charts.funnel_chart(points, limits, 0.0025)
    names = [t.name for t in fig.data]
    assert {"95% limits", "99.8% limits", "Baseline", "Within limits", "Above 95% limits", "Above 99.8% limits",
            "Below 95% limits (fewer complaints)"} <= set(names)
    worst = next(t for t in fig.data if t.name == "Above 99.8% limits")
    assert list(worst.x) == [4000] and list(worst.text) == ["PHX7"] and worst.customdata[0][0] == "PHX7"
    # a level below the limits is better than the rest: named, but not in the colours of a suspect
    better = next(t for t in fig.data if t.name == "Below 95% limits (fewer complaints)")
    assert list(better.text) == ["LOW1"] and better.marker.color == charts._BETTER
    assert better.marker.color not in (worst.marker.color, charts._WARN)
    inside = next(t for t in fig.data if t.name == "Within limits")
    assert list(inside.text) == [""] and list(inside.hovertext) == ["A"]
    # a finding's own level is named wherever it lies, outlined
    fig = charts.funnel_chart(points, limits, 0.0025, highlight="A")
    inside = next(t for t in fig.data if t.name == "Within limits")
    assert list(inside.text) == ["A"] and list(inside.marker.line.color) == ["black"]
    placed = {t.text[k]: t.textposition[k] for t in fig.data if t.mode == "markers+text" for k in range(len(t.text))}
    assert set(placed) == {"A", "B", "PHX7", "LOW1"} and set(placed.values()) <= set(charts._LABEL_TURNS)


def _assert_labels_clear(x, y, names, extra_y=()):
    """Every point named (charts._label_positions), no two names' boxes overlapping, and no name over a point."""
    n = len(x)
    pos = charts._label_positions(range(n), x, y, names, extra_y=extra_y)
    assert set(pos) == set(range(n))
    span_x, span_y = max(x), max(list(y) + list(extra_y))
    px = [v / span_x * 1000 for v in x]
    py = [v / span_y * 480 for v in y]

    def box(i):  # as _label_positions estimates it (1000 x 480 plot, 7.5 px a character, 16 px high)
        w, gap = 7.5 * len(names[i]) + 4, 9
        cx, cy = {"middle right": (px[i] + gap + w / 2, py[i]), "middle left": (px[i] - gap - w / 2, py[i]),
                  "top center": (px[i], py[i] + gap + 8), "bottom center": (px[i], py[i] - gap - 8)}[pos[i]]
        return cx - w / 2, cy - 8, cx + w / 2, cy + 8

    boxes = [box(i) for i in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            a, b = boxes[i], boxes[j]
            assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1]), (names[i], names[j])
        for j in range(n):
            assert not (boxes[i][0] < px[j] < boxes[i][2] and boxes[i][1] < py[j] < boxes[i][3]), (names[i], names[j])
    return pos


def test_funnel_labels_of_close_points_do_not_overlap():
    # the sample's cable lots: CB-2604 (11,443 units, 0.59%) and CB-2605 (11,719, 0.48%) sit side by side,
    # and their names overlapped when named points took turns above, below and beside
    _assert_labels_clear([973, 11443, 11719, 12656, 2194, 9660], [0.0031, 0.0059, 0.0048, 0.0085, 0.0059, 0.028],
                         ["CB-2603", "CB-2604", "CB-2605", "CB-2607", "CB-2608", "CB-2606"], extra_y=[0.025])
    # three in a row: a name to the right of the first would cover the second point
    pos = _assert_labels_clear([1000, 1040, 1080, 2000], [0.005, 0.005, 0.005, 0.001], ["ONT8", "TEB3", "SBD1", "LGB8"], extra_y=[0.01])
    assert len({pos[0], pos[1], pos[2]}) == 3
    # nothing to name, or no point with a value: no positions
    assert charts._label_positions([], [1.0], [1.0], ["A"]) == {}
    assert charts._label_positions([0], [None], [None], ["A"]) == {}


def test_control_chart_steps_signals_and_vertical_lines():
    weeks = pd.date_range("2026-06-01", periods=8, freq="W-MON")
    n = np.array([1500, 1400, 1600, 1500, 1500, 1450, 1500, 1500])
    c = np.array([3, 4, 2, 14, 15, 5, 3, 3])
    ucl = 0.0025 + 3 * np.sqrt(0.0025 * 0.9975 / n)
    df = pd.DataFrame({"sample": weeks, "count": c, "size": n, "value": c / n, "center": 0.0025, "lcl": 0.0,
                       "ucl": ucl, "out_of_control": c / n > ucl, "phase": "monitor"})
    fig = charts.control_chart(df, onset="2026-06-22", action_date=pd.Timestamp("2026-07-06"))
    limits = [t for t in fig.data if t.name == "Control limits"]
    assert len(limits) == 2 and all(t.line.shape == "hv" for t in limits)
    ooc = next(t for t in fig.data if t.name == "Out of control")
    assert len(ooc.x) == 2
    assert len(fig.layout.shapes) == 2
    assert {a.text for a in fig.layout.annotations} == {"Onset", "Corrective action"}
    assert pd.Timestamp(fig.layout.shapes[0].x0) == pd.Timestamp("2026-06-22")
    observed = next(t for t in fig.data if t.name == "Observed")
    assert observed.customdata[0][0] == weeks[0]
    assert observed.customdata[0][3] == "watched against the limits"  # the phase in words, not the code "monitor"
    from analysis.figures import chart_labels

    zh = charts.control_chart(df.assign(phase="trial"), labels=chart_labels("zh"))
    assert next(t for t in zh.data if t.name == "观测值").customdata[0][3] == "用于计算控制限"


def test_pareto_and_family_week():
    pareto = pd.DataFrame({"group": "all", "family": ["product_defect", "shipping_damage"], "count": [80, 40],
                           "share": [2 / 3, 1 / 3], "cumulative_share": [2 / 3, 1.0]})
    fig = charts.pareto_chart(pareto, labels={"families": {"product_defect": "产品缺陷"}})
    assert list(fig.data[0].x) == ["产品缺陷", "shipping damage"]
    assert list(fig.layout.xaxis.tickvals) == list(fig.layout.xaxis.ticktext) == ["产品缺陷", "shipping damage"]  # every bar named
    assert list(fig.data[1].y) == [2 / 3, 1.0] and fig.data[1].yaxis == "y2"
    assert fig.data[0].customdata[0][0] == "product_defect"
    weeks = pd.date_range("2026-06-01", periods=3, freq="W-MON")
    fw = pd.DataFrame([(w, f, 2) for w in weeks for f in ("shipping_damage", "product_defect")],
                      columns=["week", "family", "count"])
    fig = charts.family_week_chart(fw)
    assert [t.name for t in fig.data] == ["product defect", "shipping damage"]  # schema.FAMILIES order
    assert fig.layout.barmode == "stack"
    assert fig.data[0].marker.color == charts.FAMILY_COLORS["product_defect"]


@pytest.mark.parametrize(
    "make",
    [
        lambda e: charts.pareto_chart(e),
        lambda e: charts.rates_chart(e),
        lambda e: charts.funnel_chart(e, e, 0.01),
        lambda e: charts.control_chart(e),
        lambda e: charts.terms_chart(e),
        lambda e: charts.family_week_chart(e),
    ],
)
def test_empty_input_gives_a_figure_saying_so(make):
    fig = make(pd.DataFrame())
    assert isinstance(fig, go.Figure)
    assert fig.layout.annotations[0].text == "No data"


def test_charts_module_does_no_streamlit_or_statistics():
    tree = ast.parse(Path(charts.__file__).read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not imported & {"streamlit", "scipy", "statsmodels"}


def test_long_titles_wrap_instead_of_being_cut():
    """Plotly cuts a title at the chart's edge ("Product defect, Fulfilment centre PHX7: weekly p-cha"
    at a 1024-pixel window): a title longer than a line breaks at a space, Chinese between characters."""
    long_en = "Product defect, Fulfilment centre PHX7 (shipping FC): weekly p-chart with Laney limits"
    wrapped = charts.wrap_title(long_en)
    lines = wrapped.split("<br>")
    assert lines == ["Product defect, Fulfilment centre PHX7 (shipping FC):", "weekly p-chart with Laney limits"]
    assert all(len(x) <= charts.TITLE_WIDTH for x in lines)
    zh = "产品缺陷，发货运营中心 PHX7：每周 p 控制图，按 Laney 调整的过度离散控制限"
    zh_lines = charts.wrap_title(zh).split("<br>")
    assert len(zh_lines) == 2 and "".join(zh_lines) == zh
    assert all(sum(2 if ord(c) > 0x2E80 else 1 for c in x) <= charts.TITLE_WIDTH for x in zh_lines)
    assert charts.wrap_title("Short") == "Short" and charts.wrap_title("") == ""
    assert charts.wrap_title("x" * 70) == "x" * 70  # a word longer than a line stays whole
    # customer text in a title is still escaped, and a break is the only markup added
    assert charts.wrap_title("What buyers say: <b>" + "word " * 12) .count("<") == 1
    fig = charts.pareto_chart(pd.DataFrame({"group": ["all"], "family": ["a"], "count": [3], "share": [1.0], "cumulative_share": [1.0]}),
                              labels={"title": long_en})
    assert fig.layout.title.text == wrapped
