"""The error every ballot-file reader raises: what is wrong, and on which line."""

from __future__ import annotations

from charter.errors import CharterError

__all__ = ["FormatError"]


class FormatError(CharterError):
    """A ballot file that cannot be read; names the file and line where known."""

    def __init__(self, message: str, *, line: int | None = None, file: str | None = None) -> None:
        self.message = message
        self.line = line
        self.file = file
        where = file or ""
        if line is not None:
            where = f"{where}:{line}" if where else f"line {line}"
        super().__init__(f"{where}: {message}" if where else message)
