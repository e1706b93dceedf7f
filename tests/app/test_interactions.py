"""Widget-driven behaviour: loading the sample, findings, language switch, re-running, export preview."""

from __future__ import annotations

import json

import pytest

from conftest import loaded_app, new_app


def frame_with(at, column):
    """The first st.dataframe having ``column`` (AppTest does not expose dataframe keys)."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with column {column!r}")


def trends_at(at, family, factor, level=None, fix_date=None):
    """The Trends page showing ``family`` within ``factor`` (= ``level``), the fix dated ``fix_date``."""
    at.switch_page("views/trends.py").run()
    at.selectbox(key="trends_family").set_value(family).run()
    at.selectbox(key="trends_factor").set_value(factor).run()
    if level is not None:
        at.selectbox(key="trends_level").set_value(level).run()
    if fix_date is not None:
        at.date_input(key="trends_ba_date").set_value(fix_date).run()
    return at


def test_data_page_empty_state_names_seller_central_paths():
    at = new_app("en")
    guide = frame_with(at, "Where in Seller Central")
    where = " ".join(guide.iloc[:, 1])
    assert "Customer Concessions > FBA customer returns" in where
    assert "Inventory Ledger" in where and "Voice of the Customer" in where


def test_load_sample_shows_kinds_rows_and_coverage(app_en):
    files = frame_with(app_en, "Detected kind")
    kinds = set(files["Detected kind"])
    assert {"FBA returns", "FBA shipments", "Lot master"} <= kinds
    rows = dict(zip(files["File"], files["Rows"]))
    assert rows["fba_customer_returns.txt"] > 100
    assert any("Loaded" in s.value for s in app_en.success)
    metrics = {m.label: m.value for m in app_en.metric}
    assert metrics["Returns whose order is in the shipment files"].endswith("%")
    assert metrics["Lot link"] == "by SKU"  # the link method in words, not its code
    assert not app_en.error
    # each file's notes in full under the table (its last column is cut short on a laptop screen), as plain text
    assert "seller_feedback.txt: feedback dates read as M/D/YY" in [x.value for x in app_en.text]
    # the sample's 4-5 star reviews and feedback are said to be praise, and the analysis agrees on how many
    from analysis.pipeline import praise_rows
    from ui.state import DATASET

    complaints = app_en.session_state[DATASET].complaints
    n = int(praise_rows(complaints, 4).sum())
    assert n > 100 and n < len(complaints)
    captions = [c.value for c in app_en.caption if c.value.startswith("Of these,")]
    assert captions == [f"Of these, {n:,} reviews and seller feedback are rated 4 stars or more: praise, left out of the analysis "
                        "(unless they tell of a safety incident)."], captions


def test_root_causes_states_findings_from_numbers(app_en):
    app_en.switch_page("views/root_causes.py").run()
    assert not app_en.exception
    statements = [m.value for m in app_en.markdown if "adjusted p" in m.value and "units" in m.value]
    assert statements, "no finding statement"
    assert any("×" in s and "95% CI" in s for s in statements)
    # each finding's odds ratio beside its rate ratio, with its interval (findings.json's odds_ratio, or_ci_low/high)
    first = app_en.session_state["analysis_memo"][1].findings["findings"][0]
    from ui.components import ratio

    odds = f"Odds ratio {ratio(first['odds_ratio'])} (95% CI {ratio(first['or_ci_low'])}–{ratio(first['or_ci_high'])}, Woolf)."
    assert odds in [c.value for c in app_en.caption] and first["odds_ratio"] > first["rate_ratio"] > 1
    # the evidence is drawn once opened, and only its chosen tab
    assert not app_en.get("plotly_chart")
    from ui.components import finding_key

    first = app_en.session_state["analysis_memo"][1].findings["findings"][0]
    app_en.session_state[f"rc_evidence_{finding_key(first)}"] = True
    app_en.run()
    assert not app_en.exception
    charts = app_en.get("plotly_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    assert spec["layout"]["title"]["text"] == "Product defect: complaint rate by Cable lot"


def test_a_finding_says_how_its_numbers_differ_from_the_level_as_a_whole(app_en):
    """ASIN B0DHK7Q5WT read 1.22% (179 complaints) in its finding and 1.32% (193) on Lots & suppliers with nothing
    said; its rates tab drew the level as a whole against the finding's own baseline."""
    from ui.components import finding_key

    app_en.switch_page("views/root_causes.py").run()
    analysis = app_en.session_state["analysis_memo"][1]
    f = next(f for f in analysis.findings["findings"] if f["level"] == "B0DHK7Q5WT")
    whole = analysis.level_table(f["factor"], f["family"]).set_index("level").loc[f["level"]]
    assert (f["complaints"], f["units"]) != (whole["complaints"], whole["units"])  # unknown lots and FCs left out
    captions = [c.value.replace("\\", "") for c in app_en.caption if c.value.startswith("The finding counts")]
    assert f"The level as a whole, as on Lots & suppliers: {whole['complaints']:,.0f} complaints in {whole['units']:,.0f} units, " \
           f"{100 * whole['rate']:.2f}%." in " ".join(captions), captions
    app_en.session_state[f"rc_evidence_{finding_key(f)}"] = True
    app_en.run()
    spec = json.loads(app_en.get("plotly_chart")[0].proto.spec)
    line = next(trace for trace in spec["data"] if trace.get("name") == "All levels")
    table = analysis.level_table(f["factor"], f["family"])
    assert line["y"] == pytest.approx([table["complaints"].sum() / table["units"].sum()] * 2)


def test_chinese_statements_are_built_from_numbers():
    at = loaded_app("zh")
    at.switch_page("views/root_causes.py").run()
    statements = [m.value for m in at.markdown if "校正后 p" in m.value]
    assert statements and all("倍" in s for s in statements)
    assert not any("returned as" in s for s in statements)


def test_switching_language_changes_headings():
    at = new_app("en")
    assert at.radio(key="language").value == "en"
    assert at.title[0].value == "Data"
    assert at.button(key="load_sample").label == "Load the bundled sample"
    at.radio(key="language").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == "数据"
    assert at.button(key="load_sample").label == "加载自带的示例数据"
    # (each language's other pages are covered in test_smoke)


def test_excluding_a_factor_reruns_the_analysis(app_en):
    app_en.switch_page("views/root_causes.py").run()
    before = [m.value for m in app_en.markdown if m.value.startswith("##### #")]
    assert any("Fulfilment centre" in h for h in before)
    app_en.multiselect(key="rc_exclude_en").set_value(["fulfillment_center"]).run()
    app_en.button(key="rc_rerun").click().run()
    assert not app_en.exception
    after = [m.value for m in app_en.markdown if m.value.startswith("##### #")]
    assert after and not any("Fulfilment centre" in h for h in after)
    assert app_en.session_state["excluded_factors"] == ("fulfillment_center",)


def test_export_preview_contains_root_cause(app_en):
    app_en.switch_page("views/export.py").run()
    assert not app_en.exception
    preview = app_en.code[0].value
    assert "root cause" in preview.lower()
    assert "Problem statement" in preview
    # editing the wording changes the preview
    app_en.text_area(key="exp_problem_en").set_value("Our own problem statement.").run()
    assert "Our own problem statement." in app_en.code[0].value


def test_export_keeps_the_chosen_findings_and_answers_across_a_re_run(app_en):
    """The POA kept findings by rank: after a re-run "#3" was another finding, and quoted under the old choice.
    Answers typed for a finding were lost when it was left out and chosen again."""
    app_en.switch_page("views/export.py").run()
    # the chosen findings in full (the box cuts its chips short on a narrow screen)
    assert [c.value for c in app_en.caption if c.value.startswith("In the POA: #1 Cable lot CB\\-2606 · Product defect; #2 ")]
    answer = "exp_en_quality_defect_corrective_0"
    app_en.text_area(key=answer).input("Replaced cable supplier for lot CB-2606").run()
    app_en.multiselect[0].set_value([2, 3, 4]).run()  # the cable lot's finding (#1) and #5 left out
    assert not [w for w in app_en.text_area if w.key == answer]
    app_en.multiselect[0].set_value([1, 2, 3, 4, 5]).run()
    assert app_en.text_area(key=answer).value == "Replaced cable supplier for lot CB-2606"
    assert "Replaced cable supplier for lot CB-2606" in app_en.code[0].value

    app_en.multiselect[0].set_value([1, 3]).run()  # the cable lot and ASIN B0DHK7Q5WT
    assert "ASIN B0DHK7Q5WT" in app_en.code[0].value
    app_en.switch_page("views/root_causes.py").run()
    app_en.multiselect(key="rc_exclude_en").set_value(["cable_lot"]).run()
    app_en.button(key="rc_rerun").click().run()
    app_en.switch_page("views/export.py").run()
    assert not app_en.exception
    findings = app_en.session_state["analysis_memo"][1].findings["findings"]
    asin = next(f["rank"] for f in findings if f["level"] == "B0DHK7Q5WT")
    assert asin != 3 and app_en.multiselect[0].value == [asin]
    assert [i.value for i in app_en.info] == ["No longer a finding after the last analysis, so no longer in the POA: "
                                              "Cable lot CB\\-2606 · Product defect."]
    headings = [line for line in app_en.code[0].value.splitlines() if line.startswith("Finding ")]
    assert headings == ["Finding 1: ASIN B0DHK7Q5WT (not as described)"], headings  # the section numbers its findings from 1


def test_trends_before_after(app_en):
    app_en.switch_page("views/trends.py").run()
    assert not app_en.exception
    assert len(app_en.get("plotly_chart")) >= 1
    labels = [m.label for m in app_en.metric]
    assert "Rate before" in labels and "Rate since" in labels


def test_trends_says_a_claimed_reduction_is_shown_only_when_the_interval_shows_it(app_en):
    """"Enough units have shipped since the fix to show a 65% reduction", in green, read as "65% achieved" beside an
    observed 0.7x (95% CI 0.6-0.9)."""
    import datetime as dt

    trends_at(app_en, "remorse", "__all__", fix_date=dt.date(2026, 9, 15))
    app_en.slider(key="trends_ba_claim").set_value(65).run()
    assert not app_en.success
    assert any(w.value.startswith("Enough units have shipped since the fix to show a 65% reduction, but these data do not show it") for w in app_en.warning)
    # product defects of packaging version PKG-V2 after mid-August: 0.32x, the interval's top 0.42: a 50% reduction is shown
    trends_at(app_en, "product_defect", "packaging_version", "PKG-V2", dt.date(2026, 8, 15))
    app_en.slider(key="trends_ba_claim").set_value(50).run()
    assert [s.value for s in app_en.success] == ["The data show a reduction of 50% or more: the 95% interval of after / before lies below 0.5×."]


def test_trends_with_no_complaint_since_the_fix_shows_no_rise(app_en):
    """0.5 in every cell read "After / before: 89.4x (95% CI 5.1-1,571)" for 0 complaints in 11 units since."""
    import datetime as dt

    trends_at(app_en, "other", "cable_lot", "CB-2606", dt.date(2026, 9, 15))
    assert not app_en.exception
    assert dict((m.label, m.value) for m in app_en.metric)["Rate since"] == "0%"
    line = next(m.value for m in app_en.markdown if m.value.startswith("After / before"))
    assert line.startswith("After / before: 0.0× (95% CI 0.0–") and "Fisher exact test p = 1" in line, line
    assert any(c.value.startswith("no complaint since") for c in app_en.caption)


def test_keywords_in_context_is_a_table(app_en):
    app_en.switch_page("views/keywords.py").run()
    app_en.text_input(key="kw_term").input("sound").run()
    assert not app_en.exception
    table = frame_with(app_en, "After")
    assert len(table) > 0 and list(table.columns[:3]) == ["Before", "Term", "After"]  # the words first, headers translated
    assert table["Term"].str.lower().str.contains("sound").all()
    rating = next(c for c in table.columns if c in ("Stars", "Rating", "rating"))
    assert table[rating].map(type).eq(str).all() and set(table[rating]) <= {"", "1★", "2★", "3★", "4★", "5★"}


def test_keywords_show_the_numbers_behind_the_distinctive_terms(app_en):
    """The chart's log-odds come with their z and adjusted p in a table, headers translated, the method stated."""
    app_en.switch_page("views/keywords.py").run()
    assert not app_en.exception
    table = frame_with(app_en, "Log-odds ratio")
    assert {"Term", "z", "p", "Adjusted p", "Uses in focus group", "Uses in the rest"} <= set(table.columns)
    assert len(table) > 0 and (table["z"].diff().dropna() <= 0).all()  # strongest first
    assert any("Monroe" in c.value and "Benjamini" in c.value for c in app_en.caption)
    freq = frame_with(app_en, "Per 1,000 complaints")
    assert {"Words", "Complaints using it", "Complaints in group"} <= set(freq.columns)


def test_make_run_opens_on_the_sample(monkeypatch):
    monkeypatch.setenv("WORKBENCH_OPEN_SAMPLE", "1")
    at = new_app("en")
    assert not at.exception, at.exception
    assert at.session_state["dataset"] is not None
    assert any("Loaded" in s.value for s in at.success)


def test_complaints_worded_like_a_corrected_one_are_offered_the_same_correction(app_en):
    app_en.switch_page("views/review.py").run()
    c = app_en.session_state["analysis_memo"][1].complaints
    text = c["text"].astype("string").fillna("")
    # a wording many buyers used: correct one of them and the others are offered the same family
    said = text[(c["family"] == "product_defect") & (text.str.strip() != "")].value_counts()
    wording = said.index[0]
    same = c[(text == wording) & (c["family"] == "product_defect")]["complaint_id"].tolist()
    assert len(same) >= 3
    app_en.text_input(key="review_ids").input(same[0]).run()
    app_en.selectbox(key="review_new_family").set_value("quality_expectation").run()
    app_en.button(key="review_save").click().run()
    assert not app_en.exception, app_en.exception
    alikes = frame_with(app_en, "Suggested family")
    assert set(same[1:]) <= set(alikes["Complaint"]) and (alikes["Similarity"] >= 0.7).all()
    assert set(alikes["Like complaint"]) == {same[0]}
    offered = len(alikes)
    app_en.button(key="review_alike_accept").click().run()
    assert not app_en.exception, app_en.exception
    assert any(f"{offered} look-alike complaint(s) corrected" in s.value for s in app_en.success)
    kept = frame_with(app_en, "Rules said")
    assert len(kept) == 1 + offered and (kept["Note"] == f"worded like {same[0]}").sum() == offered
    after = app_en.session_state["analysis_memo"][1]
    assert after.findings["summary"]["corrections"]["applied"] == 1 + offered
    # the accepted ones are not offered again (a complaint like one of them may be: each correction is a new example)
    left = [d.value for d in app_en.dataframe if "Suggested family" in d.value.columns]
    assert not left or not set(left[0]["Complaint"]) & set(alikes["Complaint"])


def test_make_run_opens_on_the_sample_whichever_page_is_opened_first(monkeypatch):
    """Regression: a visitor whose first request was a bookmark to /review saw "no data" under make run."""
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP, TIMEOUT

    monkeypatch.setenv("WORKBENCH_OPEN_SAMPLE", "1")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["language"] = "en"
    at.switch_page("views/review.py").run()
    assert not at.exception, at.exception
    assert at.session_state["dataset"] is not None and at.session_state["dataset_origin"] == "sample"
    assert not any("Data page" in i.value for i in at.info)
    assert len(at.dataframe) >= 1  # the complaints to review
    # loaded once per visitor: clearing the data on the Data page is not undone by the next run
    at.switch_page("views/data.py").run()
    at.button(key="clear_data").click().run()
    at.switch_page("views/review.py").run()
    assert at.session_state["dataset"] is None


def test_review_columns_can_be_named(app_en):
    """A review file's guessed columns can be changed on the Data page and the file is re-read."""
    assert app_en.selectbox(key="data_colmap_reviews.csv_text").value == "Body"
    app_en.selectbox(key="data_colmap_reviews.csv_text").set_value("Title").run()
    app_en.selectbox(key="data_colmap_reviews.csv_title").set_value("—").run()
    app_en.button(key="data_colmap_apply_reviews.csv").click().run()
    assert not app_en.exception, app_en.exception
    assert app_en.session_state["column_maps"]["reviews.csv"]["text"] == "Title"
    reviews = next(f for f in app_en.session_state["dataset"].files if f.name == "reviews.csv")
    assert reviews.recognised["Title"] == "text"


def test_every_page_analyses_a_file_re_read_with_other_columns(app_en):
    """The analysis was cached on the files' bytes only: after a re-read every page kept the old reading."""
    app_en.switch_page("views/root_causes.py").run()
    before = app_en.session_state["analysis_memo"][1]
    assert (before.complaints["source_kind"] == "reviews").sum() > 0
    app_en.switch_page("views/data.py").run()
    app_en.selectbox(key="data_colmap_reviews.csv_date").set_value("Helpful").run()  # not a date: every review line rejected
    app_en.button(key="data_colmap_apply_reviews.csv").click().run()
    app_en.switch_page("views/root_causes.py").run()
    assert not app_en.exception
    after = app_en.session_state["analysis_memo"][1]
    assert after.dataset is app_en.session_state["dataset"]
    assert (after.complaints["source_kind"] == "reviews").sum() == 0
    assert next(m for m in app_en.metric if m.label == "Complaints").value == f"{len(after.complaints):,}" != f"{len(before.complaints):,}"


def test_a_finding_net_of_others_says_so_on_its_card(app_en):
    app_en.switch_page("views/root_causes.py").run()
    assert not app_en.exception
    findings = app_en.session_state["analysis_memo"][1].findings["findings"]
    battery = next(f for f in findings if f["level"] == "BT-2607")  # the weaker planted cause
    assert battery["net_of"] == [{"factor": "cable_lot", "level": "CB-2606"}]
    captions = " ".join(c.value for c in app_en.caption).replace("\\", "")  # markdown escapes
    assert "Rates computed without the units of the family's other findings" in captions and "CB-2606" in captions
    if battery["strength"] == "tentative":
        assert any("Tentative" in w.value for w in app_en.warning)


def test_an_analyst_corrects_complaints_and_the_findings_follow(app_en):
    app_en.switch_page("views/review.py").run()
    assert not app_en.exception
    table = frame_with(app_en, "Why (evidence)")
    assert (table["Confidence"].diff().dropna() >= 0).all()  # least sure first
    # every defect complaint of cable lot CB-2606, read as a disappointment instead
    app_en.selectbox(key="review_family").set_value("product_defect").run()
    rows = frame_with(app_en, "Why (evidence)")
    cable = rows[rows["Lot"].astype("str").str.len() > 0]["Complaint"].tolist()
    analysis = app_en.session_state["analysis_memo"][1]
    c = analysis.complaints
    ids = c[(c["cable_lot"] == "CB-2606") & (c["family"] == "product_defect")]["complaint_id"].tolist()
    assert set(ids) <= set(cable) or ids
    app_en.text_input(key="review_ids").input(", ".join(ids)).run()
    assert any(f"{len(ids)} complaint(s) selected" in c.value for c in app_en.caption)
    app_en.selectbox(key="review_new_family").set_value("quality_expectation").run()
    app_en.text_input(key="review_note").input("bass complaints, not failures").run()
    app_en.button(key="review_save").click().run()
    assert not app_en.exception
    assert any(f"{len(ids)} complaint(s) set to" in s.value for s in app_en.success)
    kept = frame_with(app_en, "Rules said")
    assert len(kept) == len(ids) and set(kept["Note"]) == {"bass complaints, not failures"}
    assert app_en.text_input(key="review_ids").value == "" and app_en.text_input(key="review_note").value == ""
    after = app_en.session_state["analysis_memo"][1]
    assert after.findings["summary"]["corrections"]["applied"] == len(ids)
    assert not any(f["factor"] == "cable_lot" and f["family"] == "product_defect" for f in after.findings["findings"])
    # the Root causes page says the families were corrected by hand
    app_en.switch_page("views/root_causes.py").run()
    assert any("carry an analyst's family" in str(x.value) for x in [*app_en.info, *app_en.warning, *app_en.caption, *app_en.markdown])
    # removing them brings the rules' families back
    app_en.switch_page("views/review.py").run()
    app_en.button(key="review_clear").click().run()
    assert any("All corrections removed" in s.value for s in app_en.success)
    back = app_en.session_state["analysis_memo"][1]
    assert any(f["factor"] == "cable_lot" and f["family"] == "product_defect" for f in back.findings["findings"])


def test_review_table_shows_stars_and_leaves_a_return_without_a_rating_blank(app_en):
    app_en.switch_page("views/review.py").run()
    assert not app_en.exception, app_en.exception
    stars = frame_with(app_en, "Stars")["Stars"]
    assert stars.map(type).eq(str).all()  # no None / NaN printed for a return, which has no rating
    assert set(stars) <= {"", "1★", "2★", "3★", "4★", "5★"} and "" in set(stars)


def test_a_safety_incident_is_shown_before_the_findings(tmp_path, monkeypatch, sample_folder):
    import shutil

    for f in sample_folder.iterdir():
        if f.is_file() and f.suffix in {".txt", ".csv", ".xlsx"}:
            shutil.copy(f, tmp_path / f.name)
    reviews = (tmp_path / "reviews.csv").read_text(encoding="utf-8").rstrip("\n")
    (tmp_path / "reviews.csv").write_text(
        reviews + "\n2026-08-01,1,It exploded,The left bud exploded while charging,Color: Black,yes,0,B0DHK7Q2MX\n", encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_SAMPLE_DIR", str(tmp_path))
    at = loaded_app("en")
    at.switch_page("views/root_causes.py").run()
    assert not at.exception, at.exception
    errors = [e.value.replace("\\", "") for e in at.error]  # (markdown escapes)
    assert any("1 complaint(s) describe a safety incident (exploded)" in e for e in errors), errors
    assert not any("safety incident" in w.value for w in at.warning)  # said once, at the top
    # the Review page lists them on their own
    at.switch_page("views/review.py").run()
    at.selectbox(key="review_family").set_value("!safety").run()
    assert not at.exception, at.exception
    table = frame_with(at, "Safety incident")
    assert table["Safety incident"].tolist() == ["exploded"]
    assert "product defect" in [str(v).lower() for v in table.iloc[0].tolist()]


def test_the_lot_link_method_reads_in_chinese():
    """The Data page named the link method by its code ("sku", "none") in the Chinese UI too."""
    at = loaded_app("zh")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["批次关联方式"] == "按 SKU", metrics


def test_a_findings_complaints_tab_reads_in_chinese():
    """Opened evidence, complaints tab: every header in the visitor's language, stars as text (blank for a return)."""
    at = loaded_app("zh")
    at.switch_page("views/root_causes.py").run()
    from ui.components import finding_key

    first = finding_key(at.session_state["analysis_memo"][1].findings["findings"][0])
    at.session_state[f"rc_evidence_{first}"] = True
    at.run()
    at.session_state[f"rc_tabs_{first}"] = "投诉明细"
    at.run()
    assert not at.exception
    assert not at.get("plotly_chart")  # only the chosen tab is drawn
    frames = [d.value for d in at.dataframe if "日期" in d.value.columns]
    assert len(frames) == 1
    shown = frames[0]
    assert {"日期", "星级", "标题", "内容", "订单", "文件", "行号"} <= set(shown.columns), list(shown.columns)
    assert not any(c in shown.columns for c in ("date", "rating", "title", "text", "order_id", "source_file"))
    assert set(shown["星级"]) <= {"", "1★", "2★", "3★", "4★", "5★"}
    # how the finding was computed, in Chinese too (findings.json's method_params)
    method = [c.value for c in at.caption if c.value.startswith("方法")]
    assert len(method) == 1 and method[0].startswith("方法: 每件发货的投诉数；线材批次 CB\\-2606 与其以外的产品相比"), method
    assert "Wilson 95% 置信区间" in method[0] and "入选标准：似然比 p < 0.001" in method[0] and "against" not in method[0]


def test_trends_say_which_complaints_the_weekly_rates_leave_out(app_en):
    app_en.switch_page("views/trends.py").run()
    assert not app_en.exception
    analysis = app_en.session_state["analysis_memo"][1]
    family = app_en.selectbox(key="trends_family").value
    factor = app_en.selectbox(key="trends_factor").value
    level = app_en.selectbox(key="trends_level").value
    n = analysis.weekly_left_out(family, factor, level)
    assert n > 0
    captions = [c.value for c in app_en.caption]
    assert any(f"{n:,} complaint(s) here have no ship date" in c for c in captions), captions
    assert any(c.startswith("Rates divide by units allowing for return lag") for c in captions)  # the weeks table's column explained
    assert analysis.weekly_rows(family, factor, level)["ship_date"].notna().all()


def test_levels_too_recent_to_judge_are_named_in_chinese(tmp_path, monkeypatch):
    """Returns that end on the last ship day: the late lots are named, in the visitor's language."""
    import pandas as pd

    from conftest import ROOT

    sample = ROOT / "sample_data"
    returns = pd.read_csv(sample / "fba_customer_returns.txt", sep="\t", dtype=str, keep_default_na=False)
    cut = returns[returns["return-date"] <= "2026-09-30T23:59:59"]
    (tmp_path / "fba_customer_returns.txt").write_text(cut.to_csv(sep="\t", index=False), encoding="utf-8")
    for name in ("fba_customer_shipment_sales.txt", "lot_master.xlsx"):
        (tmp_path / name).write_bytes((sample / name).read_bytes())
    monkeypatch.setenv("WORKBENCH_SAMPLE_DIR", str(tmp_path))
    at = loaded_app("zh")
    at.switch_page("views/root_causes.py").run()
    assert not at.exception, at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning]
    recent = [w for w in warnings if "请等投诉有时间到齐后再判断" in w]
    assert len(recent) == 1, warnings
    assert "批次 L2608D（约" in recent[0] and "的投诉已出现）" in recent[0]


def test_an_open_evidence_stays_with_its_finding_when_a_rerun_reorders_them(app_en):
    """Widgets are keyed by the finding (factor, level, family), not by its rank."""
    from ui.components import finding_key

    app_en.switch_page("views/root_causes.py").run()
    first = app_en.session_state["analysis_memo"][1].findings["findings"][0]
    assert first["factor"] == "cable_lot"
    app_en.session_state[f"rc_evidence_{finding_key(first)}"] = True
    app_en.run()
    assert len(app_en.get("plotly_chart")) == 1
    app_en.multiselect(key="rc_exclude_en").set_value(["cable_lot"]).run()
    app_en.button(key="rc_rerun").click().run()
    assert not app_en.exception
    now = app_en.session_state["analysis_memo"][1].findings["findings"]
    assert now and now[0]["factor"] != "cable_lot"
    assert not app_en.get("plotly_chart")  # the new #1's evidence is closed: the open one was cable lot CB-2606's


def test_a_findings_words_say_what_they_are_compared_with():
    """Evidence, 'what buyers say' tab: the caption names the reference the terms were scored against,
    as findings.json's terms_against records it."""
    at = loaded_app("en")
    at.switch_page("views/root_causes.py").run()
    from ui.components import finding_key

    finding = at.session_state["analysis_memo"][1].findings["findings"][0]
    key = finding_key(finding)
    at.session_state[f"rc_evidence_{key}"] = True
    at.run()
    at.session_state[f"rc_tabs_{key}"] = "What buyers say"
    at.run()
    assert not at.exception
    assert finding["terms_against"] == "family"
    captions = [c.value for c in at.caption]
    # (the level as Markdown-escaped text: a lot name is the seller's, never markup)
    assert any(c.startswith("Words these buyers use more than buyers of the same kind of complaint elsewhere") and finding["level"].replace("-", "\\-") in c
               for c in captions), captions


def test_a_level_behind_two_kinds_of_complaint_says_so_in_chinese():
    """findings.json's 'also': the card names the other finding of the same level, in the visitor's language."""
    at = loaded_app("zh")
    at.switch_page("views/root_causes.py").run()
    findings = at.session_state["analysis_memo"][1].findings["findings"]
    findings[0]["also"] = [{"rank": 4, "family": "warehouse_damage"}]
    try:
        at.run()
        assert not at.exception, at.exception
        texts = [m.value for m in at.markdown]
        assert any("同一取值也出现在发现 4（仓库损坏）" in x for x in texts), texts
    finally:
        findings[0]["also"] = []


def test_excesses_explained_are_listed_once_per_explaining_level(app_en):
    app_en.switch_page("views/root_causes.py").run()
    assert not app_en.exception
    explained = app_en.session_state["analysis_memo"][1].findings["explained"]
    by_cable = [e for e in explained if e["explained_by"] == {"factor": "cable_lot", "level": "CB-2606"} and e["family"] == "product_defect"]
    assert len(by_cable) > 1
    lines = [line for m in app_en.markdown for line in m.value.splitlines() if "CB\\-2606" in line or "CB-2606" in line]
    group = [x for x in lines if x.startswith("- **Cable lot CB")]
    assert len(group) == 1, lines
    assert f"explains the excess of {len(by_cable)} other level(s)" in group[0] and "Lot L2606A" in group[0]


def test_the_fc_finding_cites_amazons_ledger_in_chinese():
    at = loaded_app("zh")
    at.switch_page("views/root_causes.py").run()
    assert not at.exception
    f = next(f for f in at.session_state["analysis_memo"][1].findings["findings"] if f["level"] == "SBD1" and f["family"] == "warehouse_damage")
    led = f["ledger"]
    texts = [m.value for m in at.markdown]
    line = [x for x in texts if x.startswith("亚马逊自己的库存分类账也印证了这一点")]
    assert len(line) == 1 and (f"的 {led['damaged_records_all']} 条损坏记录（原因代码 E；共 {led['damaged_units_all']} 件）中有 "
                               f"{led['damaged_records']} 条在 SBD1（{led['damaged_units']} 件；") in line[0], line
    assert any(c.value.startswith(f"在这些文件覆盖的期间，亚马逊以仓库损坏为由赔偿了 {led['reimbursed_units']} 件") for c in at.caption)


def test_lots_page_shows_every_level_of_a_factor_picked_after_another(app_en):
    """The levels widget kept the first factor's levels (none of them the new factor's) and the page showed nothing."""
    app_en.switch_page("views/lots.py").run()
    app_en.selectbox(key="lots_factor").set_value("fulfillment_center").run()
    assert not app_en.exception
    expected = app_en.session_state["analysis_memo"][1].level_table("fulfillment_center", app_en.selectbox(key="lots_family").value)
    assert app_en.multiselect(key="lots_levels_fulfillment_center").value == expected["level"].tolist()
    assert frame_with(app_en, "Rate (%)")["Level"].tolist() == expected["level"].tolist()
    app_en.multiselect(key="lots_levels_fulfillment_center").set_value([]).run()
    assert [i.value for i in app_en.info] == ["Pick at least one level to compare."] and not app_en.exception


def test_level_tables_give_rates_in_percent_to_three_significant_digits(app_en):
    """Streamlit's "percent" format keeps two decimals at most: one complaint in 100,000 units read "0%", as if none."""
    app_en.switch_page("views/lots.py").run()
    app_en.selectbox(key="lots_factor").set_value("fulfillment_center").run()
    app_en.selectbox(key="lots_family").set_value("warehouse_damage").run()
    assert not app_en.exception
    element = next(df for df in app_en.dataframe if "Rate (%)" in df.value.columns)
    table, config = element.value, json.loads(element.proto.columns)
    assert table["Rate (%)"].tolist() == pytest.approx((100 * table["Complaints"] / table["Units"]).tolist())
    percent = [c for c in table.columns if c.endswith("(%)")]
    assert {"Rate (%)", "CI low (%)", "CI high (%)", "Baseline (%)"} <= set(percent)
    assert all(config[c]["type_config"]["format"] == "%.3g" for c in percent)
    assert (table["CI low (%)"] < 0.005).any() and (table["CI low (%)"] > 0).all()  # would have read 0.00%


def test_root_causes_show_amazons_voice_of_the_customer(app_en):
    app_en.switch_page("views/root_causes.py").run()
    assert not app_en.exception
    voc = app_en.session_state["analysis_memo"][1].findings["summary"]["voc"]
    assert voc
    table = frame_with(app_en, "NCX rate (%)")
    assert table["ASIN"].tolist() == [v["asin"] for v in voc]
    assert {"NCX orders", "Orders", "SKUs at Poor or worse", "Worst CX Health", "Reason behind most NCX orders"} <= set(table.columns)
    assert any(e.label.startswith("Amazon's Voice of the Customer, per ASIN (updated 2026-10-01)") for e in app_en.expander)


def test_a_finding_cites_amazons_ncx_rate(app_en):
    app_en.switch_page("views/root_causes.py").run()
    f = next(f for f in app_en.session_state["analysis_memo"][1].findings["findings"] if f["level"] == "CB-2606")
    line = [m.value for m in app_en.markdown if m.value.startswith("Amazon's own NCX rate is higher too:")]
    assert any(f"for the {f['voc']['skus']} SKUs of CB\\-2606 ({f['voc']['ncx_orders']:,} of {f['voc']['orders']:,})" in x for x in line), line


def test_lots_page_sets_amazons_ncx_rate_beside_the_levels(app_en):
    app_en.switch_page("views/lots.py").run()
    assert not app_en.exception
    app_en.selectbox(key="lots_factor").set_value("cable_lot").run()
    table = frame_with(app_en, "NCX rate (%)")
    expected = app_en.session_state["analysis_memo"][1].voc_levels("cable_lot")
    assert table["Level"].tolist() == expected["level"].tolist() and "CB-2606" in table["Level"].tolist()
    row = expected.set_index("level").loc["CB-2606"]
    assert row["ncx_rate"] == row["ncx_orders"] / row["orders"]
    assert any(c.value.startswith("Amazon's NCX rate for the SKUs of each level") for c in app_en.caption)


def test_taxonomy_edits_survive_a_page_change_and_applying_them_shows_at_once(app_en):
    """An edit in progress was lost on leaving the page; after "Use these rules" the page still said the default
    rules were in use, and "Back to the default rules" stayed disabled, until the next click."""
    app_en.switch_page("views/taxonomy.py").run()
    original = app_en.text_area(key="tax_editor").value
    edited = original.replace('rating_low_weight = 0.4', 'rating_low_weight = 0.41')
    assert edited != original
    app_en.text_area(key="tax_editor").set_value(edited).run()
    assert any(c.value.startswith("Edits not used yet") for c in app_en.caption)
    app_en.switch_page("views/review.py").run()
    app_en.switch_page("views/taxonomy.py").run()
    assert app_en.text_area(key="tax_editor").value == edited
    app_en.button(key="tax_apply").click().run()
    assert not app_en.exception
    captions = [c.value for c in app_en.caption]
    assert "Your edited rules are in use for this session." in captions and "The default rules are in use." not in captions
    assert not app_en.button(key="tax_reset").disabled
    assert [s.value for s in app_en.success] == ["Rules applied: the analysis re-runs with them."]
    assert not any(c.startswith("Edits not used yet") for c in captions)


def test_data_page_clear_button_follows_the_data_at_once():
    at = new_app("en")
    at.button(key="load_sample").click().run()
    assert at.session_state["dataset"] is not None and not at.button(key="clear_data").disabled
    at.button(key="clear_data").click().run()
    assert at.session_state["dataset"] is None and at.button(key="clear_data").disabled


def test_tables_after_interactions_have_translated_headers():
    """Headers shown only after a click or a search (taxonomy preview, keyword in context) were raw column names."""
    import re

    at = loaded_app("zh")

    def raw_headers():
        return [c for df in at.dataframe for c in df.value.columns if len(str(c)) > 1 and re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", str(c))]

    at.switch_page("views/taxonomy.py").run()
    edited = at.text_area(key="tax_editor").value.replace("min_score = 0.35", "min_score = 1.5")  # weak verdicts become "other"
    assert edited != at.text_area(key="tax_editor").value
    at.text_area(key="tax_editor").set_value(edited).run()
    at.button(key="tax_preview").click().run()
    assert not at.exception and len(at.dataframe) == 2 and raw_headers() == []
    at.switch_page("views/keywords.py").run()
    at.text_input(key="kw_term").input("sound").run()
    assert not at.exception and raw_headers() == []
    kwic = at.dataframe[-1].value
    assert set(kwic["字段"]) <= {"内容", "标题"} and "订单" in kwic.columns
    at.selectbox(key="kw_group_by").set_value("source_kind").run()
    groups = set(at.dataframe[0].value["组"])
    assert groups and not groups & {"fba_returns", "seller_feedback", "reviews"} and "评论" in groups
    at.selectbox(key="kw_group_by").set_value("marketplace").run()
    assert not at.exception and [i.value for i in at.info if "没有其他组" in i.value]


def test_choices_survive_a_visit_to_another_page(app_en, caplog):
    """Lots, Trends and Keywords went back to their defaults after a visit to another page."""
    app_en.switch_page("views/lots.py").run()
    app_en.selectbox(key="lots_family").set_value("shipping_damage").run()
    factor = app_en.selectbox(key="lots_factor").value
    levels = app_en.multiselect(key=f"lots_levels_{factor}").options[:2]
    app_en.multiselect(key=f"lots_levels_{factor}").set_value(levels).run()
    app_en.switch_page("views/keywords.py").run()
    app_en.selectbox(key="kw_group_by").set_value("fulfillment_center").run()
    app_en.number_input(key="kw_top_n").set_value(25).run()
    app_en.text_input(key="kw_term").input("box").run()
    app_en.switch_page("views/trends.py").run()
    app_en.selectbox(key="trends_factor").set_value("fulfillment_center").run()
    app_en.selectbox(key="trends_level").set_value("SBD1").run()
    app_en.switch_page("views/data.py").run()

    app_en.switch_page("views/lots.py").run()
    assert app_en.selectbox(key="lots_family").value == "shipping_damage" and app_en.selectbox(key="lots_factor").value == factor
    assert app_en.multiselect(key=f"lots_levels_{factor}").value == levels
    assert frame_with(app_en, "Rate (%)")["Level"].tolist() == levels
    app_en.switch_page("views/keywords.py").run()
    assert app_en.selectbox(key="kw_group_by").value == "fulfillment_center" and app_en.number_input(key="kw_top_n").value == 25
    assert app_en.text_input(key="kw_term").value == "box"
    app_en.switch_page("views/trends.py").run()
    assert app_en.selectbox(key="trends_factor").value == "fulfillment_center" and app_en.selectbox(key="trends_level").value == "SBD1"
    assert not app_en.exception
    assert "created with a default value but also had its value set" not in caplog.text  # no default beside a kept choice


def test_leaving_out_every_factor_says_so(app_en):
    """With every factor left out, Root causes said no level stands out from random variation (none was examined)
    and Lots & suppliers still offered a factor, then said it had no level."""
    app_en.switch_page("views/root_causes.py").run()
    app_en.multiselect(key="rc_exclude_en").set_value(list(app_en.multiselect(key="rc_exclude_en").options)).run()
    app_en.button(key="rc_rerun").click().run()
    assert not app_en.exception
    said = "Every factor was left out of the analysis: nothing was examined."
    assert any(i.value.startswith(said) for i in app_en.info)
    assert not any(i.value.startswith("No factor level stands out") for i in app_en.info)
    app_en.switch_page("views/lots.py").run()
    assert not app_en.exception and [i.value[: len(said)] for i in app_en.info] == [said] and not app_en.selectbox


def test_data_page_says_how_the_complaints_read_become_those_analysed(app_en):
    """Data said 3,608 complaints and Root causes 2,784, with only the praise explained on the Data page."""
    import re

    app_en.switch_page("views/root_causes.py").run()
    app_en.switch_page("views/data.py").run()
    read = int(re.search(r"([\d,]+) complaints", app_en.success[0].value)[1].replace(",", ""))
    line = next(c.value for c in app_en.caption if c.value.startswith("The analysis counts"))
    kept, duplicates, praise, neutral, same = (int(x.replace(",", "")) for x in re.findall(r"([\d,]+) (?:of them|duplicate|praise|three-star|reviews and feedback on)", line))
    assert kept == len(app_en.session_state["analysis_memo"][1].complaints)
    assert read - duplicates - praise - neutral - same == kept and min(duplicates, praise, neutral, same) > 0


def test_a_broken_rule_in_the_chinese_taxonomy_editor_reads_in_chinese():
    """The editor's problem ("taxonomy: families.x.patterns.loud: use strong, any or weak") showed in English on
    the Chinese UI, and a tier the rules do not know was only refused once the analysis ran."""
    at = new_app("zh")
    at.switch_page("views/taxonomy.py").run()
    original = at.text_area(key="tax_editor").value
    edited = original.replace("[families.product_defect.patterns]\nstrong = [", "[families.product_defect.patterns]\nloud = [\"x\"]\nstrong = [", 1)
    assert edited != original
    at.text_area(key="tax_editor").set_value(edited).run()
    assert not at.exception
    errors = [e.value.replace("\\", "") for e in at.error]  # shown as Markdown, its punctuation escaped
    assert any("分类规则：families.product_defect.patterns.loud：只能用 strong、any 或 weak" in e for e in errors), errors
    at.button(key="tax_apply").click().run()
    assert not at.exception and at.session_state["taxonomy_toml"] is None  # refused: the default rules stay in use


def test_every_analysis_page_says_what_to_add_when_the_files_hold_no_complaints(tmp_path, monkeypatch, sample_folder):
    """Shipments alone: Review raised KeyError 'complaint_id' and the other pages analysed "0 complaints" and offered a POA
    (found by exploratory testing in a browser)."""
    import shutil

    shutil.copy(sample_folder / "fba_customer_shipment_sales.txt", tmp_path / "fba_customer_shipment_sales.txt")
    monkeypatch.setenv("WORKBENCH_SAMPLE_DIR", str(tmp_path))
    at = loaded_app("en")
    for page in ("review", "root_causes", "export", "trends"):
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert any("hold no complaints" in i.value for i in at.info), page


def test_without_shipments_the_pages_say_shares_of_complaints_not_units(tmp_path, monkeypatch, sample_folder):
    """Returns alone: Lots & suppliers headed the level's complaints "Units" and Trends said "enough units have shipped"
    (a browser test)."""
    import shutil

    shutil.copy(sample_folder / "fba_customer_returns.txt", tmp_path / "fba_customer_returns.txt")
    monkeypatch.setenv("WORKBENCH_SAMPLE_DIR", str(tmp_path))
    at = loaded_app("en")
    at.switch_page("views/lots.py").run()
    assert not at.exception, at.exception
    table = frame_with(at, "Complaints (all families)")
    assert "Units" not in table.columns and "Share (%)" in table.columns
    at.switch_page("views/trends.py").run()
    assert not at.exception, at.exception
    assert any("Testing a fix needs rates per unit" in i.value for i in at.info)
    assert not any("units" in w.value.lower() for w in at.warning)
    assert any("share of the week's complaints" in c.value for c in at.caption)


def test_the_findings_chosen_for_the_poa_read_in_the_new_language_after_a_switch(app_en):
    """The box keeps its chips as the words it showed them in: after a switch to Chinese the chips stayed
    English (the browser sends those words back, which name no option of the Chinese box)."""
    app_en.switch_page("views/export.py").run()
    app_en.multiselect[0].set_value([1, 3]).run()
    app_en.radio(key="language").set_value("zh").run()
    assert not app_en.exception
    box = app_en.multiselect[0]
    assert box.value == [1, 3]
    assert box.options and all("Cable lot" not in o and "Product defect" not in o for o in box.options)
    assert [c.value for c in app_en.caption if c.value.startswith("放入行动计划的发现：#1 ")], [c.value for c in app_en.caption]


def test_trends_says_a_change_since_the_fix_in_percentage_points(app_en):
    """The metric read "-0.52%" for 0.81% -> 0.29%: a relative change of half a percent, to a reader."""
    import datetime as dt

    trends_at(app_en, "product_defect", "packaging_version", "PKG-V2", dt.date(2026, 8, 15))
    metrics = {m.label: m for m in app_en.metric}
    before, after = (float(metrics[k].value.rstrip("%")) for k in ("Rate before", "Rate since"))
    delta = metrics["Rate since"].delta
    assert delta.endswith(" pp") and delta.startswith("-") and after < before, delta
    assert abs(float(delta.removesuffix(" pp")) - (after - before)) <= 0.011, (delta, before, after)


def test_trends_say_why_a_findings_onset_can_stand_beside_no_step_in_its_own_rate(app_en):
    """PKG-V2's chart drew the onset 2026-08-03 over a change point that said "no significant step change"."""
    trends_at(app_en, "shipping_damage", "packaging_version", "PKG-V2")
    assert [c for c in app_en.caption if c.value.startswith('The line marked "Onset" is the finding\'s onset')]
    app_en.selectbox(key="trends_factor").set_value("__all__").run()  # no finding: no onset line, no note
    assert not [c for c in app_en.caption if "is the finding's onset" in c.value]


def test_a_fix_date_is_kept_across_pages_and_follows_the_action_date_of_the_analysis(app_en):
    """Trends' date went back to its default on each visit, and ignored the date given on Root causes; Root causes
    offered the data's last day, which leaves no week after the fix to judge."""
    import datetime as dt

    app_en.switch_page("views/root_causes.py").run()
    # four weeks before the last shipment (2026-09-30), not before the last complaint (2026-10-29): no unit shipped after it
    summary = app_en.session_state["analysis_memo"][1].findings["summary"]
    assert summary["shipped_end"] < summary["period_end"]
    assert app_en.date_input(key="rc_action_date").value == dt.date.fromisoformat(summary["shipped_end"]) - dt.timedelta(weeks=4)
    app_en.switch_page("views/trends.py").run()
    app_en.date_input(key="trends_ba_date").set_value(dt.date(2026, 8, 15)).run()
    app_en.switch_page("views/keywords.py").run()
    app_en.switch_page("views/trends.py").run()
    assert app_en.date_input(key="trends_ba_date").value == dt.date(2026, 8, 15)
    app_en.switch_page("views/root_causes.py").run()
    app_en.checkbox(key="rc_use_action_date").check().run()
    app_en.date_input(key="rc_action_date").set_value(dt.date(2026, 9, 1)).run()
    app_en.button(key="rc_rerun").click().run()
    app_en.switch_page("views/trends.py").run()
    assert not app_en.exception
    assert app_en.date_input(key="trends_ba_date").value == dt.date(2026, 9, 1)


def test_keywords_open_on_the_top_findings_group_and_keep_a_focus_per_grouping(app_en):
    """The focus group was the alphabetically first ("authenticity", a handful of complaints), and a family kept as
    the focus was no group once the grouping was a lot."""
    app_en.switch_page("views/keywords.py").run()
    top = app_en.session_state["analysis_memo"][1].findings["findings"][0]
    assert app_en.selectbox(key="kw_focus_family").value == top["family"]
    app_en.selectbox(key="kw_focus_family").set_value("shipping_damage").run()
    app_en.selectbox(key="kw_group_by").set_value(top["factor"]).run()
    assert app_en.selectbox(key=f"kw_focus_{top['factor']}").value == top["level"]
    # by a factor whose finding is not the first: that finding's level (was the largest group, a level it explains)
    fc = next(f for f in app_en.session_state["analysis_memo"][1].findings["findings"] if f["factor"] == "fulfillment_center")
    app_en.selectbox(key="kw_group_by").set_value("fulfillment_center").run()
    assert app_en.selectbox(key="kw_focus_fulfillment_center").value == fc["level"] == "SBD1"
    app_en.selectbox(key="kw_group_by").set_value("source_kind").run()
    app_en.selectbox(key="kw_group_by").set_value("family").run()
    assert not app_en.exception
    assert app_en.selectbox(key="kw_focus_family").value == "shipping_damage"


def test_a_findings_complaints_tab_says_why_it_lists_more_complaints_than_the_finding_counts():
    """CB-2606's card said 271 product defects; its complaints tab listed 282 rows with no word of the 11 FBM returns
    (no shipment line lists their SKU, so no rate counts them).  The ASIN's card said 179 where its rows counted 192:
    the finding counts the complaints whose every factor is known."""
    from ui.components import finding_key

    for language, cable, asin in (
        ("en", ["282 complaint(s) here; 271 count in the rate: 11 are on products no shipment line lists"], ["The finding counts 179: the complaints whose every factor is known."]),
        ("zh", ["此处共 282 条投诉；计入比率的有 271 条：11 条涉及的产品不在任何发货明细中"], ["该发现计入 179 条：各因素均已知的投诉。"]),
    ):
        at = loaded_app(language)
        at.switch_page("views/root_causes.py").run()
        findings = at.session_state["analysis_memo"][1].findings["findings"]
        for level, said in (("CB-2606", cable), ("B0DHK7Q5WT", asin)):
            f = next(f for f in findings if f["level"] == level)
            key = finding_key(f)
            at.session_state[f"rc_evidence_{key}"] = True
            at.run()
            at.session_state[f"rc_tabs_{key}"] = "Complaints" if language == "en" else "投诉明细"
            at.run()
            assert not at.exception
            captions = [c.value for c in at.caption]
            for text in said:
                assert any(c.startswith(text) for c in captions), (language, level, captions)
        assert f["complaints"] == 179


def test_export_warns_when_no_finding_is_chosen(app_en):
    """Every chip removed: the section said no factor stood out, beside five findings, without a word on the page."""
    app_en.switch_page("views/export.py").run()
    app_en.multiselect[0].set_value([]).run()
    n = len(app_en.session_state["analysis_memo"][1].findings["findings"])
    assert [w.value for w in app_en.warning] == [f"No finding is chosen: the Root Cause section would present none of the analysis's {n} findings. "
                                                 "Choose at least one above."]
    assert f"None of the {n} findings of the analysis is included in this section" in app_en.code[0].value
