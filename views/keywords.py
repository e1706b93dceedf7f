"""Keywords: term frequency by any grouping, distinctive terms, keyword in context, family Pareto and weeks."""

import streamlit as st

from analysis import charts
from analysis.keywords import drop_contained, family_by_week, family_pareto
from ui import cached, components, state
from ui.i18n import factor_name, family_name, t

st.title(t("keywords.title"))
st.markdown(t("keywords.intro"))

analysis = components.require_analysis()
run_key = state.analysis_key()
complaints = analysis.rows()

# ---- Pareto of families and families per week
left, right = st.columns(2)
with left:
    st.subheader(t("keywords.pareto_heading"))
    pareto = family_pareto(complaints)
    fig = charts.pareto_chart(pareto, labels=components.chart_labels(
        title=t("chart.pareto_title"), x_title=t("chart.pareto_x"), y_title=t("chart.pareto_y"), y2_title=t("chart.cumulative"),
        count=t("chart.complaints")))
    fig.update_layout(title=None, margin={"t": 30})  # the section's heading says it (the documents keep the title)
    picked_families = components.chart(fig, key="kw_pareto_chart")
with right:
    st.subheader(t("keywords.week_heading"))
    fig = charts.family_week_chart(family_by_week(complaints), labels=components.chart_labels(
        title=t("chart.family_week_title"), x_title=t("chart.week"), y_title=t("chart.complaints")))
    fig.update_layout(title=None, margin={"t": 30})
    components.chart(fig, key="kw_week_chart")
if picked_families:
    parts = [analysis.rows(family=str(f)) for f in picked_families]
    import pandas as pd

    components.show_selection(pd.concat(parts, ignore_index=True), key="kw_pareto_rows")

# ---- term frequency by a grouping
groupings = [g for g in ("family", "source_kind", *analysis.factors, "reason", "disposition", "marketplace")
             if g in complaints.columns]
groupings = list(dict.fromkeys(groupings))
st.subheader(t("keywords.freq_heading"))
g1, g2 = st.columns([2, 1])
by = g1.selectbox(t("keywords.group_by"), groupings, format_func=components.labeller(groupings, factor_name), key="kw_group_by")
top_n = g2.number_input(t("keywords.top_n"), min_value=5, max_value=100, step=5, key="kw_top_n", **state.widget_default("kw_top_n", value=15))
freq = cached.term_frequency(run_key, by, _complaints=complaints)
if len(freq):
    top = freq.sort_values(["group", "documents", "count"], ascending=[True, False, False]).groupby("group", sort=False).head(int(top_n))
    top = top.assign(group=components.translated(top["group"], lambda g: components.group_label(by, g))).reset_index(drop=True)
    components.stat_table(top, key="kw_freq_table")

# ---- distinctive terms of one group against the rest
st.subheader(t("keywords.distinct_heading"))
groups = sorted(str(g) for g in complaints[by].fillna("").astype("str").unique())
if len(groups) < 2:  # a focus group needs a rest to be told apart from
    st.info(t("keywords.one_group", factor=factor_name(by)))
else:
    # one choice per grouping (a family kept as the focus names no lot); first the top finding's family or level, else
    # the group with most complaints: not the alphabetically first, often a group of two complaints with nothing to say
    findings = analysis.findings.get("findings") or []
    sizes = complaints[by].fillna("").astype("str").value_counts()
    leads = [f["family"] if by == "family" else f["level"] for f in findings if by == "family" or f["factor"] == by]
    lead = next((str(x) for x in leads if str(x) in groups), str(sizes.index[0]))
    focus = st.selectbox(t("keywords.focus"), groups, format_func=components.labeller(groups, lambda g: components.group_label(by, g)), key=f"kw_focus_{by}",
                         **state.widget_default(f"kw_focus_{by}", index=groups.index(lead)))
    frame = complaints.assign(**{by: complaints[by].fillna("").astype("str")})
    terms = cached.distinctive_terms(run_key, by, focus, _complaints=frame)
    # a word a longer term holds nearly always ("working" in "stopped working") would show the same words twice
    terms = drop_contained(terms[terms["group"] == focus]).head(int(top_n)) if len(terms) else terms
    label = components.group_label(by, focus)
    fig = charts.terms_chart(terms, labels=components.chart_labels(
        title=t("chart.terms_title", group=f"{factor_name(by)} {label}"), x_title=t("chart.terms_x")))
    picked_terms = components.chart(fig, key="kw_terms_chart")
    if not len(terms):
        st.caption(t("keywords.no_distinct"))
    else:
        with st.expander(t("keywords.distinct_table")):
            st.caption(t("keywords.distinct_method"))
            table = terms.drop(columns=["group", "variance"], errors="ignore").reset_index(drop=True)
            components.stat_table(table, key="kw_distinct_table")
    # a bar clicked puts its term in the search below, once: the chart keeps its selection over reruns, and
    # writing it on every run overwrote a word typed since
    if picked_terms and picked_terms != st.session_state.get("kw_term_picked"):
        st.session_state["kw_term"] = str(picked_terms[0])
    st.session_state["kw_term_picked"] = picked_terms

# ---- keyword in context (customer text: a dataframe, never Markdown)
st.subheader(t("keywords.kwic_heading"))
term = st.text_input(t("keywords.kwic_term"), key="kw_term")
if term.strip():
    try:
        context = cached.keyword_in_context(run_key, ("all",), term.strip(), _complaints=complaints)
    except ValueError:
        context = None
    if context is None or not len(context):
        st.caption(t("keywords.kwic_none"))
    else:
        view = context.drop(columns=["row"], errors="ignore")
        if "column" in view.columns:  # which field the word is in: the title or the comment
            view = view.assign(column=components.translated(view["column"], components.column_label))
        if "family" in view.columns:
            view = view.assign(family=components.translated(view["family"], family_name))
        if "rating" in view.columns:
            view = view.assign(rating=components.stars(view["rating"]))
        words = [c for c in ("left", "match", "right") if c in view.columns]  # the words first, context after
        view = view[words + [c for c in view.columns if c not in words]]
        st.dataframe(view.rename(columns=components.column_label), hide_index=True, key="kw_kwic_table")
