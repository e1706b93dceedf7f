"""Lots & suppliers in the browser: any factor's levels side by side, rates in percent."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

from conftest import SAMPLE_FILES  # noqa: E402

pytestmark = pytest.mark.e2e


def _pick(app, label: str, option: str) -> None:
    box = app.main.get_by_role("combobox", name=label, exact=True)
    box.click()
    app.page.get_by_role("option", name=option, exact=True).click()
    app.wait_idle()


def test_lots_page_compares_the_levels_of_a_second_factor_in_percent(loaded_app):
    from analysis.dataset import load_files
    from analysis.pipeline import analyze

    table = analyze(load_files(SAMPLE_FILES, strict=True)).level_table("fulfillment_center", "warehouse_damage")
    app = loaded_app
    app.nav("Lots & suppliers")
    expect(app.main.get_by_role("combobox", name="Factor", exact=True)).to_be_visible()
    _pick(app, "Factor", "Fulfilment centre")
    _pick(app, "Complaint family", "Warehouse damage")

    # the second factor's levels are all shown (the widget used to keep the first factor's, and the page went empty)
    levels = app.main.locator('[data-testid="stMultiSelect"]')
    for fc in table["level"]:
        expect(levels).to_contain_text(str(fc))
    grid = app.main.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    expect(grid.locator('[role="columnheader"]', has_text="CI low (%)")).to_be_attached()
    expect(grid.locator('td[role="gridcell"]', has_text="SBD1")).to_be_attached()
    # in percent: the grid's cells hold the numbers (it paints them "%.3g": checked where the table is built)
    sbd1 = 100 * float(table.set_index("level").loc["SBD1", "rate"])
    expect(grid.locator('td[role="gridcell"]', has_text=repr(sbd1))).to_be_attached()
    expect(app.main.get_by_text("Pick at least one level to compare.")).to_have_count(0)
    app.assert_no_traceback()
