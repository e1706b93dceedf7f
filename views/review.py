"""Review: read the complaints with the family the rules gave and why, correct the ones the rules got wrong.

Corrections are kept per complaint (by order, SKU, ASIN and a digest of the words,
not by row), applied after the rules in every analysis of this session, and can be
downloaded and loaded again (``python -m analysis report --corrections F`` reads the same file).
"""

import re

import streamlit as st

from analysis import corrections as C
from analysis.errors import WorkbenchError
from ui import cached, components, state
from ui.components import md
from ui.i18n import error_text, evidence_text, factor_name, family_name, kind_name, t

MAX_ROWS = 5000

st.title(t("review.title"))
st.markdown(t("review.intro"))

flash = st.session_state.pop("review_flash", None)
if flash:
    st.success(flash)

analysis = components.require_analysis()
complaints = analysis.rows()
families = list(cached.taxonomy_from_toml(st.session_state[state.TAXONOMY_TOML]).families)

# ---- which complaints to read
f1, f2, f3 = st.columns([1, 1, 2])
in_data = set(complaints["family"])
present = [f for f in families if f in in_data]
# "!safety": the complaints describing a safety incident (whatever their family)
options = ["*", "!safety"] + present
family_filter = f1.selectbox(t("review.filter_family"), options, key="review_family",
                             format_func=components.labeller(options, lambda f: t("review.all_families") if f == "*"
                                                             else t("review.safety_only") if f == "!safety" else family_name(f)))
order = f2.selectbox(t("review.order"), ["confidence", "date"], key="review_order",
                     format_func=components.labeller(["confidence", "date"], lambda o: t(f"review.order_{o}")))
search = f3.text_input(t("review.search"), key="review_search")

view = C.review_rows(complaints, None if family_filter in ("*", "!safety") else family_filter, search, order,
                     safety_only=family_filter == "!safety")
shown = view.head(MAX_ROWS)
st.caption(t("review.shown", shown=f"{len(shown):,}", total=f"{len(view):,}", all=f"{len(complaints):,}"))

cols = [c for c in ("complaint_id", "family", "family_confidence", "evidence", "safety", "rating", "reason", "disposition", "title",
                    "text", "date", "order_id", "asin", "sku", "lot", "fulfillment_center") if c in shown.columns]
if "safety" in cols and not (shown["safety"].fillna("") != "").any():
    cols.remove("safety")  # a column of blanks says nothing
table = shown[cols].assign(family=components.translated(shown["family"], family_name),
                          evidence=components.translated(shown["evidence"], evidence_text),
                          family_confidence=shown["family_confidence"].round(2))
if "rating" in table.columns:
    table["rating"] = components.stars(table["rating"])
table = table.rename(columns={c: factor_name(c) if c in ("family", "lot", "reason", "disposition", "fulfillment_center")
                              else t(f"review.col_{c}", c) for c in table.columns})
# a new key whenever the rows change (other filters; a saved correction makes a complaint sure and moves it):
# a selection is kept by position, and would point at other complaints
table_key = "review_table_" + state.digest(repr((family_filter, search.strip(), order,
                                                 st.session_state.get("review_generation", 0))).encode("utf-8"))[:12]
event = st.dataframe(table, hide_index=True, key=table_key, on_select="rerun", selection_mode="multi-row")
picked = [str(shown["complaint_id"].iloc[i]) for i in (event.selection.rows if event else [])]

# ---- correct them
st.subheader(t("review.correct_heading"))
typed = st.text_input(t("review.ids"), key="review_ids", help=t("review.ids_help"))
typed_ids = [x for x in re.split(r"[\s,;，；]+", typed.strip()) if x]
ids = list(dict.fromkeys(picked + typed_ids))
known = set(complaints["complaint_id"].astype("str"))
unknown = [i for i in ids if i not in known]
if unknown:
    st.warning(t("review.unknown_ids", ids=md(", ".join(unknown[:10]))))
ids = [i for i in ids if i in known]
st.caption(t("review.selected", n=f"{len(ids):,}"))
c1, c2 = st.columns([1, 2])
new_family = c1.selectbox(t("review.family"), families, format_func=components.labeller(families, family_name),
                          key="review_new_family")
note = c2.text_input(t("review.note"), key="review_note", max_chars=200)


def _save(ids: list[str]) -> None:
    """Keep the correction, empty the typed ids (a callback: it runs before the widgets are drawn again)."""
    family = st.session_state["review_new_family"]
    state.set_corrections(C.correct(state.corrections(), complaints, ids, family, note=st.session_state["review_note"]))
    st.session_state["review_flash"] = t("review.saved", n=f"{len(ids):,}", family=family_name(family))
    st.session_state["review_ids"] = ""
    st.session_state["review_note"] = ""  # the note was about these complaints: it stayed, ready to be saved on the next ones
    _changed()


def _changed() -> None:
    """The corrections changed: start the table's selection afresh."""
    st.session_state["review_generation"] = st.session_state.get("review_generation", 0) + 1


st.button(t("review.save"), key="review_save", type="primary", disabled=not ids, on_click=_save, args=(ids,))

# ---- the corrections kept in this session
st.subheader(t("review.kept_heading"))
current = state.corrections()
summary = analysis.findings["summary"].get("corrections") or {}
if not len(current):
    st.caption(t("review.none_yet"))
else:
    st.markdown(t("review.kept", n=f"{len(current):,}", applied=f"{summary.get('applied', 0):,}",
                  unmatched=f"{summary.get('unmatched', 0):,}"))
    kept = current.assign(family=components.translated(current["family"], family_name),
                          previous_family=components.translated(current["previous_family"], family_name),
                          source_kind=components.translated(current["source_kind"], kind_name))
    kept = kept[["family", "previous_family", "note", "date", "order_id", "asin", "sku", "source_kind"]]
    st.dataframe(kept.rename(columns=lambda c: t(f"review.col_{c}", c) if c != "family" else factor_name(c)),
                 hide_index=True, key="review_kept")
    k1, k2 = st.columns(2)
    k1.download_button(t("review.download"), C.to_csv_bytes(current), file_name="corrections.csv", mime="text/csv",
                       key="review_download")
    if k2.button(t("review.clear"), key="review_clear"):
        state.set_corrections(None)
        st.session_state["review_flash"] = t("review.cleared")
        _changed()
        st.rerun()

# ---- complaints worded like the corrected ones: the same correction, offered
if len(current):
    st.subheader(t("review.alike_heading"))
    st.caption(t("review.alike_help"))
    threshold = st.slider(t("review.alike_threshold"), min_value=0.5, max_value=0.95, value=0.7, step=0.05, key="review_alike_threshold")
    alikes = cached.look_alikes(state.analysis_key(), float(threshold), _complaints=complaints, _corrections=current)
    if not len(alikes):
        st.caption(t("review.alike_none"))
    else:
        words = complaints.set_index("complaint_id").reindex(alikes["complaint_id"])
        shown_alikes = alikes.assign(
            family=components.translated(alikes["family"], family_name),
            suggested_family=components.translated(alikes["suggested_family"], family_name),
            similarity=alikes["similarity"].round(2),
            **{c: words[c].to_numpy() for c in ("title", "text") if c in words.columns})
        st.dataframe(shown_alikes.rename(columns=lambda c: t(f"review.col_{c}", c) if c != "family" else factor_name(c)),
                     hide_index=True, key="review_alikes")

        def _accept(alikes) -> None:
            """Each look-alike corrected to its suggested family, the note naming the complaint it is like."""
            fixes = state.corrections()
            for family, group in alikes.groupby("suggested_family", sort=False):
                notes = {i: t("review.alike_note", like=like) for i, like in zip(group["complaint_id"], group["like_complaint_id"])}
                fixes = C.correct(fixes, complaints, list(group["complaint_id"]), family, note=notes)
            state.set_corrections(fixes)
            st.session_state["review_flash"] = t("review.alike_saved", n=f"{len(alikes):,}")
            _changed()

        st.button(t("review.alike_accept", n=f"{len(alikes):,}"), key="review_alike_accept", on_click=_accept, args=(alikes,))

upload = st.file_uploader(t("review.upload"), type=["csv"], key="review_upload")
if upload is not None:
    seen = (upload.name, state.digest(upload.getvalue()))
    if st.session_state.get("review_upload_seen") != seen:
        try:
            loaded = C.read_corrections(upload.getvalue(), name=upload.name, families=families)
        except WorkbenchError as exc:
            st.error(md(error_text(exc)))
        else:
            st.session_state["review_upload_seen"] = seen
            state.set_corrections(C.merge(state.corrections(), loaded))
            st.session_state["review_flash"] = t("review.loaded", n=f"{len(loaded):,}", file=md(upload.name))
            _changed()
            st.rerun()
