"""Export: choose findings and language, preview and edit the Root Cause section, download the files."""

import json

import streamlit as st

from analysis.export import build_root_cause, render_markdown
from ui import cached, components, state
from ui.components import md
from ui.i18n import current_language, factor_name, family_name, t

st.title(t("export.title"))
st.markdown(t("export.intro"))

analysis = components.require_analysis()
run_key = state.analysis_key()
findings = analysis.findings.get("findings") or []
by_rank = {f["rank"]: f for f in findings}

# ---- choices: kept as the findings themselves (factor, level, family), not their ranks, which a re-run or a
# correction reorders (the POA then quoted another finding under the number chosen)
c1, c2 = st.columns([3, 1])
ranks = list(by_rank)
rank_of = {state.finding_id(f): f["rank"] for f in findings}
stored = st.session_state[state.POA_SELECTED]
default = ranks[:5] if stored is None else [rank_of[i] for i in stored if i in rank_of]
gone = [] if stored is None else [i for i in stored if i not in rank_of]
# keyed by the page language too: the box keeps its chips' words, so after a language switch they stayed in the old one
selected = c1.multiselect(
    t("export.choose"), ranks, default=default, key=f"exp_findings_{current_language()}_{state.digest(repr(list(rank_of)).encode())[:12]}",
    format_func=components.labeller(ranks, lambda r: f"#{r} {factor_name(by_rank[r]['factor'])} {by_rank[r]['level']} · {family_name(by_rank[r]['family'])}"))
language = c2.radio(t("export.language"), ["en", "zh"], index=["en", "zh"].index(st.session_state[state.POA_LANGUAGE]),
                    format_func=components.labeller(["en", "zh"], lambda x: t(f"export.lang_{x}")), key="exp_language")
st.session_state[state.POA_SELECTED] = tuple(state.finding_id(by_rank[r]) for r in selected)
if selected:  # the box cuts its chips short on a narrow screen: what goes into the POA, in full
    c1.caption(t("export.chosen", items="; ".join(f"#{r} {factor_name(by_rank[r]['factor'])} {md(by_rank[r]['level'])} · {family_name(by_rank[r]['family'])}"
                                                  for r in selected)))
st.session_state[state.POA_LANGUAGE] = language
if gone:
    st.info(t("export.gone", names="; ".join(f"{factor_name(f)} {md(level)} · {family_name(fam)}" for f, level, fam in gone)))
if not findings:
    st.info(t("export.no_findings"))
elif not selected:  # the section would present none of them
    st.warning(t("export.none_chosen", n=len(findings)))

# ---- editable wording (kept per language: the answers are written in that language)
complaints = analysis.rows()
generated = build_root_cause(analysis.findings, complaints, language, selected=list(selected))
saved = dict((st.session_state[state.POA_OVERRIDES] or {}).get(language) or {})
overrides: dict = {}
with st.expander(t("export.wording"), expanded=False, key="exp_wording_open"):
    problem = st.text_area(t("export.problem"), value=saved.get("problem_statement") or generated.problem_statement,
                           key=f"exp_problem_{language}", height=120)
    if problem.strip() and problem.strip() != generated.problem_statement.strip():
        overrides["problem_statement"] = problem.strip()
    answers: dict = {}
    saved_actions = saved.get("actions") or {}
    for plan in generated.actions:
        st.markdown(f"**{md(plan.heading)}**")
        for kind, items in (("corrective", plan.corrective), ("preventive", plan.preventive)):
            st.caption(generated.heading(kind))
            previous = (saved_actions.get(plan.category) or {}).get(kind) or []
            values = []
            for i, item in enumerate(items):
                st.text(item.prompt)
                value = st.text_area(t("export.action_answer"), value=previous[i] if i < len(previous) and previous[i] else "",
                                     key=f"exp_{language}_{plan.category}_{kind}_{i}", height=68, label_visibility="collapsed")
                values.append(value.strip() or None)
            if any(values):
                answers.setdefault(plan.category, {})[kind] = values
    if answers:
        overrides["actions"] = answers
# the answers for findings not chosen now are kept for when they are chosen again (the section gets the shown ones)
shown = {plan.category for plan in generated.actions}
kept = {category: value for category, value in saved_actions.items() if category not in shown}
all_overrides = dict(st.session_state[state.POA_OVERRIDES] or {})
all_overrides[language] = {**overrides, **({"actions": {**kept, **answers}} if kept or answers else {})}
st.session_state[state.POA_OVERRIDES] = all_overrides

# ---- preview: plain text, never rendered as Markdown (it quotes buyers)
section = build_root_cause(analysis.findings, complaints, language, selected=list(selected), overrides=overrides)
st.subheader(t("export.preview"))
# the analyst's own "2*50 units [done]" as typed: the Markdown file escapes it, a form that reads no Markdown would show the backslashes
st.code(render_markdown(section, plain=True), language=None, wrap_lines=True)

d1, d2 = st.columns(2)
md_name = "root_cause.zh.md" if language == "zh" else "root_cause.md"
d1.download_button(t("export.download_md", name=md_name), render_markdown(section).encode("utf-8"), file_name=md_name, mime="text/markdown",
                   key="exp_download_md")

# ---- Word document and evidence pack, written to a temp dir on request
export_key = (run_key, language, tuple(selected), json.dumps(overrides, sort_keys=True, ensure_ascii=False))
if d2.button(t("export.build"), key="exp_build"):
    try:
        with st.spinner(t("export.building")):
            files, errors = cached.export_files(run_key, language, tuple(selected), export_key[3], _analysis=analysis)
        st.session_state[state.EXPORT_FILES] = (export_key, files, errors)
    except Exception as exc:  # noqa: BLE001 - show any writing problem as one line
        st.error(f"{t('export.build_failed')} {md(exc)}")

built = st.session_state[state.EXPORT_FILES]
if built is not None and built[0] == export_key:
    _, files, errors = built
    if errors:
        st.warning(t("export.chart_errors"))
        st.text("\n".join(errors))
    mimes = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".zip": "application/zip",
             ".md": "text/markdown"}
    files = {name: data for name, data in files.items() if name != "root_cause.md"}  # offered above already
    cols = st.columns(max(len(files), 1))
    for col, (name, data) in zip(cols, sorted(files.items())):
        label = {"root_cause.docx": t("export.download_docx"), "evidence.zip": t("export.download_zip"),
                 "root_cause.md": t("export.download_md"), "root_cause.zh.md": t("export.download_zh_md")}.get(name, name)
        col.download_button(label, data, file_name=name, mime=mimes.get("." + name.rsplit(".", 1)[-1], "application/octet-stream"),
                            key=f"exp_file_{name}")
