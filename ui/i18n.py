"""UI strings by key from ``locales/<lang>.toml``: ``t("data.title")``.

The locale files are read once per process (they are the same for every visitor);
the language itself is a per-session choice in ``st.session_state["language"]``.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import streamlit as st

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locales"
LANGUAGES = ("zh", "en")
LANGUAGE_NAMES = MappingProxyType({"zh": "中文", "en": "English"})
DEFAULT_LANGUAGE = "zh"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = str(value)
    return out


@lru_cache(maxsize=None)
def strings(language: str) -> Mapping[str, str]:
    """Every string of one language as a read-only ``{dotted.key: text}`` mapping.

    The charts' words (``chart.*``) are the documents' (:func:`analysis.figures.chart_words`):
    one source, so a chart reads the same on screen and in the exported POA.
    """
    from analysis.figures import chart_words

    with open(LOCALE_DIR / f"{language}.toml", "rb") as fh:
        table = tomllib.load(fh)
    table["chart"] = dict(chart_words(language))
    return MappingProxyType(_flatten(table))


def current_language() -> str:
    lang = st.session_state.get("language", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, default: str | None = None, /, **fmt: Any) -> str:
    """The string ``key`` in the session's language, formatted with ``fmt``.

    A missing key falls back to English, then to ``default``, then to the key itself
    (so a missing translation shows, rather than crashing a page).
    """
    lang = current_language()
    text = strings(lang).get(key)
    if text is None:
        text = strings("en").get(key, default if default is not None else key)
    return text.format(**fmt) if fmt else text


def has(key: str) -> bool:
    return key in strings(current_language())


def family_name(family: str) -> str:
    """Translated name of a complaint family id (``product_defect`` -> 产品缺陷), from the same source as the documents."""
    from analysis.figures import family_names as names

    return names(current_language()).get(family, str(family).replace("_", " "))


def factor_name(factor: str) -> str:
    """Translated name of a factor; lot-master columns we do not know keep their own name (same source as the documents)."""
    from analysis.figures import factor_name as name

    return name(factor, current_language())


def kind_name(kind: str) -> str:
    return t(f"kinds.{kind}", str(kind))


def evidence_text(evidence: Any) -> str:
    """The classifier's evidence (analysis.classify, analysis.corrections) in the session's language.

    Only our own words are translated (the ``EVIDENCE_*`` wording those modules
    write: "terms:", "text model:", "reason", "no specific signal", "analyst: ... rules said
    ..."); codes, the buyers' terms and an analyst's note stay as written.
    Unknown wording is returned unchanged.
    """
    from analysis import classify as K
    from analysis import corrections as C

    if evidence is None or (isinstance(evidence, float) and evidence != evidence):
        return ""
    text = str(evidence)
    if not text:
        return text
    if text.startswith(C.EVIDENCE_ANALYST) and C.EVIDENCE_RULES_SAID in text:  # family ids read as names, English too
        head, _, rules = text[len(C.EVIDENCE_ANALYST):].partition(C.EVIDENCE_RULES_SAID)
        family, _, note = head.partition(" (")
        old, _, old_evidence = rules.partition(" (")
        return t("evidence.analyst", family=family_name(family), note=f" ({note}" if note else "",
                 old=family_name(old), evidence=evidence_text(old_evidence[:-1]) if old_evidence.endswith(")") else old_evidence)
    if current_language() == "en":
        return text
    return t("evidence.separator").join(_evidence_part(part) for part in text.split(K.EVIDENCE_SEP))


def _evidence_part(part: str) -> str:
    from analysis import classify as K

    fixed = {text: key for key, text in K.EVIDENCE_FIXED.items()}
    if part in fixed:
        return t(f"evidence.{fixed[part]}")
    if part.startswith(K.EVIDENCE_TERMS):
        return t("evidence.terms", terms=part[len(K.EVIDENCE_TERMS):])
    if part.startswith(K.EVIDENCE_MODEL.rstrip(": ")):
        return t("evidence.text_model", terms=part[len(K.EVIDENCE_MODEL):]).rstrip("：: ")
    if part.startswith(K.EVIDENCE_TEXT_OVERRIDES):
        return t("evidence.text_overrides", code=part[len(K.EVIDENCE_TEXT_OVERRIDES):])
    codes = ((K.EVIDENCE_REPLACEMENT, "evidence.replacement_code"), (K.EVIDENCE_REASON, "evidence.reason"), (K.EVIDENCE_DISPOSITION, "evidence.disposition"))
    pieces = []
    for piece in part.split(K.EVIDENCE_CODE_SEP):
        prefix, key = next(((prefix, key) for prefix, key in codes if piece.startswith(prefix)), (None, None))
        if key is None:
            return part
        piece, note = (piece[:-1].split(" (", 1) + [""])[:2] if piece.endswith(")") and " (" in piece else (piece, "")
        # a combination's note (taxonomy [[combinations]] note): the bundled ones are translated, a user's stays as written
        pieces.append(t(key, code=piece[len(prefix):]) + (t("evidence.note", note=t(f"evidence.notes.{note}", note)) if note else ""))
    return " + ".join(pieces)


def _translated_by(text: str, patterns: Iterable[tuple[str, str]]) -> str | None:
    """``text`` in the reader's language by the first of ``patterns`` (regular expression, locale key) that
    matches it whole, its named groups the key's placeholders (a ``field`` or ``kind`` named too); None if none does."""
    import re

    for pattern, key in patterns:
        match = re.fullmatch(pattern, text, flags=re.DOTALL)
        if match:
            params = match.groupdict()
            if "field" in params:
                params["field"] = factor_name(params["field"])
            if "kind" in params:
                params["kind"] = kind_name(params["kind"])
            return t(key, **params)
    return None


def _translated_parts(text: Any, patterns: Iterable[tuple[str, str]]) -> str:
    """A "; "-joined list of notes, each in the reader's language (a note of another wording stays as written)."""
    if not isinstance(text, str) or not text:
        return ""
    if current_language() == "en":
        return text
    return t("statnotes.separator").join(_translated_by(part, patterns) or part for part in text.split("; "))


@lru_cache(maxsize=1)
def _stat_note_patterns() -> tuple[tuple[str, str], ...]:
    import re

    from analysis import stats

    return tuple((re.escape(note).replace(r"\{min_expected:g\}", r"(?P<n>[\d.e+-]+)"), f"statnotes.{code}") for code, note in stats.NOTES.items())


def stat_note(text: Any) -> str:
    """A comparison's ``note`` (:data:`analysis.stats.NOTES`, several joined by "; ") in the reader's language."""
    return _translated_parts(text, _stat_note_patterns())


#: the reasons analysis.io and analysis.normalize give a rejected line (English, with the value quoted), by locale key
_REJECT_REASONS = (
    (r"unparseable date '(?P<value>.*)'", "rejects.bad_date"),
    (r"missing date", "rejects.no_date"),
    (r"non-numeric quantity '(?P<value>.*)'", "rejects.bad_quantity"),
    (r"missing quantity", "rejects.no_quantity"),
    (r"negative quantity '(?P<value>.*)'", "rejects.negative_quantity"),
    (r"rating '(?P<value>.*)' is not 1-5", "rejects.bad_rating"),
    (r"empty review \(no text, title or rating\)", "rejects.empty_review"),
    (r"no SKU / FNSKU / shipment id to link the lot", "rejects.no_lot_key"),
    (r"no product identifier \((?P<value>.*)\)", "rejects.no_product"),
    (r"too few fields \((?P<n>\d+) of (?P<m>\d+)\)", "rejects.too_few"),
    (r"too many fields \((?P<n>\d+) of (?P<m>\d+)\)", "rejects.too_many"),
    (r"unparseable (?P<field>[a-z_]+) '(?P<value>.*)'", "rejects.bad_value"),
    (r"missing (?P<field>[a-z_]+)", "rejects.missing"),
)


def reject_reason(text: Any) -> str:
    """Why a line was rejected, in the reader's language (the value quoted stays as written)."""
    if not isinstance(text, str) or current_language() == "en":
        return "" if text is None else str(text)
    return _translated_by(text, _REJECT_REASONS) or text


#: the problems a file can have (analysis.io, analysis.normalize, analysis.corrections), by locale key; the file's
#: name, a header or a column named in them stay as written
_FILE_PROBLEMS = (
    (r"not a recognised Amazon report or lot master \((?P<detail>.*)\)", "problems.not_recognised"),
    (r"not a report: a single line with no data \((?P<detail>.*)\)", "problems.one_line"),
    (r"empty file.*", "problems.empty"),
    (r"binary (?:file|or unreadable content), not a text report", "problems.binary"),
    (r"header only: .*", "problems.header_only"),
    (r"old Excel \.xls .*", "problems.old_xls"),
    (r"the workbook has no data", "problems.no_data"),
    (r"file too large \((?P<size>.*?); the limit is (?P<limit>.*)\)", "problems.too_large"),
    (r"looks like (?P<kind>\w+) but the column\(s\) (?P<columns>.*) are missing", "problems.columns_missing"),
    (r"lot master: no lot / batch / 批次 column found", "problems.no_lot_column"),
    (r"lot master: no SKU / FNSKU / inbound shipment column to link lots to sales", "problems.no_lot_key"),
    (r"seller feedback must have 6 columns .*; found (?P<n>\d+)", "problems.feedback_columns"),
    (r"not a corrections file: column\(s\) (?P<columns>.*) missing", "problems.not_corrections"),
    (r"not valid TOML \((?P<detail>.*)\)", "problems.not_toml"),
    # the taxonomy's rules (analysis.classify) and its text model (analysis.textmodel)
    (r"no \[families\] table", "problems.tax_no_families"),
    (r"taxonomy file not found", "problems.tax_not_found"),
    (r"(?P<where>.+?) names unknown family (?P<family>.*)", "problems.tax_unknown_family"),
    (r"(?P<where>\S+) must be \[family, weight\] with a known family, got (?P<value>.*)", "problems.tax_code_weight"),
    (r"(?P<where>\S+) must be a list of words", "problems.tax_words"),
    (r"(?P<where>\S+) must be a list of regular expressions", "problems.tax_patterns"),
    (r"(?P<where>\S+): bad regular expression (?P<pattern>.*?): (?P<detail>[^:']*)", "problems.tax_bad_regex"),
    (r"(?P<where>\S+): (?P<pattern>.*) names or refers back to a group; .*", "problems.tax_group_reference"),
    (r"(?P<where>\S+): (?P<pattern>.*) names a group; .*", "problems.tax_group"),
    (r"(?P<where>\S+): use strong, any or weak", "problems.tax_tier"),
    (r"(?P<where>\S+) must be a table of strong, any and weak lists", "problems.tax_tiers_table"),
    (r"\[(?P<where>text_model(?:\.\w+)?)\] must be a table", "problems.tax_model_table"),
    (r"\[(?P<where>text_model\.\w+)\] must name its own model file \(file = \.\.\.\)", "problems.tax_model_own_file"),
    (r"\[(?P<where>text_model\.\w+\.\w+)\] is a table inside a model's table \(one level only\)", "problems.tax_model_nested"),
    (r"(?P<where>text_model(?:\.\w+)?)\.enabled must be true or false", "problems.tax_model_enabled"),
    (r"(?P<where>text_model(?:\.\w+)?\.\w+) must be a number from (?P<low>\d+) to (?P<high>\d+), got (?P<value>.*)",
     "problems.tax_model_number"),
    (r"(?P<where>text_model(?:\.\w+)?\.\w+) must be a list of known families, got (?P<value>.*)", "problems.tax_model_families"),
    (r"(?P<where>text_model(?:\.\w+)?)\.file must be a file name", "problems.tax_model_file"),
    (r"not a model file \((?P<detail>.*)\)", "problems.model_not_model"),
    (r"its arrays do not match its terms and classes", "problems.model_arrays"),
    (r"no file (?P<path>.*)", "problems.model_no_file"),
    (r"cannot read (?P<path>.*?) \((?P<detail>.*)\)", "problems.model_cannot_read"),
)

#: what names the thing with the problem where it is not a file (the file's name stays as written)
_PROBLEM_SOURCES = {"taxonomy": "problems.source_taxonomy", "text model": "problems.source_text_model"}


def error_text(message: Any) -> str:
    """A one-line error ("returns.txt: empty file (0 bytes)") in the reader's language: the file's problem
    translated where it is one of those above, the file's name and any header quoted as written."""
    text = str(message)
    if current_language() == "en":
        return text
    name, sep, problem = text.partition(": ")
    said = _translated_by(problem, _FILE_PROBLEMS) if sep else None
    if said is not None:
        return f"{t(_PROBLEM_SOURCES[name]) if name in _PROBLEM_SOURCES else name}{t('problems.sep')}{said}"
    return _translated_by(text, _FILE_PROBLEMS) or text


#: what the reader noted of a file (analysis.io, analysis.normalize), by locale key
_FILE_NOTES = (
    (r"feedback dates read as (?P<fmt>.+)", "file_notes.feedback_dates"),
    (r"review dates read as (?P<fmt>.+)", "file_notes.review_dates"),
    (r"read sheet '(?P<sheet>.*)' \((?P<i>\d+) of (?P<n>\d+)\), the other sheets are not read", "file_notes.sheet"),
    (r"header found on (?:row|line) (?P<at>\d+) of sheet '(?P<sheet>.*)': (?:rows?|lines?) (?P<above>[\d-]+) above it not read \(\"(?P<text>.*)\"\)",
     "file_notes.header_below_sheet"),
    (r"header found on (?:row|line) (?P<at>\d+): (?:rows?|lines?) (?P<above>[\d-]+) above it not read \(\"(?P<text>.*)\"\)", "file_notes.header_below"),
    (r"carriage returns inside fields were read as spaces", "file_notes.carriage_returns"),
    (r"legacy Inventory Adjustments report: .*", "file_notes.legacy_adjustments"),
    (r"empty lines skipped \((?P<n>[\d,]+)\): (?P<lines>[\d, …]+)", "file_notes.empty_lines"),
    (r"empty rows skipped \((?P<n>[\d,]+)\): (?P<lines>[\d, …]+)", "file_notes.empty_rows"),
    (r"(?P<field>[a-z_]+) read as (?P<fmt>.+)", "file_notes.field_dates"),
)


def file_notes(text: Any) -> str:
    """A file's notes ("; "-joined) in the reader's language; a note of another wording stays as written."""
    return _translated_parts(text, _FILE_NOTES)
