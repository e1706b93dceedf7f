"""Exceptions a user can cause, with messages a user understands."""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class of every error the workbench reports to a user as one line."""


class ReportFormatError(WorkbenchError):
    """A file is not a report the workbench can read.

    The message is one line naming the file and the problem, e.g.
    ``returns.txt: empty file (0 bytes)``.
    """

    def __init__(self, file: str, problem: str):
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


class UnknownReportError(ReportFormatError):
    """A file whose header fits no report the workbench knows (a file of the
    user's own may still be read once its columns are named)."""


class SettingsError(WorkbenchError):
    """A settings or taxonomy file could not be used."""
