"""Taxonomy: view the classification rules, edit them, preview the effect, apply them to this session."""

import streamlit as st

from analysis.errors import WorkbenchError
from ui import cached, components, state
from ui.components import md
from ui.i18n import error_text, evidence_text, family_name, t

st.title(t("taxonomy.title"))
st.markdown(t("taxonomy.intro"))

custom = st.session_state[state.TAXONOMY_TOML]
st.caption(t("taxonomy.custom_active") if custom else t("taxonomy.default_active"))
current_text = cached.taxonomy_text(custom)

if "tax_editor" not in st.session_state:  # back on the page: the edit in progress, not the rules in use (Streamlit drops a widget's state off its page)
    st.session_state["tax_editor"] = st.session_state.get(state.TAXONOMY_DRAFT) or current_text
edited = st.text_area(t("taxonomy.editor"), key="tax_editor", height=420)
st.session_state[state.TAXONOMY_DRAFT] = edited if edited != current_text else None
if edited != current_text:
    st.caption(t("taxonomy.unsaved"))
if st.session_state.pop(state.FLASH, None) == "taxonomy_applied":
    st.success(t("taxonomy.applied"))

b1, b2, b3, b4 = st.columns(4)
preview = b1.button(t("taxonomy.preview"), key="tax_preview")
apply = b2.button(t("taxonomy.apply"), key="tax_apply", type="primary")
reset = b3.button(t("taxonomy.reset"), key="tax_reset", disabled=custom is None)
b4.download_button(t("taxonomy.download"), edited.encode("utf-8"), file_name="taxonomy.toml", mime="application/toml",
                   key="tax_download")

if reset:
    st.session_state[state.TAXONOMY_TOML] = None
    st.session_state[state.TAXONOMY_DRAFT] = None
    del st.session_state["tax_editor"]
    st.rerun()

try:
    cached.taxonomy_from_toml(edited)
    valid = True
except WorkbenchError as exc:
    valid = False
    st.error(f"{t('taxonomy.invalid')} {md(error_text(exc))}")

if valid and apply:  # then drawn again, so the caption and the buttons say which rules are in use
    st.session_state[state.TAXONOMY_TOML] = None if edited == cached.taxonomy_text(None) else edited
    st.session_state[state.TAXONOMY_DRAFT] = None
    st.session_state[state.FLASH] = "taxonomy_applied"
    st.rerun()

if valid and preview:
    if state.dataset() is None:
        st.info(t("app.no_data"))
    else:
        analysis = components.require_analysis()
        summary, changed = cached.compare_rules(state.analysis_key(), custom, edited, _complaints=analysis.rows())
        st.markdown(t("taxonomy.summary", changed=f"{len(changed):,}", total=f"{len(analysis.complaints):,}"))
        st.dataframe(summary.assign(family=summary["family"].map(family_name)).rename(columns=components.column_label),
                     hide_index=True, key="tax_compare")
        st.subheader(t("taxonomy.changes"))
        if not len(changed):
            st.caption(t("taxonomy.no_changes"))
        else:
            cols = [c for c in ("family_old", "family_new", "reason", "disposition", "rating", "title", "text",
                                "evidence_old", "evidence_new") if c in changed.columns]
            view = changed[cols].assign(family_old=components.translated(changed["family_old"], family_name),
                                        family_new=components.translated(changed["family_new"], family_name),
                                        **{c: components.translated(changed[c], evidence_text) for c in ("evidence_old", "evidence_new")
                                           if c in changed.columns})
            if "rating" in view.columns:
                view = view.assign(rating=components.stars(view["rating"]))
            st.dataframe(view.rename(columns=components.column_label), hide_index=True, key="tax_changed")

with st.expander(t("taxonomy.current")):
    st.code(current_text, language="toml")
