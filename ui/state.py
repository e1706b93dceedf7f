"""Per-visitor state: the session-state keys of the app and the helpers that read them.

Everything a visitor chose or loaded lives in ``st.session_state`` under the keys
below; nothing user-specific is kept at module level, so a second visitor never
sees the first one's data.  Widgets keep their own keys (``<page>_<name>``); the
choices that must survive a page change are copied into the keys here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import streamlit as st

from ui.i18n import DEFAULT_LANGUAGE

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_data"
#: files of sample_data/ that are not reports
_NOT_REPORTS_SUFFIX = {".py", ".md", ".json", ".pyc"}
_NOT_REPORTS_PREFIX = ("readme", "truth", "__", ".")

# ------------------------------------------------------------------ keys
LANGUAGE = "language"  # "zh" | "en" (the sidebar radio's own key)
DATASET = "dataset"  # analysis.Dataset | None
DATASET_KEY = "dataset_key"  # tuple[(file name, sha256)] of the loaded files (+ ("column_maps", sha256) once columns were chosen), () when none
DATASET_ORIGIN = "dataset_origin"  # "sample" | "upload" | None
SAMPLE_AUTOLOADED = "sample_autoloaded"  # the sample was opened for this visitor once (make run)
UPLOADER_GENERATION = "uploader_generation"  # int: the Data page's uploader is a new, empty one after "Clear"
UPLOADS_SEEN = "uploads_seen"  # DATASET_KEY-like key of the last upload set that was loaded
EXCLUDED_FACTORS = "excluded_factors"  # tuple[str]: factors left out of the analysis
ACTION_DATE = "action_date"  # ISO date str | None: corrective-action date
TAXONOMY_TOML = "taxonomy_toml"  # str | None: the user's edited rules (None = default rules)
TAXONOMY_DRAFT = "taxonomy_draft"  # str | None: rules being edited on the Taxonomy page, not yet applied
FLASH = "flash"  # str | None: a message for the next run of a page that reran itself (what was just done)
ANALYSIS_MEMO = "analysis_memo"  # (run key, Analysis): the last analysis of this session
POA_SELECTED = "poa_selected"  # tuple[(factor, level, family)] | None: findings chosen for the POA (None = default)
POA_LANGUAGE = "poa_language"  # "en" | "zh"
POA_OVERRIDES = "poa_overrides"  # dict: problem_statement, actions{category: {corrective: [...], preventive: [...]}}
EXPORT_FILES = "export_files"  # (export key, {file name: bytes}, [chart errors]) | None
SOURCES = "sources"  # list[(file name, bytes)] of the loaded files (to re-read one with other columns)
COLUMN_MAPS = "column_maps"  # {file name: {canonical column: header}} chosen for review files
CORRECTIONS = "corrections_csv"  # bytes | None: the analyst's corrections (analysis.corrections CSV)

#: widgets whose choice survives a visit to another page (Streamlit drops a widget's state when its page is not
#: drawn): selectboxes, multiselects and inputs only (a button's or an uploader's state cannot be set)
KEPT_WIDGETS = ("lots_factor", "lots_family", "trends_family", "trends_factor", "trends_level", "kw_group_by", "kw_top_n",
                "kw_term", "review_family", "review_order", "review_search", "trends_ba_date", "trends_ba_claim")
KEPT_PREFIXES = ("lots_levels_", "kw_focus_")

_DEFAULTS: dict[str, Any] = {
    LANGUAGE: DEFAULT_LANGUAGE,
    DATASET: None,
    DATASET_KEY: (),
    DATASET_ORIGIN: None,
    UPLOADS_SEEN: (),
    EXCLUDED_FACTORS: (),
    ACTION_DATE: None,
    TAXONOMY_TOML: None,
    TAXONOMY_DRAFT: None,
    FLASH: None,
    ANALYSIS_MEMO: None,
    POA_SELECTED: None,
    POA_LANGUAGE: "en",
    POA_OVERRIDES: None,
    EXPORT_FILES: None,
    SOURCES: None,
    COLUMN_MAPS: None,
    CORRECTIONS: None,
}


def init() -> None:
    """Give every key its default once per session (values are immutable or fresh); keep the choices of
    :data:`KEPT_WIDGETS` for when their page is drawn again."""
    for key, value in _DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = value
    if st.session_state[POA_OVERRIDES] is None:
        st.session_state[POA_OVERRIDES] = {}
    for key in [k for k in st.session_state if k in KEPT_WIDGETS or str(k).startswith(KEPT_PREFIXES)]:
        st.session_state[key] = st.session_state[key]  # set by the script: no longer dropped with its widget


def widget_default(key: str, **default: Any) -> dict[str, Any]:
    """``default`` (``index=``, ``value=``, ``default=``) for a kept widget's first drawing only: once the session
    holds its choice, a default beside it would make Streamlit warn and could override it."""
    return {} if key in st.session_state else default


# ------------------------------------------------------------------ data
def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sample_dir() -> Path:
    """The bundled sample (``WORKBENCH_SAMPLE_DIR`` overrides it, for tests and demos)."""
    return Path(os.environ.get("WORKBENCH_SAMPLE_DIR", SAMPLE_DIR))


def open_on_sample() -> bool:
    """True when the app was started to open on the bundled sample (``make run`` sets WORKBENCH_OPEN_SAMPLE=1)."""
    return os.environ.get("WORKBENCH_OPEN_SAMPLE", "") not in ("", "0")


def sample_paths() -> list[Path]:
    """Every report file of the sample folder: not README, TRUTH, scripts or caches."""
    folder = sample_dir()
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        name = path.name.lower()
        if not path.is_file() or path.suffix.lower() in _NOT_REPORTS_SUFFIX or name.startswith(_NOT_REPORTS_PREFIX):
            continue
        out.append(path)
    return out


def sample_sources() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sample_paths()]


def sources_key(sources: list[tuple[str, bytes]]) -> tuple[tuple[str, str], ...]:
    return tuple((name, digest(data)) for name, data in sources)


def set_dataset(dataset: Any, key: tuple, origin: str, sources: list | None = None) -> None:
    """Make ``dataset`` the visitor's data; everything derived from the old one is dropped."""
    if sources is not None or dataset is None:
        st.session_state[SOURCES] = sources
    st.session_state[DATASET] = dataset
    # the columns chosen for review files read the same bytes differently: they are part of what the analysis depends on
    maps = column_maps() if dataset is not None else {}
    chosen = (("column_maps", digest(json.dumps(maps, sort_keys=True, ensure_ascii=False).encode("utf-8"))),) if maps else ()
    st.session_state[DATASET_KEY] = tuple(key) + chosen
    st.session_state[DATASET_ORIGIN] = origin
    st.session_state[ANALYSIS_MEMO] = None
    st.session_state[EXPORT_FILES] = None
    st.session_state[POA_SELECTED] = None


def finding_id(finding: dict) -> tuple[str, str, str]:
    """What a finding is, whatever its rank: (factor, level, family)."""
    return (str(finding["factor"]), str(finding["level"]), str(finding["family"]))


def load_sample() -> bool:
    """Make the bundled sample the visitor's data; False when the sample folder holds no report."""
    from ui import cached

    sources = sample_sources()
    if not sources:
        return False
    key = sources_key(sources)
    set_dataset(cached.load_dataset(sources, key, column_maps()), key, "sample", sources)
    return True


def autoload_sample() -> None:
    """``make run`` opens on the bundled sample: load it once per visitor, whichever page they open first
    (a bookmark to a page other than Data included), and never over data of their own."""
    if open_on_sample() and dataset() is None and not st.session_state.get(SAMPLE_AUTOLOADED):
        st.session_state[SAMPLE_AUTOLOADED] = True
        load_sample()


def column_maps() -> dict:
    return dict(st.session_state.get(COLUMN_MAPS) or {})


def clear_dataset() -> None:
    set_dataset(None, (), None)
    st.session_state[COLUMN_MAPS] = None
    st.session_state[UPLOADS_SEEN] = ()
    st.session_state[UPLOADER_GENERATION] = st.session_state.get(UPLOADER_GENERATION, 0) + 1  # an empty uploader


def dataset():
    return st.session_state.get(DATASET)


# -------------------------------------------------------------- settings
def settings_overrides() -> dict[str, Any]:
    """The analysis settings this visitor changed, as ``load_settings`` keywords."""
    return {
        "excluded_factors": tuple(st.session_state.get(EXCLUDED_FACTORS) or ()),
        "action_date": st.session_state.get(ACTION_DATE),
    }


def settings():
    from analysis.config import load_settings

    return load_settings(None, **settings_overrides())


def corrections():
    """The analyst's corrections as a table (empty when there are none)."""
    from analysis import corrections as C

    data = st.session_state.get(CORRECTIONS)
    return C.read_corrections(data) if data else C.empty()


def set_corrections(table) -> None:
    """Keep ``table`` as the visitor's corrections (the next analysis applies them)."""
    from analysis import corrections as C

    st.session_state[CORRECTIONS] = C.to_csv_bytes(table) if table is not None and len(table) else None
    st.session_state[EXPORT_FILES] = None


def action_date() -> dt.date | None:
    value = st.session_state.get(ACTION_DATE)
    return dt.date.fromisoformat(value) if value else None


def analysis_key() -> tuple:
    """What an analysis depends on: the files, the settings, the rules."""
    over = settings_overrides()
    return (
        st.session_state.get(DATASET_KEY, ()),
        tuple(sorted(over["excluded_factors"])),
        over["action_date"],
        digest((st.session_state.get(TAXONOMY_TOML) or "").encode("utf-8")),
        digest(st.session_state.get(CORRECTIONS) or b""),
    )


def current_analysis():
    """The analysis of the visitor's data with their settings (None without data).

    Runs it (with a progress bar) through the cache when the data, settings or
    rules changed; otherwise returns this session's last result.
    """
    from ui import cached

    ds = dataset()
    if ds is None:
        return None
    key = analysis_key()
    memo = st.session_state.get(ANALYSIS_MEMO)
    if memo is not None and memo[0] == key:
        return memo[1]
    result = cached.run_analysis(key, settings_overrides(), st.session_state.get(TAXONOMY_TOML),
                                 st.session_state.get(CORRECTIONS), _dataset=ds)
    st.session_state[ANALYSIS_MEMO] = (key, result)
    return result
