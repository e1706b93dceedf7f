"""Review & correct in the browser: pick a complaint in the table, correct its family, download the
corrections, remove them, load the file back."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e


def test_correct_a_complaint_download_and_load_the_corrections(loaded_app, tmp_path):
    app = loaded_app
    app.nav("Review & correct")
    expect(app.main.get_by_text("No corrections yet")).to_be_visible()

    # tick the first row of the table (the grid is a canvas: click its row-marker column)
    grid = app.main.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    grid.hover()
    app.page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    app.wait_idle()
    expect(app.main.get_by_text("1 complaint(s) selected.")).to_be_visible()

    family = app.main.locator('[data-testid="stSelectbox"]').filter(has_text="Correct family").get_by_role("combobox")
    family.click()
    family.fill("Misus")  # typing opens the list, narrowed to what matches
    app.page.get_by_role("option", name="Misuse", exact=True).click()
    app.wait_idle()
    note = app.main.locator('[data-testid="stTextInput"]').filter(has_text="Why (optional").locator("input")
    note.fill("=cmd|' /C calc'!A0 dropped in water")
    note.press("Enter")
    app.wait_idle()
    app.main.locator("button", has_text="Save correction").click()
    app.wait_idle()
    app.expect_alert("1 complaint(s) set to Misuse")
    # the corrected complaint moved (it is sure now): no other complaint inherits its selection
    expect(app.main.get_by_text("0 complaint(s) selected.")).to_be_visible()
    expect(app.main.get_by_text("1 correction(s): 1 complaint(s) of these data carry them")).to_be_visible()

    with app.page.expect_download() as info:
        app.main.locator('[data-testid="stDownloadButton"] button', has_text="Download corrections").click()
    path = tmp_path / "corrections.csv"
    info.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "source_kind,order_id,sku,asin,text_sha,family,previous_family,date,note"
    assert ",misuse," in text and "'=cmd" in text  # the note cannot run as a formula

    app.main.locator("button", has_text="Remove all corrections").click()
    app.wait_idle()
    app.expect_alert("All corrections removed")

    app.main.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    app.wait_idle()
    app.expect_alert("1 correction(s) loaded from corrections.csv")
    expect(app.main.get_by_text("1 correction(s): 1 complaint(s) of these data carry them")).to_be_visible()
    app.assert_no_traceback()
    app.main.locator("h1").first.evaluate("el => el.scrollIntoView({block: 'start'})")
    app.screenshot("review")
