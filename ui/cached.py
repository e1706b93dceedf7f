"""The only ``st.cache_data`` / ``st.cache_resource`` of the app.

Cached functions are keyed on content (file SHA-256s, settings, rule text), never
on who asks; arguments starting with ``_`` are the heavy objects the key stands for
(Streamlit does not hash them).  Progress bars are created *inside* the cached
function, so on a cache hit Streamlit replays them already emptied.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path


import streamlit as st

from ui.i18n import t


# ------------------------------------------------------------------ files
@st.cache_data(show_spinner=False, max_entries=64)
def load_report(name: str, sha256: str, _data: bytes, column_map_json: str = ""):
    """One file read through :func:`analysis.load_files` (failures come back in ``.failed``).

    ``column_map_json`` names the columns of a review file (``{"text": "Body", ...}``) and is part of the key.
    """
    import analysis

    column_map = json.loads(column_map_json) if column_map_json else None
    kinds = {name: "reviews"} if column_map else None
    return analysis.load_files([(name, _data)], kinds=kinds, column_maps={name: column_map} if column_map else None)


def load_dataset(sources: list[tuple[str, bytes]], key: tuple, column_maps: dict | None = None):
    """Read many files with a progress bar; each file is cached on its bytes' hash (and chosen columns)."""
    from analysis.dataset import combine

    column_maps = column_maps or {}
    bar = st.progress(0.0, text=t("app.loading"))
    files, failed = [], []
    for i, ((name, data), (_, sha)) in enumerate(zip(sources, key)):
        bar.progress(i / max(len(sources), 1), text=t("app.loading_file", name=name, done=i + 1, total=len(sources)))
        chosen = column_maps.get(name)
        one = load_report(name, sha, data, json.dumps(chosen, sort_keys=True, ensure_ascii=False) if chosen else "")
        files.extend(one.files)
        failed.extend(one.failed)
    bar.empty()
    return combine(files, failed)


@st.cache_data(show_spinner=False, max_entries=16)
def link_coverage(dataset_key: tuple, _dataset) -> dict:
    """How well complaints link to shipments and the lot master."""
    from analysis.link import link

    return dict(link(_dataset).coverage)


# --------------------------------------------------------------- analysis
@st.cache_data(show_spinner=False, max_entries=8)
def run_analysis(run_key: tuple, settings_overrides: dict, taxonomy_toml: str | None, corrections_csv: bytes | None,
                 _dataset):
    """:func:`analysis.pipeline.analyze` with a progress bar naming each step."""
    from analysis.config import load_settings
    from analysis.corrections import read_corrections
    from analysis.pipeline import analyze

    settings = load_settings(None, **settings_overrides)
    taxonomy = taxonomy_from_toml(taxonomy_toml) if taxonomy_toml else None
    corrections = read_corrections(corrections_csv) if corrections_csv else None
    bar = st.progress(0.0, text=t("app.analysing"))

    def progress(step: str, fraction: float) -> None:
        label = t("app.step_" + step.replace(" ", "_"), step)
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=f"{t('app.analysing')} {label}")

    try:
        return analyze(_dataset, settings=settings, taxonomy=taxonomy, progress=progress, corrections=corrections)
    finally:
        bar.empty()


# --------------------------------------------------------------- taxonomy
def taxonomy_from_toml(text: str | None):
    """The default rules, or the rules written in ``text`` (a complete taxonomy in TOML).

    Not cached: a Taxonomy holds read-only mappings that do not pickle, and reading
    one is quick.  Raises :class:`analysis.errors.SettingsError` with a readable message.
    """
    from analysis.classify import load_taxonomy

    return load_taxonomy(text=text) if text else load_taxonomy()


@st.cache_data(show_spinner=False, max_entries=32)
def taxonomy_text(text: str | None) -> str:
    from analysis.classify import taxonomy_to_toml

    return taxonomy_to_toml(taxonomy_from_toml(text))


@st.cache_data(show_spinner=False, max_entries=16)
def compare_rules(run_key: tuple, old_text: str | None, new_text: str | None, _complaints):
    """Family counts under the old and new rules, and the complaints that move."""
    from analysis.classify import changed_complaints, compare_taxonomies

    old, new = taxonomy_from_toml(old_text), taxonomy_from_toml(new_text)
    raw = _complaints.drop(columns=["family", "family_confidence", "evidence", "_units"], errors="ignore")
    return compare_taxonomies(raw, old, new), changed_complaints(raw, old, new)


# --------------------------------------------------------------- evidence
@st.cache_data(show_spinner=False, max_entries=64)
def finding_terms(run_key: tuple, factor: str, level: str, family: str, against: str | None, _analysis):
    """A finding's terms table, against what its ``top_terms`` were (findings.json's ``terms_against``)."""
    from analysis.figures import finding_terms as terms

    return terms(_analysis, {"factor": factor, "level": level, "family": family, "terms_against": against})


@st.cache_data(show_spinner=False, max_entries=64)
def funnel_tables(run_key: tuple, factor: str, family: str, _analysis):
    from analysis.figures import funnel_tables as tables

    return tables(_analysis, factor, family)


@st.cache_data(show_spinner=False, max_entries=64)
def control_table(run_key: tuple, family: str, factor: str | None, level: str | None, laney: bool, _analysis):
    from analysis.figures import control_table as table

    return table(_analysis, family, factor, level, laney=laney)


@st.cache_data(show_spinner=False, max_entries=64)
def change_point(run_key: tuple, family: str, factor: str | None, level: str | None, _analysis):
    return _analysis.change_point(family, factor, level)


@st.cache_data(show_spinner=False, max_entries=64)
def term_frequency(run_key: tuple, by: str | None, _complaints):
    from analysis.keywords import term_frequency as tf

    return tf(_complaints, by=by)


@st.cache_data(show_spinner=False, max_entries=16)
def look_alikes(run_key: tuple, min_similarity: float, _complaints, _corrections):
    """Complaints worded like the corrected ones (``run_key`` includes the corrections)."""
    from analysis.corrections import look_alikes as la

    return la(_complaints, _corrections, min_similarity=min_similarity)


@st.cache_data(show_spinner=False, max_entries=64)
def distinctive_terms(run_key: tuple, by: str, focus: str, _complaints):
    from analysis.keywords import distinctive_terms as dt

    return dt(_complaints, by=by, focus=focus)


@st.cache_data(show_spinner=False, max_entries=64)
def keyword_in_context(run_key: tuple, scope: tuple, term: str, _complaints):
    """Every comment of ``_complaints`` (named by ``scope``) containing ``term``, as left / match / right."""
    from analysis.keywords import keyword_in_context as kwic

    return kwic(_complaints, term)


# ----------------------------------------------------------------- export
@st.cache_resource(show_spinner=False)
def image_server() -> bool:
    """The process-wide kaleido browser (the same for everyone: nothing user-specific)."""
    from analysis.export import start_image_server

    try:
        return start_image_server()
    except Exception:  # noqa: BLE001 - images are optional; the export reports each failure
        return False


@st.cache_resource(show_spinner=False)
def image_cache() -> dict:
    """Chart images drawn in this process, keyed by a digest of their figure's content (so a session is given only
    images of figures identical to its own): a second export of the same charts, answers edited or other findings
    chosen, draws none again (analysis.export.images.export_figures)."""
    return {}


@st.cache_data(show_spinner=False, max_entries=8)
def export_files(run_key: tuple, language: str, selected: tuple[int, ...], overrides_json: str, _analysis) -> tuple[dict[str, bytes], list[str]]:
    """root_cause.md / .docx, evidence.zip (and charts) written to a temp dir, returned as bytes."""
    from analysis.export import write_all
    from analysis.figures import figures_for

    image_server()
    overrides = json.loads(overrides_json) if overrides_json else None
    figures, tables = figures_for(_analysis, language=language)
    with tempfile.TemporaryDirectory(prefix="workbench-export-") as tmp:
        written = write_all(
            Path(tmp),
            _analysis.findings,
            _analysis.rows(),
            tables,
            figures,
            input_files=[],
            settings=_analysis.settings.to_dict(),
            language=language,
            selected=list(selected),
            overrides=overrides,
            formats=("png",),
            image_cache=image_cache(),
        )
        errors = written["chart_errors.txt"].read_text(encoding="utf-8").splitlines() if "chart_errors.txt" in written else []
        files = {name: path.read_bytes() for name, path in written.items() if not name.startswith("charts/")}
    return files, errors
