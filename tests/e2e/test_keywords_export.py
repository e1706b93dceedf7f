"""Keywords and Export in the browser: charts, keyword in context, the Word document and the evidence pack."""

from __future__ import annotations

import json
import zipfile

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e


def test_keywords_page(loaded_app):
    app = loaded_app
    app.nav("Keywords")
    expect(app.main.locator("h3", has_text="Complaints by family")).to_be_visible()
    charts = app.main.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    expect(charts.first).to_be_visible()
    assert charts.count() >= 3  # Pareto, families per week, distinctive terms
    expect(charts.first).to_contain_text("Product defect")
    expect(charts.first).not_to_contain_text("Complaints by family")  # the heading above says it, once

    # keyword in context: every comment with the word, as a table
    term = app.main.locator('[data-testid="stTextInput"]').filter(has_text="Word or phrase").locator("input")
    term.fill("right earbud")
    term.press("Enter")
    app.wait_idle()
    kwic = app.main.locator('[data-testid="stDataFrame"]').last
    kwic.scroll_into_view_if_needed()  # the grid writes its accessible cells for the rows in view
    # the matches are complaints about the right earbud: CB-2606's lots (the text columns are far right, out of view)
    expect(kwic.locator('td[role="gridcell"]', has_text="SPK-PRO-BLK-L2606A").first).to_be_attached()
    expect(app.main.get_by_text("No comment contains this word.")).to_have_count(0)
    app.assert_no_traceback()
    app.main.locator("h1").first.evaluate("el => el.scrollIntoView({block: 'start'})")
    app.screenshot("keywords")


def test_export_docx_and_evidence_zip(loaded_app, tmp_path):
    docx = pytest.importorskip("docx")
    app = loaded_app
    app.nav("Export")
    expect(app.main.locator('[data-testid="stMultiSelect"]')).to_contain_text("Cable lot CB-2606")
    preview = app.main.locator('[data-testid="stCode"]')
    expect(preview).to_contain_text("Cable lot CB-2606")

    app.main.locator("button", has_text="Prepare Word document and evidence pack").click()
    app.wait_idle(timeout=180)
    docx_button = app.main.locator('[data-testid="stDownloadButton"] button', has_text="Download root_cause.docx")
    expect(docx_button).to_be_visible(timeout=120_000)

    with app.page.expect_download() as info:
        docx_button.click()
    download = info.value
    assert download.suggested_filename == "root_cause.docx"
    path = tmp_path / "root_cause.docx"
    download.save_as(path)
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n" + "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "root cause" in text.lower(), text[:1000]
    assert "CB-2606" in text, text[:1000]
    assert "right earbud" in text.lower()  # the buyers' words are quoted

    with app.page.expect_download() as info:
        app.main.locator('[data-testid="stDownloadButton"] button', has_text="Download evidence.zip").click()
    download = info.value
    assert download.suggested_filename == "evidence.zip"
    path = tmp_path / "evidence.zip"
    download.save_as(path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert "manifest.json" in names, names
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest
    app.assert_no_traceback()
    app.main.locator("h1").first.evaluate("el => el.scrollIntoView({block: 'start'})")
    app.screenshot("export")


def test_the_findings_chosen_for_the_poa_switch_language_with_the_page(loaded_app):
    """The chips kept the words they were chosen in: after a switch to 中文 they stayed "Cable lot ..." (the
    browser sends the chips' words back, which name no option of the Chinese box)."""
    app = loaded_app
    app.nav("Export")
    box = app.main.locator('[data-testid="stMultiSelect"]').first
    expect(box).to_contain_text("Cable lot CB-2606")
    app.set_language("中文")
    expect(app.main.locator("h1").first).not_to_have_text("Export")
    expect(box).to_contain_text("线材批次 CB-2606")
    expect(box).not_to_contain_text("Cable lot")
    app.assert_no_traceback()
