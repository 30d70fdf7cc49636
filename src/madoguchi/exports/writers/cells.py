"""What every writer consumes and reports: rows of cells, and characters it could not write."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, NamedTuple

CHUNK_SIZE = 64 * 1024
FILE_CHUNK_SIZE = 1024 * 1024


# What a cell holds: text for CSV and JSON Lines; for XLSX, numbers, dates and date-times
# keep their type (RowBuilder's typed mode) so a spreadsheet can add and sort them.
CellValue = str | int | float | date | datetime


class Row(NamedTuple):
    """One exported line: the receipt number names it in problem reports."""

    key: str
    cells: list[CellValue]


@dataclass(frozen=True)
class Problem:
    """A character the chosen encoding cannot hold."""

    receipt_number: str
    column: str
    character: str

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.character):04X}"

    def as_dict(self) -> dict[str, str]:
        return {
            "receipt_number": self.receipt_number,
            "column": self.column,
            "codepoint": self.codepoint,
            "character": self.character,
        }


@dataclass
class Problems:
    """Collects problems; keeps the first ``keep`` for display, counts all, and streams
    every one to ``sink`` (a report file) when given, so memory stays flat."""

    keep: int = 1000
    sink: Callable[[Problem], None] | None = None
    count: int = 0
    first: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.count += 1
        if len(self.first) < self.keep:
            self.first.append(problem)
        if self.sink is not None:
            self.sink(problem)


def file_chunks(handle: IO[bytes], size: int = FILE_CHUNK_SIZE) -> Iterator[bytes]:
    while chunk := handle.read(size):
        yield chunk
