"""Data page in the browser: language switch, uploading three real reports, a file that is not a report."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

from conftest import SAMPLE  # noqa: E402

pytestmark = pytest.mark.e2e

#: (file, detected kind, rows) as the Files table shows them, per UI language
EXPECTED_FILES = {
    "zh": [("fba_customer_returns.txt", "FBA 退货", "2412"), ("fba_customer_shipment_sales.txt", "FBA 发货", "45535"),
           ("lot_master.xlsx", "批次主表", "23")],
    "en": [("fba_customer_returns.txt", "FBA returns", "2412"), ("fba_customer_shipment_sales.txt", "FBA shipments", "45535"),
           ("lot_master.xlsx", "Lot master", "23")],
}


def _assert_files_table(app, language: str) -> None:
    """Each file's row in the Files table: name, recognised kind and row count, in that order."""
    cells = app.grid_cells()
    for name, kind, rows in EXPECTED_FILES[language]:
        assert name in cells, cells
        i = cells.index(name)
        assert cells[i + 1:i + 3] == [kind, rows], (name, cells[i:i + 10])


def test_language_switch_and_upload_three_files(app, sample_files):
    # the app opens in Chinese
    app.expect_title("数据")
    nav = app.page.locator('[data-testid="stSidebarNav"]')
    expect(nav).to_contain_text("根本原因")
    expect(nav).to_contain_text("导出")

    # three real files through the page's own file input
    app.upload(sample_files)
    app.expect_alert("已加载 3 个文件")
    expect(app.main).to_contain_text("投诉 2,412 条，发货记录 45,535 行，批次主表 23 行")
    _assert_files_table(app, "zh")

    # switch to English: the same data, now in English
    app.set_language("English")
    app.expect_title("Data")
    expect(nav).to_contain_text("Root causes")
    success = app.main.locator('[data-testid="stAlert"]', has_text="Loaded 3 files")
    expect(success).to_have_text("Loaded 3 files: 2,412 complaints, 45,535 shipment lines, 23 lot-master rows.")
    _assert_files_table(app, "en")
    # every return links to a shipment and a lot
    metrics = app.main.locator('[data-testid="stMetric"]')
    expect(metrics.filter(has_text="Returns whose order is in the shipment files")).to_contain_text("100.0%")
    expect(metrics.filter(has_text="Complaints with a known lot")).to_contain_text("100.0%")
    expect(app.main).to_contain_text("No line was rejected.")
    app.assert_no_traceback()
    app.screenshot("data")

    # and back to Chinese
    app.set_language("中文")
    app.expect_title("数据")
    expect(app.main).to_contain_text("已加载 3 个文件")

    # "Clear" is there as soon as the upload is read, and empties the uploader too (the files stayed in it, and were
    # read again at once; found by a browser test)
    clear = app.main.get_by_role("button", name="清除已加载的数据")
    expect(clear).to_be_enabled()
    clear.click()
    app.wait_idle()
    expect(app.main.locator('[data-testid="stFileUploaderFile"]')).to_have_count(0)
    expect(app.main).not_to_contain_text("已加载 3 个文件")
    expect(clear).to_be_disabled()


def test_file_that_is_not_a_report_gives_one_line_error(app, tmp_path):
    app.set_language("English")
    people = tmp_path / "people.csv"
    people.write_text("name,age\nAnn,30\nBob,41\n", encoding="utf-8")
    app.upload([people])

    error = app.expect_alert("Could not read")
    text = error.inner_text().strip()
    assert "people.csv" in text and "not a recognised" in text, text
    assert "\n" not in text, f"the error should be one line: {text!r}"
    app.assert_no_traceback()

    # the other pages say there is nothing to analyse and what to add, without a traceback either
    app.nav("Root causes")
    expect(app.main).to_contain_text("The loaded files hold no complaints: add a returns report")
    app.assert_no_traceback()


@pytest.mark.parametrize("path, title", [("taxonomy", "分类规则"), ("keywords", "关键词")])
def test_a_page_opened_by_its_address_runs_inside_the_frame(open_at, page, path, title):
    """A bookmarked page address as a visitor's first request: the page runs inside app.py's frame
    (session state, navigation, language switch), not on its own (it used to crash with a KeyError
    when the pages sat in a folder named pages/, which Streamlit runs page by page)."""
    app = open_at(path)
    app.expect_title(title)
    app.assert_no_traceback()
    expect(page.locator('[data-testid="stSidebarNav"]')).to_contain_text("导出")
    app.set_language("English")
    app.assert_no_traceback()


def test_the_column_expander_of_a_review_file_stays_open_when_a_column_is_picked(app):
    """The first pick in "Columns used in reviews.csv" closed the expander it was made in."""
    app.set_language("English")
    app.upload([SAMPLE / "reviews.csv"])
    app.expect_alert("Loaded one file: ")
    columns = app.expander("Columns used in reviews.csv")
    columns.get_by_role("combobox", name="Date", exact=True).click()
    app.page.get_by_role("option", name="Helpful", exact=True).click()
    app.wait_idle()
    columns = app.main.locator('[data-testid="stExpander"]').filter(has=app.page.locator("summary", has_text="Columns used in reviews.csv")).first
    assert columns.locator("details").get_attribute("open") is not None, "the column expander closed by itself"
    app.assert_no_traceback()
