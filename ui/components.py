"""Shared widgets: number formats, finding card, file table, empty states, charts with click-through.

Customer text (comments, review bodies, terms taken from them) only ever goes to
``st.dataframe`` / ``st.text``; ``st.markdown`` gets our own sentences, with any
data-derived name (a lot, an FC code) escaped first.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
import streamlit as st

from analysis.aggregate import overall_rate
from analysis.numbers import percent_text, ratio_text
from ui import cached, state
from ui.i18n import current_language, evidence_text, factor_name, family_name, file_notes, kind_name, t

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")

#: complaint columns shown first, in this order (the rest follow)
ROW_COLUMNS = ("date", "source_kind", "family", "reason", "disposition", "rating", "title", "text", "order_id", "sku", "asin",
               "fulfillment_center", "lot", "evidence", "source_file", "source_line")


# ----------------------------------------------------------------- format
def md(text: Any) -> str:
    """Escape data-derived text for use inside our own Markdown (no HTML, no links, no emphasis)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def _bad(x: Any) -> bool:
    try:
        return x is None or (isinstance(x, float) and math.isnan(x)) or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def pct(x: Any, digits: int = 2) -> str:
    return t("data.not_available") if _bad(x) else percent_text(x, digits)


def points(x: Any, digits: int = 2) -> str:
    """A difference of two rates, in percentage points with its sign ("-0.52 pp"): "-0.52%" read as a relative change."""
    if _bad(x):
        return t("data.not_available")
    text = percent_text(abs(x), digits).removesuffix("%")
    return t("app.points", value=("-" if x < 0 else "+" if x > 0 else "") + text)


def num(x: Any, digits: int = 0) -> str:
    return t("data.not_available") if _bad(x) else f"{float(x):,.{digits}f}"


def ratio(x: Any) -> str:
    return t("data.not_available") if _bad(x) else ratio_text(x)


def p_text(p: Any) -> str:
    if _bad(p):
        return t("data.not_available")
    return t("finding.p_below") if float(p) < 1e-4 else f"= {float(p):.2g}"


def date_text(x: Any) -> str:
    return "" if _bad(x) else pd.Timestamp(x).strftime("%Y-%m-%d")


def labeller(values: Iterable[Any], fn: Callable[[Any], str]) -> Callable[[Any], str]:
    """A ``format_func`` with the labels fixed now, in this run's language.

    Streamlit (and AppTest) may call ``format_func`` outside the script run, where the
    session's language cannot be read; a fixed mapping always gives the right label.
    """
    labels = {v: fn(v) for v in values}
    return lambda v: labels.get(v, str(v))


def cx_health(value: Any) -> str:
    """Amazon's CX Health rating ("Poor") in the visitor's language (the documents' words)."""
    from analysis.export.poa import cx_health_name, load_templates

    return "" if _bad(value) else cx_health_name(value, load_templates(current_language()))


def column_label(column: str) -> str:
    """A table header in the visitor's language: a statistic (``cols.*``), a complaint's field (``review.col_*``),
    else a factor's or field's name (lot-master columns we do not know keep their own)."""
    for key in (f"cols.{column}", f"review.col_{column}"):
        label = t(key, "")
        if label:
            return label
    return factor_name(column)


def group_label(by: str, value: Any) -> str:
    """A group's name in the visitor's language: families and sources translated, the unknown and the blank said so."""
    from analysis.schema import UNKNOWN_LEVEL

    text = "" if _bad(value) else str(value)
    if not text.strip():
        return t("app.blank_level")
    if text == UNKNOWN_LEVEL:
        return t("app.unknown_level")
    if by == "family":
        return family_name(text)
    if by == "source_kind":
        return kind_name(text)
    return text


def translate_columns(df: pd.DataFrame, prefix: str = "cols") -> pd.DataFrame:
    return df.rename(columns={c: t(f"{prefix}.{c}", c) for c in df.columns})


_PERCENT_COLUMNS = ("rate", "baseline_rate", "ci_low", "ci_high", "share", "ncx_rate")
_RATIO_COLUMNS = ("rate_ratio", "rr_ci_low", "rr_ci_high", "odds_ratio", "or_ci_low", "or_ci_high", "log_odds", "z")
_P_COLUMNS = ("p_value", "p_adjusted")
_ONE_DECIMAL_COLUMNS = ("per_1000",)
_FORMATS = {**{c: "%.3g" for c in _PERCENT_COLUMNS}, **{c: "%.2f" for c in _RATIO_COLUMNS}, **{c: "%.2g" for c in _P_COLUMNS},
            **{c: "%.1f" for c in _ONE_DECIMAL_COLUMNS}}


def stat_table(df: pd.DataFrame, key: str, prefix: str = "cols", **kwargs: Any) -> Any:
    """A statistics table: headers translated, numbers kept as numbers (they sort as numbers and download exact).

    Rates are shown in percent, "(%)" in the header, to three significant digits: Streamlit's own "percent"
    format has two decimals at most, so one complaint in 100,000 units read "0%", like a level with none.
    Ratios have two decimals, p-values two significant digits, counts per 1,000 one decimal.
    """
    view, labels, config = df.copy(), {}, {}
    for c in df.columns:
        labels[c] = t(f"{prefix}.{c}", c)
        if c in ("level", "term", "group"):  # names are read whole: "SPK-PRO-BLK-L2607A" was cut to "SPK-PRO-…"
            config[labels[c]] = st.column_config.TextColumn(width="medium")
        if c not in _FORMATS or not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]):
            continue
        if c in _PERCENT_COLUMNS:
            view[c] = df[c].astype("float64") * 100
            labels[c] += " (%)"
        config[labels[c]] = st.column_config.NumberColumn(format=_FORMATS[c])
    return st.dataframe(view.rename(columns=labels), hide_index=True, key=key, column_config=config, **kwargs)


def translated(values: pd.Series, fn: Callable[[Any], str]) -> pd.Series:
    """``values.map(fn)`` with ``fn`` called once per distinct value (a missing one included).

    The translations look the visitor's language up in the session on every
    call: mapping a finding's 6,000 complaints row by row took 0.3 s a table,
    on every rerun of the page.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    names = np.array([fn(u) for u in uniques], dtype=object)
    return pd.Series(names[codes] if len(names) else [], index=values.index, dtype=object)


def stars(ratings: pd.Series) -> pd.Series:
    """Star ratings as text ("3★"), blank where there is none (a return has no rating; Streamlit
    would print "None"); whole stars 1-5 sort as the numbers do."""
    return pd.to_numeric(ratings, errors="coerce").map(lambda r: "" if pd.isna(r) else f"{r:g}★")


# ------------------------------------------------------------ empty states
def report_guide() -> None:
    """Where each report lives in Seller Central (the Data page's empty state)."""
    st.subheader(t("data.empty_heading"))
    st.markdown(t("data.empty_intro"))
    kinds = ("fba_returns", "fba_shipments", "fbm_returns", "fulfilled_shipments", "replacements", "seller_feedback",
             "voc", "ledger", "reimbursements", "reviews", "lots")
    guide = pd.DataFrame({
        t("data.col_report"): [t(f"data.reports.{k}") for k in kinds],
        t("data.col_where"): [t(f"data.where.{k}") for k in kinds],
        t("data.col_why"): [t(f"data.why.{k}") for k in kinds],
    })
    st.dataframe(guide, hide_index=True, key="data_guide")


def require_analysis():
    """The visitor's analysis, or an empty state pointing to the Data page (stops the page)."""
    dataset = state.dataset()
    if dataset is None or not len(dataset.complaints):  # shipments or a lot master alone: nothing to analyse (Review raised KeyError)
        st.info(t("app.no_data" if dataset is None else "app.no_complaints"))
        st.page_link("views/data.py", label=t("app.go_data"))
        st.stop()
    from analysis.errors import WorkbenchError

    try:
        # one container keeps the same element slot whether or not a progress bar was drawn,
        # so expanders further down keep their open/closed state across reruns
        with st.container():
            return state.current_analysis()
    except WorkbenchError as exc:
        st.error(f"{t('app.analysis_failed')} {md(exc)}")
        st.stop()


# ---------------------------------------------------------------- tables
def file_table(summary: pd.DataFrame) -> None:
    """One row per file: detected kind, rows, rejected, duplicates, dates, encoding."""
    df = summary.copy()
    df["kind"] = df["kind"].map(kind_name)
    df["notes"] = df["notes"].map(file_notes)
    for col in ("date_min", "date_max"):
        df[col] = df[col].map(date_text)
    df = df[["file", "kind", "rows", "rejected", "duplicates", "date_min", "date_max", "encoding", "recognised", "notes"]]
    st.dataframe(translate_columns(df, "data.cols"), hide_index=True, key="data_files")
    # the notes again in full, under the table: its last column is cut short on a laptop screen ("read she…"),
    # and a note can quote the file (a title row above the header): plain text
    noted = df[df["notes"].fillna("").astype("str") != ""]
    for name, note in zip(noted["file"], noted["notes"]):
        st.text(f"{name}: {note}")


def rows_table(rows: pd.DataFrame, key: str) -> None:
    """Complaints as a table (customer text stays data) with a CSV download."""
    from analysis.export.safety import csv_bytes

    if rows is None or not len(rows):
        st.caption(t("app.no_rows"))
        return
    cols = [c for c in ROW_COLUMNS if c in rows.columns]
    view = rows[cols].copy()
    if "family" in view.columns:
        view["family"] = translated(view["family"], family_name)
    if "source_kind" in view.columns:
        view["source_kind"] = translated(view["source_kind"], kind_name)
    if "evidence" in view.columns:
        view["evidence"] = translated(view["evidence"], evidence_text)
    if "rating" in view.columns:
        view["rating"] = stars(view["rating"])
    view = view.rename(columns={c: factor_name(c) if c in ("family", "fulfillment_center", "lot", "reason", "disposition", "source_kind")
                                else t(f"review.col_{c}", c) for c in view.columns})
    st.dataframe(view, hide_index=True, key=f"{key}_table")
    # written when the button is clicked (each finding has one, and every rerun wrote them all: 0.8 s for
    # the seven findings of 1.2M shipment lines)
    st.download_button(t("app.download_csv"), functools.partial(csv_bytes, rows[cols]), file_name="complaints.csv",
                       mime="text/csv", key=f"{key}_csv")


# ---------------------------------------------------------------- charts
def chart(fig, key: str) -> list[Any]:
    """Draw a figure that reports clicks; returns ``customdata[0]`` of the selected points."""
    event = st.plotly_chart(fig, key=key, on_select="rerun", selection_mode=("points", "box", "lasso"), width="stretch")
    picked: list[Any] = []
    try:
        points = event.selection.points if event is not None else []
    except AttributeError:
        points = []
    for p in points or []:
        custom = p.get("customdata") if isinstance(p, dict) else None
        if custom is None:
            continue
        value = custom[0] if isinstance(custom, (list, tuple)) else custom
        if value not in picked:
            picked.append(value)
    return picked


def chart_labels(**extra: Any) -> dict[str, Any]:
    """Translated legend / hover names shared by every chart (the documents' own: :func:`analysis.figures.chart_labels`)."""
    from analysis.figures import chart_labels as labels

    return labels(current_language(), **extra)


def selected_rows(analysis, picked: Iterable[Any], family: str | None, factor: str | None, level: str | None = None,
                  by: str = "level") -> pd.DataFrame:
    """The complaints behind clicked points: levels of ``factor`` or weeks (``by="week"``)."""
    picked = list(picked)
    if not picked:
        return pd.DataFrame()
    if by == "week":
        rows = analysis.weekly_rows(family, factor, level)  # the complaints the weekly chart counts
        weeks = {pd.Timestamp(v) for v in picked}
        return rows[pd.to_datetime(rows["week"]).isin(weeks)].reset_index(drop=True)
    parts = [analysis.rows(family, factor, str(v)) for v in picked]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def weekly_left_out(analysis, family: str, factor: str | None, level: str | None) -> None:
    """Say how many of the family's complaints a weekly chart leaves out (no ship week), if any."""
    n = analysis.weekly_left_out(family, factor, level)
    if n:
        st.caption(t("trends.left_out", n=num(n)))


def show_selection(rows: pd.DataFrame, key: str) -> None:
    if rows is None or not len(rows):
        st.caption(t("app.click_hint"))
        return
    st.markdown(f"**{t('app.rows_behind')}** ({len(rows):,})")
    rows_table(rows, key)


# ------------------------------------------------------------ finding card
def finding_label(f: dict) -> str:
    return t("finding.label", rank=f.get("rank"), factor=factor_name(f["factor"]), level=md(f["level"]), family=family_name(f["family"]))


def finding_statement(f: dict) -> str:
    """The finding as one sentence in the visitor's language, built from its numbers (Markdown, our text)."""
    share = f.get("basis") == "complaints"
    has_ci = not _bad(f.get("rr_ci_low")) and not _bad(f.get("rr_ci_high"))
    key = "finding.statement_" + ("share" if share else "units") + ("" if has_ci else "_no_ci")
    digits = 1 if share else 2
    zero_rest = not _bad(f.get("rate_ratio")) and not _bad(f.get("baseline_rate")) and float(f["baseline_rate"]) == 0
    text = t(
        key,
        factor=factor_name(f["factor"]),
        level=md(f["level"]),
        rate=pct(f.get("rate"), digits),
        units=num(f.get("units")),
        family_words=t(f"family_words.{f['family']}", family_name(f["family"])),
        baseline=pct(f.get("baseline_rate"), digits),
        ratio=ratio(f.get("rate_ratio")),
        rr_low=ratio(f.get("rr_ci_low")),
        rr_high=ratio(f.get("rr_ci_high")),
        p=p_text(f.get("p_adjusted")),
    )
    return text + (" " + t("finding.zero_rest") if zero_rest else "")


def method_text(f: dict) -> str:
    """How a finding was computed, in the visitor's language, from findings.json's ``method_params``
    (the English ``method`` of an older findings.json otherwise)."""
    mp = f.get("method_params")
    if not isinstance(mp, dict):
        return md(f.get("method", ""))
    return t(
        "finding.method_text",
        basis=t("finding.method_share" if f.get("basis") == "complaints" else "finding.method_units"),
        factor=factor_name(f["factor"]),
        level=md(f["level"]),
        net=t("finding.method_net") if mp.get("net_of") else "",
        confidence=mp.get("confidence"),
        test=t(f"finding.method_test_{mp.get('test')}", str(mp.get("test"))),
        tests=num(mp.get("tests")),
        entry_p=f"{mp.get('entry_p'):g}" if isinstance(mp.get("entry_p"), (int, float)) else mp.get("entry_p"),
    )


def _level_list(items: Iterable[dict]) -> str:
    return t("notice.list_sep").join(f"{factor_name(i['factor'])} {md(i['level'])}" for i in items)


def finding_key(f: dict) -> str:
    """What a finding's widgets are keyed by: its factor, level and family (not its rank, which a re-run
    without some factor gives to another finding, whose evidence would then open in its place)."""
    return hashlib.sha1("\x1f".join(str(f[k]) for k in ("factor", "level", "family")).encode("utf-8")).hexdigest()[:12]


def terms_line(f: dict) -> str:
    """A finding's words as one line of plain text, those not significantly more frequent
    (findings.json's ``top_terms_significant``) named apart: "Buyers' distinctive words: a, b
    (also more frequent, but not significantly: c)"; none significant: "Buyers' words, none
    significantly more frequent: a, b"."""
    from analysis.export.poa import terms_with_significance

    terms = terms_with_significance(f)
    strong = [x for x, sig in terms if sig is not False]
    weak = [x for x, sig in terms if sig is False]
    if not strong:
        return f"{t('finding.terms_none')}: " + ", ".join(weak)
    text = f"{t('finding.terms')}: " + ", ".join(strong)
    return text + (f" ({t('finding.terms_weak')}: " + ", ".join(weak) + ")" if weak else "")


def finding_card(f: dict, analysis, run_key: tuple, action_date: Any = None) -> None:
    """A finding: its statement, onset and buyers' words, then an expander with all its evidence."""
    with st.container(border=True):
        st.markdown(f"##### {finding_label(f)}")
        st.markdown(finding_statement(f))
        if not _bad(f.get("odds_ratio")):  # the same comparison as odds, for a reader who asks for them
            st.caption(t("finding.odds", ratio=ratio(f["odds_ratio"]), low=ratio(f.get("or_ci_low")), high=ratio(f.get("or_ci_high"))))
        st.markdown(t("finding.onset", onset=f["onset"]) if f.get("onset") else t("finding.no_onset"))
        if f.get("top_terms"):
            # buyers' words: customer text, shown as plain text; the ones not significantly more frequent apart
            st.text(terms_line(f))
        if f.get("aliases"):
            st.markdown(t("finding.aliases", aliases=_level_list(f["aliases"])))
        if f.get("explains"):
            st.markdown(t("finding.explains", explains=_level_list(f["explains"])))
        if isinstance(f.get("ledger"), dict) and f["ledger"].get("damaged_units_all"):
            led = f["ledger"]
            st.markdown(t("finding.ledger_agrees" if led.get("agrees") else "finding.ledger_neutral", level=md(f["level"]), damaged=num(led["damaged_units"]),
                          all=num(led["damaged_units_all"]), records=num(led.get("damaged_records", led["damaged_units"])),
                          records_all=num(led.get("damaged_records_all", led["damaged_units_all"])), share=pct(led["share"], 1), ci_low=pct(led["ci_low"], 1), ci_high=pct(led["ci_high"], 1),
                          units_share=pct(led["units_share"], 1), p=p_text(led.get("p_value"))))
            if led.get("reimbursed_units"):
                st.caption(t("finding.reimbursed", n=num(led["reimbursed_units"])))
        if isinstance(f.get("voc"), dict) and f["voc"].get("orders"):
            v = f["voc"]
            text = t("finding.voc_agrees" if v.get("agrees") else "finding.voc_neutral", level=md(f["level"]), skus=num(v["skus"]), rate=pct(v["ncx_rate"], 1),
                     ncx=num(v["ncx_orders"]), orders=num(v["orders"]), rest=pct(v["ncx_rate_rest"], 1), ratio=ratio(v.get("rate_ratio")),
                     rr_low=ratio(v.get("rr_ci_low")), rr_high=ratio(v.get("rr_ci_high")), p=p_text(v.get("p_value")))
            if v.get("top_reason"):
                text += " " + t("finding.voc_reason", reason=md(v["top_reason"]))
            st.markdown(text)
        if f.get("also"):
            st.markdown(t("finding.also", items=t("notice.list_sep").join(
                t("finding.also_item", rank=a["rank"], family=family_name(a["family"])) for a in f["also"])))
        if f.get("competing"):
            st.markdown(t("finding.competing", competing=_level_list(f["competing"])))
        if f.get("net_of"):
            st.caption(t("finding.net_of", net_of=_level_list(f["net_of"])))
        whole = f.get("marginal") if f.get("basis") == "units" else None
        if isinstance(whole, dict) and not _bad(whole.get("units")) and (
                round(whole["units"]) != f.get("units") or round(whole.get("complaints") or 0) != f.get("complaints")):
            # the Lots page and the rates tab show the level as a whole: say why the finding's numbers differ
            st.caption(t("finding.counted", complaints=num(whole.get("complaints")), units=num(whole["units"]), rate=pct(whole.get("rate"))))
        if f.get("within"):
            st.caption(t("finding.within", within=_level_list(f["within"])))
        if f.get("strength") == "tentative":
            st.warning(t("finding.tentative", p=p_text(f.get("p_adjusted"))))
        # the evidence is drawn once opened, and only its chosen tab: drawn up front, a page of seven
        # findings sent 28 charts and 7 tables to the browser on every visit (2.6 s on 1.2M shipment lines)
        evidence = st.expander(f"{t('finding.evidence')} — {finding_label(f)}", expanded=False, key=f"rc_evidence_{finding_key(f)}",
                               on_change="rerun")
        with evidence:
            if evidence.open:
                _finding_evidence(f, analysis, run_key, action_date)
                st.caption(f"{t('finding.method')}: {method_text(f)}")


def rate_title(analysis) -> str:
    """A rate chart's y axis in the visitor's language (:func:`analysis.figures.rate_word`)."""
    from analysis.figures import rate_word

    return t(f"chart.{rate_word(analysis)}")


def _finding_evidence(f: dict, analysis, run_key: tuple, action_date: Any) -> None:
    """A finding's evidence in tabs (rates, funnel, weekly chart, buyers' words, the complaints); only the chosen tab is drawn."""
    from analysis import charts
    from analysis.keywords import drop_contained

    factor, level, family, key = f["factor"], f["level"], f["family"], finding_key(f)
    fam, fac = family_name(family), factor_name(factor)

    def rates() -> None:
        level_df = analysis.level_table(factor, family)
        # the levels as a whole (as on Lots & suppliers), so the line is the family's rate over them, not the finding's net baseline
        fig = charts.rates_chart(level_df, baseline=overall_rate(level_df) if analysis.shipments is not None else None, labels=chart_labels(
            title=t("chart.rates_title", family=fam, factor=fac), x_title=fac, y_title=rate_title(analysis)))
        picked = chart(fig, key=f"rc_rates_{key}")
        show_selection(selected_rows(analysis, picked, family, factor), key=f"rc_rates_rows_{key}")

    def funnel() -> None:
        if analysis.shipments is None:
            st.caption(t("chart.no_units"))
            return
        points, limits, baseline = cached.funnel_tables(run_key, factor, family, _analysis=analysis)
        fig = charts.funnel_chart(points, limits, baseline, highlight=level, labels=chart_labels(
            title=t("chart.funnel_title", family=fam, factor=fac), x_title=t("chart.funnel_x"), y_title=t("chart.rate_y")))
        picked = chart(fig, key=f"rc_funnel_{key}")
        show_selection(selected_rows(analysis, picked, family, factor), key=f"rc_funnel_rows_{key}")

    def weekly() -> None:
        table = cached.control_table(run_key, family, factor, level, False, _analysis=analysis)
        where = t("chart.where", factor=fac, level=level)
        fig = charts.control_chart(table, onset=f.get("onset"), action_date=action_date, labels=chart_labels(
            title=t("chart.p_title", family=fam, where=where), x_title=t("chart.week"), y_title=rate_title(analysis)))
        picked = chart(fig, key=f"rc_weekly_{key}")
        weekly_left_out(analysis, family, factor, level)
        show_selection(selected_rows(analysis, picked, family, factor, level, by="week"), key=f"rc_weekly_rows_{key}")

    def words() -> None:
        terms = cached.finding_terms(run_key, factor, level, family, f.get("terms_against"), _analysis=analysis)
        fig = charts.terms_chart(drop_contained(terms).head(15) if terms is not None else None, labels=chart_labels(
            title=t("chart.terms_title", group=f"{fac} {level}"), x_title=t("chart.terms_x")))
        picked = chart(fig, key=f"rc_terms_{key}")
        if terms is not None and "against" in terms.attrs:
            st.caption(t(f"finding.terms_against_{terms.attrs['against']}", family=fam, where=f"{fac} {md(level)}"))
        if picked:
            context = cached.keyword_in_context(run_key, (family, factor, level), str(picked[0]), _complaints=analysis.rows(family, factor, level))
            st.dataframe(context[["left", "match", "right"]], hide_index=True, key=f"rc_kwic_{key}")
        else:
            st.caption(t("app.click_hint"))

    def complaints() -> None:
        _counted_note(f, analysis)
        rows_table(analysis.rows(family, factor, level), key=f"rc_rows_{key}")

    names = [t("finding.tab_rates"), t("finding.tab_funnel"), t("finding.tab_weekly"), t("finding.tab_terms"), t("finding.tab_rows")]
    for tab, draw in zip(st.tabs(names, key=f"rc_tabs_{key}", on_change="rerun"), (rates, funnel, weekly, words, complaints)):
        if tab.open:
            with tab:
                draw()


def _counted_note(f: dict, analysis) -> None:
    """Why the complaints listed are more than the finding counts (282 rows under a finding of 271)."""
    if analysis.shipments is None:
        return
    n = analysis.counted(f["family"], f["factor"], f["level"])
    why = [t(f"finding.rows_{k}", n=num(n[k])) for k in ("unshipped", "repeated") if n[k]]
    if why:
        st.caption(t("finding.rows_counted", rows=num(n["rows"]), counted=num(n["counted"]), why=t("statnotes.separator").join(why)))
    if f.get("complaints") is not None and round(n["counted"]) != f["complaints"]:
        st.caption(t("finding.rows_finding_net" if f.get("net_of") else "finding.rows_finding", n=num(f["complaints"])))


def notice_text(notice: dict) -> str:
    """A run's limit in the visitor's language, from its code and parameters (English text as fallback)."""
    params = dict(notice.get("params") or {})
    if "share" in params and params["share"] is not None:
        params["share"] = pct(params["share"], 0)
    if params.get("items"):  # levels named in the visitor's language ("recent")
        params["levels"] = t("notice.list_sep", ", ").join(
            t("notice.recent_item", factor=factor_name(i["factor"]), level=i["level"], share=pct(i["share"], 0)) for i in params["items"]
        ) + ("…" if params.get("n", 0) > len(params["items"]) else "")
    code = notice.get("code") or ""
    return t(f"notice.{code}", notice.get("text", ""), **params) if code else notice.get("text", "")
