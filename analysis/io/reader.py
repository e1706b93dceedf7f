"""Open a file the user gave us and split it into a header and string fields.

This is the only code that opens report files.  It accounts for every physical
line: each data line ends up either as a row of :attr:`RawTable.frame` or in
:attr:`RawTable.rejected` with its reason.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import itertools
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Collection, Iterable

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
#: rows with content searched for the header when the first is not one (a title, notes, a blank row above it)
HEADER_SEARCH_ROWS = 20

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_LONE_CR = re.compile(rb"\r(?!\n)")


@dataclass(frozen=True)
class RawTable:
    """A file split into fields, every data line accounted for.

    Attributes
    ----------
    name : file name as the user gave it
    header : the header row's fields, as written
    arrow : one string column per header field read (``c0``, ``c1`` ...: the field's position), "" for empty;
        every field unless the caller chose some (:class:`ColumnChoice`), its repeated ones dictionary-encoded
    lines : physical line (or sheet row) number of each row
    rejected : DataFrame ``line, reason, raw`` of the data lines that could not be split
    data_lines : number of non-blank lines after the header (``rows + len(rejected)``)
    """

    name: str
    header: tuple[str, ...]
    arrow: Any
    lines: np.ndarray
    rejected: pd.DataFrame
    data_lines: int
    encoding: str
    delimiter: str
    compression: str | None
    sha256: str
    size_bytes: int
    notes: tuple[str, ...] = field(default=())
    #: the text as parsed, kept when the caller chose the fields (for :meth:`raw_lines`)
    text: bytes | None = field(default=None, repr=False)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The fields as a pandas DataFrame of strings (converted on first use)."""
        return self.arrow.to_pandas().astype("str")

    @property
    def rows(self) -> int:
        return self.arrow.num_rows

    def raw_lines(self, positions: np.ndarray) -> list[str]:
        """The text of the rows at ``positions`` (joined with the file's delimiter)."""
        import pyarrow.compute as pc

        if self.text is not None:
            return _line_texts(self.text, self.lines[np.asarray(positions, dtype=np.int64)])
        if len(positions) == 0 or self.arrow.num_columns == 0:
            return [""] * len(positions)
        taken = self.arrow.take(np.asarray(positions, dtype=np.int64))
        delimiter = "\t" if self.delimiter in ("\t", "xlsx") else self.delimiter
        return pc.binary_join_element_wise(*taken.columns, delimiter).to_pylist()


@dataclass(frozen=True)
class ColumnChoice:
    """The fields of a file a caller will use (see :func:`read_raw`).

    ``read`` are their positions; of those, ``repeated`` hold a few values over
    and over (SKU, ASIN, FC ... of shipment lines) and are read
    dictionary-encoded: each distinct value is stored once.
    """

    read: Collection[int]
    repeated: Collection[int] = ()


def _line_texts(text: bytes, numbers: np.ndarray) -> list[str]:
    """Physical lines ``numbers`` (the header is 1) of a tab-separated text, without their line ends.

    The same text as the line's fields joined by tabs: tab-separated files are read unquoted.  Only the
    fields used were checked as UTF-8 when the file was read: a line whose other fields are not (a cp1252
    city name past the part of the file the encoding was guessed from) is shown as cp1252.
    """
    if len(numbers) == 0:
        return []
    ends = np.append(np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == ord("\n")), len(text))
    out = []
    for number in numbers:
        start = 0 if number == 1 else int(ends[number - 2]) + 1
        line = text[start : int(ends[number - 1])]
        line = line[:-1] if line.endswith(b"\r") else line
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode("cp1252", errors="replace"))
    return out


def _arrow_from_rows(rows: list[list[str]], ncol: int):
    import pyarrow as pa

    columns = list(zip(*rows)) if rows else [()] * ncol
    return pa.table({f"c{i}": pa.array(list(columns[i]) if rows else [], type=pa.string()) for i in range(ncol)})


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
    if not decomp.eof:  # the data ended before the gzip stream did: its last lines are missing
        raise ReportFormatError(name, "the gzip file is cut short (truncated or damaged)")
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
def read_raw(source: Any, name: str | None = None, columns: Callable[[tuple[str, ...]], ColumnChoice | None] | None = None,
             is_header: Callable[[tuple[str, ...]], bool] | None = None) -> RawTable:
    """Read a report file (TSV, CSV, XLSX, optionally gzip-compressed) into string fields.

    Parameters
    ----------
    source
        A path, raw bytes, a ``(name, bytes)`` pair or an uploaded-file object
        (anything with ``getvalue()`` or ``read()`` and a ``name``).
    name
        Name to show in messages; defaults to the file name.
    columns
        Given the header, the fields the caller will use (:class:`ColumnChoice`;
        None: all, as text).  A tab-separated file then converts only those,
        much of the reading time on the wide shipment reports; every line is
        still split and accounted for, and :meth:`RawTable.raw_lines` still
        gives whole lines.
    is_header
        Whether a row's fields are a known report's header.  When given and the
        first row with content is not one, the header is the first row that is
        among the next :data:`HEADER_SEARCH_ROWS` rows with content (of any sheet
        of a workbook); the rows above it are named in the notes, not read.  When
        none is, the first row with content is the header, as without it.

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
    # hashing releases the GIL: let it run beside the parser
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        raw = _read_bytes(display, data, columns, is_header)
        return dataclasses.replace(raw, sha256=pending.result())


def _read_bytes(display: str, data: bytes, columns: Callable[[tuple[str, ...]], ColumnChoice | None] | None = None,
                is_header: Callable[[tuple[str, ...]], bool] | None = None) -> RawTable:
    digest = ""
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
        return _read_xlsx(display, data, digest, size, compression, is_header)
    if data[:4] == _OLE_MAGIC:
        raise ReportFormatError(display, "old Excel .xls (or another binary Office file) is not supported: save it as .xlsx or CSV")
    bomless = _utf16_without_bom(data)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or bomless:
        try:
            # "utf-16" when there is a byte-order mark: it reads the mark (the -le/-be codecs keep it, in the first column name)
            data = data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else bomless).encode("utf-8")
        except UnicodeError:
            raise ReportFormatError(display, "unreadable text: it starts like UTF-16 but does not decode as UTF-16") from None
        encoding_label = "utf-16"
    elif data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
        encoding_label = "utf-8-sig"
    else:
        encoding_label = "utf-8"
    head = data[:8192]
    if encoding_label != "utf-16" and head.count(b"\x00") > max(4, len(head) // 200):
        # many NUL bytes: binary (a stray NUL in one comment is still text)
        raise ReportFormatError(display, "binary file, not a text report")
    notes: list[str] = []
    if not _sample_is_utf8(data):
        data, encoding_label = _transcode(data)
    if not data[: 1 << 16].strip() and not data.strip():
        raise ReportFormatError(display, "empty file (no text)")
    if _ends_lines_with_cr(data):
        data = _LONE_CR.sub(b"\n", data)
        notes.append("lines end with a carriage return alone (Mac): read as line breaks")
    first_nl = data.find(b"\n")
    header_bytes = data if first_nl < 0 else data[:first_nl]
    header_text = header_bytes.decode("utf-8", errors="replace").rstrip("\r")
    if _looks_binary(header_text):
        raise ReportFormatError(display, "binary or unreadable content, not a text report")
    delimiter = _sniff_delimiter(header_text)
    skip = 0  # lines above the header
    if is_header is not None and not is_header(_split_line(header_text, delimiter)):  # Amazon's reports stop here
        found = _find_header_line(data, is_header)
        if found is not None:
            skip, delimiter, above = found
            if above:
                notes.append(_above_note("line", skip + 1, above))
    if delimiter == "\t":
        try:
            return _read_tsv(display, data, delimiter, encoding_label, compression, digest, size, notes, columns, skip)
        except _NotUtf8:
            data, encoding_label = _transcode(data)
            return _read_tsv(display, data, delimiter, encoding_label, compression, digest, size, notes, columns, skip)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        data, encoding_label = _transcode(data)
        text = data.decode("utf-8")
    return _read_quoted(display, text, delimiter, encoding_label, compression, digest, size, notes, skip)


def _ends_lines_with_cr(data: bytes) -> bool:
    """Whether the first line ends with a carriage return alone, as Excel for Mac's "CSV (Macintosh)" and classic
    Mac OS text end every line; only the first line is searched, so LF and CRLF files pay nothing.

    Each lone CR of such a file is then a line break, one for one, so physical line numbers stay those of the
    file (a CR inside a quoted field becomes a line break inside it, which the CSV quoting keeps in the field).
    """
    first_nl = data.find(b"\n")
    first_cr = data.find(b"\r", 0, len(data) if first_nl < 0 else first_nl)
    # CRLF, or CR CR LF (CRLF written through a text-mode stream), ends lines with LF
    return first_cr >= 0 and (first_nl < 0 or data[first_cr:first_nl].strip(b"\r") != b"")


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when ``data`` is UTF-16 written without a byte-order mark (a NUL beside nearly
    every character of a header in Latin letters), else None: such a file was refused as binary."""
    head = data[:4096]
    if len(head) < 16 or head.count(b"\x00") < len(head) // 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(b"\x00") > 0.9 * len(odd) and even.count(b"\x00") < 0.1 * len(even):
        return "utf-16-le"
    if even.count(b"\x00") > 0.9 * len(even) and odd.count(b"\x00") < 0.1 * len(odd):
        return "utf-16-be"
    return None


class _NotUtf8(Exception):
    """The bytes turned out not to be UTF-8 past the sample."""


def _sample_is_utf8(data: bytes) -> bool:
    sample = data[:1 << 16]
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # a multi-byte character cut by the sample's end is fine
        return len(data) > len(sample) and exc.start >= len(sample) - 3


def _transcode(data: bytes) -> tuple[bytes, str]:
    """Re-encode non-UTF-8 bytes as UTF-8, judging the encoding on the decoded result."""
    encoding = detect_encoding(data)
    if encoding in ("utf-8-sig", "utf-16"):
        return data, encoding
    return decode(data, encoding).encode("utf-8"), encoding


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


# ------------------------------------------------------- header search
def _split_line(line: str, delimiter: str) -> tuple[str, ...]:
    """A line's fields, stripped, as the reader of its delimiter splits them (tab: unquoted)."""
    try:
        fields = line.split("\t") if delimiter == "\t" else next(csv.reader([line], delimiter=delimiter, strict=False), [])
    except csv.Error:  # a lone CR inside the line, or a field past csv's limit: no header, whatever its fields
        fields = line.split(delimiter)
    return tuple(f.strip() for f in fields)


def _find_header_line(data: bytes, is_header: Callable[[tuple[str, ...]], bool]) -> tuple[int, str, str] | None:
    """(lines above the header, its delimiter, the first text above it) for the first line after the first that
    ``is_header`` accepts, among the first :data:`HEADER_SEARCH_ROWS` lines with content; None if none is."""
    head = data[: 1 << 16]
    lines = head.split(b"\n")
    if len(head) < len(data):
        lines = lines[:-1]  # cut by the sample's end
    above, filled = "", 0
    for number, raw in enumerate(lines, start=1):
        line = raw.decode("utf-8", errors="replace").rstrip("\r")
        delimiter = _sniff_delimiter(line)
        fields = _split_line(line, delimiter)
        if not any(fields):
            continue
        filled += 1
        if filled > HEADER_SEARCH_ROWS:
            break
        if number > 1 and is_header(fields):
            return number - 1, delimiter, above
        above = above or line.strip().rstrip(",;\t").strip()
    return None


def _above_note(unit: str, header_at: int, text: str, sheet: str | None = None) -> str:
    """The note naming the rows above a header found below the first (notes are joined by "; ": none inside)."""
    where = f"{unit} {header_at}" + (f" of sheet '{sheet}'" if sheet is not None else "")
    rows = f"{unit}s 1-{header_at - 1}" if header_at > 2 else f"{unit} 1"
    text = " ".join(text.replace("; ", ", ").split())
    text = text if len(text) <= 60 else text[:59] + "…"
    return f'header found on {where}: {rows} above it not read ("{text}")'


def _line_start(text: bytes | str, skip: int) -> int:
    """Offset of the line after the first ``skip`` lines of ``text``."""
    newline = b"\n" if isinstance(text, bytes) else "\n"
    start = 0
    for _ in range(skip):
        start = text.index(newline, start) + 1
    return start


# --------------------------------------------------------------------- TSV

def _read_tsv(name, data, delimiter, encoding, compression, digest, size, notes, columns: Callable[[tuple[str, ...]], ColumnChoice | None] | None = None,
              skip: int = 0) -> RawTable:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):  # memchr first: LF files pay almost nothing
        # a lone CR inside a comment would end the line for the parser; Amazon ends lines with LF
        data = _LONE_CR.sub(b" ", data)
        notes.append("carriage returns inside fields were read as spaces")
    full = data  # raw_lines numbers its lines physically
    if skip:  # parse from the header on; line numbers are shifted back below
        data = data[_line_start(data, skip):]
    first_nl = data.find(b"\n")
    header = tuple(h.strip() for h in data[: first_nl if first_nl >= 0 else len(data)].decode("utf-8", errors="replace").rstrip("\r").split(delimiter))
    ncol = len(header)
    names = [f"c{i}" for i in range(ncol)]
    choice = columns(header) if columns else None
    wanted = sorted({i for i in choice.read if 0 <= i < ncol}) if choice else []
    included = [names[i] for i in wanted] if wanted else names
    repeated = {names[i] for i in choice.repeated if 0 <= i < ncol} & set(included) if choice else set()
    types = {n: pa.dictionary(pa.int32(), pa.string()) if n in repeated else pa.string() for n in included}
    body_len = 0 if first_nl < 0 else len(data) - first_nl - 1
    total_lines = 1 + (0 if first_nl < 0 else data.count(b"\n", first_nl + 1) + (0 if (body_len == 0 or data.endswith(b"\n")) else 1))
    if total_lines == 1:
        return RawTable(name, header, _arrow_from_rows([], ncol), np.zeros(0, dtype=np.int64), _rejected_frame([]), 0, encoding, delimiter, compression, digest, size, tuple(notes))

    invalid: list[tuple[int | None, str, int]] = []

    def handler(row):
        invalid.append((row.number, row.text, row.actual_columns))
        return "skip"

    block: dict[str, int] = {}

    def parse(use_threads: bool):
        invalid.clear()
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=use_threads, **block),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False, double_quote=False, escape_char=False, newlines_in_values=False, ignore_empty_lines=True, invalid_row_handler=handler),
            convert_options=pacsv.ConvertOptions(column_types=types, include_columns=included, strings_can_be_null=False, quoted_strings_can_be_null=False),
        )

    try:
        try:
            table = parse(True)
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc):
                raise
            # a line longer than Arrow's block (1 MB): blocks as long as the longest line, for this file only
            ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n"))
            block["block_size"] = int(np.diff(np.append(ends, len(data)), prepend=-1).max()) + (1 << 20)
            table = parse(True)
        if invalid and any(number is None for number, _, _ in invalid):
            table = parse(False)  # the threaded parser does not report line numbers
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) and encoding in ("utf-8", "utf-8-sig"):
            raise _NotUtf8() from None
        raise ReportFormatError(name, f"unreadable tab-separated file ({str(exc).splitlines()[0][:120]})") from None
    # pyarrow skips empty lines; find them only when the counts say there are some
    blank_count = total_lines - 1 - table.num_rows - len(invalid)
    blank = _blank_lines(data) if blank_count > 0 else np.zeros(0, dtype=np.int64)
    data_lines = total_lines - 1 - len(blank)
    # pyarrow numbers the non-blank lines of the file from 1 (the header is 1)
    nonblank = _nonblank_physical_lines(total_lines, blank) + skip
    blank = blank + skip
    keep = np.ones(len(nonblank), dtype=bool)
    keep[0] = False  # the header
    rejected = []
    for number, text, actual in invalid:
        ordinal = int(number)
        keep[ordinal - 1] = False
        reason = f"too few fields ({actual} of {ncol})" if actual < ncol else f"too many fields ({actual} of {ncol})"
        rejected.append((int(nonblank[ordinal - 1]), reason, text))
    lines = nonblank[keep]
    _note_empty(notes, blank.tolist(), [int(nonblank[-1])], "line")
    if len(lines) != table.num_rows:  # should never happen; refuse rather than misnumber rows
        raise ReportFormatError(name, f"internal line accounting failed ({len(lines)} lines for {table.num_rows} rows)")
    return RawTable(name, header, table, lines, _rejected_frame(rejected), data_lines, encoding, delimiter, compression, digest, size, tuple(notes),
                    text=full if choice else None)


def _note_empty(notes: list[str], empty: list[int], content: Iterable[int], unit: str) -> None:
    """Say which of the ``empty`` lines (or sheet rows) after the header lie before the last line with
    ``content`` (rows read or rejected): they hold no row, but nothing the user wrote goes unaccounted.
    Empty lines at the end of a file are not mentioned (most exports end with one)."""
    last = max(content, default=0)
    empty = [n for n in empty if n < last]
    if empty:
        shown = ", ".join(str(int(n)) for n in empty[:10]) + (", …" if len(empty) > 10 else "")
        notes.append(f"empty {unit}s skipped ({len(empty):,}): {shown}")


def _blank_lines(data: bytes) -> np.ndarray:
    """Physical line numbers (the header is line 1) of the empty lines of the file."""
    if b"\n\n" not in data and b"\n\r\n" not in data:
        return np.zeros(0, dtype=np.int64)
    starts = [m.start() + 1 for m in _BLANK.finditer(data)]
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    index = np.searchsorted(newlines, np.asarray(starts, dtype=np.int64), side="left")
    return np.unique(index + 1)


_BLANK = re.compile(rb"\n(?=\r?\n)")


def _nonblank_physical_lines(total_lines: int, blank: np.ndarray) -> np.ndarray:
    all_lines = np.arange(1, total_lines + 1, dtype=np.int64)
    if len(blank) == 0:
        return all_lines
    return np.setdiff1d(all_lines, blank, assume_unique=True)


# ------------------------------------------------------------- quoted CSV
def _read_quoted(name, text, delimiter, encoding, compression, digest, size, notes, skip: int = 0) -> RawTable:
    if skip:  # from the header on; line numbers start after the lines above it
        text = text[_line_start(text, skip):]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    header: tuple[str, ...] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    rejected: list[tuple[int, str, str]] = []
    data_lines = 0
    previous_end = skip
    empty: list[int] = []  # empty lines and rows of empty cells (as Excel writes them) after the header
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num + skip
            if not record or all(not f.strip() for f in record):
                if header is not None:
                    empty.append(start)
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
    _note_empty(notes, empty, [*lines[-1:], *(r[0] for r in rejected)], "line")
    return RawTable(name, header, _arrow_from_rows(rows, len(header)), np.asarray(lines, dtype=np.int64), _rejected_frame(rejected), data_lines, encoding, delimiter, compression, digest, size, tuple(notes))


# -------------------------------------------------------------------- XLSX
def _read_xlsx(name, data, digest, size, compression, is_header: Callable[[tuple[str, ...]], bool] | None = None) -> RawTable:
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
        sheets = list(book.worksheets)
        index, rows, header_row = _xlsx_header(name, sheets, is_header)
        header, table, lines, rejected, empty, data_lines, above = _xlsx_table(rows, header_row)
    finally:
        book.close()
    notes: list[str] = []
    if len(sheets) > 1:
        notes.append(f"read sheet '{sheets[index].title}' ({index + 1} of {len(sheets)}), the other sheets are not read")
    if above:
        notes.append(_above_note("row", header_row, above, sheets[index].title))
    _note_empty(notes, empty, [*lines[-1:], *(r[0] for r in rejected)], "row")
    return RawTable(name, header, _arrow_from_rows(table, len(header)), np.asarray(lines, dtype=np.int64), _rejected_frame(rejected), data_lines, "xlsx", "xlsx", compression, digest, size, tuple(notes))


def _xlsx_rows(name: str, sheet) -> Iterable[tuple[int, list[str]]]:
    """(row number, cell texts) of every row of a sheet, refusing more than :data:`MAX_XLSX_CELLS` cells."""
    cells = 0
    for row_number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells += len(values)
        if cells > MAX_XLSX_CELLS:
            raise ReportFormatError(name, f"refused: more than {MAX_XLSX_CELLS:,} cells in the sheet")
        yield row_number, ["" if v is None else _cell_text(v) for v in values]


def _header_fields(fields: list[str]) -> tuple[str, ...]:
    """A header row's names: stripped, without the empty cells after the last name."""
    fields = list(fields)
    while fields and not fields[-1].strip():
        fields.pop()
    return tuple(f.strip() for f in fields)


def _scan_to_header(rows: Iterable[tuple[int, list[str]]], is_header) -> tuple[list, int | None, bool]:
    """Read a sheet's rows up to its header: (rows read, header row number or None, whether any row has content).

    Without ``is_header`` the header is the first row with content; with it, the
    first of the first :data:`HEADER_SEARCH_ROWS` rows with content that it accepts.
    """
    read, filled = [], 0
    for number, fields in rows:
        read.append((number, fields))
        if not any(f.strip() for f in fields):
            continue
        filled += 1
        if is_header is None or is_header(_header_fields(fields)):
            return read, number, True
        if filled >= HEADER_SEARCH_ROWS:
            break
    return read, None, filled > 0


def _xlsx_header(name: str, sheets: list, is_header) -> tuple[int, Iterable[tuple[int, list[str]]], int]:
    """(sheet index, its rows from row 1, header row number): the first sheet with a row ``is_header`` accepts,
    else the first row with content of the first sheet with any (a blank first sheet, then the data, is
    common; read-only mode gives a blank sheet one row, so a sheet is known blank only once read)."""
    first_filled = None
    for index, sheet in enumerate(sheets):
        rows = iter(_xlsx_rows(name, sheet))
        read, header_row, filled = _scan_to_header(rows, is_header)
        if header_row is not None:
            return index, itertools.chain(read, rows), header_row
        if filled and first_filled is None:
            first_filled = index
    if first_filled is None:
        raise ReportFormatError(name, "the workbook has no data")
    rows = iter(_xlsx_rows(name, sheets[first_filled]))  # no known header: read as a file of unknown kind
    read, header_row, _ = _scan_to_header(rows, None)
    return first_filled, itertools.chain(read, rows), header_row


def _xlsx_table(rows: Iterable[tuple[int, list[str]]], header_row: int):
    """Split a sheet's rows at its header: (header, rows, their numbers, rejected, empty rows after the header,
    data rows, the first text above the header)."""
    header: tuple[str, ...] = ()
    table, lines, rejected, empty = [], [], [], []
    above, data_lines, ncol = "", 0, 0
    for row_number, fields in rows:
        has_content = any(f.strip() for f in fields)
        if row_number < header_row:
            above = above or (" ".join(f.strip() for f in fields if f.strip()) if has_content else "")
            continue
        if row_number == header_row:
            header = _header_fields(fields)
            ncol = len(header)
            continue
        if not has_content:
            empty.append(row_number)
            continue
        data_lines += 1
        if len(fields) > ncol:
            if any(f.strip() for f in fields[ncol:]):
                rejected.append((row_number, f"too many fields ({len(fields)} of {ncol})", "\t".join(fields)))
                continue
            fields = fields[:ncol]
        fields += [""] * (ncol - len(fields))
        table.append(fields)
        lines.append(row_number)
    return header, table, lines, rejected, empty, data_lines, above


def _cell_text(value: Any) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if (value.hour or value.minute or value.second) else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
