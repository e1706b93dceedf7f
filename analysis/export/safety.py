"""What leaves the workbench is safe: no buyer PII, no spreadsheet formulas.

``redact_pii`` removes personal data buyers put in free text (e-mail
addresses, phone numbers, street addresses, signed names) and leaves the
identifiers a root-cause report needs (order ids, ASINs, SKUs, lot codes,
dates) intact.  It is deliberately conservative about names: only *signed*
names ("Thanks, John Smith", "- Mary", "John Smith here") are recognised,
because a free-text name detector would also eat product words.

``neutralize_formula`` / ``write_csv_safe`` follow the OWASP "CSV Injection"
advice: a text cell that starts with ``=``, ``+``, ``-``, ``@``, tab or
carriage return is prefixed with ``'`` so Excel / LibreOffice show it as text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from os import PathLike
from typing import Any, BinaryIO, TextIO

import pandas as pd

__all__ = [
    "REDACTION_TAGS",
    "EXCEL_CELL_LIMIT",
    "redact_pii",
    "redact_frame",
    "neutralize_formula",
    "neutralize_frame",
    "write_csv_safe",
    "clean_text",
]

REDACTION_TAGS = {"email": "[email]", "phone": "[phone]", "address": "[address]", "name": "[name]"}

#: Excel refuses more than 32,767 characters in a cell; longer text is cut.
EXCEL_CELL_LIMIT = 32_000

# ASCII-only word boundaries: CJK characters are \w in Python's re, and a
# phone number written straight after 电话 must still be found.
_NB = r"(?<![0-9A-Za-z])"  # not preceded by an ASCII letter/digit
_NA = r"(?![0-9A-Za-z])"

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])"
)

# ------------------------------------------------------------------ phones
_SEP = r"[ .\-\u00a0]"
_PHONES = [
    # international: +44 20 7946 0958, +1 (555) 123-4567, +86 138 1234 5678, +8613812345678
    re.compile(
        r"(?<![\w+])\+\d{1,3}(?:" + _SEP + r"?\(?\d{1,5}\)?){1,5}" + _NA
    ),
    # Chinese mobile: 13812345678, 138-1234-5678, 138 1234 5678 (optionally 86 / 0086 first)
    re.compile(_NB + r"(?<![\-/.])(?:(?:00)?86" + _SEP + r"?)?1[3-9]\d(?:" + _SEP + r"?\d{4}){2}" + _NA + r"(?![\-/.]\d)"),
    # US / NANP: (555) 123-4567, 555-123-4567, 555.123.4567, 1-555-123-4567, 5551234567
    re.compile(
        _NB + r"(?<![\-/.])(?:1" + _SEP + r"?)?(?:\(\d{3}\)\s?|\d{3}" + _SEP + r"?)\d{3}" + _SEP + r"?\d{4}"
        + _NA + r"(?![\-/.]\d)(?:\s*(?:x|ext\.?)\s*\d{1,5})?"
    ),
]


def _phone_sub(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    # An international number has 8..15 digits (E.164); shorter runs are
    # quantities or codes, not phones.
    if 8 <= digits <= 16:
        return REDACTION_TAGS["phone"]
    return match.group(0)


# --------------------------------------------------------------- addresses
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|"
    "NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR"
)
_SUFFIX_FULL = r"Street|Avenue|Road|Boulevard|Lane|Drive|Court|Place|Terrace|Parkway|Highway|Circle|Way"
_SUFFIX_ABBR = r"St|Ave|Av|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Pkwy|Hwy|Cir"
_UNIT_WORDS = r"Apt|Apartment|Unit|Suite|Ste|Room|Rm|Fl|Floor"
_UNIT = r"(?:(?i:" + _UNIT_WORDS + r")|#)\.?\s*#?\s*[0-9]+[A-Za-z]?" + _NA
# alone (without a street before it) only the unambiguous words: "Unit 2" is often a product unit
_UNIT_ALONE = r"(?<![A-Za-z])(?:Apt|Apartment|Suite|Ste)\.?\s*#?\s*[0-9]+[A-Za-z]?" + _NA
_CITY_STATE_ZIP = r"(?:[A-Z][a-zA-Z]+(?:\s[A-Z][a-zA-Z]+){0,2},?\s+)?(?:" + _US_STATES + r")\.?,?\s+\d{5}(?:-\d{4})?" + _NA
# number + (Capitalised or ordinal words) + suffix, then optional unit, city, "ST 12345"
_STREET_CAPS = (
    _NB + r"\d{1,6}[A-Za-z]?\s+(?:(?:[NSEW]\.?|North|South|East|West)\s+)?"
    r"(?:(?:[A-Z][A-Za-z'\-]*|\d{1,3}(?:st|nd|rd|th))\s+){1,4}"
    r"(?:(?i:" + _SUFFIX_FULL + r")|(?i:" + _SUFFIX_ABBR + r")\.?)" + _NA
)
# lower-case street names only with an unambiguous suffix: "123 main st", "12 oak street"
_STREET_LOWER = (
    _NB + r"\d{1,6}\s+(?:[a-z][a-z'\-]*\s+){1,3}"
    r"(?:street|avenue|boulevard|(?:st|ave|blvd|rd|ln|dr)\.?(?=\s*(?:,|$|\n|apt|unit|suite|#)))" + _NA
)
_ADDRESS_TAIL = (
    r"(?:,?\s*" + _UNIT + r")?"
    r"(?:,\s*[A-Z][a-zA-Z]+(?:\s[A-Z][a-zA-Z]+){0,2}(?=,|\s+(?:" + _US_STATES + r")\b))?"
    r"(?:,?\s+(?:" + _US_STATES + r")\.?,?\s+\d{5}(?:-\d{4})?" + _NA + r")?"
)
_ADDRESSES = [
    re.compile(r"(?:" + _STREET_CAPS + r"|" + _STREET_LOWER + r")" + _ADDRESS_TAIL, re.MULTILINE),
    re.compile(r"\b(?:P\.?\s?O\.?\s?Box|PO\s?Box)\s*\d+\b", re.IGNORECASE),
    re.compile(_UNIT_ALONE),
    re.compile(r"\b" + _CITY_STATE_ZIP),
]
# Chinese: [省][市][区/县] + road + number [+ building/room], or at least 市 + 区
_CJK = r"[\u4e00-\u9fff]"
# a place name does not start with these (住在北京市 -> keep 住在)
_CN_START = r"(?![在住于是到寄送发往我的从给]|地址)"
_CN_ADMIN = (
    _CN_START + r"(?:" + _CJK + r"{2,3}(?:省|自治区))?(?:" + _CJK + r"{2,3}市)?(?:" + _CJK + r"{1,4}(?:区|县))?"
    r"(?:" + _CJK + r"{1,6}(?:镇|乡|街道))?"
)
_CN_STREET = (
    _CJK + r"{1,8}(?:路|街|大道|巷|弄|胡同)\s*[0-9０-９一二三四五六七八九十百]+\s*号"
    r"(?:\s*[0-9０-９A-Za-z\-一二三四五六七八九十]+\s*(?:栋|幢|座|号楼|楼|单元|层|室|号))*"
)
_CN_ADDRESSES = [
    re.compile(_CN_ADMIN + _CN_STREET),
    re.compile(_CN_START + r"(?:" + _CJK + r"{2,3}(?:省|自治区))?" + _CJK + r"{2,3}市" + _CJK + r"{1,4}(?:区|县)"),
]

# ------------------------------------------------------------------ names
_NAME = r"(?:[A-Z]\.\s?)?[A-Z][a-z'\-]+(?:\s+(?:[A-Z]\.\s?)?[A-Z][a-z'\-]+){0,2}|[A-Z]\.\s?[A-Z][a-z'\-]+"
# Capitalised words that follow "Thanks," but are not names.
_NOT_NAMES = {
    "amazon", "seller", "team", "support", "everyone", "all", "again", "god", "you", "the", "this",
    "that", "it", "i", "we", "they", "but", "and", "so", "for", "not", "no", "yes", "please", "customer",
    "buyer", "service", "guys", "folks", "anyway", "though", "in", "advance", "everything", "nothing",
    "something", "item", "product", "order", "return", "refund", "hi", "hello", "very", "much", "sir",
    "madam", "regards", "thanks", "best", "cheers", "sincerely", "here", "there", "my", "your",
}
_SIGN_OFF = re.compile(
    r"(?P<lead>\b(?i:thanks|thank\s+you|many\s+thanks|regards|best\s+regards|kind\s+regards|warm\s+regards|"
    r"best|cheers|sincerely|yours\s+truly|respectfully|signed)(?:\s+(?i:so\s+much|again|in\s+advance))?"
    r"(?:\s*[,!.:;\-–—]+\s*|\s*\n\s*|\s+))(?P<name>" + _NAME + r")(?P<tail>\s*(?:$|\n|[.!,;)]))",
    re.MULTILINE,
)
_DASH_NAME = re.compile(
    r"(?P<lead>(?:^|(?<=\s))(?:--?|–|—|~)\s*)(?P<name>" + _NAME + r")(?P<tail>\s*$)",
    re.MULTILINE,
)
_HERE_NAME = re.compile(
    r"(?P<lead>(?:^|(?<=[.!?\n])\s*|(?i:\b(?:hi|hello|hey)\b,?\s+))(?:(?i:this\s+is)\s+)?)"
    r"(?P<name>" + _NAME + r")(?P<tail>\s+here\b)",
    re.MULTILINE,
)
_MY_NAME = re.compile(r"(?P<lead>\b(?i:my\s+name\s+is|this\s+is)\s+)(?P<name>" + _NAME + r")(?P<tail>)")


def _name_sub(match: re.Match[str]) -> str:
    name = match.group("name")
    words = [w.strip(".").lower() for w in name.split()]
    if not words or any(w in _NOT_NAMES for w in words):
        return match.group(0)
    return match.group("lead") + REDACTION_TAGS["name"] + match.group("tail")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean_text(text: Any) -> str:
    """Return ``text`` as a str without control characters XML/Word reject.

    Tab, newline and carriage return are kept; NUL and the other C0 controls
    (which make python-docx raise and confuse terminals) are removed.
    """
    if text is None:
        return ""
    try:
        if pd.isna(text):
            return ""
    except (TypeError, ValueError):
        pass
    return _CONTROL.sub("", str(text))


def redact_pii(text: Any) -> str:
    """Replace buyer personal data in free text by tags.

    Parameters
    ----------
    text : str
        A comment, review or feedback text (``None`` / NA gives ``""``).

    Returns
    -------
    str
        The text with e-mail addresses -> ``[email]``, phone numbers ->
        ``[phone]``, street addresses (US style with unit, city, state + ZIP;
        Chinese 省/市/区/路/号) -> ``[address]`` and signed names ->
        ``[name]``.  Order ids (``112-4829301-5573024``), ASINs, SKUs, lot
        codes and dates are left as they are.

    Notes
    -----
    Rules are regular expressions, applied in the order e-mail, address,
    phone, name (an address's ZIP must not be read as a phone; an e-mail's
    local part must not be read as a name).  Names are found only where they
    are signed, so an unsigned name in the middle of a sentence is missed.
    """
    out = clean_text(text)
    if not out:
        return out
    out = _EMAIL.sub(REDACTION_TAGS["email"], out)
    for pattern in _ADDRESSES + _CN_ADDRESSES:
        out = pattern.sub(REDACTION_TAGS["address"], out)
    for pattern in _PHONES:
        out = pattern.sub(_phone_sub, out)
    for pattern in (_SIGN_OFF, _DASH_NAME, _HERE_NAME, _MY_NAME):
        out = pattern.sub(_name_sub, out)
    # "[address], [address]" from the separate unit / city rules reads as one address
    out = re.sub(r"\[address\](?:[,\s]*\[address\])+", REDACTION_TAGS["address"], out)
    return out


def redact_frame(df: pd.DataFrame, text_cols: Iterable[str]) -> pd.DataFrame:
    """Return a copy of ``df`` with :func:`redact_pii` applied to ``text_cols``.

    Missing values stay missing; columns not in ``df`` are ignored.
    """
    out = df.copy()
    for col in text_cols:
        if col in out.columns:
            out[col] = out[col].map(lambda v: v if _is_na(v) else redact_pii(v)).astype(object)
    return out


def _is_na(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# ----------------------------------------------------------------- formulas
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|\.\d+)(?:[eE][+-]?\d+)?%?")


def neutralize_formula(value: Any) -> Any:
    """Make one cell safe to open in a spreadsheet (OWASP CSV-injection advice).

    Parameters
    ----------
    value : Any
        A cell value.

    Returns
    -------
    Any
        Non-strings unchanged (a float ``-3.0`` stays a number).  A string
        whose first non-space character is ``=``, ``+``, ``-``, ``@``
        (or their full-width forms), or which starts with tab / CR / LF,
        gets a leading ``'``; the text itself is kept.  A string that is
        only a number (``"-5"``, ``"+1.5"``) is left alone: it cannot run.
    """
    if not isinstance(value, str) or not value:
        return value
    head = value.lstrip(" ")
    if value[0] in "\t\r\n" or (head and head[0] in _FORMULA_START):
        if _PLAIN_NUMBER.fullmatch(value.strip()):
            return value
        return "'" + value
    return value


def restore_formula(value: Any) -> Any:
    """Undo :func:`neutralize_formula` on a cell read back from a file this tool wrote
    (``"'=x"`` -> ``"=x"``, ``"'+EAR-01"`` -> ``"+EAR-01"``); anything else unchanged."""
    if isinstance(value, str) and value.startswith("'") and neutralize_formula(value[1:]) == value:
        return value[1:]
    return value


def neutralize_frame(df: pd.DataFrame, *, cell_limit: int | None = EXCEL_CELL_LIMIT) -> pd.DataFrame:
    """Return a copy where every string cell and column name is neutralised.

    Cells longer than ``cell_limit`` characters are cut (with ``…``) so that
    Excel does not split or reject them.
    """
    out = df.copy()
    out.columns = [neutralize_formula(str(c)) for c in out.columns]
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_datetime64_any_dtype(series):
            continue

        def _cell(v: Any) -> Any:
            if isinstance(v, str):
                v = clean_text(v)
                if cell_limit and len(v) > cell_limit:
                    v = v[: cell_limit - 1] + "…"
            return neutralize_formula(v)

        out[col] = series.astype(object).map(_cell)
    return out


def write_csv_safe(
    df: pd.DataFrame,
    path_or_buffer: str | PathLike[str] | TextIO | BinaryIO,
) -> None:
    """Write ``df`` as CSV that Excel opens safely and reads Chinese correctly.

    UTF-8 with a byte-order mark, every string cell passed through
    :func:`neutralize_formula`, no index, ISO dates.  ``path_or_buffer`` is a
    path, a text buffer (the BOM is written as ``\\ufeff``) or a binary buffer.
    """
    safe = neutralize_frame(df)
    text = safe.to_csv(index=False, lineterminator="\r\n", date_format="%Y-%m-%d %H:%M:%S")
    if isinstance(path_or_buffer, (str, PathLike)):
        with open(path_or_buffer, "w", encoding="utf-8-sig", newline="") as fh:
            fh.write(text)
    elif isinstance(path_or_buffer, io.TextIOBase):
        path_or_buffer.write("\ufeff" + text)
    else:
        path_or_buffer.write(text.encode("utf-8-sig"))  # type: ignore[arg-type]


def csv_bytes(df: pd.DataFrame) -> bytes:
    """:func:`write_csv_safe` into bytes (for zip members and downloads)."""
    buf = io.BytesIO()
    write_csv_safe(df, buf)
    return buf.getvalue()
