"""Cells no spreadsheet runs: the one guard every CSV and XLSX file Madoguchi writes goes through.

Shared by the exports and by the back office's statistics CSV, so it lives below both.
Invariant: no code outside this module calls ``csv.writer`` for a file a person opens in a
spreadsheet (a test in madoguchi.exports checks), and ``write_xlsx`` asks
:func:`starts_formula` for every text cell.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

# with one of them (＝＋－＠ because Japanese Excel takes ＝ as the start of a formula when
# converting input, and the small, superscript and subscript forms). The NFKC part is
# spelled out so the per-cell check is one set look-up; a test recomputes it.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\0\u2212")
_FORMULA_FIRST = FORMULA_TRIGGERS | frozenset(
    "\u207a\u207b\u207c\u208a\u208b\u208c\u2a75\u2a76\ufb29"
    "\ufe62\ufe63\ufe66\ufe6b\uff0b\uff0d\uff1d\uff20"
)
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def starts_formula(text: str) -> bool:
    """Would a spreadsheet read ``text`` as a formula (plain numbers such as -5 aside)?"""
    return defuse_formula(text) != text


def defuse_formula(cell: object) -> str:
    """The one way a cell reaches a CSV or XLSX file we write: as text no spreadsheet runs.

    Prefixes an apostrophe to a cell a spreadsheet would evaluate (OWASP CSV injection),
    values and headers alike, in every CSV writer (:class:`CsvWriter`); :func:`write_xlsx`
    asks :func:`starts_formula` and sets the cell's quote prefix instead.
    It must run after any character mapping (CP932 turns U+2212 − into －), so it
    judges the characters that are written. Plain numbers such as ``-5`` are left
    alone: they cannot run anything and a back-office import must read them as numbers.
    """
    text = cell if type(cell) is str else str(cell)
    # Called for every cell of a million-row export: one set look-up for most of them.
    if text and text[0] in _FORMULA_FIRST and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


class CsvWriter:
    """``csv.writer`` (RFC 4180, CRLF) whose every cell goes through :func:`defuse_formula`.

    Every CSV Madoguchi writes uses this class, never ``csv.writer`` directly (a test
    checks), so no file can miss the formula defence.
    """

    def __init__(self, handle: Any) -> None:
        self._writer = csv.writer(handle, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def writerow(self, cells: Iterable[object]) -> None:
        self._writer.writerow([defuse_formula(c) for c in cells])
