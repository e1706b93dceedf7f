"""Data: upload the reports (or load the sample), see what each file gave and how well they link."""

import streamlit as st

from analysis import schema as S
from analysis.pipeline import praise_rows
from ui import cached, components, state
from ui.components import md, pct
from ui.i18n import error_text, reject_reason, t

st.title(t("data.title"))
st.markdown(t("data.intro"))

# a new uploader after "Clear": the files it held are gone from it too (they stayed, and were read again at once)
uploads = st.file_uploader(t("data.upload"), accept_multiple_files=True, key=f"data_upload_{st.session_state.get(state.UPLOADER_GENERATION, 0)}",
                           help=t("data.upload_help"), type=["txt", "tsv", "csv", "xlsx", "gz", "zip"])
st.caption(t("data.limit"))

if uploads:  # read before the buttons are drawn, so "Clear" knows there is data
    sources = [(f.name, f.getvalue()) for f in uploads]
    key = state.sources_key(sources)
    if key != st.session_state[state.UPLOADS_SEEN]:  # a new set of uploads: read it
        st.session_state[state.UPLOADS_SEEN] = key
        state.set_dataset(cached.load_dataset(sources, key, state.column_maps()), key, "upload", sources)

col_sample, col_clear, _ = st.columns([2, 2, 4])
with col_sample:
    load_sample = st.button(t("data.load_sample"), key="load_sample", help=t("data.load_sample_help"), type="primary")
with col_clear:
    clear = st.button(t("data.clear"), key="clear_data", disabled=state.dataset() is None)

if clear:
    state.clear_dataset()
    st.rerun()  # drawn again, so the buttons know there is no data now

if load_sample:
    if state.load_sample():
        st.rerun()  # drawn again, so "Clear" knows there is data now
    st.warning(t("data.sample_missing"))

dataset = state.dataset()
if dataset is None:
    components.report_guide()
    st.stop()

for name, message in dataset.failed:
    st.error(f"{t('data.failed_prefix')} {md(error_text(message))}")
if not dataset.files:
    components.report_guide()
    st.stop()

st.success(t("data.loaded_one" if len(dataset.files) == 1 else "data.loaded", files=len(dataset.files), complaints=f"{len(dataset.complaints):,}",
             shipments=f"{len(dataset.shipments):,}", lots=f"{len(dataset.lots):,}"))
min_rating = state.settings().analysis.praise_min_rating
memo = st.session_state.get(state.ANALYSIS_MEMO)
if memo is not None and memo[0] == state.analysis_key():  # analysed already: how the complaints read become those analysed
    summary = memo[1].findings["summary"]
    left = {k: sum((summary.get(k) or {}).values()) for k in ("praise", "neutral", "same_order")}
    duplicates = int(dataset.complaints[S.IS_DUPLICATE].sum()) if S.IS_DUPLICATE in dataset.complaints.columns else 0
    st.caption(t("data.analysed", kept=f"{summary['complaints']:,}", duplicates=f"{duplicates:,}", praise=f"{left['praise']:,}",
                 neutral=f"{left['neutral']:,}", same_order=f"{left['same_order']:,}", min_rating=f"{min_rating or 0:g}"))
else:
    praised = int(praise_rows(dataset.complaints, min_rating).sum())
    if praised:
        st.caption(t("data.praise", n=f"{praised:,}", min_rating=f"{min_rating:g}"))

st.subheader(t("data.files_heading"))
summary = dataset.summary()
if len(summary):
    components.file_table(summary)

# review files: the columns were guessed; let the user name them
_FIELDS = ("text", "title", "rating", "date", "product_name", "asin")
for f in [f for f in dataset.files if f.kind == "reviews"]:
    # keyed: it stays open when a column is picked (unkeyed, the first pick's rerun closed it)
    with st.expander(t("data.columns_expander", file=md(f.name)), key=f"data_colmap_open_{f.name}"):
        headers = [h for h in f.recognised] + [h for h in f.ignored]
        current = {canonical: header for header, canonical in f.recognised.items()}
        options = ["—", *headers]
        cols = st.columns(len(_FIELDS))
        chosen = {}
        for col, field in zip(cols, _FIELDS):
            pick = col.selectbox(t(f"data.field_{field}"), options, index=options.index(current[field]) if current.get(field) in options else 0,
                                 key=f"data_colmap_{f.name}_{field}")
            if pick != "—":
                chosen[field] = pick
        if st.button(t("data.columns_apply"), key=f"data_colmap_apply_{f.name}", disabled="text" not in chosen and "title" not in chosen):
            maps = state.column_maps()
            maps[f.name] = chosen
            st.session_state[state.COLUMN_MAPS] = maps
            sources = st.session_state.get(state.SOURCES) or []
            key = state.sources_key(sources)
            state.set_dataset(cached.load_dataset(sources, key, maps), key, st.session_state[state.DATASET_ORIGIN] or "upload", sources)
            st.rerun()

st.subheader(t("data.coverage_heading"))
coverage = cached.link_coverage(st.session_state[state.DATASET_KEY], _dataset=dataset)
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("data.share_linked"), pct(coverage.get("share_linked_to_shipments"), 1))
c2.metric(t("data.skus_in_lots"), pct(coverage.get("skus_in_lot_master"), 1))
c3.metric(t("data.complaints_with_lot"), pct(coverage.get("complaints_with_lot"), 1))
# the link method's code ("sku", "fifo (estimated)" ...) in the reader's language
_method = str(coverage.get("lot_link") or "none").split(" ")[0]
c4.metric(t("data.lot_link"), t(f"data.lot_link_{_method}", _method))
share = coverage.get("share_linked_to_shipments")
if share is not None and share < 0.8:
    st.warning(t("data.coverage_low"))

st.subheader(t("data.rejected_heading"))
rejected = dataset.rejected()
if not len(rejected):
    st.caption(t("data.rejected_none"))
else:
    from analysis.export.safety import csv_bytes

    for i, (file, part) in enumerate(rejected.groupby("file", sort=False)):
        with st.expander(t("data.rejected_expander", file=md(file), n=f"{len(part):,}")):
            table = part[["line", "reason", "raw"]].reset_index(drop=True)
            table["reason"] = components.translated(table["reason"], reject_reason)
            st.dataframe(components.translate_columns(table, "data.cols"), hide_index=True, key=f"data_rejected_{i}")
            st.download_button(t("data.download_rejected"), csv_bytes(part), file_name=f"{file}.rejected.csv",
                               mime="text/csv", key=f"data_rejected_csv_{i}")
