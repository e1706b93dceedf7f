"""What leaves the workbench is safe: no buyer PII, no spreadsheet formulas.

``redact_pii`` (:mod:`analysis.pii`) removes personal data buyers put in free
text (e-mail addresses, phone numbers, street addresses, signed names) and
leaves the identifiers a root-cause report needs (order ids, ASINs, SKUs, lot
codes, dates) intact.

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

from analysis.pii import REDACTION_TAGS, clean_text, redact_pii  # re-exported: what leaves the workbench goes through here

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

#: Excel refuses more than 32,767 characters in a cell; longer text is cut.
EXCEL_CELL_LIMIT = 32_000


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
