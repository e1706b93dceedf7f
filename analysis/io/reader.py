"""Open a file the user gave us and split it into a header and string fields.

This is the only code that opens report files.  It accounts for every physical
line: each data line ends up either as a row of :attr:`RawTable.frame` or in
:attr:`RawTable.rejected` with its reason.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import ReportFormatError
from analysis.io.encoding import decode, detect_encoding

#: largest file accepted as given (compressed or not)
MAX_INPUT_BYTES = 1 << 30
#: largest size a compressed file may unpack to
MAX_UNPACKED_BYTES = 2 << 30
#: largest unpacked/packed ratio accepted once the unpacked size passes 64 MiB
MAX_RATIO = 200
#: largest number of cells read from one XLSX sheet
MAX_XLSX_CELLS = 60_000_000

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass(frozen=True)
class RawTable:
    """A file split into fields, every data line accounted for.

    Attributes
    ----------
    name : file name as the user gave it
    header : the header row's fields, as written
    frame : one column per header field (``c0``, ``c1`` ...), all strings ("" for empty)
    lines : physical line (or sheet row) number of each row of ``frame``
    rejected : DataFrame ``line, reason, raw`` of the data lines that could not be split
    data_lines : number of non-blank lines after the header (``len(frame) + len(rejected)``)
    """

    name: str
    header: tuple[str, ...]
    frame: pd.DataFrame
    lines: np.ndarray
    rejected: pd.DataFrame
    data_lines: int
    encoding: str
    delimiter: str
    compression: str | None
    sha256: str
    size_bytes: int
    notes: tuple[str, ...] = field(default=())


def _rejected_frame(items: list[tuple[int, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(items, columns=["line", "reason", "raw"])
    return frame.astype({"line": "int64", "reason": "str", "raw": "str"})


# ------------------------------------------------------------------ sources
def _source_bytes(source: Any, name: str | None) -> tuple[str, bytes]:
    """Return (display name, bytes) for a path, bytes, (name, bytes) or an uploaded file."""
    if isinstance(source, tuple) and len(source) == 2:
        name, source = source
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        display = name or path.name
        if not path.exists():
            raise ReportFormatError(display, "file not found")
        if path.is_dir():
            raise ReportFormatError(display, "is a folder, not a file")
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise ReportFormatError(display, f"file too large ({size / 2**20:.0f} MB; the limit is {MAX_INPUT_BYTES >> 20} MB)")
        return display, path.read_bytes()
    if isinstance(source, (bytes, bytearray, memoryview)):
        return name or "upload", bytes(source)
    if hasattr(source, "getvalue"):  # streamlit UploadedFile, BytesIO
        return name or getattr(source, "name", "upload"), bytes(source.getvalue())
    if hasattr(source, "read"):
        return name or getattr(source, "name", "upload"), source.read()
    raise TypeError(f"cannot read {type(source).__name__}")


def _gunzip(name: str, data: bytes) -> bytes:
    """Decompress gzip in chunks, refusing decompression bombs before they fill memory."""
    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    view = memoryview(data)
    step = 1 << 20
    try:
        for start in range(0, len(view), step):
            chunk = view[start : start + step]
            while chunk:
                out += decomp.decompress(chunk, 1 << 24)
                chunk = decomp.unconsumed_tail
                _check_unpacked(name, len(out), len(data))
            if decomp.eof and decomp.unused_data:
                # concatenated gzip members: continue with a fresh decompressor
                rest = decomp.unused_data + bytes(view[start + step :])
                return bytes(out) + _gunzip(name, rest)
        out += decomp.flush()
    except zlib.error as exc:
        raise ReportFormatError(name, f"damaged gzip file ({exc})") from None
    _check_unpacked(name, len(out), len(data))
    return bytes(out)


def _check_unpacked(name: str, unpacked: int, packed: int) -> None:
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > 64 << 20 and unpacked > MAX_RATIO * max(packed, 1)):
        raise ReportFormatError(
            name,
            f"refused: the compressed file unpacks to more than {unpacked >> 20} MB from {max(packed, 1) >> 10} KB "
            "(a decompression bomb, or far larger than any report)",
        )


# ------------------------------------------------------------- entry point
def read_raw(source: Any, name: str | None = None) -> RawTable:
    """Read a report file (TSV, CSV, XLSX, optionally gzip-compressed) into string fields.

    Parameters
    ----------
    source
        A path, raw bytes, a ``(name, bytes)`` pair or an uploaded-file object
        (anything with ``getvalue()`` or ``read()`` and a ``name``).
    name
        Name to show in messages; defaults to the file name.

    Returns
    -------
    RawTable

    Raises
    ------
    ReportFormatError
        The file is empty, binary, damaged, a decompression bomb, or has no header.

    Notes
    -----
    Tab-separated files are read as Amazon writes them: **never quoted**, so a
    stray ``"`` in a comment is an ordinary character (pandas' default CSV
    quoting would merge lines).  Comma/semicolon files follow RFC 4180 quoting.
    """
    display, data = _source_bytes(source, name)
    digest = hashlib.sha256(data).hexdigest()
    size = len(data)
    if size == 0:
        raise ReportFormatError(display, "empty file (0 bytes)")
    compression = None
    if data[:2] == _GZIP_MAGIC:
        data = _gunzip(display, data)
        compression = "gzip"
        if not data:
            raise ReportFormatError(display, "empty file (the gzip archive holds nothing)")
    if data[:4] == _ZIP_MAGIC:
        return _read_xlsx(display, data, digest, size, compression)
    if data[:4] == _OLE_MAGIC:
        raise ReportFormatError(display, "old Excel .xls (or another binary Office file) is not supported: save it as .xlsx or CSV")
    encoding = detect_encoding(data)
    head = data[:8192]
    if encoding != "utf-16" and b"\x00" in head:
        raise ReportFormatError(display, "binary file, not a text report")
    notes: list[str] = []
    if encoding == "utf-16":
        text = data.decode("utf-16")
        data = text.encode("utf-8")
        encoding_label = "utf-16"
    elif encoding == "utf-8-sig":
        encoding_label = "utf-8-sig" if data[:3] == b"\xef\xbb\xbf" else "utf-8"
        if data[:3] == b"\xef\xbb\xbf":
            data = data[3:]
    else:
        encoding_label = encoding
        data = decode(data, encoding).encode("utf-8")
    if not data.strip():
        raise ReportFormatError(display, "empty file (no text)")
    first_nl = data.find(b"\n")
    header_bytes = data if first_nl < 0 else data[:first_nl]
    header_text = header_bytes.decode("utf-8").rstrip("\r")
    if _looks_binary(header_text):
        raise ReportFormatError(display, "binary or unreadable content, not a text report")
    delimiter = _sniff_delimiter(header_text)
    if delimiter == "\t":
        return _read_tsv(display, data, delimiter, encoding_label, compression, digest, size, notes)
    return _read_quoted(display, data.decode("utf-8"), delimiter, encoding_label, compression, digest, size, notes)


def _looks_binary(text: str) -> bool:
    if not text.strip():
        return False
    controls = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\ufffd")
    return controls > max(2, len(text) // 20)


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in ("\t", ",", ";")}
    if counts["\t"] > 0:
        return "\t"
    if counts[","] == 0 and counts[";"] == 0:
        return "\t"
    return "," if counts[","] >= counts[";"] else ";"


# --------------------------------------------------------------------- TSV
_LONE_CR = re.compile(rb"\r(?!\n)")


def _read_tsv(name, data, delimiter, encoding, compression, digest, size, notes) -> RawTable:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if data.count(b"\r") != data.count(b"\r\n"):
        # a lone CR inside a comment would end the line for the parser; Amazon ends lines with LF
        data = _LONE_CR.sub(b" ", data)
        notes.append("carriage returns inside fields were read as spaces")
    first_nl = data.find(b"\n")
    header = tuple(h.strip() for h in data[: first_nl if first_nl >= 0 else len(data)].decode("utf-8").rstrip("\r").split(delimiter))
    ncol = len(header)
    body = b"" if first_nl < 0 else data[first_nl + 1 :]
    names = [f"c{i}" for i in range(ncol)]
    blank_ordinal_lines = _blank_lines(body)  # physical line numbers (file-based) of blank lines
    total_lines = body.count(b"\n") + (0 if (not body or body.endswith(b"\n")) else 1)
    data_lines = total_lines - len(blank_ordinal_lines)
    if data_lines <= 0:
        frame = pd.DataFrame({n: pd.Series([], dtype="str") for n in names})
        return RawTable(name, header, frame, np.zeros(0, dtype=np.int64), _rejected_frame([]), 0, encoding, delimiter, compression, digest, size, tuple(notes))

    invalid: list[tuple[int | None, str, int]] = []

    def handler(row):
        invalid.append((row.number, row.text, row.actual_columns))
        return "skip"

    def parse(use_threads: bool):
        invalid.clear()
        return pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=use_threads, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False, double_quote=False, escape_char=False, newlines_in_values=False, ignore_empty_lines=True, invalid_row_handler=handler),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False),
        )

    table = parse(True)
    if invalid and any(number is None for number, _, _ in invalid):
        table = parse(False)  # the threaded parser does not report line numbers
    # ordinal among non-blank body lines (1-based) -> physical file line
    nonblank = _nonblank_physical_lines(total_lines, blank_ordinal_lines)
    keep = np.ones(len(nonblank), dtype=bool)
    rejected = []
    for number, text, actual in invalid:  # pyarrow numbers the non-blank body lines from 1
        ordinal = int(number)
        keep[ordinal - 1] = False
        reason = f"too few fields ({actual} of {ncol})" if actual < ncol else f"too many fields ({actual} of {ncol})"
        rejected.append((int(nonblank[ordinal - 1]), reason, text))
    lines = nonblank[keep]
    frame = table.to_pandas().astype("str")
    if len(lines) != len(frame):  # should never happen; refuse rather than misnumber rows
        raise ReportFormatError(name, f"internal line accounting failed ({len(lines)} lines for {len(frame)} rows)")
    return RawTable(name, header, frame, lines, _rejected_frame(rejected), data_lines, encoding, delimiter, compression, digest, size, tuple(notes))


def _blank_lines(body: bytes) -> np.ndarray:
    """Physical file line numbers (the header is line 1) of the empty lines of ``body``."""
    starts = [m.start() for m in _BLANK.finditer(body)]
    if not starts:
        return np.zeros(0, dtype=np.int64)
    newlines = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10)
    index = np.searchsorted(newlines, np.asarray(starts, dtype=np.int64), side="left")
    return np.unique(index + 2)


_BLANK = re.compile(rb"(?:^|(?<=\n))\r?(?=\n)")


def _nonblank_physical_lines(total_lines: int, blank: np.ndarray) -> np.ndarray:
    all_lines = np.arange(2, total_lines + 2, dtype=np.int64)
    if len(blank) == 0:
        return all_lines
    return np.setdiff1d(all_lines, blank, assume_unique=True)


# ------------------------------------------------------------- quoted CSV
def _read_quoted(name, text, delimiter, encoding, compression, digest, size, notes) -> RawTable:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    header: tuple[str, ...] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    rejected: list[tuple[int, str, str]] = []
    data_lines = 0
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not record or all(not f.strip() for f in record):
                if header is not None and record and len(record) > 1:
                    pass  # a row of empty cells (Excel): blank
                continue
            if header is None:
                header = tuple(f.strip() for f in record)
                ncol = len(header)
                continue
            data_lines += 1
            if len(record) > ncol and not any(f.strip() for f in record[ncol:]):
                record = record[:ncol]  # trailing empty cells, as Excel writes them
            if len(record) != ncol:
                reason = f"too few fields ({len(record)} of {ncol})" if len(record) < ncol else f"too many fields ({len(record)} of {ncol})"
                rejected.append((start, reason, delimiter.join(record)))
                continue
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        raise ReportFormatError(name, f"unreadable CSV near line {previous_end + 1} ({exc})") from None
    if header is None:
        raise ReportFormatError(name, "empty file (no header line)")
    frame = pd.DataFrame(rows, columns=[f"c{i}" for i in range(len(header))], dtype="str") if rows else pd.DataFrame({f"c{i}": pd.Series([], dtype="str") for i in range(len(header))})
    return RawTable(name, header, frame, np.asarray(lines, dtype=np.int64), _rejected_frame(rejected), data_lines, encoding, delimiter, compression, digest, size, tuple(notes))


# -------------------------------------------------------------------- XLSX
def _read_xlsx(name, data, digest, size, compression) -> RawTable:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.BadZipFile:
        raise ReportFormatError(name, "damaged or unsupported zip/xlsx file") from None
    if not any(i.filename.startswith("xl/") for i in infos):
        raise ReportFormatError(name, "a zip archive, not an Excel workbook: unzip it and upload the report inside")
    unpacked = sum(i.file_size for i in infos)
    packed = sum(max(i.compress_size, 1) for i in infos)
    _check_unpacked(name, unpacked, packed)
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise ReportFormatError(name, f"unreadable Excel workbook ({type(exc).__name__})") from None
    try:
        sheet = None
        for ws in book.worksheets:
            if ws.max_row and ws.max_row > 0:
                sheet = ws
                break
        if sheet is None:
            raise ReportFormatError(name, "the workbook has no data")
        header = None
        rows, lines, rejected = [], [], []
        data_lines = 0
        cells = 0
        for row_number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells += len(values)
            if cells > MAX_XLSX_CELLS:
                raise ReportFormatError(name, f"refused: more than {MAX_XLSX_CELLS:,} cells in the sheet")
            fields = ["" if v is None else _cell_text(v) for v in values]
            if not any(f.strip() for f in fields):
                continue
            if header is None:
                while fields and not fields[-1].strip():
                    fields.pop()
                header = tuple(f.strip() for f in fields)
                ncol = len(header)
                continue
            data_lines += 1
            if len(fields) > ncol:
                if any(f.strip() for f in fields[ncol:]):
                    rejected.append((row_number, f"too many fields ({len(fields)} of {ncol})", "\t".join(fields)))
                    continue
                fields = fields[:ncol]
            fields += [""] * (ncol - len(fields))
            rows.append(fields)
            lines.append(row_number)
    finally:
        book.close()
    if header is None:
        raise ReportFormatError(name, "the workbook has no data")
    frame = pd.DataFrame(rows, columns=[f"c{i}" for i in range(len(header))], dtype="str") if rows else pd.DataFrame({f"c{i}": pd.Series([], dtype="str") for i in range(len(header))})
    return RawTable(name, header, frame, np.asarray(lines, dtype=np.int64), _rejected_frame(rejected), data_lines, "xlsx", "xlsx", compression, digest, size, ())


def _cell_text(value: Any) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if (value.hour or value.minute or value.second) else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
