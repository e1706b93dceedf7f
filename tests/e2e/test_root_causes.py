"""Root causes in the browser: the planted causes as text, one finding's evidence, re-running with a factor left out."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

#: the sample's planted causes (sample_data/README.md) as the finding headings name them: factor level · family
PLANTED = [
    "Cable lot CB-2606 · Product defect",
    "Fulfilment centre SBD1 · Warehouse damage",
    "Packaging version PKG-V2 · Shipping damage",
    "ASIN B0DHK7Q5WT · Not as described",
]
#: confounders that must not be reported as findings
CONFOUNDERS = ["瑞通科技", "L2605B"]


def _headings(app) -> list[str]:
    return [h.strip() for h in app.main.locator("h5").all_inner_texts()]


def test_planted_root_causes_are_written_on_the_page(loaded_app):
    app = loaded_app
    app.nav("Root causes")
    expect(app.main.locator("h5").first).to_be_visible()
    headings = _headings(app)
    for planted in PLANTED:
        assert any(h.endswith(planted) for h in headings), (planted, headings)
    for confounder in CONFOUNDERS:
        assert not any(confounder in h for h in headings), (confounder, headings)

    text = app.main_text()
    for level in ("CB-2606", "SBD1", "PKG-V2", "B0DHK7Q5WT"):
        assert level in text
    # the statement of the cable-lot finding, with its numbers, and the analysis basis
    expect(app.main).to_contain_text("Cable lot CB-2606:")
    expect(app.main).to_contain_text("returned as defective")
    expect(app.main).to_contain_text("rates per unit shipped")
    expect(app.main.locator('[data-testid="stMetric"]').filter(has_text="Units shipped")).to_contain_text("48,645")
    app.assert_no_traceback()
    app.screenshot("root_causes")


def test_finding_evidence_shows_charts_and_buyers_words(loaded_app):
    app = loaded_app
    app.nav("Root causes")
    # the finding's bordered container: the innermost block holding its heading
    card = app.main.locator('[data-testid="stVerticalBlock"]').filter(
        has=app.page.locator("h5", has_text="Cable lot CB-2606")).last
    # the buyers' words on the card (plain text, never Markdown)
    words = card.locator('[data-testid="stText"]').filter(has_text="Buyers' distinctive words")
    expect(words).to_contain_text("right earbud")
    expect(words).to_contain_text("no sound")

    evidence = app.expander("Evidence — #1 Cable lot CB-2606")
    # first tab: rates by cable lot, drawn by plotly
    chart = evidence.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    expect(chart).to_be_visible()
    expect(chart.locator("text", has_text="CB-2606").first).to_be_visible()
    expect(chart).to_contain_text("Product defect: complaint rate by Cable lot")

    # "What buyers say": the terms chart with the buyers' words as its labels
    evidence.get_by_role("tab", name="What buyers say").click()
    app.wait_idle()
    panel = evidence.locator('[role="tabpanel"]:visible')
    terms_chart = panel.locator(".js-plotly-plot").first
    expect(terms_chart).to_be_visible()
    expect(terms_chart).to_contain_text("What buyers say: Cable lot CB-2606")
    expect(terms_chart.locator("text", has_text="right earbud").first).to_be_visible()
    app.assert_no_traceback()

    # "Complaints": the finding's rows, and their CSV written when the button is clicked
    evidence.get_by_role("tab", name="Complaints").click()
    app.wait_idle()
    with app.page.expect_download(timeout=120_000) as info:  # (written on the click's rerun: slow beside the other worker's trainings)
        evidence.locator('[data-testid="stDownloadButton"] button', has_text="Download as CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert info.value.suggested_filename == "complaints.csv"
    assert text.startswith("date,source_kind,family,") and text.count("\n") > 50

    evidence.get_by_role("tab", name="Rates by level").click()
    app.wait_idle()
    card.evaluate("el => el.scrollIntoView({block: 'start'})")
    app.screenshot("evidence")


def test_leaving_a_factor_out_reruns_the_analysis(loaded_app):
    app = loaded_app
    app.nav("Root causes")
    expect(app.main.locator("h5", has_text="Cable lot CB-2606")).to_have_count(1)
    expect(app.main.get_by_text("Factors examined")).to_contain_text("Cable lot")

    settings = app.expander("Analysis settings")
    settings.locator('[data-testid="stMultiSelect"] input').click()
    app.page.get_by_role("option", name="Cable lot", exact=True).click()
    app.wait_idle()
    app.main.locator("h1").first.click()  # close the dropdown
    settings = app.expander("Analysis settings")  # re-opened if the rerun closed it (see test_settings_expander_...)
    expect(settings.locator('[data-testid="stMultiSelect"]')).to_contain_text("Cable lot")
    settings.locator("button", has_text="Re-run the analysis").click()
    app.wait_idle()

    # the cable lot is gone from the findings and from the factors examined; its lots now carry the defect
    expect(app.main.locator("h5", has_text="Cable lot")).to_have_count(0)
    examined = app.main.get_by_text("Factors examined")
    expect(examined).not_to_contain_text("Cable lot")
    expect(examined).to_contain_text("Packaging version")
    expect(app.main.locator("h5", has_text="Lot L2606A · Product defect")).to_have_count(1)
    # the other planted causes are still found
    expect(app.main.locator("h5", has_text="Packaging version PKG-V2")).to_have_count(1)
    expect(app.main.locator("h5", has_text="ASIN B0DHK7Q5WT")).to_have_count(1)
    app.assert_no_traceback()


def test_settings_expander_stays_open_when_a_factor_is_picked(loaded_app):
    """Regression: the progress bar's element slot made open expanders collapse on the next rerun."""
    app = loaded_app
    app.nav("Root causes")
    settings = app.expander("Analysis settings")
    settings.locator('[data-testid="stMultiSelect"] input').click()
    app.page.get_by_role("option", name="Supplier", exact=True).click()
    app.wait_idle()
    assert settings.locator("details").get_attribute("open") is not None, "the settings expander closed by itself"
