"""Trends: weekly p-chart and Laney p′ chart, change point, before/after a corrective action."""

import datetime as dt

import pandas as pd
import streamlit as st

from analysis import charts
from analysis.stats import StatsInputError
from ui import cached, components, state
from ui.components import md, pct, points
from ui.i18n import factor_name, family_name, stat_note, t

st.title(t("trends.title"))
st.markdown(t("trends.intro"))

analysis = components.require_analysis()
run_key = state.analysis_key()
findings = analysis.findings.get("findings") or []
first = findings[0] if findings else {}

families = [x["family"] for x in analysis.findings["summary"]["families"]]
if not families:
    st.info(t("app.no_rows"))
    st.stop()
NONE = "__all__"
c1, c2, c3 = st.columns(3)
family = c1.selectbox(t("trends.family"), families, format_func=components.labeller(families, family_name), key="trends_family",
                      **state.widget_default("trends_family", index=families.index(first["family"]) if first.get("family") in families else 0))
factors = [NONE, *analysis.factors]
factor = c2.selectbox(t("trends.factor"), factors, format_func=components.labeller(factors, lambda f: t("app.all") if f == NONE else factor_name(f)),
                      key="trends_factor", **state.widget_default("trends_factor", index=factors.index(first["factor"]) if first.get("factor") in factors else 0))
level = None
if factor != NONE:
    base = analysis.shipments if analysis.shipments is not None else analysis.complaints
    levels = sorted(str(v) for v in base[factor].dropna().unique())
    default = levels.index(first["level"]) if first.get("factor") == factor and first.get("level") in levels else 0
    level = c3.selectbox(t("trends.level"), levels, key="trends_level", format_func=components.labeller(levels, lambda v: components.group_label(factor, v)),
                         **state.widget_default("trends_level", index=default))
factor_arg = None if factor == NONE else factor

# the finding's onset, when this is a finding
onset = next((f.get("onset") for f in findings if f["family"] == family and f["factor"] == factor_arg and f["level"] == level), None)
where = t("chart.where", factor=factor_name(factor_arg), level=level) if factor_arg else ""
action = state.action_date()

if analysis.shipments is None:
    st.caption(t("trends.no_units"))
tab_p, tab_laney = st.tabs([t("trends.p_chart"), t("trends.laney")])
with tab_p:
    table = cached.control_table(run_key, family, factor_arg, level, False, _analysis=analysis)
    fig = charts.control_chart(table, onset=onset, action_date=action, labels=components.chart_labels(
        title=t("chart.p_title", family=family_name(family), where=where), x_title=t("chart.week"), y_title=components.rate_title(analysis)))
    picked = components.chart(fig, key="trends_p_chart")
with tab_laney:
    try:
        laney = cached.control_table(run_key, family, factor_arg, level, True, _analysis=analysis)
    except StatsInputError:
        laney = None
    if laney is None or not len(laney):
        st.caption(t("trends.laney_na"))
        picked_laney = []
    else:
        fig = charts.control_chart(laney, onset=onset, action_date=action, labels=components.chart_labels(
            title=t("chart.laney_title", family=family_name(family), where=where), x_title=t("chart.week"), y_title=components.rate_title(analysis)))
        picked_laney = components.chart(fig, key="trends_laney_chart")
if onset:  # the finding's date, beside a change point of the level's own rate that may find none
    st.caption(t("trends.onset_note", label=t("chart.onset")))
components.weekly_left_out(analysis, family, factor_arg, level)
components.show_selection(components.selected_rows(analysis, [*picked, *picked_laney], family, factor_arg, level, by="week"),
                          key="trends_rows")

# ---- change point
st.subheader(t("trends.change_heading"))
cp = cached.change_point(run_key, family, factor_arg, level, _analysis=analysis)
if cp is None:
    st.caption(t("trends.change_na"))
else:
    fmt = dict(date=components.date_text(cp.date), before=pct(cp.rate_before), after=pct(cp.rate_after),
               p=components.p_text(cp.p_value), low=components.date_text(cp.ci_low), high=components.date_text(cp.ci_high))
    st.markdown(t("trends.change_found", **fmt) if cp.p_value < 0.05 else t("trends.change_none", **fmt))

# ---- before / after
st.subheader(t("trends.ba_heading"))
weekly = analysis.weekly(family, factor_arg, level)
weekly = weekly[weekly["units"] > 0]
b1, b2 = st.columns(2)
last = pd.Timestamp(weekly["week"].max()).date() if len(weekly) else dt.date.today()
when = b1.date_input(t("trends.ba_date"), key="trends_ba_date", **state.widget_default("trends_ba_date", value=action or last - dt.timedelta(weeks=4)))
claim = b2.slider(t("trends.ba_claim"), min_value=10, max_value=90, step=5, format="%d%%", key="trends_ba_claim",
                  help=t("trends.ba_claim_help"), **state.widget_default("trends_ba_claim", value=50))
ba, units_after = (None, 0.0) if analysis.shipments is None else analysis.before_after(family, when, factor_arg, level, claimed_reduction=claim / 100)
if analysis.shipments is None:  # its "units" would be complaints: no rate to test a fix on
    st.info(t("trends.ba_need_shipments"))
elif ba is None:
    st.info(t("trends.ba_need_both"))
else:
    m1, m2 = st.columns(2)
    m1.metric(t("trends.rate_before"), pct(ba.rate_before))
    m2.metric(t("trends.rate_after"), pct(ba.rate_after), delta=points(ba.difference), delta_color="inverse")
    st.markdown(t("trends.ba_ratio", ratio=components.ratio(ba.rate_ratio), low=components.ratio(ba.rr_ci_low),
                  high=components.ratio(ba.rr_ci_high), test=t(f"trends.test_{ba.test}", ba.test), p=components.p_text(ba.p_value)))
    claim_text = f"{claim}%"
    target = components.ratio(1 - claim / 100)
    if ba.claim_shown:  # enough units to show the claim is not the claim shown (analysis.stats.before_after)
        st.success(t("trends.ba_shown", claim=claim_text, target=target))
    elif ba.enough_units_for_claim:
        st.warning(t("trends.ba_enough", claim=claim_text, target=target))
    elif ba.units_needed_for_claim == float("inf"):
        st.warning(t("trends.ba_unreachable", claim=claim_text))
    else:
        st.warning(t("trends.ba_not_enough", claim=claim_text, needed=components.num(ba.units_needed_for_claim),
                     have=components.num(units_after)))
    if not components._bad(ba.minimum_detectable_rate):
        st.caption(t("trends.ba_mdr", mdr=pct(ba.minimum_detectable_rate)))
    if ba.note:
        st.caption(md(stat_note(ba.note)))

with st.expander(t("trends.weeks_table")):
    weeks = weekly.assign(week=weekly["week"].map(components.date_text), rate=weekly["complaints"] / weekly["exposure"])
    components.stat_table(weeks, key="trends_weeks")
    st.caption(t("trends.exposure_note"))
