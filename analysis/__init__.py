"""Root-cause workbench for Amazon sellers' quality teams: everything that computes.

Importable from Jupyter and used by the CLI and the Streamlit app; never imports Streamlit.
The public API is re-exported here; heavier modules load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from analysis import schema
from analysis.config import AnalysisSettings, Settings, load_settings
from analysis.dataset import Dataset, combine, load_files
from analysis.errors import ReportFormatError, SettingsError, WorkbenchError
from analysis.normalize import LoadedFile, detect_kind, load_file

__version__ = "0.1.0"

# name -> module, imported lazily so `import analysis` stays fast
_LAZY = {
    "link": "analysis.link",
    "Linked": "analysis.link",
    "classify_complaints": "analysis.classify",
    "load_taxonomy": "analysis.classify",
    "term_frequency": "analysis.keywords",
    "distinctive_terms": "analysis.keywords",
    "keyword_in_context": "analysis.keywords",
    "family_pareto": "analysis.keywords",
    "top_terms": "analysis.keywords",
    "analyze": "analysis.pipeline",
    "export_analysis": "analysis.pipeline",
    "Analysis": "analysis.pipeline",
    "rank_findings": "analysis.findings",
}

__all__ = [
    "AnalysisSettings",
    "Dataset",
    "LoadedFile",
    "ReportFormatError",
    "Settings",
    "SettingsError",
    "WorkbenchError",
    "combine",
    "detect_kind",
    "load_file",
    "load_files",
    "load_settings",
    "schema",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")
