"""Command line: ``python -m analysis {inspect,report,classify} ...``.

``main(argv=None) -> int`` so tests call it directly.  User errors print one
line to stderr and return 2; nothing a user can cause prints a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import threading
from pathlib import Path
from typing import Sequence

_REPORT_INPUTS = {
    "returns": None,
    "shipments": None,
    "fbm_returns": None,
    "fulfilled_shipments": None,
    "feedback": None,
    "voc": None,
    "reimbursements": None,
    "ledger": None,
    "replacements": None,
    "reviews": "reviews",
    "lots": "lots",
    "file": None,
}
#: the kinds a file given with a flag may turn out to be (a returns report named with --returns, FBA's or FBM's ...)
_FLAG_KINDS = {
    "returns": ("fba_returns", "fbm_returns"),
    "fbm_returns": ("fbm_returns", "fba_returns"),
    "shipments": ("fba_shipments", "fulfilled_shipments"),
    "fulfilled_shipments": ("fulfilled_shipments", "fba_shipments"),
    "feedback": ("seller_feedback",),
    "voc": ("voc",),
    "reimbursements": ("reimbursements",),
    "ledger": ("ledger",),
    "replacements": ("replacements",),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description="Root-cause workbench for Amazon sellers' quality teams.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("inspect", help="say what each file is: kind, rows, rejected rows, dates, columns")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--marketplace", help="marketplace of seller-feedback files (US, DE, JP, UK ...)")

    p = sub.add_parser("report", help="find root causes and write findings.json (+ POA evidence)")
    for flag, kind in _REPORT_INPUTS.items():
        if flag == "file":  # several after one flag: --file sample_data/*
            p.add_argument("--file", dest=flag, action="extend", nargs="+", default=[], type=Path, metavar="F",
                           help="any supported file(s) (kind detected from the header; files that are not reports, such as README.md, stop with an error)")
            continue
        p.add_argument(f"--{flag.replace('_', '-')}", dest=flag, action="append", default=[], type=Path, metavar="F", help=f"{flag.replace('_', ' ')} file")
    p.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: out)")
    p.add_argument("--settings", type=Path, help="TOML settings file ([analysis] table)")
    p.add_argument("--taxonomy", type=Path, help="TOML taxonomy overriding the default complaint rules")
    p.add_argument("--language", choices=["en", "zh"], help="language of the Root Cause section (default: the settings file's, else en)")
    p.add_argument("--action-date", help="corrective-action date YYYY-MM-DD for the before/after check")
    p.add_argument("--exclude-factor", action="append", default=[], metavar="FACTOR", help="leave a factor out of the analysis")
    p.add_argument("--marketplace", help="marketplace of seller-feedback files (US, DE, JP, UK ...)")
    p.add_argument("--findings-only", action="store_true", help="write findings.json only (no documents, charts or evidence pack)")
    p.add_argument("--corrections", type=Path, metavar="F", help="an analyst's corrections CSV (from the app's Review page): families set by hand")

    p = sub.add_parser("classify", help="add family, family_confidence and evidence to every complaint of a file")
    p.add_argument("file", type=Path)
    p.add_argument("--text-column", action="append", default=[], metavar="COL", help="column(s) holding the customer's words (several are read together)")
    p.add_argument("--out", type=Path, help="output CSV (default: beside FILE, its extension replaced by .classified.csv)")
    p.add_argument("--taxonomy", type=Path, help="TOML taxonomy overriding the default rules")
    p.add_argument("--corrections", type=Path, metavar="F", help="an analyst's corrections CSV (from the app's Review page): families set by hand")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from analysis.errors import WorkbenchError

    try:
        if args.command == "inspect":
            return _inspect(args)
        if args.command == "report":
            return _report(args)
        if args.command == "classify":
            return _classify(args)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # an output that cannot be written: --out naming a file, a folder that does not exist
        where = exc.filename if exc.filename is not None else ""
        print(f"error: cannot write {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 1


# ---------------------------------------------------------------- inspect
def _inspect(args) -> int:
    from analysis.errors import WorkbenchError
    from analysis.normalize import load_file

    marketplace = _marketplace(args.marketplace)
    results = []
    status = 0
    for path in args.files:
        try:
            f = load_file(path, marketplace=marketplace)
        except WorkbenchError as exc:
            results.append({"path": str(path), "error": str(exc)})
            status = 2
            continue
        start, end = f.date_range
        reasons = _reason_kinds(f.rejected["reason"])
        results.append(
            {
                "path": str(path),
                "kind": f.kind,
                "rows": f.rows,
                "rejected": int(len(f.rejected)),
                "rejected_reasons": {k: int(v) for k, v in reasons.items()},
                "rejected_lines": [{"line": int(r.line), "reason": r.reason} for r in f.rejected.head(20).itertuples()],
                "data_lines": f.data_lines,
                "date_min": None if start is None else start.strftime("%Y-%m-%d"),
                "date_max": None if end is None else end.strftime("%Y-%m-%d"),
                "encoding": f.encoding,
                "columns": dict(f.recognised),
                "ignored_columns": list(f.ignored),
                "notes": list(f.notes),
            }
        )
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return status
    for r in results:
        if "error" in r:
            print(f"error: {r['error']}", file=sys.stderr)
            continue
        dates = "no dates" if r["date_min"] is None else f"dates {r['date_min']} .. {r['date_max']}"
        print(f"{r['path']}: {r['kind']}, {r['rows']:,} rows, {r['rejected']:,} rejected of {r['data_lines']:,} data lines; {dates}; encoding {r['encoding']}")
        for reason, n in r["rejected_reasons"].items():
            print(f"  rejected {n:,}: {reason}")
        for line in r["rejected_lines"][:5]:
            print(f"    line {line['line']}: {line['reason']}")
        if r["rejected"] > 5:
            print(f"    ... and {r['rejected'] - 5:,} more (--json lists the first 20)")
        print("  columns: " + ", ".join(f"{k} -> {v}" for k, v in r["columns"].items()))
        if r["ignored_columns"]:
            print("  not used: " + ", ".join(r["ignored_columns"]))
        for note in r["notes"]:
            print(f"  note: {note}")
    return status


# ----------------------------------------------------------------- report
def _report(args) -> int:
    from analysis import schema as S
    from analysis.config import load_settings
    from analysis.dataset import load_files

    sources, kinds = [], {}
    for flag, kind in _REPORT_INPUTS.items():
        for path in getattr(args, flag):
            sources.append(path)
            if kind:
                kinds[path.name] = kind
    if not sources:
        print("error: no input files (give at least --returns F)", file=sys.stderr)
        return 2
    marketplace = _marketplace(args.marketplace)
    _check_out(args.out, [*sources, args.settings, args.taxonomy, args.corrections])
    overrides = {}
    if args.action_date:
        overrides["action_date"] = args.action_date
    if args.exclude_factor:  # (written as the documents write them: analysis.config reads "Cable-lot" as cable_lot)
        overrides["excluded_factors"] = tuple(args.exclude_factor)
    if args.language:  # (else the settings file's language, if it names one)
        overrides["language"] = args.language
    if args.taxonomy:
        overrides["taxonomy_path"] = str(args.taxonomy)
    settings = load_settings(args.settings, **overrides)
    corrections = _corrections(args.corrections, settings.taxonomy_path)  # a bad file stops before the long read
    _check_families(settings)
    # the statistics libraries load and the bundled rules compile while the files are parsed
    # (Arrow reads without holding the interpreter)
    warm = threading.Thread(target=_warm_up, args=(settings.taxonomy_path is None,), daemon=True)
    warm.start()
    dataset = load_files(sources, kinds=kinds, marketplace=marketplace, strict=True, on_file=_prepare_segmenters)
    warm.join()
    _check_flags(args, dataset)
    if not any(S.TABLE_OF_KIND.get(f.kind) == "complaints" for f in dataset.files):  # a lot master alone said "no shipment file"
        print("error: no complaints in these files: give returns, replacements, seller feedback or reviews (--returns F ...)", file=sys.stderr)
        return 2
    for f in dataset.files:
        _say_rejected(f)
    from analysis.pipeline import analyze

    result = analyze(dataset, settings, corrections=corrections)
    unknown = [f for f in settings.analysis.excluded_factors if f not in result.factors]
    if unknown:  # a misspelt factor was left in the analysis without a word
        print(f"error: --exclude-factor {', '.join(unknown)}: no such factor in these files (factors: {', '.join(result.factors)})", file=sys.stderr)
        return 2
    _warn_late_action_date(settings.analysis.action_date, result.findings.get("summary") or {})
    removed = _remove_previous_outputs(args.out)
    with _writing(args.out / "findings.json"):
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "findings.json").write_text(json.dumps(result.findings, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    written = {"findings.json": args.out / "findings.json"}
    if not args.findings_only:
        from analysis.pipeline import export_analysis

        with _writing(args.out):
            written.update(export_analysis(result, args.out, input_files=sources, settings=settings))
    if removed:
        print(f"removed {removed} file(s) an earlier report wrote to {args.out}")
    n = len(result.findings["findings"])
    print(f"{n} finding(s) from {len(dataset.files)} file(s); wrote " + ", ".join(sorted(str(Path(p).name) for p in written.values())) + f" to {args.out}")
    for f in result.findings["findings"]:
        print("  " + f.get("statement", f"{f['factor']} = {f['level']} ({f['family']})"))
    for note in result.findings.get("warnings", []):
        print(f"  note: {note}")
    return 0


def _marketplace(code: str | None) -> str | None:
    """``--marketplace`` in capitals; a code that names no Amazon marketplace is an error."""
    from analysis.errors import WorkbenchError
    from analysis.normalize import MARKETPLACES  # (another code was read as D/M/YY without a word)

    if code is None or code.strip().upper() in MARKETPLACES:
        return None if code is None else code.strip().upper()
    raise WorkbenchError(f"--marketplace {code}: not a marketplace code (known: {', '.join(MARKETPLACES)})")


def _check_out(out: Path, inputs) -> None:
    """Before the long read: ``--out`` must be a folder (or none yet), and not one where the run would
    overwrite (or remove as an earlier run's output) a file it reads."""
    from analysis.errors import WorkbenchError
    from analysis.export import previous_outputs

    if out.exists() and not out.is_dir():
        raise WorkbenchError(f"cannot write {out}: is a file, not a folder (--out names the output folder)")
    for path in previous_outputs(out):
        for given in inputs:
            if given is not None and given.is_file() and path.samefile(given):
                raise WorkbenchError(f"--out {out}: the report would overwrite its input {given}; choose another --out folder")


def _check_families(settings) -> None:
    """Families to analyse (setting ``families``) the complaint rules do not have: "too few complaints" said nothing of a misspelling."""
    if not settings.analysis.families:
        return
    from analysis.classify import load_taxonomy
    from analysis.errors import SettingsError

    taxonomy = load_taxonomy(overrides=settings.taxonomy_path) if settings.taxonomy_path else load_taxonomy()
    unknown = [f for f in settings.analysis.families if f not in taxonomy.families]
    if unknown:
        raise SettingsError(f"families: no complaint family {', '.join(unknown)} (families: {', '.join(taxonomy.families)})")


def _warn_late_action_date(action_date: str | None, summary) -> None:
    """A corrective-action date after the last date of the data has nothing since it to compare, and without shipments
    there is no comparison at all: say so on stderr (findings.json's ``before_after`` said only ``no_units_after``, or nothing)."""
    if action_date and not summary.get("shipped_end"):  # the before/after check reads rates per unit shipped
        print(f"warning: action date {action_date}: no shipment file, so no before/after comparison (give --shipments)", file=sys.stderr)
        return
    last = max(filter(None, (summary.get("period_end"), summary.get("shipped_end"))), default=None)
    if action_date and last and action_date > str(last):
        print(f"warning: action date {action_date} is after the last date in these files ({last}): "
              "nothing shipped or returned since it to compare with before", file=sys.stderr)


def _remove_previous_outputs(out: Path) -> int:
    """Remove the files an earlier report wrote to ``out`` (:func:`analysis.export.previous_outputs`), so none is taken
    for this run's (old charts beside new ones, an old root_cause.md beside a --findings-only findings.json)."""
    from analysis.export import previous_outputs

    old = previous_outputs(out)
    for path in old:
        with _writing(path):
            path.unlink()
    charts = out / "charts"
    if old and charts.is_dir() and not any(charts.iterdir()):
        charts.rmdir()
    return len(old)


@contextlib.contextmanager
def _writing(path: Path):
    """An error while writing ``path`` names it when the error names no file (a full disk: "No space left on device")."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        raise


def _check_flags(args, dataset) -> None:
    """A file given as one kind of report (``--returns``) that reads as another is an error: a shipment file given as
    returns gave "too few complaints" and no word of the mix-up."""
    from analysis.errors import ReportFormatError

    read_as = {f.name: f.kind for f in dataset.files}
    for flag, allowed in _FLAG_KINDS.items():
        for path in getattr(args, flag):
            kind = read_as.get(path.name)
            if kind is not None and kind not in allowed:
                other = {"lots": "lots", "reviews": "reviews"}.get(kind) or next((f for f, kinds in _FLAG_KINDS.items() if kinds[0] == kind), "file")
                raise ReportFormatError(path.name, f"given as --{flag.replace('_', '-')} but it is a {kind} report; "
                                                   f"give it as --{other.replace('_', '-')} (or --file, which takes any report)")


def _warm_up(default_rules: bool) -> None:
    """Import the analysis and compile the bundled classification rules (run in a thread during reading)."""
    importlib.import_module("analysis.pipeline")
    importlib.import_module("statsmodels.genmod.generalized_linear_model")  # the selection's GLM, else imported at the first fit
    if default_rules:
        from analysis.classify import classify_texts

        classify_texts(["warm-up"])  # compiles the bundled rules once for the process


def _prepare_segmenters(loaded) -> threading.Thread | None:
    """As soon as a file's complaints are read, prepare the Chinese / Japanese segmentation they need in a thread.

    The Chinese is segmented by a helper process (see
    :func:`analysis.text.prepare_segmenters`) while the later files (the
    shipment lines) are parsed, so the distinctive terms find it ready.
    """
    from analysis import schema as S
    from analysis.text import prepare_segmenters_soon

    columns = [c for c in (S.TITLE, S.TEXT) if c in loaded.table.columns]
    if not columns:
        return None
    return prepare_segmenters_soon(t for c in columns for t in loaded.table[c].dropna())  # walked in the thread, not here


# --------------------------------------------------------------- classify
def _without_values(reasons):
    """Rejection reasons without the values they quote: "rating 'abc' is not 1-5" -> "rating is not 1-5"."""
    return reasons.astype("str").str.replace(r" ?'[^']*'", "", regex=True)


def _reason_kinds(reasons):
    """How many rejected lines each kind of reason has (:func:`_without_values`), the commonest first."""
    return _without_values(reasons).value_counts()


def _say_rejected(loaded) -> None:
    """A file whose every data line was rejected stops the run with its commonest reason (European dates
    made a returns report 0 rows and a run of "0 findings"); a file with some rejected says how many and why."""
    from analysis.errors import ReportFormatError

    if not len(loaded.rejected):
        return
    reasons = loaded.rejected["reason"].astype("str")
    kinds = _reason_kinds(reasons)
    if loaded.rows == 0:
        first = loaded.rejected[(_without_values(reasons) == kinds.index[0]).to_numpy()].iloc[0]
        raise ReportFormatError(loaded.name, f"all {len(loaded.rejected):,} data lines rejected, e.g. line {int(first['line'])}: "
                                             f"{first['reason']} (python -m analysis inspect lists them)")
    said = "; ".join(f"{reason} ({n:,})" for reason, n in kinds.head(3).items())
    print(f"  note: {loaded.name}: {len(loaded.rejected):,} of {loaded.data_lines:,} data lines rejected: {said}"
          + ("; ..." if len(kinds) > 3 else "") + " (python -m analysis inspect lists them)")


def _classify(args) -> int:
    import pandas as pd

    from analysis import schema as S
    from analysis.classify import classify_complaints, load_taxonomy
    from analysis.errors import ReportFormatError, UnknownReportError
    from analysis.export.safety import redact_pii, write_csv_safe
    from analysis.io import read_raw
    from analysis.pii import contact_column
    from analysis.normalize import detect_kind, is_header, norm_header, normalize

    out_path = args.out or args.file.with_name(args.file.stem + ".classified.csv")
    if out_path.exists() and args.file.exists() and out_path.samefile(args.file):  # it wrote over the customers' data
        raise ReportFormatError(args.file.name, f"--out {args.out} is the input file; give another output file")
    # a title line above the header (an export tool's, or the seller's): the header is the row naming the columns
    named = {c: c for c in args.text_column}  # (is_header reads the headers a column map names: its values)
    raw = read_raw(args.file, is_header=lambda header: is_header(header, None, named or None))
    headers = [norm_header(h) for h in raw.header]
    for col in args.text_column:
        if norm_header(col) not in headers:
            raise ReportFormatError(raw.name, f"--text-column {col!r} not found (columns: {', '.join(raw.header)[:200]})")
    if raw.data_lines == 0:
        raise ReportFormatError(raw.name, "header only: no rows to classify")
    kind = None
    column_map = None
    # --text-column on one of Amazon's complaint reports (returns, replacements, feedback) names where its words
    # are; its codes, dispositions and ratings still count, and a row without words is still a complaint
    detected = detect_kind(raw.header)
    own_report = bool(args.text_column) and S.TABLE_OF_KIND.get(detected) == "complaints" and detected != S.REVIEWS
    if args.text_column and not own_report:
        kind = "reviews"
        column_map = {S.TEXT: args.text_column[-1]}
        if len(args.text_column) > 1:
            column_map[S.TITLE] = args.text_column[0]
    try:
        loaded = normalize(raw, kind=kind, column_map=column_map)
    except UnknownReportError as exc:
        if args.text_column:
            raise
        raise ReportFormatError(raw.name, exc.problem + "; for a file of your own, name its text column: --text-column COLUMN") from None
    _say_rejected(loaded)
    if S.TABLE_OF_KIND.get(loaded.kind) != "complaints":
        raise ReportFormatError(raw.name, f"a {loaded.kind} file holds no complaints to classify (give returns, replacements, "
                                          "seller feedback or reviews, or name a text column: --text-column COLUMN)")
    table = loaded.table

    def named_column(col: str) -> pd.Series:  # a named column's values by source line
        return raw.frame[f"c{headers.index(norm_header(col))}"].set_axis(raw.lines)

    if own_report:
        table = table.assign(**{S.TEXT: table[S.SOURCE_LINE].map(named_column(args.text_column[-1])).astype("str")})
        if len(args.text_column) > 1:
            table = table.assign(**{S.TITLE: table[S.SOURCE_LINE].map(named_column(args.text_column[0])).astype("str")})
    if args.text_column:  # "--text-column Rating" classified star counts as words, without a word of warning
        named = [S.TEXT] + ([S.TITLE] if len(args.text_column) > 1 else [])  # (one named column: a title may still be guessed)
        words = pd.concat([table[c] for c in named if c in table.columns], axis=1).fillna("").astype("str").agg(" ".join, axis=1)
        given = words[words.str.strip() != ""]  # (empty comments are no evidence either way: codes may decide)
        if len(given) and not given.str.contains(r"[^\W\d_]", regex=True).any():
            raise ReportFormatError(raw.name, f"--text-column {', '.join(args.text_column)} holds no words (numbers or dates only): "
                                              f"name the column with the buyers' words (columns: {', '.join(raw.header)[:200]})")
    if len(args.text_column) > 2:  # the middle columns are read together with title and body
        extra = pd.concat([named_column(c) for c in args.text_column[1:-1]], axis=1).fillna("").agg(" ".join, axis=1)
        table = table.assign(**{S.TITLE: (table[S.TITLE] + " " + table[S.SOURCE_LINE].map(extra).fillna("")).str.strip()})
    taxonomy = load_taxonomy(overrides=args.taxonomy) if args.taxonomy else None
    classified = classify_complaints(table, taxonomy=taxonomy)
    from analysis.corrections import apply_corrections

    classified, corrected = apply_corrections(classified, _corrections(args.corrections, args.taxonomy))
    # every input column as written, plus the three verdict columns
    original = raw.frame.copy()
    original.columns = _unique_headers(raw.header)
    original.insert(0, "line", raw.lines)
    original = original.set_index("line").loc[classified[S.SOURCE_LINE].to_numpy()].reset_index()
    for col in (S.FAMILY, S.FAMILY_CONFIDENCE, S.EVIDENCE):
        original[col] = classified[col].to_numpy()
    # buyer PII never leaves the tool: no contact column (feedback's sixth is the rater's e-mail whatever its
    # header says), and the buyers' words with their e-mails, phones, addresses and signed names replaced by tags
    headers_out = _unique_headers(raw.header)
    texts = {h for h, canonical in loaded.recognised.items() if canonical in (S.TEXT, S.TITLE)}
    wanted = {norm_header(c) for c in args.text_column}
    for i, header in enumerate(raw.header):
        if contact_column(header) or (loaded.kind == S.SELLER_FEEDBACK and i == 5):
            original = original.drop(columns=[headers_out[i]])
        elif header in texts or norm_header(header) in wanted or header not in loaded.recognised:
            # the buyers' words, and any column the tool does not know (a "Note" with a phone number, a "Contact" e-mail)
            original[headers_out[i]] = original[headers_out[i]].map(lambda v: v if pd.isna(v) else redact_pii(v)).astype(object)
    with _writing(out_path):
        write_csv_safe(original, out_path)
    counts = classified[S.FAMILY].value_counts()
    print(f"{args.file.name}: {len(classified):,} complaints classified ({len(loaded.rejected):,} rows rejected) -> {out_path}")
    for family, n in counts.items():
        print(f"  {family}: {n:,}")
    for note in loaded.notes:
        print(f"  note: {note}")
    if args.corrections:
        print(f"  corrections: {corrected['applied']:,} complaint(s) set by the analyst, {corrected['unmatched']:,} correction(s) matched nothing")
    return 0


def _corrections(path: Path | None, taxonomy_path):
    """The corrections file, checked against the families of the rules in use (None without one)."""
    if path is None:
        return None
    from analysis.classify import load_taxonomy
    from analysis.corrections import read_corrections

    taxonomy = load_taxonomy(overrides=taxonomy_path) if taxonomy_path else load_taxonomy()
    return read_corrections(path, families=taxonomy.families)


def _unique_headers(header) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in header:
        name = h or "column"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out
