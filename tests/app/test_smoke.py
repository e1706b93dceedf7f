"""AppTest smoke test: every page in both languages, without data and with the sample loaded."""

from __future__ import annotations

import re

import pytest

from conftest import PAGES, loaded_app, new_app

TITLES = {
    "en": {"data": "Data", "root_causes": "Root causes", "lots": "Lots & suppliers", "trends": "Trends", "keywords": "Keywords",
           "review": "Review & correct", "taxonomy": "Taxonomy", "export": "Export"},
    "zh": {"data": "数据", "root_causes": "根本原因", "lots": "批次与供应商", "trends": "趋势", "keywords": "关键词",
           "review": "复核与更正", "taxonomy": "分类规则", "export": "导出"},
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_page_without_data(language):
    at = new_app(language)
    assert not at.exception, at.exception
    assert at.radio(key="language").value == language
    for page in PAGES:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert at.title[0].value == TITLES[language][page]
    # pages that need data say where to get it
    at.switch_page("views/root_causes.py").run()
    assert at.info, "no empty state on Root causes"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_page_with_the_sample(language):
    at = loaded_app(language)
    for page in PAGES:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert at.title[0].value == TITLES[language][page]
        assert not at.error, (page, [e.value for e in at.error])
        for df in at.dataframe:  # every header translated ("z" and "p" are the statistics' own names)
            raw = [c for c in df.value.columns if len(str(c)) > 1 and re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", str(c))]
            assert not raw, (page, raw)
    at.switch_page("views/lots.py").run()
    assert at.get("plotly_chart"), "no chart on Lots & suppliers"
    assert at.dataframe, "no level table on Lots & suppliers"
