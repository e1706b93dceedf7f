"""Taxonomy: view the classification rules, edit them, preview the effect, apply them to this session."""

import streamlit as st

from analysis.errors import WorkbenchError
from ui import cached, components, state
from ui.components import md
from ui.i18n import evidence_text, family_name, t

st.title(t("taxonomy.title"))
st.markdown(t("taxonomy.intro"))

custom = st.session_state[state.TAXONOMY_TOML]
st.caption(t("taxonomy.custom_active") if custom else t("taxonomy.default_active"))
current_text = cached.taxonomy_text(custom)

if "tax_editor" not in st.session_state:
    st.session_state["tax_editor"] = current_text
edited = st.text_area(t("taxonomy.editor"), key="tax_editor", height=420)

b1, b2, b3, b4 = st.columns(4)
preview = b1.button(t("taxonomy.preview"), key="tax_preview")
apply = b2.button(t("taxonomy.apply"), key="tax_apply", type="primary")
reset = b3.button(t("taxonomy.reset"), key="tax_reset", disabled=custom is None)
b4.download_button(t("taxonomy.download"), edited.encode("utf-8"), file_name="taxonomy.toml", mime="application/toml",
                   key="tax_download")

if reset:
    st.session_state[state.TAXONOMY_TOML] = None
    del st.session_state["tax_editor"]
    st.rerun()

try:
    cached.taxonomy_from_toml(edited)
    valid = True
except WorkbenchError as exc:
    valid = False
    st.error(f"{t('taxonomy.invalid')} {md(exc)}")

if valid and apply:
    st.session_state[state.TAXONOMY_TOML] = None if edited == cached.taxonomy_text(None) else edited
    st.success(t("taxonomy.applied"))

if valid and preview:
    if state.dataset() is None:
        st.info(t("app.no_data"))
    else:
        analysis = components.require_analysis()
        summary, changed = cached.compare_rules(state.analysis_key(), custom, edited, _complaints=analysis.rows())
        st.markdown(t("taxonomy.summary", changed=f"{len(changed):,}", total=f"{len(analysis.complaints):,}"))
        st.dataframe(components.translate_columns(summary.assign(family=summary["family"].map(family_name))),
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
            st.dataframe(view, hide_index=True, key="tax_changed")

with st.expander(t("taxonomy.current")):
    st.code(current_text, language="toml")
