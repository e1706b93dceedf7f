"""Export: findings -> report structure -> Markdown / Word / PNG / evidence zip.

compute -> decide -> render: :func:`build_root_cause` decides what the
root-cause section says (a frozen :class:`RootCauseSection`);
:func:`render_markdown` and :func:`render_docx` render it;
:func:`export_figures` draws the charts; :func:`write_evidence_pack` and
:func:`write_all` write the files.  Everything that leaves goes through
:mod:`analysis.export.safety` (PII redaction, CSV formula neutralisation).
"""

from analysis.export.evidence import complaints_for_export, previous_outputs, sha256_file, write_all, write_evidence_pack
from analysis.export.images import ChartFailure, ImageExport, chromium_available, export_figures, start_image_server
from analysis.export.poa import (
    ActionItem,
    ActionPlan,
    FindingBlock,
    PoaSettings,
    Quote,
    RootCauseSection,
    action_category,
    build_root_cause,
    load_templates,
    render_docx,
    render_markdown,
)
from analysis.export.safety import neutralize_formula, redact_frame, redact_pii, write_csv_safe

__all__ = [
    "ActionItem",
    "ActionPlan",
    "ChartFailure",
    "FindingBlock",
    "ImageExport",
    "PoaSettings",
    "Quote",
    "RootCauseSection",
    "action_category",
    "build_root_cause",
    "chromium_available",
    "complaints_for_export",
    "export_figures",
    "load_templates",
    "neutralize_formula",
    "previous_outputs",
    "redact_frame",
    "redact_pii",
    "render_docx",
    "render_markdown",
    "sha256_file",
    "start_image_server",
    "write_all",
    "write_csv_safe",
    "write_evidence_pack",
]
