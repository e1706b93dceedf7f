"""Root causes: the findings as statements from their numbers, each opening its evidence."""

import datetime as dt

import pandas as pd
import streamlit as st

from ui import components, state
from ui.components import md, num
from ui.i18n import current_language, factor_name, family_name, t

st.title(t("rc.title"))
st.markdown(t("rc.intro"))

analysis = components.require_analysis()
run_key = state.analysis_key()
doc = analysis.findings
summary = doc["summary"]

# ---- controls: re-run the analysis without some factors / with an action date
with st.expander(t("rc.controls"), expanded=False):
    options = list(dict.fromkeys([*analysis.factors, *st.session_state[state.EXCLUDED_FACTORS]]))
    excluded = st.multiselect(t("rc.exclude"), options=options, default=list(st.session_state[state.EXCLUDED_FACTORS]),
                              format_func=components.labeller(options, factor_name), key=f"rc_exclude_{current_language()}", help=t("rc.exclude_help"))
    current = state.action_date()
    use_date = st.checkbox(t("rc.use_action_date"), value=current is not None, key="rc_use_action_date")
    # four weeks before the last shipment, as on Trends: a fix dated after it has no unit shipped since to judge it by
    last_shipped = pd.Timestamp(summary.get("shipped_end") or summary.get("period_end") or dt.date.today()).date()
    chosen = st.date_input(t("rc.action_date"), value=current or last_shipped - dt.timedelta(weeks=4), key="rc_action_date", disabled=not use_date)
    if st.button(t("rc.rerun"), key="rc_rerun", type="primary"):
        st.session_state[state.EXCLUDED_FACTORS] = tuple(excluded)
        st.session_state[state.ACTION_DATE] = chosen.isoformat() if use_date and chosen else None
        if use_date and chosen:  # Trends' before/after then starts from the same date
            st.session_state["trends_ba_date"] = chosen
        st.rerun()

# ---- what was analysed
c1, c2, c3 = st.columns([1, 1, 2])
c1.metric(t("rc.complaints"), num(summary.get("complaints")))
c2.metric(t("rc.units"), num(summary.get("units")))
basis = t(f"basis.{summary.get('basis') or 'units'}")
period = f"{summary.get('period_start') or '?'} – {summary.get('period_end') or '?'}"
c3.markdown(f"**{t('rc.period')}**: {period}  \n**{t('rc.basis')}**: {basis}")

families = pd.DataFrame(summary.get("families") or [], columns=["family", "count", "share"])
if len(families):
    with st.expander(t("rc.families")):
        components.stat_table(families.assign(family=families["family"].map(family_name)), key="rc_families")

voc = pd.DataFrame(summary.get("voc") or [], columns=["asin", "ncx_rate", "ncx_orders", "total_orders", "skus", "poor_skus", "worst_health", "top_reason", "updated"])
if len(voc):  # Amazon's own measure of the problem (Voice of the Customer)
    with st.expander(t("rc.voc", updated=voc["updated"].dropna().max() if voc["updated"].notna().any() else "?")):
        view = voc.drop(columns="updated").assign(worst_health=voc["worst_health"].map(components.cx_health))
        components.stat_table(view, key="rc_voc", prefix="voc")

# a safety incident comes before any finding: it is handled apart from the POA
all_notices = doc.get("notices") or [{"code": "", "params": {}, "text": w} for w in doc.get("warnings") or []]
for n in all_notices:
    if n.get("code") == "safety":
        st.error(md(components.notice_text(n)))

# ---- findings
st.subheader(t("rc.findings"))
findings = doc.get("findings") or []
if not findings and any(n.get("code") == "all_excluded" for n in all_notices):
    st.info(t("notice.all_excluded"))
elif not findings:
    st.info(t("rc.no_findings"))
for f in findings:
    components.finding_card(f, analysis, run_key, action_date=state.action_date())

explained = doc.get("explained") or []
if explained:
    st.subheader(t("rc.explained_heading"))
    # one line per explaining level and family, naming every level it explains
    groups: dict[tuple, list[str]] = {}
    for e in explained:
        by = e["explained_by"]
        groups.setdefault((by["factor"], by["level"], e["family"]), []).append(f"{factor_name(e['factor'])} {md(e['level'])}")
    st.markdown("\n".join(
        "- " + t("rc.explained_group", by_factor=factor_name(by_factor), by_level=md(by_level), family=family_name(family),
                 n=len(items), items=t("notice.list_sep").join(items))
        for (by_factor, by_level, family), items in groups.items()))

examined = doc.get("examined") or []
if examined:
    st.caption(t("rc.examined", factors=t("notice.list_sep").join(factor_name(e["factor"]) for e in examined)))

notices = [n for n in all_notices if n.get("code") != "safety"]  # (the safety one is at the top)
if notices:
    st.subheader(t("rc.warnings_heading"))
    for n in notices:
        st.warning(md(components.notice_text(n)))
