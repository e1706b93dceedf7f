"""Reading files: the only package that opens what the user gives us."""

from analysis.io.encoding import detect_encoding
from analysis.io.reader import MAX_UNPACKED_BYTES, ColumnChoice, RawTable, read_raw

__all__ = ["MAX_UNPACKED_BYTES", "ColumnChoice", "RawTable", "detect_encoding", "read_raw"]
