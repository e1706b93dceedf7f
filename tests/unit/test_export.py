"""analysis.export: root-cause section, Word / Markdown, chart images, evidence pack.

Kaleido is started once for the module (``images_ready``); tests that need
pictures skip with the reason when no Chromium is installed.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from docx import Document

from analysis import charts
from analysis.export import (
    action_category,
    build_root_cause,
    export_figures,
    images,
    render_docx,
    render_markdown,
    write_all,
    write_evidence_pack,
)
from analysis.export.poa import TEMPLATE_DIR, figure_name

HOSTILE = [
    '=HYPERLINK("http://x","click") right earbud no sound after two days',
    "+cmd|' /C calc'!A0 right earbud has no sound at all",
    "@SUM(1) right earbud no sound, returned",
    "-2+3 no sound from the right earbud anymore",
    "\tright earbud no sound, tab at the start",
    "Right earbud no sound. Email me at jane.doe@example.com or 555-123-4567. Thanks, John Smith",
    "No sound in the right earbud. Ship the replacement to 1234 Elm Street, Apt 5B, Springfield, IL 62704",
    "<script>alert(1)</script> right earbud no sound *bold* [link](http://evil) `code`",
    "右耳机没有声音，电话13812345678，地址广东省深圳市南山区科技园路10号A栋1203室 😀",
    ("right earbud no sound " * 1000)[:20_000],
]
PII = ["jane.doe@example.com", "555-123-4567", "John Smith", "Elm Street", "62704", "13812345678", "科技园路"]


@pytest.fixture(scope="module")
def findings():
    return {
        "inputs": [{"path": "fba_returns.tsv", "kind": "fba_returns", "rows": 3, "rejected": 0, "duplicates": 0,
                    "sha256": None}],
        "summary": {"period_start": "2026-06-01", "period_end": "2026-09-30", "asins": ["B0CXYZ1234"],
                    "complaints": 120, "units": 24000,
                    "families": [{"family": "product_defect", "count": 80, "share": 80 / 120},
                                 {"family": "warehouse_damage", "count": 40, "share": 40 / 120}]},
        "findings": [
            {"rank": 1, "factor": "cable_lot", "level": "CB-2407", "family": "product_defect", "complaints": 41,
             "units": 3120, "rate": 0.0131, "baseline_rate": 0.0021, "rate_ratio": 6.2, "ci_low": 0.0097,
             "ci_high": 0.0178, "p_value": 1e-12, "p_adjusted": 3e-10, "top_terms": ["right earbud", "no sound"],
             "aliases": [], "explains": [{"factor": "supplier", "level": "Shenzhen B"}], "onset": "2026-07-14",
             "method": "rate vs rest: Wilson 95% CI; Fisher/chi-square; BH across 24 tests; binomial GLM forward selection"},
            {"rank": 2, "factor": "fulfillment_center", "level": "PHX7", "family": "warehouse_damage",
             "complaints": 4, "units": 900, "rate": 0.0044, "baseline_rate": 0.0015, "rate_ratio": 2.9,
             "ci_low": 0.0017, "ci_high": 0.0114, "p_value": 0.03, "p_adjusted": 0.21, "top_terms": ["crushed"],
             "aliases": [], "explains": [], "onset": None, "method": "rate vs rest"},
        ],
        "explained": [{"factor": "supplier", "level": "Shenzhen B", "family": "product_defect",
                       "explained_by": {"factor": "cable_lot", "level": "CB-2407"}}],
        "examined": [{"factor": "fulfillment_center", "levels": 6, "families": ["product_defect", "warehouse_damage"]},
                     {"factor": "packaging_version", "levels": 2, "families": ["warehouse_damage"]}],
        "settings": {"alpha": 0.05},
    }


@pytest.fixture(scope="module")
def complaints():
    n = len(HOSTILE)
    rows = pd.DataFrame({
        "complaint_id": [f"0:{i + 2}" for i in range(n)],
        "date": pd.date_range("2026-07-15", periods=n, freq="D"),
        "order_id": [f"112-48293{i:02d}-5573024" for i in range(n)],
        "sku": "EB-200", "asin": "B0CXYZ1234", "fnsku": "X001ABC123", "source_kind": "fba_returns",
        "fc_processed": "ONT8", "disposition": "DEFECTIVE", "reason": "DEFECTIVE", "text": HOSTILE, "title": None,
        "rating": np.nan, "family": "product_defect", "family_confidence": 0.9, "evidence": "reason DEFECTIVE",
        "lot": "L-0715", "supplier": "Shenzhen B", "fulfillment_center": "PHX7", "packaging_version": "P2",
        "cable_lot": "CB-2407",
        # a column that must never leave, whatever the caller passes
        "buyer_email": "jane.doe@example.com",
    })
    damage = rows.iloc[:2].assign(family="warehouse_damage", text=["box crushed, unit cracked", "crushed box"],
                                  complaint_id=["0:50", "0:51"])
    return pd.concat([rows, damage], ignore_index=True)


def _tables():
    levels = pd.DataFrame({"level": ["CB-2407", "CB-2405"], "complaints": [41, 10], "units": [3120, 5000],
                           "rate": [0.0131, 0.002], "ci_low": [0.0097, 0.0011], "ci_high": [0.0178, 0.0037],
                           "baseline_rate": [0.0021, 0.007], "rate_ratio": [6.2, 0.29], "p_value": [1e-12, 0.001],
                           "enough_data": [True, True], "note": ["=1+1", "-2+3"]})
    terms = pd.DataFrame({"group": "product_defect", "term": ["right earbud", "=cmd"], "count_focus": [30, 3],
                          "count_reference": [2, 0], "log_odds": [2.5, 1.0], "variance": [0.1, 0.2], "z": [7.0, 2.0],
                          "p_value": [1e-9, 0.04], "p_adjusted": [1e-8, 0.08], "focus_documents": [28, 3]})
    weeks = pd.date_range("2026-06-01", periods=12, freq="W-MON")
    n = np.full(12, 1500)
    c = np.array([3, 4, 2, 5, 3, 12, 15, 14, 6, 4, 3, 3])
    control = pd.DataFrame({"sample": weeks, "count": c, "size": n, "value": c / n, "center": 0.0025, "lcl": 0.0,
                            "ucl": 0.0064, "out_of_control": c / n > 0.0064, "phase": "monitor"})
    points = pd.DataFrame({"level": ["A", "PHX7"], "complaints": [5, 30], "units": [1000, 4000],
                           "rate": [0.005, 0.0075], "z": [1.5, 5.1], "z_adjusted": [1.0, 4.0], "phi": [1.0, 1.0],
                           "outside95": [False, True], "outside998": [False, True]})
    limits = pd.DataFrame({"units": [100, 6000], "lower95": [0, 0.0012], "upper95": [0.012, 0.0038],
                           "lower998": [0, 0.0005], "upper998": [0.018, 0.0045]})
    pareto = pd.DataFrame({"group": "all", "family": ["product_defect", "warehouse_damage"], "count": [80, 40],
                           "share": [2 / 3, 1 / 3], "cumulative_share": [2 / 3, 1.0]})
    week = pd.DataFrame([(w, "product_defect", 5) for w in weeks], columns=["week", "family", "count"])
    return {"levels": levels, "terms": terms, "control": control, "funnel_points": points, "funnel_limits": limits,
            "pareto": pareto, "family_week": week}


@pytest.fixture(scope="module")
def figures():
    t = _tables()
    # named as analysis.figures.figures_for names them: the complaints as a whole, then a finding's
    return {
        "family_pareto": charts.pareto_chart(t["pareto"]),
        figure_name(1, "cable_lot", "rates"): charts.rates_chart(t["levels"], baseline=0.0025),
        figure_name(1, "cable_lot", "funnel"): charts.funnel_chart(t["funnel_points"], t["funnel_limits"], 0.0025),
        figure_name(1, "cable_lot", "control"): charts.control_chart(t["control"], onset="2026-07-06", action_date="2026-08-03"),
        figure_name(2, "fulfillment_center", "terms"): charts.terms_chart(t["terms"]),
        "family_week": charts.family_week_chart(t["family_week"]),
    }


@pytest.fixture(scope="module")
def images_ready():
    """Start the one kaleido server for the module; False when there is no browser."""
    return images.start_image_server()


def _need_pictures(ready: bool) -> None:
    if not ready:
        pytest.skip("no Chromium: chart images cannot be rendered (install with 'apt-get install chromium')")


def _docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _assert_clean(text: str, where: str) -> None:
    for item in PII:
        assert item not in text, f"{item!r} leaked into {where}"


# ------------------------------------------------------------- templates
def test_templates_have_the_same_keys():
    def keys(d, prefix=""):
        out = set()
        for k, v in d.items():
            out.add(prefix + k)
            if isinstance(v, dict):
                out |= keys(v, prefix + k + ".")
            elif isinstance(v, list):
                out.add(f"{prefix}{k}#{len(v)}")
        return out

    en = tomllib.loads((TEMPLATE_DIR / "en.toml").read_text(encoding="utf-8"))
    zh = tomllib.loads((TEMPLATE_DIR / "zh.toml").read_text(encoding="utf-8"))
    assert keys(en) == keys(zh)


# ------------------------------------------------------------- decide
def test_root_cause_statement_numbers_match_findings(findings, complaints):
    s = build_root_cause(findings, complaints)
    first = s.findings[0]
    assert first.rank == 1 and first.action_category == "quality_defect"
    for expected in ("41", "3,120", "1.31%", "0.97%", "1.78%", "0.21%", "6.2", "< 0.0001", "2026-06-01", "2026-09-30"):
        assert expected in first.statement, expected
    assert first.insufficient is None
    assert "2026-07-14" in " ".join(first.details)
    assert "“right earbud”" in first.buyers_say and "“no sound”" in first.buyers_say
    assert 2 <= len(first.quotes) <= 3
    for q in first.quotes:
        _assert_clean(q.text, "quote")
        assert len(q.text) <= 300 and "\n" not in q.text and "\t" not in q.text
    second = s.findings[1]
    assert second.action_category == "fc_damage"
    assert second.insufficient and "Insufficient evidence" in second.insufficient and "0.21" in second.insufficient
    assert any("Shenzhen B" in x and "explained by cable lot CB-2407" in x for x in s.not_causes)
    assert any(x.startswith("Packaging version (2 levels examined)") for x in s.not_causes)
    assert [p.category for p in s.actions] == ["quality_defect", "fc_damage"]
    # Shenzhen B's excess is explained by the cable lot: it may only have used it, so the 8D goes to the cable lot's supplier
    assert any("8D" in i.prompt and "the supplier for CB-2407" in i.prompt for i in s.actions[0].corrective)
    assert not any("Shenzhen B" in i.prompt for i in s.actions[0].corrective)
    assert any("ledger" in i.prompt and "reimbursement" in i.prompt for i in s.actions[1].corrective)


@pytest.mark.parametrize("language, said", [("en", "6.2 times the rate of the rest (95% CI 4.1 to 9.4; adjusted p < 0.0001)"),
                                             ("zh", "是其余产品的 6.2 倍（95% 置信区间 4.1 至 9.4；校正后 p < 0.0001）")])
def test_the_rate_ratio_is_stated_with_its_interval_where_findings_json_has_one(findings, complaints, language, said):
    f = json.loads(json.dumps(findings))
    assert "rr_ci_low" not in f["findings"][0]
    assert build_root_cause(f, complaints, language).findings[0].statement.count("95%") == 1  # the rate's interval only
    f["findings"][0].update(rr_ci_low=4.08, rr_ci_high=9.42)
    statement = build_root_cause(f, complaints, language).findings[0].statement
    assert said in statement and statement.count("95%") == 2


@pytest.mark.parametrize("language, said", [
    ("en", ["against 0% for all other units", "That is 1,796 times", "No other unit had such a complaint", "the 1,796 above adds 0.5"]),
    ("zh", ["其余产品为 0%", "是其余产品的 1,796 倍", "加 0.5"]),
])
def test_a_finding_with_no_complaint_elsewhere_says_zero_and_how_its_ratio_was_made(findings, complaints, language, said):
    f = json.loads(json.dumps(findings))
    f["findings"][1].update(baseline_rate=0.0, rate_ratio=1796.04, baseline_complaints=0, baseline_units=23100)
    block = build_root_cause(f, complaints, language).findings[1]
    for expected in said:
        assert expected in block.statement, expected
    assert "0.00%" not in block.statement and "1796.0" not in block.statement
    # a small baseline that is not zero keeps two significant digits, and no note
    f["findings"][1].update(baseline_rate=0.0000041, rate_ratio=1073.2)
    block = build_root_cause(f, complaints, language).findings[1]
    assert "0.00041%" in block.statement and "1,073" in block.statement and "0.5" not in block.statement


def test_selected_overrides_and_chinese(findings, complaints):
    s = build_root_cause(
        findings, complaints, "zh", selected=[2],
        overrides={"actions": {"fc_damage": {"corrective": ["已于 2026-08-05 提交案例 123"]}},
                   "problem_statement": "自定义问题陈述"},
    )
    assert [b.rank for b in s.findings] == [2]
    assert s.problem_statement == "自定义问题陈述"
    assert s.heading("root_cause") == "根本原因：数据显示了什么"
    assert s.actions[0].corrective[0].response == "已于 2026-08-05 提交案例 123"
    assert s.actions[0].corrective[1].response is None
    md = render_markdown(s)
    assert "证据不足" in md and "待填写" in md and "已于 2026-08-05 提交案例 123" in md


def test_no_units_is_about_shares_and_says_insufficient(findings, complaints):
    f = json.loads(json.dumps(findings))
    f["summary"]["units"] = None
    for item in f["findings"]:
        item.update(units=None, rate=None, baseline_rate=None, rate_ratio=None, ci_low=None, ci_high=None)
    s = build_root_cause(f, complaints)
    assert "Shipment data was not provided" in s.problem_statement
    assert "41 of 80 product defect complaints (51.2%)" in s.findings[0].statement
    assert "no shipment data" in s.findings[0].insufficient


def test_no_findings(findings):
    f = dict(findings, findings=[], explained=[])
    s = build_root_cause(f, None)
    assert s.findings == () and "insufficient evidence" in s.no_findings
    assert "insufficient evidence" in render_markdown(s)


@pytest.mark.parametrize(
    "factor, family, expected",
    [
        ("cable_lot", "product_defect", "quality_defect"),
        ("supplier", "product_defect", "quality_defect"),
        ("asin", "not_as_described", "listing_mismatch"),
        ("packaging_version", "shipping_damage", "packaging"),
        ("lot", "missing_parts", "missing_instructions"),
        ("lot", "authenticity", "authenticity"),
        ("fulfillment_center", "shipping_damage", "fc_damage"),
        ("lot", "warehouse_damage", "fc_damage"),
        ("lot", "remorse", "general"),
    ],
)
def test_action_category_follows_the_family(factor, family, expected):
    assert action_category(factor, family) == expected


# ------------------------------------------------------------- render
def test_markdown_is_plain_and_quotes_are_inert(findings, complaints):
    md = render_markdown(build_root_cause(findings, complaints, overrides={"quotes": {1: [HOSTILE[7], HOSTILE[5]]}}))
    assert "Root cause analysis\n===" in md and "What it is not\n---" in md
    _assert_clean(md, "root_cause.md")
    # no line is HTML or a live Markdown construct built from customer text
    for line in md.splitlines():
        if "<script>" in line:
            assert line.startswith("    "), line  # inside an indented (literal) block
        assert not re.match(r"\s*[=+@-]", line) or line.startswith("- ") or set(line) <= set("=-"), line
    live = [line for line in md.splitlines() if "[link](http://evil)" in line or "*bold*" in line]
    assert live and all(line.startswith("    ") for line in live)  # quotes are literal blocks


def test_docx_headings_table_and_quotes(tmp_path, findings, complaints):
    section = build_root_cause(findings, complaints)
    path = render_docx(section, findings, {}, tmp_path / "r.docx")
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading") or p.style.name == "Title"]
    assert headings[:3] == ["Root cause analysis", "Problem statement", "Findings"]
    assert {"What it is not", "Corrective actions and preventive measures", "Method and data"} <= set(headings)
    table = doc.tables[0]
    row = [c.text for c in table.rows[1].cells]
    assert row[:3] == ["1", "cable lot", "CB-2407"]
    assert row[4:] == ["41", "3,120", "1.31%", "0.97% – 1.78%", "0.21%", "6.2", "< 0.0001"]
    assert [c.text for c in table.rows[2].cells][-1] == "0.21"
    text = _docx_text(path)
    _assert_clean(text, "root_cause.docx")
    quotes = [p.text for p in doc.paragraphs if p.style.name == "Quote"]
    assert len(quotes) >= 3 and all(q.startswith("“") for q in quotes)


# ------------------------------------------------------------- images
def test_export_figures_png_svg(tmp_path, figures, images_ready):
    _need_pictures(images_ready)
    rates, terms = figure_name(1, "cable_lot", "rates"), figure_name(2, "fulfillment_center", "terms")
    result = export_figures({"rates": figures[rates], "terms": figures[terms]}, tmp_path)
    assert not result.failed, result.messages()
    png = result.paths["rates"]["png"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in result.paths["terms"]["svg"].read_bytes()[:500]
    # 1200 x 700 at scale 2
    width, height = int.from_bytes(png.read_bytes()[16:20], "big"), int.from_bytes(png.read_bytes()[20:24], "big")
    assert (width, height) == (2400, 1400)


def test_no_chromium_is_reported_not_raised(tmp_path, figures, monkeypatch):
    monkeypatch.setattr(images, "chromium_available", lambda: False)
    result = export_figures({"rates": figures[figure_name(1, "cable_lot", "rates")]}, tmp_path)
    assert result.written == []
    assert len(result.failed) == 2 and "apt-get install chromium" in result.failed[0].reason


class _FakeKaleido:
    """Stands in for the kaleido server: records every batch and writes each image it is asked for,
    except those of ``fail`` (a chart name), as kaleido leaves no file for an image it could not draw."""

    def __init__(self, fail: str | None = None):
        self.batches: list[list[dict]] = []
        self.fail = fail

    def write_fig_from_object_sync(self, specs):
        self.batches.append(list(specs))
        for spec in specs:
            title = spec["fig"]["layout"].get("meta")
            if title != self.fail:
                spec["path"].write_bytes(f"{spec['opts']['format']}:{title}".encode())
        return ()


@pytest.fixture
def fake_kaleido(monkeypatch):
    import kaleido

    def install(fail=None):
        fake = _FakeKaleido(fail)
        monkeypatch.setattr(images, "chromium_available", lambda: True)
        monkeypatch.setattr(images, "start_image_server", lambda tabs=images.IMAGE_TABS: True)
        monkeypatch.setattr(kaleido, "write_fig_from_object_sync", fake.write_fig_from_object_sync)
        return fake

    return install


def _named_figures(n: int) -> dict:
    import plotly.graph_objects as go

    return {f"chart{i}": go.Figure(go.Bar(x=[1, 2], y=[i, i + 1]), layout={"meta": f"chart{i}"}) for i in range(n)}


def test_every_chart_is_drawn_once_per_format_in_one_batch(tmp_path, fake_kaleido, monkeypatch):
    # regression: the export drew each image by its own call (~0.4 s each, one after the other): 42 calls
    # for the sample's 21 charts in PNG and SVG
    fake = fake_kaleido()
    calls = []
    monkeypatch.setattr(images, "_render", lambda *a, **k: calls.append(a) or b"")
    figs = _named_figures(3)
    result = export_figures(figs, tmp_path, formats=("png", "svg"))
    assert len(fake.batches) == 1 and not calls
    drawn = [(spec["fig"]["layout"]["meta"], spec["opts"]["format"]) for spec in fake.batches[0]]
    assert drawn == [(name, fmt) for name in figs for fmt in ("png", "svg")]  # each once, in order
    assert all(spec["opts"] == {"format": spec["opts"]["format"], "width": 1200, "height": 700, "scale": 2.0}
               for spec in fake.batches[0])
    assert not result.failed
    assert [p.name for p in result.written] == [f"{name}.{fmt}" for name in figs for fmt in ("png", "svg")]
    assert result.paths["chart1"]["svg"].read_bytes() == b"svg:chart1"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in result.written)  # no scratch left


def test_an_image_drawn_before_is_taken_from_the_cache_not_drawn_again(tmp_path, fake_kaleido, monkeypatch):
    """The app drew every chart again for each export: editing one answer cost the whole ~8 s of images."""
    fake = fake_kaleido()
    cache: dict = {}
    figs = _named_figures(3)
    first = export_figures(figs, tmp_path / "a", formats=("png",), cache=cache)
    assert len(fake.batches) == 1 and len(fake.batches[0]) == 3 and len(cache) == 3
    figs["chart1"].update_layout(title="changed")  # one chart changed: only it is drawn
    second = export_figures(figs, tmp_path / "b", formats=("png", "svg"), cache=cache)
    assert [(s["fig"]["layout"]["meta"], s["opts"]["format"]) for s in fake.batches[1]] == [
        ("chart0", "svg"), ("chart1", "png"), ("chart1", "svg"), ("chart2", "svg")]
    for name in ("chart0", "chart2"):
        assert second.paths[name]["png"].read_bytes() == first.paths[name]["png"].read_bytes() == f"png:{name}".encode()
    assert [p.name for p in second.written] == [f"{n}.{f}" for n in figs for f in ("png", "svg")] and not second.failed
    # a bounded cache: the oldest images go first
    monkeypatch.setattr(images, "CACHED_IMAGES", 2)
    small: dict = {}
    export_figures(_named_figures(3), tmp_path / "c", formats=("png",), cache=small)
    assert len(small) == 2


def test_an_image_the_batch_could_not_draw_is_tried_alone_for_the_reason(tmp_path, fake_kaleido, monkeypatch):
    fake_kaleido(fail="chart1")
    (tmp_path / "chart1.png").write_bytes(b"an older export")

    def alone(fig, fmt, *args):
        raise ValueError(f"bad {fmt}")

    monkeypatch.setattr(images, "_render", alone)
    result = export_figures(_named_figures(3), tmp_path, formats=("png", "svg"))
    assert [(f.name, f.format, f.reason) for f in result.failed] == [
        ("chart1", "png", "ValueError: bad png"), ("chart1", "svg", "ValueError: bad svg")]
    assert set(result.paths) == {"chart0", "chart2"}
    assert (tmp_path / "chart1.png").read_bytes() == b"an older export"  # a failure leaves the old file alone


def test_a_stuck_browser_skips_the_images_instead_of_hanging(tmp_path, fake_kaleido, monkeypatch):
    import threading
    import kaleido

    fake_kaleido()
    release = threading.Event()
    monkeypatch.setattr(kaleido, "write_fig_from_object_sync", lambda specs: release.wait(10))
    monkeypatch.setattr(images, "FIRST_IMAGE_TIMEOUT", 1.0)
    monkeypatch.setattr(images, "_render", lambda *a, **k: pytest.fail("a stuck server is not asked again"))
    try:
        result = export_figures(_named_figures(2), tmp_path, formats=("png",))
    finally:
        release.set()
    assert result.written == [] and len(result.failed) == 2
    assert all("the browser did not return an image within 1 s" in f.reason for f in result.failed)
    assert "apt-get install chromium" in result.failed[0].reason


def test_write_all_draws_each_chart_once_per_format(tmp_path, findings, complaints, figures, fake_kaleido):
    # the Chinese section and the pack draw nothing again: one batch, every chart once per format
    fake = fake_kaleido()
    out = write_all(tmp_path, findings, complaints, _tables(), figures, [], {})
    assert len(fake.batches) == 1

    def key(fig: dict, fmt: str) -> tuple[str, str]:
        return json.dumps(fig, sort_keys=True, default=str), fmt

    drawn = sorted(key(s["fig"], s["opts"]["format"]) for s in fake.batches[0])
    assert drawn == sorted(key(f.to_dict(), fmt) for f in figures.values() for fmt in ("png", "svg"))
    assert {k for k in out if k.startswith("charts/")} == {f"charts/{n}.{e}" for n in figures for e in ("png", "svg")}


@pytest.mark.filterwarnings("ignore:The kopts argument is ignored")
def test_export_figures_writes_the_bytes_plotly_to_image_returns(tmp_path, figures, images_ready):
    # the batch (and its tabs side by side) must not change a pixel of what Word and the pack show
    import plotly.io as pio

    _need_pictures(images_ready)
    names = ["family_pareto", figure_name(1, "cable_lot", "control")]
    result = export_figures({n: figures[n] for n in names}, tmp_path, formats=("png",))
    assert not result.failed, result.messages()
    for n in names:
        assert result.paths[n]["png"].read_bytes() == pio.to_image(figures[n], format="png", width=1200, height=700, scale=2)


# ------------------------------------------------------------- evidence / all
def test_write_all_and_evidence_pack(tmp_path, findings, complaints, figures, images_ready):
    src = tmp_path / "fba_returns.tsv"
    src.write_text("return-date\torder-id\n2026-07-15\t112-4829300-5573024\n", encoding="utf-8")
    out = write_all(tmp_path / "out", findings, complaints, _tables(), figures, [src], {"alpha": 0.05})
    for key in ("root_cause.md", "root_cause.docx", "root_cause.zh.md", "evidence.zip"):
        assert out[key].is_file(), key
    _assert_clean(out["root_cause.md"].read_text(encoding="utf-8"), "root_cause.md")
    _assert_clean(out["root_cause.zh.md"].read_text(encoding="utf-8"), "root_cause.zh.md")
    _assert_clean(_docx_text(out["root_cause.docx"]), "root_cause.docx")

    with zipfile.ZipFile(out["evidence.zip"]) as zf:
        names = set(zf.namelist())
        assert {"manifest.json", "findings.json", "complaints.csv", "tables/levels.csv", "tables/terms.csv"} <= names
        manifest = json.loads(zf.read("manifest.json"))
        for name in names - {"manifest.json"}:
            data = zf.read(name)
            entry = next(m for m in manifest["members"] if m["name"] == name)
            assert entry["sha256"] == hashlib.sha256(data).hexdigest()
            if name.endswith((".csv", ".json")):
                text = data.decode("utf-8-sig")
                _assert_clean(text, name)
            if name.endswith(".csv"):
                assert data.startswith(b"\xef\xbb\xbf"), name
                frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
                for col in frame.columns:
                    assert not str(col).startswith(("=", "+", "-", "@")), (name, col)
                    for cell in frame[col]:
                        assert not cell.startswith(("=", "+", "@", "\t", "\r")), (name, col, cell)
                        assert not re.match(r"-(?!\d+(\.\d+)?(e-?\d+)?$)", cell), (name, col, cell)
        comp = pd.read_csv(io.BytesIO(zf.read("complaints.csv")), encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert len(comp) == len(complaints)
        assert {"date", "order_id", "sku", "lot", "fc", "family", "evidence", "text"} <= set(comp.columns)
        assert not [c for c in comp.columns if "email" in c or "phone" in c or "address" in c or "name" in c]
        assert comp["order_id"].iloc[0] == "112-4829300-5573024"
        assert comp["text"].iloc[0].startswith("'=HYPERLINK")
        assert "[email]" in comp["text"].iloc[5] and "[name]" in comp["text"].iloc[5]
        chart_members = {n for n in names if n.startswith("charts/")}

    assert manifest["inputs"][0]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert manifest["inputs"][0]["rows"] == 3 and manifest["inputs"][0]["kind"] == "fba_returns"
    assert manifest["settings"] == {"alpha": 0.05, "language": "en"}  # the documents' language
    assert manifest["versions"]["pandas"] == pd.__version__
    assert manifest["created_utc"].endswith("+00:00")
    assert manifest["tool_version"]

    doc = Document(str(out["root_cause.docx"]))
    if not images_ready:
        assert "chart_errors.txt" in out
        pytest.skip("no Chromium: docx pictures and charts/ not checked (install with 'apt-get install chromium')")
    assert len(doc.inline_shapes) == 6
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    # the whole complaints' charts with the problem statement, each finding's after its text, in order,
    # each captioned with what it shows (not its file name)
    assert captions == [
        "Figure 1: Complaints by family (Pareto): the few families that make up most complaints.",
        "Figure 2: Complaints per week by family.",
        "Figure 3: Finding 1 (cable lot CB-2407): Complaint rate per level with 95% intervals; the dashed line is the rate of all units.",
        "Figure 4: Finding 1 (cable lot CB-2407): Funnel plot: each level's rate against its units; points outside the limits differ beyond chance (above them: more complaints; below them, in green: fewer).",
        "Figure 5: Finding 1 (cable lot CB-2407): Control chart over time, with the onset marked.",
        "Figure 6: Finding 2 (fulfilment centre PHX7): Words that set these complaints apart (z-score of the log-odds).",  # (the fixture does not say against what)
    ]
    texts = [p.text for p in doc.paragraphs]
    at = {x: next(i for i, text in enumerate(texts) if text.startswith(x)) for x in ("Problem statement", "Findings", "Finding 1:", "Finding 2:")}
    where = [texts.index(c) for c in captions]
    assert at["Problem statement"] < where[0] < where[1] < at["Findings"]  # after the problem statement, before the table
    assert at["Finding 1:"] < where[2] < where[4] < at["Finding 2:"] < where[5]
    assert {f"charts/{n}.{e}" for n in figures for e in ("png", "svg")} == chart_members
    assert all(out[f"charts/{n}.png"].is_file() for n in figures)


def test_evidence_pack_hash_mismatch_is_flagged(tmp_path, findings, complaints):
    src = tmp_path / "fba_returns.tsv"
    src.write_text("changed\n", encoding="utf-8")
    f = json.loads(json.dumps(findings))
    f["inputs"][0]["sha256"] = "0" * 64
    path = write_evidence_pack(tmp_path, f, complaints, {}, [], [src], {})
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["inputs"][0]["sha256_matches_findings"] is False


def test_write_all_without_chromium_still_writes_text_and_tables(tmp_path, findings, complaints, figures, monkeypatch):
    monkeypatch.setattr(images, "chromium_available", lambda: False)
    out = write_all(tmp_path, findings, complaints, _tables(), figures, [], {}, language="zh", selected=[1])
    assert "root_cause.zh.md" not in out  # the main report is already Chinese
    assert "根本原因分析" in out["root_cause.md"].read_text(encoding="utf-8")
    assert "apt-get install chromium" in out["chart_errors.txt"].read_text(encoding="utf-8")
    assert "apt-get install chromium" in _docx_text(out["root_cause.docx"])
    with zipfile.ZipFile(out["evidence.zip"]) as zf:
        assert "tables/levels.csv" in zf.namelist()
        assert not [n for n in zf.namelist() if n.startswith("charts/")]
        assert json.loads(zf.read("manifest.json"))["notes"]


def _tiny_png(path: Path) -> Path:
    """A valid 1x1 PNG, written by hand (no browser needed)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))
    return path


def test_docx_leaves_out_the_charts_of_findings_left_out(tmp_path, findings, complaints):
    """Only finding 2 chosen: finding 1's charts stay out of the document; captions in the document's language."""
    names = ["family_pareto", figure_name(1, "cable_lot", "rates"), figure_name(2, "fulfillment_center", "rates"),
             figure_name(2, "fulfillment_center", "terms")]
    charts = {n: _tiny_png(tmp_path / f"{n}.png") for n in names}
    findings = json.loads(json.dumps(findings))
    findings["findings"][1]["terms_against"] = "family"
    section = build_root_cause(findings, complaints, "zh", selected=[2])
    doc = Document(str(render_docx(section, findings, charts, tmp_path / "rc.docx")))
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert len(doc.inline_shapes) == 3
    assert captions[0].startswith("图 1：按类别的投诉帕累托图")
    # finding 2 of the analysis is the section's first: 发现 1 (the method says it is rank 2 in the evidence pack)
    assert captions[1].startswith("图 2：发现 1（配送中心 PHX7）：各取值的投诉率") and captions[2].startswith("图 3：发现 1（配送中心 PHX7）：这些投诉与别处同类投诉")
    # terms read against every other complaint: the caption says so
    f = json.loads(json.dumps(findings))
    f["findings"][1]["terms_against"] = "all"
    doc = Document(str(render_docx(build_root_cause(f, complaints, selected=[2]), f, charts, tmp_path / "rc2.docx")))
    assert [p.text for p in doc.paragraphs if p.style.name == "Caption"][-1] == \
        "Figure 3: Finding 1 (fulfilment centre PHX7): Words that set these complaints apart from all other complaints (z-score of the log-odds)."


def test_a_section_without_some_findings_does_not_deny_them(findings, complaints):
    """The sample's #1 (cable lot) left out: "Cable lot (6 levels examined): no level has an excess of its own"
    contradicted the analysis; none chosen: "No factor examined ... differs beyond chance" denied all five findings."""
    section = build_root_cause(findings, complaints, selected=[1])  # the fulfilment centre's finding (#2) left out
    assert "Fulfilment centre (6 levels examined): a level of it stands out in a finding not included in this section; no other level has an " \
           "excess of its own." in section.not_causes, section.not_causes
    assert "Packaging version (2 levels examined): no level has an excess of its own for warehouse damage." in section.not_causes
    none = build_root_cause(findings, complaints, selected=[])
    assert none.no_findings == f"None of the {len(findings['findings'])} findings of the analysis is included in this section: choose the findings it presents."
    assert build_root_cause(findings, complaints, "zh", selected=[]).no_findings.startswith("分析得出的")
    assert build_root_cause({**findings, "findings": []}, complaints).no_findings.startswith("No factor examined")


def test_the_section_numbers_its_findings_from_one_and_names_their_ranks_in_the_evidence_pack(findings, complaints):
    """#1 left out: the POA began at "Finding 2", as if a finding were kept back from Amazon."""
    section = build_root_cause(findings, complaints, selected=[2])
    assert [b.heading for b in section.findings] == ["Finding 1: fulfilment centre PHX7 (warehouse damage)"]
    assert [(b.rank, b.number) for b in section.findings] == [(2, 1)]
    assert all(plan.heading.endswith("(finding 1)") for plan in section.actions)
    assert section.method.endswith("The findings are numbered in this section; the evidence pack (findings.json, chart files) names them "
                                   "by their rank in the analysis: Finding 1 is rank 2.")
    # the first finding named by the second as "also" is not in the section: named by its rank in the analysis
    f = json.loads(json.dumps(findings))
    f["findings"][1]["also"] = [{"rank": 1, "family": "product_defect"}]
    assert "(finding 1 of the analysis, left out of this section)" in " ".join(build_root_cause(f, complaints, selected=[2]).findings[0].details)
    # both chosen, in their own order: numbered as chosen, "also" by the number in this section
    f["findings"][0]["also"] = [{"rank": 2, "family": "warehouse_damage"}]
    both = build_root_cause(f, complaints, selected=[2, 1])
    assert [(b.rank, b.number) for b in both.findings] == [(2, 1), (1, 2)]
    assert any(d.endswith("is also finding 1 (warehouse damage): the same units, another kind of complaint.") for d in both.findings[1].details)
    assert "Finding 1 is rank 2 and Finding 2 is rank 1" in both.method
    # in rank order from 1: nothing to say
    assert "numbered in this section" not in build_root_cause(findings, complaints, selected=[1, 2]).method
    zh = build_root_cause(findings, complaints, "zh", selected=[2])
    assert zh.findings[0].heading.startswith("发现 1：") and zh.method.endswith("按其在分析中的排名命名：发现 1 为排名 2。")


@pytest.mark.parametrize("against, said", [("family", "Compared with complaints of the same kind elsewhere, the words that most set these complaints apart are"),
                                           ("all", "Compared with all other complaints, the words that most set these complaints apart are"),
                                           (None, "These buyers most often mention")])
def test_buyers_say_names_what_the_terms_were_compared_with(findings, complaints, against, said):
    f = json.loads(json.dumps(findings))
    if against:
        f["findings"][0]["terms_against"] = against
    block = build_root_cause(f, complaints).findings[0]
    table = " (their counts, z-scores and adjusted p-values are in the evidence pack's terms table)" if against else ""
    assert block.buyers_say == f"{said} “right earbud” and “no sound”{table}."


def test_buyers_say_names_the_terms_that_are_not_significant(findings, complaints):
    f = json.loads(json.dumps(findings))
    f["findings"][0].update(terms_against="family", top_terms=["right earbud", "no sound", "earbuds", "disconnecting"],
                            top_terms_significant=[True, True, False, False])
    table = " (their counts, z-scores and adjusted p-values are in the evidence pack's terms table)."
    block = build_root_cause(f, complaints).findings[0]
    assert block.buyers_say == ("Compared with complaints of the same kind elsewhere, the words that most set these complaints apart are "
                                "“right earbud” and “no sound”" + table
                                + " Also more frequent here, but not significantly (adjusted p ≥ 0.05): “earbuds” and “disconnecting”.")
    # none significant (terms against all complaints, which keeps terms without a test below 0.05)
    f["findings"][0].update(terms_against="all", top_terms_significant=[False] * 4)
    block = build_root_cause(f, complaints).findings[0]
    assert block.buyers_say == ("Compared with all other complaints, these complaints use “right earbud”, “no sound”, “earbuds” and "
                                "“disconnecting” more often, but no word significantly so (adjusted p ≥ 0.05; their counts, z-scores "
                                "and adjusted p-values are in the evidence pack's terms table).")
    # in Chinese, the second sentence follows without a space
    f["findings"][0].update(terms_against="family", top_terms_significant=[True, False, False, False])
    zh = build_root_cause(f, complaints, "zh").findings[0].buyers_say
    assert zh.endswith("（次数、z 值和校正后 p 值见证据包的用词表）。以下用词在这里也更常见，但差异不显著（校正后 p ≥ 0.05）：“no sound”、“earbuds”和“disconnecting”。")
    # flags that do not match the terms (an edited findings.json) say nothing: all shown as before
    f["findings"][0].update(top_terms_significant=[True])
    assert build_root_cause(f, complaints).findings[0].buyers_say.endswith("“earbuds” and “disconnecting”" + table)


def test_levels_one_finding_explains_are_named_in_one_sentence(findings, complaints):
    f = json.loads(json.dumps(findings))
    for lot in ("L7", "L8"):
        f["explained"].append({"factor": "lot", "level": lot, "family": "product_defect", "explained_by": {"factor": "cable_lot", "level": "CB-2407"}})
    s = build_root_cause(f, complaints)
    assert s.not_causes[0] == ("The excess of product defect complaints seen in supplier Shenzhen B; lots L7 and L8 is explained by cable lot CB-2407: "
                               "once cable lot is taken into account, none of them shows an excess of its own.")
    assert not any(x.startswith(("Supplier Shenzhen B's", "Lot L7's")) for x in s.not_causes)
    zh = build_root_cause(f, complaints, "zh")
    assert zh.not_causes[0].startswith("供应商 Shenzhen B；批次 L7和L8 的产品缺陷投诉偏高均可由线材批次 CB-2407 解释")
    # the finding names them the same way
    f["findings"][0]["explains"] += [{"factor": "lot", "level": "L7"}, {"factor": "lot", "level": "L8"}]
    assert "This finding also accounts for the excess seen in supplier Shenzhen B; lots L7 and L8." in build_root_cause(f, complaints).findings[0].details


def test_a_plan_for_two_component_lots_names_each_with_its_own_supplier(findings, complaints):
    """Two defect findings, the supplier known for one: no supplier is asked about the other's component."""
    f = json.loads(json.dumps(findings))
    second = {**f["findings"][0], "rank": 3, "factor": "battery_lot", "level": "BT-1", "explains": [], "aliases": []}
    f["findings"].append(second)
    plan = next(p for p in build_root_cause(f, complaints).actions if p.category == "quality_defect")
    prompts = [a.prompt for a in plan.corrective + plan.preventive]
    assert prompts[0].startswith("Quarantine the affected stock: all units of cable lot CB-2407 and battery lot BT-1 in FBA")
    # a supplier whose excess the cable lot explains is not its supplier (it may only have used it)
    assert "(8D) to the supplier of CB-2407 and the supplier of BT-1 for CB-2407 and BT-1" in prompts[2]
    # a supplier with exactly the cable lot's units (an alias) is
    f["findings"][0]["aliases"] = [{"factor": "supplier", "level": "Shenzhen B"}]
    plan = next(p for p in build_root_cause(f, complaints).actions if p.category == "quality_defect")
    prompts = [a.prompt for a in plan.corrective + plan.preventive]
    assert "(8D) to Shenzhen B (CB-2407) and the supplier of BT-1 for CB-2407 and BT-1" in prompts[2]
    f["findings"][0]["aliases"] = []
    # one finding: its supplier, or "the supplier"
    f["findings"][0]["explains"] = []
    alone = build_root_cause(f, complaints, selected=[1]).actions[0]
    assert "(8D) to the supplier for CB-2407" in alone.corrective[2].prompt


def test_a_level_behind_two_findings_is_said_to_be_the_same_units(findings, complaints):
    f = json.loads(json.dumps(findings))
    f["findings"][1]["also"] = [{"rank": 1, "family": "product_defect"}]
    block = build_root_cause(f, complaints).findings[1]
    assert "Fulfilment centre PHX7 is also finding 1 (product defect): the same units, another kind of complaint." in block.details
    zh = build_root_cause(f, complaints, "zh").findings[1]
    assert any(d.startswith("配送中心 PHX7 同时也是发现 1（产品缺陷）") for d in zh.details), zh.details
    # the other finding left out of the section: said so, not referred to as if it were there
    alone = build_root_cause(f, complaints, selected=[2]).findings[0]
    assert "Fulfilment centre PHX7 also stands out for product defect (finding 1 of the analysis, left out of this section): " \
           "the same units, another kind of complaint." in alone.details


def test_the_method_says_how_many_praises_were_not_counted(findings, complaints):
    f = json.loads(json.dumps(findings))
    f["summary"]["praise"] = {"reviews": 700, "seller_feedback": 46}
    assert build_root_cause(f, complaints).method.endswith(
        "746 reviews and seller feedback rated 4 stars or more are praise and are not counted as complaints.")
    f["summary"]["neutral"] = {"seller_feedback": 42}
    assert build_root_cause(f, complaints).method.endswith(
        "are not counted as complaints. 42 reviews and seller feedback rated 3 stars whose words name no complaint are not counted either.")
    del f["summary"]["neutral"]
    assert build_root_cause(f, complaints, "zh").method.endswith("746 条评分在 4 星及以上的评论和卖家反馈属于好评，不计为投诉。")
    assert "praise" not in build_root_cause(findings, complaints).method


def test_an_fc_finding_says_what_amazons_ledger_says(findings, complaints):
    f = json.loads(json.dumps(findings))
    f["findings"][1]["ledger"] = {"damaged_units": 39, "damaged_units_all": 68, "damaged_records": 28, "damaged_records_all": 48, "share": 28 / 48,
                                  "ci_low": 0.442, "ci_high": 0.711, "units_share": 0.166, "p_value": 7.8e-11, "agrees": True, "reimbursed_units": 53}
    details = build_root_cause(f, complaints).findings[1].details
    # the test counts the ledger's records (one record's units were damaged together), the units are said beside
    assert ("Amazon's own inventory ledger agrees: 28 of the 48 damage records of its fulfilment centres (reason E; 39 of 68 units) "
            "were at PHX7 (58.3%, 95% CI 44.2% to 71.1%), which shipped 16.6% of the units (exact binomial p < 0.0001, on records: "
            "the units of one record were damaged together).") in details
    assert "Amazon reimbursed 53 units as damaged in its warehouses over the period of these files (the reimbursements report names no fulfilment centre)." in details
    f["findings"][1]["ledger"].update(damaged_units=12, share=12 / 68, p_value=0.42, agrees=False, reimbursed_units=0)
    details = build_root_cause(f, complaints, "zh").findings[1].details
    assert any(d.startswith("亚马逊的库存分类账并未显示 PHX7 异常：") and "精确二项检验 p = 0.42" in d for d in details), details
    assert not any("赔偿" in d for d in details)


def test_the_problem_statement_cites_amazons_voice_of_the_customer(findings, complaints):
    f = json.loads(json.dumps(findings))
    f["summary"]["voc"] = [{"asin": "B0DHK7Q5WT", "skus": 7, "ncx_orders": 504, "total_orders": 14071, "ncx_rate": 504 / 14071, "poor_skus": 2,
                            "worst_health": "Poor", "top_reason": "Inaccurate website description", "updated": "2026-10-01"}]
    assert ("Amazon's Voice of the Customer (updated 2026-10-01): B0DHK7Q5WT, NCX rate 3.6% (504 of 14,071 orders), CX Health down to Poor "
            "(2 of 7 SKUs Poor or worse), most NCX orders for “Inaccurate website description”.") in build_root_cause(f, complaints).problem_statement
    zh = build_root_cause(f, complaints, "zh").problem_statement
    assert "亚马逊买家之声（更新于 2026-10-01）：B0DHK7Q5WT 的负面客户体验（NCX）率为 3.6%" in zh
    assert "客户体验健康度最差为 差" in zh and "Poor" not in zh  # Amazon's rating in the document's language
    assert "Voice of the Customer" not in build_root_cause(findings, complaints).problem_statement


def test_a_finding_says_what_amazons_ncx_rate_says(findings, complaints):
    f = json.loads(json.dumps(findings))
    f["findings"][0]["voc"] = {"skus": 4, "ncx_orders": 446, "orders": 9377, "ncx_rate": 446 / 9377, "ncx_rate_rest": 0.029, "rate_ratio": 1.64,
                               "rr_ci_low": 1.47, "rr_ci_high": 1.83, "p_value": 2e-19, "agrees": True, "top_reason": "Item defective or doesn't work"}
    details = build_root_cause(f, complaints).findings[0].details
    # higher too, not "agrees": NCX counts every issue, this finding one kind
    assert ("Amazon's own NCX rate is higher too: 4.8% of orders for the 4 SKUs of CB-2407 (446 of 9,377) against 2.9% for the other SKUs, "
            "1.6 times (95% CI 1.5 to 1.8; p < 0.0001); NCX counts every product or listing issue, not only this kind. "
            "The reason behind most of their NCX orders: “Item defective or doesn't work”.") in details
    f["findings"][0]["voc"].update(p_value=0.15, rate_ratio=1.12, agrees=False, top_reason=None)
    details = build_root_cause(f, complaints, "zh").findings[0].details
    assert any(d.startswith("亚马逊的负面客户体验（NCX）率并未显示 CB-2407 异常：") and d.endswith("不满意订单包含所有产品和 listing 问题，而不只是这一类。") for d in details), details
    # higher at p = 0.015 is not "does not single out" (an audit): say it is higher, and the p this analysis asks
    f["findings"][0]["voc"].update(p_value=0.015, rate_ratio=1.14, rr_ci_low=1.03, rr_ci_high=1.27, agrees_below_p=0.01)
    details = build_root_cause(f, complaints).findings[0].details
    assert any(d.startswith("Amazon's NCX rate is higher, but not clearly: ") and "1.1 times (95% CI 1.0 to 1.3; p = 0.015, where this "
               "analysis asks p < 0.01 to count it as agreeing)" in d for d in details), details
    f["findings"][0]["voc"].update(p_value=0.4, rate_ratio=0.95, rr_ci_low=0.8, rr_ci_high=1.1)
    assert any(d.startswith("Amazon's NCX rate does not single CB-2407 out: ") for d in build_root_cause(f, complaints).findings[0].details)


@pytest.mark.parametrize("onset, action, said", [("2026-07-14", "2026-09-01", "Control chart over time, with the onset and the corrective action marked."),
                                                  ("2026-07-14", None, "Control chart over time, with the onset marked."),
                                                  (None, "2026-09-01", "Control chart over time, with the corrective action marked."),
                                                  (None, None, "Control chart over time.")])
def test_a_control_charts_caption_names_only_the_marks_it_has(tmp_path, findings, complaints, onset, action, said):
    """Every control chart's caption said the onset and the corrective action were marked, with neither on it."""
    f = json.loads(json.dumps(findings))
    f["findings"][0]["onset"] = onset
    f.setdefault("settings", {}).setdefault("analysis", {})["action_date"] = action
    charts = {figure_name(1, "cable_lot", "control"): _tiny_png(tmp_path / "control.png")}
    doc = Document(str(render_docx(build_root_cause(f, complaints, selected=[1]), f, charts, tmp_path / "rc.docx")))
    assert [p.text for p in doc.paragraphs if p.style.name == "Caption"] == [f"Figure 1: Finding 1 (cable lot CB-2407): {said}"]


def test_an_onset_says_whose_rate_stepped_up_and_when_the_level_began_shipping(findings, complaints):
    """"The excess begins around 2026-08-10" for a packaging version whose units, shipped from late July, were
    worse from the first week: the date is the family's weekly rate stepping up."""
    f = json.loads(json.dumps(findings))
    f["findings"][0]["onset"] = "2026-07-14"
    f["findings"][0]["ship_weeks"] = {"first": "2026-06-01", "last": "2026-09-28"}
    details = build_root_cause(f, complaints).findings[0].details
    assert "The weekly rate of product defect complaints stepped up around 2026-07-14; cable lot CB-2407 shipped from the week of 2026-06-01." in details
    f["findings"][0]["ship_weeks"] = {"first": "2026-07-14", "last": "2026-09-28"}  # shipped from the step: said once
    assert "The weekly rate of product defect complaints stepped up around 2026-07-14." in build_root_cause(f, complaints).findings[0].details
    zh = build_root_cause(f, complaints, "zh").findings[0].details
    assert "产品缺陷投诉的每周比率约在 2026-07-14 上升。" in zh
    # with its uncertainty (an audit: the support interval and permutation p were computed and not said)
    f["findings"][0].update(onset_interval=["2026-07-07", "2026-07-21"], onset_p=0.003)
    assert ("The weekly rate of product defect complaints stepped up around 2026-07-14 (the weeks of 2026-07-07 to 2026-07-21 fit it at 95%; "
            "permutation p = 0.003).") in build_root_cause(f, complaints).findings[0].details
    assert "产品缺陷投诉的每周比率约在 2026-07-14（95% 支持区间为 2026-07-07 至 2026-07-21 各周；置换检验 p = 0.003） 上升。" in \
        build_root_cause(f, complaints, "zh").findings[0].details
    f["findings"][0].update(onset_interval=["2026-07-14", "2026-07-14"])
    assert "stepped up around 2026-07-14 (no other week fits it at 95%; permutation p = 0.003)." in " ".join(build_root_cause(f, complaints).findings[0].details)


def test_the_pack_of_a_section_holds_only_its_findings_and_pins_the_inputs_findings_name(tmp_path, findings, complaints):
    """From the app: finding 2 left out of the section was still in the pack's tables and charts, the manifest
    listed no input (the app passes no file paths) and said "en" for a Chinese document."""
    tables = {"family_pareto": pd.DataFrame({"family": ["x"], "count": [1]}), "finding1_cable_lot_levels": pd.DataFrame({"level": ["CB-2407"]}),
              "finding2_fulfillment_center_levels": pd.DataFrame({"level": ["PHX7"]})}
    out = write_all(tmp_path, findings, complaints, tables, {}, input_files=[], settings={"language": "en"}, language="zh", selected=[1])
    with zipfile.ZipFile(out["evidence.zip"]) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    assert "tables/finding1_cable_lot_levels.csv" in names and "tables/family_pareto.csv" in names
    assert not [n for n in names if n.startswith("tables/finding2_")]
    assert manifest["settings"]["language"] == "zh" and manifest["section_findings"] == [{"number": 1, "rank": 1}]
    assert [(i["name"], i["sha256"], i["rows"]) for i in manifest["inputs"]] == [
        (Path(i["path"]).name, i.get("sha256"), i["rows"]) for i in findings["inputs"]] and manifest["inputs"]


def test_the_packs_readme_maps_the_sections_numbers_to_the_ranks_its_files_use(tmp_path, findings, complaints):
    """With finding 1 left out, the section's Finding 1 is rank 2, and the pack's files are finding2_*: the README said nothing."""
    tables = {"finding2_fulfillment_center_levels": pd.DataFrame({"level": ["PHX7"]})}
    out = write_all(tmp_path, findings, complaints, tables, {}, input_files=[], settings={}, selected=[2])
    with zipfile.ZipFile(out["evidence.zip"]) as zf:
        readme = zf.read("README.txt").decode("utf-8")
        manifest = json.loads(zf.read("manifest.json"))
    assert readme.rstrip("\n").endswith("go by the analysis' rank: Finding 1 is rank 2 (finding2_*).")
    assert manifest["section_findings"] == [{"number": 1, "rank": 2}]
    # both, in the order chosen
    out = write_all(tmp_path / "both", findings, complaints, {}, {}, input_files=[], settings={}, selected=[2, 1])
    with zipfile.ZipFile(out["evidence.zip"]) as zf:
        assert "Finding 1 is rank 2 (finding2_*); Finding 2 is rank 1 (finding1_*)." in zf.read("README.txt").decode("utf-8")
    # in rank order: nothing to say
    out = write_all(tmp_path / "ranked", findings, complaints, {}, {}, input_files=[], settings={}, selected=[1, 2])
    with zipfile.ZipFile(out["evidence.zip"]) as zf:
        assert "go by the analysis' rank" not in zf.read("README.txt").decode("utf-8")


@pytest.mark.parametrize("record, said", [
    ({"date": "2026-09-01", "rate_before": None, "rate_after": None, "note": "no_units_before"},
     "Cable lot CB-2407 shipped no unit before the corrective action on 2026-09-01: no before/after comparison."),
    ({"date": "2026-09-01", "rate_before": None, "rate_after": None, "note": "no_units_after"},
     "Cable lot CB-2407 has shipped no unit since the corrective action on 2026-09-01"),
    ({"date": "2026-09-01", "rate_before": 0.0131, "rate_after": 0.01, "complaints_after": 3, "units_after": 300.4, "rate_ratio": 0.76,
      "rr_ci_low": 0.24, "rr_ci_high": 2.4, "p_value": 0.8, "minimum_detectable_rate": None},
     "Since the corrective action on 2026-09-01: 1.00% of the units shipped since (3 complaints on 300 units) against 1.31% before, 0.8 times "
     "(95% CI 0.2 to 2.4; p = 0.80); units are counted as far as their complaints have had time to come in. Too few units have shipped since to show any fall yet."),
])
def test_a_findings_before_and_after_is_said_as_far_as_the_units_allow(findings, complaints, record, said):
    f = json.loads(json.dumps(findings))
    f["findings"][0]["before_after"] = record
    assert any(d.startswith(said) for d in build_root_cause(f, complaints).findings[0].details), build_root_cause(f, complaints).findings[0].details
    assert len(build_root_cause(f, complaints, "zh").findings[0].details) == len(build_root_cause(f, complaints).findings[0].details)


def test_the_plain_text_for_seller_central_keeps_the_analysts_words_as_typed(findings, complaints):
    """The preview said "plain text, as pasted into Seller Central" and showed "2\\*50 units \\[done\\]" (exploratory testing):
    the Markdown file escapes, the plain text does not."""
    from analysis.export.poa import render_markdown

    typed = "Quarantined SKU SPK_PRO, 2*50 units; removal order #RO-123 [done] <b>now</b>"
    section = build_root_cause(findings, complaints, overrides={"problem_statement": typed})
    assert typed in render_markdown(section, plain=True)
    md = render_markdown(section)
    assert "2\\*50" in md and "\\[done\\]" in md and "\\<b>" in md and typed not in md


def test_the_packs_readme_names_the_chart_formats_it_holds(tmp_path, findings, complaints):
    """The app's pack holds PNG only and its README said "PNG and SVG" (a browser test)."""
    chart = tmp_path / "finding1_cable_lot_rates.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n")
    for paths, said in (([chart], "(PNG)\n"), ([chart, chart.with_suffix(".svg")], "(PNG and SVG)\n"), ([], "(none in this pack)\n")):
        if len(paths) == 2:
            paths[1].write_text("<svg/>", encoding="utf-8")
        out = write_evidence_pack(tmp_path / str(len(paths)), findings, complaints, {}, paths, [], {})
        with zipfile.ZipFile(out) as zf:
            assert zf.read("README.txt").decode("utf-8").rstrip("\n").endswith("the charts of the Root Cause section " + said.strip())


def test_a_finding_on_shares_of_complaints_states_the_share_the_app_states(findings, complaints):
    """Without shipments the app said "21.0% of its complaints are not as described vs 5.7% elsewhere" and the section
    "accounts for 156 of 251 not as described complaints (62.2%)": two different shares (a browser test)."""
    f = json.loads(json.dumps(findings))
    f["findings"][0].update(basis="complaints", units=None, baseline_units=None, complaints=156, rate=156 / 742, ci_low=0.1825, ci_high=0.2410,
                            baseline_rate=0.0574, rate_ratio=3.66, rr_ci_low=2.88, rr_ci_high=4.66, p_adjusted=2e-25)
    statement = build_root_cause(f, complaints).findings[0].statement
    assert statement.startswith("Cable lot CB-2407: 21.0% of its complaints between 2026-06-01 and 2026-09-30 are product defect complaints "
                                "(156; 95% CI 18.2% to 24.1%), against 5.7% of the other complaints: 3.7 times (95% CI 2.9 to 4.7; adjusted p < 0.0001)."), statement
    assert "not rates per unit" in statement
    assert "21.0%" in build_root_cause(f, complaints, "zh").findings[0].statement
