"""The evidence pack (evidence.zip) and the one-call export of everything.

``evidence.zip`` holds what a reviewer needs to check the report: the charts,
every statistics table as a safe CSV, one row per classified complaint (with
the buyer's words redacted and no buyer contact columns, ever), findings.json
and a ``manifest.json`` that pins the inputs by SHA-256 so the numbers can be
reproduced.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import platform
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import schema
from analysis.export.images import ImageExport, export_figures
from analysis.export.poa import build_root_cause, load_templates, render_docx, render_markdown
from analysis.config import PoaSettings
from analysis.export.safety import csv_bytes, redact_pii
from analysis.pii import contact_column

__all__ = [
    "COMPLAINT_EXPORT_COLUMNS",
    "complaints_for_export",
    "previous_outputs",
    "sha256_file",
    "write_evidence_pack",
    "write_all",
]

#: complaints.csv columns, in order (only those present are written)
COMPLAINT_EXPORT_COLUMNS = (
    schema.COMPLAINT_ID,
    schema.DATE,
    schema.SOURCE_KIND,
    schema.ORDER_ID,
    schema.SKU,
    schema.ASIN,
    schema.LOT,
    "fc",
    schema.FC_PROCESSED,
    schema.REASON,
    schema.DISPOSITION,
    schema.RATING,
    schema.FAMILY,
    schema.FAMILY_CONFIDENCE,
    schema.EVIDENCE,
    schema.SAFETY,
    schema.TEXT,
)
#: a column whose name contains one of these is never exported, whatever the caller passes
_TEXT_COLUMNS = (schema.TEXT, schema.TITLE, schema.EVIDENCE)
_PACKAGES = ("pandas", "numpy", "scipy", "statsmodels", "plotly", "kaleido", "python-docx", "openpyxl", "pyarrow")
TOOL_NAME = "amazon-rootcause-workbench"


#: what each member of the evidence pack is (README.txt in the zip)
PACK_README = """Evidence pack of a root-cause analysis (amazon-rootcause-workbench)

manifest.json            the tool and package versions, the settings, every input file with its SHA-256,
                         rows read, rejected and duplicated, and the SHA-256 of every member below
findings.json            the findings: for each, the comparison its sentence states (rate, interval,
                         rate ratio, adjusted p), the buyers' distinctive terms (redacted), what it
                         explains and what it is net of
complaints.csv           one row per complaint analysed: family, evidence, order, SKU, lot, shipping FC,
                         with buyer contact details removed and every cell safe to open in a spreadsheet
tables/findingN_*_comparison.csv
                         the comparison finding N's sentence states (complaints and units with every factor
                         known, without the units of the family's other findings where it says so), beside
                         the level as a whole, as the level table and the charts show it
tables/findingN_*_levels.csv    every level of the finding's factor for its family, as a whole, against the rest
tables/findingN_*_funnel.csv    the funnel plot's points and limits
tables/findingN_*_control.csv   the weekly control chart of the finding's level (p or Laney p')
tables/findingN_*_terms.csv     the distinctive terms of the finding's complaints (used by two complaints or more)
tables/level_tests.csv   every test of every level of every factor for every family (Benjamini-Hochberg adjusted)
tables/family_pareto.csv the complaints by family
charts/                  the charts of the Root Cause section ({formats})
"""


def _numbering_note(numbering: Sequence[tuple[int, int]]) -> str:
    """The README's word on the section's numbers, where they are not the ranks the pack's files are named by."""
    if all(int(n) == int(r) for n, r in numbering):
        return ""
    pairs = "; ".join(f"Finding {int(n)} is rank {int(r)} (finding{int(r)}_*)" for n, r in numbering)
    return ("\nThe Root Cause section numbers the findings it includes 1, 2, ... in its own order; the files here "
            "and findings.json (every finding of the analysis) go by the analysis' rank: " + pairs + ".\n")


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _forbidden(col: str) -> bool:
    return contact_column(col)


def complaints_for_export(complaints: pd.DataFrame | None) -> pd.DataFrame:
    """One row per classified complaint, safe to hand out.

    Returns
    -------
    DataFrame
        The :data:`COMPLAINT_EXPORT_COLUMNS` present (``fc`` is the shipping
        FC: ``fulfillment_center`` or ``fc_shipped``), ``text`` / ``evidence``
        redacted with :func:`redact_pii`.  Buyer contact columns are never
        included (a whitelist, plus a name check as a second guard).
    """
    if complaints is None:
        return pd.DataFrame(columns=list(COMPLAINT_EXPORT_COLUMNS))
    src = complaints
    out = pd.DataFrame(index=src.index)
    for col in COMPLAINT_EXPORT_COLUMNS:
        if col == "fc":
            for cand in ("fulfillment_center", schema.FC_SHIPPED, schema.FC):
                if cand in src.columns:
                    out["fc"] = src[cand]
                    break
            continue
        if col in src.columns and not _forbidden(col):
            out[col] = src[col]
    for col in _TEXT_COLUMNS:
        if col in out.columns:
            out[col] = out[col].map(lambda v: v if _na(v) else redact_pii(v)).astype(object)
    if schema.DATE in out.columns and pd.api.types.is_datetime64_any_dtype(out[schema.DATE]):
        out[schema.DATE] = out[schema.DATE].dt.strftime("%Y-%m-%d")
    return out.reset_index(drop=True)


def _na(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _tool_version() -> str:
    try:
        import analysis

        return str(getattr(analysis, "__version__", None) or "unknown")
    except Exception:  # noqa: BLE001
        return "unknown"


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (pd.Timestamp, _dt.date, _dt.datetime)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    return str(obj)


def _clean_json(obj: Any) -> Any:
    """NaN / inf are not JSON: write them as null."""
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    if isinstance(obj, Mapping):
        return {str(k): _clean_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean_json(v) for v in obj]
    return obj


def _dumps(obj: Any) -> bytes:
    return json.dumps(_clean_json(json.loads(json.dumps(obj, default=_json_default))), ensure_ascii=False,
                      indent=2, allow_nan=False).encode("utf-8")


def _findings_for_export(findings: Mapping[str, Any]) -> dict[str, Any]:
    """findings.json with the customer words in it (top terms) redacted."""
    out = json.loads(json.dumps(findings, default=_json_default))
    for f in out.get("findings") or ():
        if isinstance(f.get("top_terms"), list):
            f["top_terms"] = [redact_pii(x) for x in f["top_terms"]]
    return out


def _chart_files(chart_paths: Any) -> list[Path]:
    if chart_paths is None:
        return []
    if isinstance(chart_paths, ImageExport):
        return chart_paths.written
    if isinstance(chart_paths, Mapping):
        files: list[Path] = []
        for value in chart_paths.values():
            if isinstance(value, Mapping):
                files += [Path(p) for p in value.values()]
            else:
                files.append(Path(value))
        return files
    return [Path(p) for p in chart_paths]


def _inputs(input_files: Iterable[str | Path], findings: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The inputs the manifest pins: each file given (hashed again), or without files (the app holds the
    uploads' bytes, not paths) the ones findings.json names, with the SHA-256 taken when they were read."""
    known = {}
    for item in findings.get("inputs") or ():
        known[Path(str(item.get("path", ""))).name] = item
    input_files = list(input_files or ())
    if not input_files:
        return [{"name": name, "path": None, "sha256": item.get("sha256"), "kind": item.get("kind"), "rows": item.get("rows"),
                 "rejected": item.get("rejected"), "duplicates": item.get("duplicates")} for name, item in known.items()]
    rows = []
    for p in input_files:
        p = Path(p)
        entry: dict[str, Any] = {"name": p.name, "path": str(p)}
        if p.is_file():
            entry["bytes"] = p.stat().st_size
            entry["sha256"] = sha256_file(p)
        else:
            entry["bytes"] = None
            entry["sha256"] = None
            entry["missing"] = True
        info = known.get(p.name, {})
        entry["kind"] = info.get("kind")
        entry["rows"] = info.get("rows")
        entry["rejected"] = info.get("rejected")
        entry["duplicates"] = info.get("duplicates")
        if info.get("sha256") and entry["sha256"]:
            entry["sha256_matches_findings"] = info["sha256"] == entry["sha256"]
        rows.append(entry)
    return rows


def _finding_of(name: str) -> int | None:
    """The rank of the finding a chart or table is about (``finding3_asin_rates`` -> 3), None for the others."""
    match = re.match(r"finding(\d+)_", str(name))
    return int(match[1]) if match else None


def write_evidence_pack(
    out_dir: str | Path,
    findings: Mapping[str, Any],
    complaints: pd.DataFrame | None,
    tables: Mapping[str, pd.DataFrame],
    chart_paths: Any,
    input_files: Sequence[str | Path],
    settings: Mapping[str, Any],
    *,
    notes: Sequence[str] = (),
) -> Path:
    """Write ``out_dir/evidence.zip``.

    Parameters
    ----------
    out_dir : path
    findings : dict
        findings.json (written as ``findings.json``, top terms redacted).
    complaints : DataFrame
        Classified complaints -> ``complaints.csv`` (see :func:`complaints_for_export`).
    tables : dict of name -> DataFrame
        Statistics tables -> ``tables/<name>.csv``.
    chart_paths : dict, ImageExport or list of paths
        Image files -> ``charts/<file name>``.
    input_files : list of paths
        The files the analysis read; hashed into the manifest.
    settings : dict
        The analysis settings, copied into the manifest.
    notes : sequence of str
        Extra lines for the manifest (e.g. charts that could not be drawn).

    Returns
    -------
    Path
        The zip.  Members: ``manifest.json``, ``findings.json``,
        ``complaints.csv``, ``tables/*.csv``, ``charts/*``.  Every CSV is
        UTF-8 with BOM, formula-neutralised.

    Notes
    -----
    ``manifest.json``: ``tool, tool_version, created_utc, python and package
    versions, inputs [{name, path, bytes, sha256, kind, rows, rejected,
    duplicates, sha256_matches_findings}], settings, members [{name, bytes,
    sha256}], notes``.
    """
    return _write_pack(out_dir, _data_members(findings, complaints, tables), findings, chart_paths, input_files, settings,
                       notes=notes)


def _data_members(
    findings: Mapping[str, Any], complaints: pd.DataFrame | None, tables: Mapping[str, pd.DataFrame]
) -> list[tuple[str, bytes]]:
    """The pack's members that are not charts: ``findings.json``, ``complaints.csv``, ``tables/*.csv``
    (redacted, formula-safe), in that order; they need no image, so :func:`write_all` makes them
    while the browser draws."""
    members: list[tuple[str, bytes]] = []
    members.append(("findings.json", _dumps(_findings_for_export(findings))))
    members.append(("complaints.csv", csv_bytes(complaints_for_export(complaints))))
    for name, table in (tables or {}).items():
        if table is None:
            continue
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(name)) or "table"
        clean = table.drop(columns=[c for c in table.columns if _forbidden(c)])
        for col in _TEXT_COLUMNS:
            if col in clean.columns:
                clean = clean.assign(**{col: clean[col].map(lambda v: v if _na(v) else redact_pii(v)).astype(object)})
        members.append((f"tables/{safe}.csv", csv_bytes(clean)))
    return members


def _write_pack(
    out_dir: str | Path,
    data_members: Sequence[tuple[str, bytes]],
    findings: Mapping[str, Any],
    chart_paths: Any,
    input_files: Sequence[str | Path],
    settings: Mapping[str, Any],
    *,
    notes: Sequence[str] = (),
    numbering: Sequence[tuple[int, int]] = (),
) -> Path:
    """``evidence.zip`` from the members :func:`_data_members` made, the chart files, a README and the manifest.
    ``numbering``: the Root Cause section's (finding number, rank) pairs, said in the README where they differ."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "evidence.zip"
    members: list[tuple[str, bytes]] = list(data_members)
    formats: list[str] = []
    for path in _chart_files(chart_paths):
        if path.is_file():
            members.append((f"charts/{path.name}", path.read_bytes()))
            formats.append(path.suffix.lstrip(".").upper())
    # the formats the pack holds (the app writes PNG only: the README said "PNG and SVG")
    said = " and ".join(dict.fromkeys(sorted(formats))) or "none in this pack"
    members.append(("README.txt", (PACK_README.format(formats=said) + _numbering_note(numbering)).encode("utf-8")))
    manifest = {
        "tool": TOOL_NAME,
        "tool_version": _tool_version(),
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "inputs": _inputs(input_files, findings),
        "settings": settings or {},
        "members": [
            {"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in members
        ],
        "notes": list(notes),
        # the Root Cause section's finding numbers and the ranks the files and findings.json use
        "section_findings": [{"number": int(n), "rank": int(r)} for n, r in numbering],
    }
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", _dumps(manifest))
        for name, data in members:
            zf.writestr(name, data)
    tmp.replace(target)
    return target


#: the files a report run writes in its folder: findings.json (the command line) and those of :func:`write_all`
REPORT_FILES = ("findings.json", "root_cause.md", "root_cause.zh.md", "root_cause.docx", "chart_errors.txt", "evidence.zip")
#: its chart images in ``charts/``: the figures of :func:`analysis.figures.figures_for` (``family_pareto`` and
#: :func:`analysis.export.poa.figure_name`'s ``finding<rank>_<factor>_<kind>``) in a format of :func:`export_figures`
_CHART_FILE = re.compile(r"(?:family_pareto|finding\d+_\w+_(?:rates|funnel|control|terms))\.(?:png|svg|pdf|jpeg|webp)")


def previous_outputs(out_dir: str | Path) -> list[Path]:
    """The files an earlier report run wrote in ``out_dir``, to remove before a new run writes there.

    Left in place they were taken for the new run's: the charts of a finding the new run does not
    have, a ``root_cause.md`` beside a new ``findings.json`` written with ``--findings-only``.

    Returns
    -------
    list of Path
        The files of :data:`REPORT_FILES` and the chart images in ``charts/`` (by their names) that
        exist, in that order; nothing else the folder holds.  Empty when ``out_dir`` is no folder.
    """
    out = Path(out_dir)
    if not out.is_dir():
        return []
    found = [out / name for name in REPORT_FILES if (out / name).is_file()]
    charts = out / "charts"
    if charts.is_dir():
        found += sorted(p for p in charts.iterdir() if _CHART_FILE.fullmatch(p.name) and p.is_file())
    return found


def write_all(
    out_dir: str | Path,
    findings: Mapping[str, Any],
    complaints: pd.DataFrame | None,
    tables: Mapping[str, pd.DataFrame],
    figures: Mapping[str, Any],
    input_files: Sequence[str | Path],
    settings: Mapping[str, Any],
    language: str = "en",
    selected: Iterable[int] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    formats: Sequence[str] = ("png", "svg"),
    image_cache: MutableMapping[str, bytes] | None = None,
    poa: PoaSettings | None = None,
) -> dict[str, Path]:
    """Export everything: report (md, docx, zh md), chart images, evidence pack.

    Parameters
    ----------
    out_dir : path
    findings, complaints, tables, input_files, settings
        As for :func:`write_evidence_pack`.
    figures : dict of name -> plotly Figure
        Rendered to ``charts/<name>.<fmt>`` (see :func:`export_figures`).
    language : {"en", "zh"}
        Language of root_cause.md / root_cause.docx.  With "en" a Chinese
        ``root_cause.zh.md`` is written too, for internal review.
    selected : iterable of int, optional
        Ranks of the findings in the report.
    overrides : dict, optional
        User answers, see :func:`build_root_cause`.
    image_cache : mutable mapping, optional
        Images drawn before, reused when a chart is the same (see :func:`export_figures`).
    poa : PoaSettings, optional
        What the section says (quotes, terms, findings by default; see :func:`build_root_cause`).

    Returns
    -------
    dict of str -> Path
        Keys ``root_cause.md``, ``root_cause.docx``, ``root_cause.zh.md``
        (when written), ``charts/<file>`` for each image, ``evidence.zip``,
        and ``chart_errors.txt`` when some chart could not be drawn (the rest
        of the export is written regardless).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    selected = list(selected) if selected is not None else None
    written: dict[str, Path] = {}
    if selected is not None:  # the charts and tables of findings left out of the section stay out of the pack too
        figures = {k: v for k, v in (figures or {}).items() if _finding_of(k) in (None, *selected)}
        tables = {k: v for k, v in (tables or {}).items() if _finding_of(k) in (None, *selected)}
    settings = {**(settings or {}), "language": language}  # the documents' language, not the run's default

    # The browser draws the charts (most of the time) while this thread writes what needs no image:
    # the sections, the Markdown and the pack's tables.  Each file is the same as when made one after
    # the other; only the Word document and the zip wait for the images.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart-images") as pool:
        drawing = pool.submit(export_figures, figures or {}, out / "charts", formats=formats, cache=image_cache)
        section = build_root_cause(findings, complaints, language, selected=selected, overrides=overrides, settings=poa)
        md = out / "root_cause.md"
        md.write_text(render_markdown(section), encoding="utf-8")
        zh_md = None
        if language != "zh":
            zh = build_root_cause(findings, complaints, "zh", selected=selected, overrides=overrides, settings=poa)
            zh_md = out / "root_cause.zh.md"
            zh_md.write_text(render_markdown(zh), encoding="utf-8")
        data_members = _data_members(findings, complaints, tables)
        images = drawing.result()

    for path in images.written:
        written[f"charts/{path.name}"] = path
    notes: list[str] = []
    if images.failed:
        tpl = load_templates(language)["charts"]["not_rendered"]
        notes = [tpl.format(name=f"{f.name}.{f.format}", reason=f.reason) for f in images.failed]
        err = out / "chart_errors.txt"
        err.write_text("\n".join(notes) + "\n", encoding="utf-8")
        written["chart_errors.txt"] = err

    written["root_cause.md"] = md
    written["root_cause.docx"] = render_docx(
        section, findings, images.by_format("png"), out / "root_cause.docx", notes=notes
    )
    if zh_md is not None:
        written["root_cause.zh.md"] = zh_md

    written["evidence.zip"] = _write_pack(out, data_members, findings, images, input_files, settings, notes=notes,
                                          numbering=[(b.number, b.rank) for b in section.findings])
    return written
