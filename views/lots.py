"""Lots & suppliers: every level of one factor for one family, side by side."""

import streamlit as st

from analysis import charts
from analysis.aggregate import overall_rate
from ui import cached, components, state
from ui.i18n import factor_name, family_name, stat_note, t

st.title(t("lots.title"))
st.markdown(t("lots.intro"))

analysis = components.require_analysis()
run_key = state.analysis_key()

levels_all = analysis.result.levels
if not len(levels_all):  # nothing was compared: say why (every factor left out, or too little data)
    every_one_excluded = any(n.get("code") == "all_excluded" for n in analysis.findings.get("notices") or [])
    st.info(t("notice.all_excluded") if every_one_excluded else t("lots.no_levels"))
    st.stop()
factors = [f for f in analysis.factors if (levels_all["factor"] == f).any()]
families = list(dict.fromkeys(levels_all["family"]))

# default to the first finding's factor and family
first = (analysis.findings.get("findings") or [{}])[0]
c1, c2 = st.columns(2)
factor = c1.selectbox(t("lots.factor"), factors, format_func=components.labeller(factors, factor_name), key="lots_factor",
                      **state.widget_default("lots_factor", index=factors.index(first["factor"]) if first.get("factor") in factors else 0))
family = c2.selectbox(t("lots.family"), families, format_func=components.labeller(families, family_name), key="lots_family",
                      **state.widget_default("lots_family", index=families.index(first["family"]) if first.get("family") in families else 0))

table = analysis.level_table(factor, family)
if not len(table):
    st.info(t("lots.no_levels"))
    st.stop()
# one selection per factor: a widget keyed alone kept the last factor's levels, none of them this factor's, and showed nothing
levels = st.multiselect(t("lots.levels"), table["level"].tolist(), key=f"lots_levels_{factor}",
                        **state.widget_default(f"lots_levels_{factor}", default=table["level"].tolist()))
if not levels:
    st.info(t("lots.pick_levels"))
    st.stop()
shown = table[table["level"].isin(levels)].reset_index(drop=True)

st.subheader(t("lots.table"))
view = shown.drop(columns=["family", "factor"], errors="ignore")
if analysis.shipments is None:  # no units: the level's complaints of every family, and this family's share of them
    view = view.rename(columns={"units": "all_complaints", "rate": "share"})
if "note" in view.columns:
    view["note"] = view["note"].map(stat_note)
components.stat_table(view, key="lots_table")

voc = analysis.voc_levels(factor)
voc = voc[voc["level"].astype("str").isin([str(x) for x in levels])]
if len(voc):  # Amazon's own measure for the same levels (every product or listing issue, not this family only)
    st.caption(t("lots.voc"))
    components.stat_table(voc, key="lots_voc", prefix="voc")

fam, fac = family_name(family), factor_name(factor)
left, right = st.columns(2)
with left:
    baseline = overall_rate(table) if analysis.shipments is not None else None
    fig = charts.rates_chart(shown, baseline=baseline, labels=components.chart_labels(
        title=t("chart.rates_title", family=fam, factor=fac), x_title=fac, y_title=components.rate_title(analysis)))
    picked_rates = components.chart(fig, key="lots_rates_chart")
with right:
    picked_funnel = []
    if analysis.shipments is not None:
        points, limits, base = cached.funnel_tables(run_key, factor, family, _analysis=analysis)
        points = points[points["level"].isin(levels)]
        fig = charts.funnel_chart(points, limits, base, labels=components.chart_labels(
            title=t("chart.funnel_title", family=fam, factor=fac), x_title=t("chart.funnel_x"), y_title=t("chart.rate_y")))
        picked_funnel = components.chart(fig, key="lots_funnel_chart")
    else:
        st.caption(t("chart.no_units"))

picked = list(dict.fromkeys([*picked_rates, *picked_funnel]))
components.show_selection(components.selected_rows(analysis, picked, family, factor), key="lots_rows")
