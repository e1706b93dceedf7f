"""Helpers of ui.components that need no running app."""

from __future__ import annotations

import numpy as np
import pandas as pd


def test_translated_is_map_with_one_call_per_distinct_value():
    from ui.components import translated

    calls = []

    def name(v):
        calls.append(v)
        return "?" if pd.isna(v) else v.upper()

    values = pd.Series(["a", "b", "a", None, "b", np.nan, "a"], index=[7, 6, 5, 4, 3, 2, 1])
    got = translated(values, name)
    assert got.tolist() == ["A", "B", "A", "?", "B", "?", "A"]
    assert got.index.tolist() == values.index.tolist()
    assert len(calls) == 3 and calls[:2] == ["a", "b"] and pd.isna(calls[2])  # None and NaN: one missing value
    assert translated(pd.Series([], dtype=object), name).tolist() == []


def test_a_finding_with_no_complaint_elsewhere_reads_zero_and_says_how_its_ratio_was_made(monkeypatch):
    from ui import components

    f = {"factor": "fulfillment_center", "level": "SBD1", "family": "warehouse_damage", "rate": 0.0077, "baseline_rate": 0.0,
         "units": 208850, "rate_ratio": 1796.04, "rr_ci_low": 250.2, "rr_ci_high": 12890.7, "p_adjusted": 1e-12, "basis": "units"}
    for language, said in (("en", ["against 0% elsewhere", "**1,796×**", "250–12,891", "adds 0.5 to every count"]),
                           ("zh", ["其余水平为 0%", "**1,796 倍**", "加 0.5"])):
        monkeypatch.setattr("ui.i18n.current_language", lambda: language)
        text = components.finding_statement(f)
        for expected in said:
            assert expected in text, (language, expected)
    # a small baseline that is not zero: two significant digits, no note
    text = components.finding_statement(dict(f, baseline_rate=0.0000041, rate_ratio=1073.2))
    assert "0.00041%" in text and "1,073" in text and "0.5" not in text


def test_a_difference_of_two_rates_reads_in_percentage_points_with_its_sign(monkeypatch):
    from ui import components

    monkeypatch.setattr("ui.i18n.current_language", lambda: "en")
    # 0.81% -> 0.29%: 0.29 - 0.81 = -0.52 points; a tiny one keeps two significant digits, as a rate does
    assert [components.points(x) for x in (0.0029 - 0.0081, 0.0000041, 0.0, float("nan"))] == ["-0.52 pp", "+0.00041 pp", "0 pp", "n/a"]
    monkeypatch.setattr("ui.i18n.current_language", lambda: "zh")
    assert components.points(-0.0052) == "-0.52 个百分点"


def test_a_findings_words_name_those_not_significant_apart(monkeypatch):
    from ui import components

    f = {"top_terms": ["noise cancelling", "listing says", "advertised"], "top_terms_significant": [True, False, False]}
    monkeypatch.setattr("ui.i18n.current_language", lambda: "en")
    assert components.terms_line(f) == ("Buyers' distinctive words: noise cancelling "
                                        "(also more frequent, but not significantly: listing says, advertised)")
    assert components.terms_line({**f, "top_terms_significant": [False] * 3}) == (
        "Buyers' words, none significantly more frequent: noise cancelling, listing says, advertised")
    # without flags (an older findings.json) or with flags that do not match: every term as before
    assert components.terms_line({"top_terms": f["top_terms"]}) == "Buyers' distinctive words: noise cancelling, listing says, advertised"
    assert components.terms_line({**f, "top_terms_significant": [True]}).endswith("listing says, advertised")
    monkeypatch.setattr("ui.i18n.current_language", lambda: "zh")
    assert components.terms_line(f) == "买家特有的用词: noise cancelling (也更常见但差异不显著: listing says, advertised)"


def test_no_page_renders_raw_html():
    """Customer text (comments, reviews, lot names) reaches many widgets; none of them may render HTML.
    No call in the app passes ``unsafe_allow_html=True`` or goes through ``st.html`` / ``components.html``."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [root / "app.py", *sorted((root / "ui").glob("*.py")), *sorted((root / "views").glob("*.py"))]
    assert len(sources) > 10
    found = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("html", "iframe") or any(k.arg == "unsafe_allow_html" for k in node.keywords):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []
