"""The workbench's frame: page config, per-visitor state, language switch, navigation.

Run with ``streamlit run app.py`` (or ``make run``).  Pages live in ``views/`` (not ``pages/``: Streamlit would run a page from that folder on its own, without this frame, when a visitor opens its address first).
"""

import streamlit as st

from ui import state
from ui.i18n import LANGUAGE_NAMES, LANGUAGES, t

st.set_page_config(page_title="Root-cause workbench", page_icon="🔎", layout="wide")
state.init()
state.autoload_sample()  # make run: the sample is open whichever page the visitor opens first

pages = [
    st.Page("views/data.py", title=t("nav.data"), icon="📂", default=True),
    st.Page("views/root_causes.py", title=t("nav.root_causes"), icon="🎯"),
    st.Page("views/lots.py", title=t("nav.lots"), icon="🏭"),
    st.Page("views/trends.py", title=t("nav.trends"), icon="📈"),
    st.Page("views/keywords.py", title=t("nav.keywords"), icon="💬"),
    st.Page("views/review.py", title=t("nav.review"), icon="✍️"),
    st.Page("views/taxonomy.py", title=t("nav.taxonomy"), icon="🗂️"),
    st.Page("views/export.py", title=t("nav.export"), icon="📄"),
]
page = st.navigation(pages)
with st.sidebar:
    st.radio(t("app.language"), options=list(LANGUAGES), format_func=LANGUAGE_NAMES.__getitem__, key=state.LANGUAGE,
             horizontal=True)
    st.caption(t("app.sidebar_caption"))
page.run()
