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
            where += f", kolom '{_short(self.column)}'"
        text = f"{where}: {self.message}"
        if self.value is not None and self.value != "":
            text += f" (nilai: {_short(str(self.value))!r})"
        if self.hint:
            text += f". Perbaikan: {self.hint}"
        return text


def _short(text: str, limit: int = 80) -> str:
    """A cell as it is shown in a message: a 5 MB cell is shown by its beginning."""
    return text if len(text) <= limit else text[:limit] + "…"


MAX_SHOWN = 30  # problems printed; a broken file can have thousands, the rest go to a file


class ValidationError(LkjError):
    """All problems found in the inputs of one report, reported together (the first MAX_SHOWN
    in the message; :meth:`save` writes them all)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        self.saved: Path | None = None
        super().__init__(self._text())

    def __str__(self) -> str:
        return self._text()

    def _text(self) -> str:
        n = len(self.problems)
        lines = [f"Data masukan tidak valid: {n} masalah ditemukan."]
        lines += [f"  {i}. {p}" for i, p in enumerate(self.problems[:MAX_SHOWN], 1)]
        if n > MAX_SHOWN:
            rest = f"{n - MAX_SHOWN:,}".replace(",", ".")
            lines.append(f"  … dan {rest} masalah lain" + (
                f" (daftar lengkap: {self.saved})" if self.saved else "") + ".")
        return "\n".join(lines)

    def save(self, path: Path, shown_as: str) -> None:
        """Write every problem to ``path`` when there are more than the message shows; the
        message then names the file as ``shown_as``. Best effort: a full disk only loses
        the list, not the message."""
        try:
            if len(self.problems) <= MAX_SHOWN:
                path.unlink(missing_ok=True)  # an earlier run's list would mislead
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(f"{i}. {p}" for i, p in enumerate(self.problems, 1))
                            + "\n", encoding="utf-8")
        except OSError:
            return
        self.saved = shown_as


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
