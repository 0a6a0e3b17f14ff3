"""Errors the user sees. Every message is in Bahasa Indonesia and says how to fix the problem."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class LkjError(Exception):
    """Base error with a message in Bahasa Indonesia."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file: where it is, what it holds, and how to fix it.

    ``row`` is the row number as the analyst sees it in Excel (the header is row 1), or None when
    the problem concerns the whole file or a column.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: object = None
    hint: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", baris {self.row}"
        if self.column:
            where += f", kolom '{self.column}'"
        text = f"{where}: {self.message}"
        if self.value is not None and self.value != "":
            text += f" (nilai: {str(self.value)!r})"
        if self.hint:
            text += f". Perbaikan: {self.hint}"
        return text


class ValidationError(LkjError):
    """All problems found in the inputs of one report, reported together."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        n = len(self.problems)
        lines = [f"Data masukan tidak valid: {n} masalah ditemukan."]
        lines += [f"  {i}. {p}" for i, p in enumerate(self.problems, 1)]
        return "\n".join(lines)


def rel(path: Path, root: Path | None = None) -> str:
    """Path as the analyst would type it (relative to the project when possible)."""
    path = Path(path)
    for base in (root, Path.cwd()):
        if base is None:
            continue
        try:
            return str(path.resolve().relative_to(Path(base).resolve()))
        except ValueError:
            continue
    return str(path)
