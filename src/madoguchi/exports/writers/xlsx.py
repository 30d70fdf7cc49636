"""XLSX export files, written row by row with typed numbers and dates. No database, no Django."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from madoguchi.core.spreadsheet import starts_formula

from .cells import Row

XLSX_MAX_ROWS = 1_048_576


class TooManyRows(Exception):
    """More rows than the format can hold."""


# Number formats of typed cells. [$-411] is the Japanese locale: "ggge" is the era and its
# year (令和7), which Excel and LibreOffice both render.
XLSX_DATE_FORMATS = {
    "iso": ("yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"),
    "wareki": ('[$-411]ggge"年"m"月"d"日"', '[$-411]ggge"年"m"月"d"日" hh:mm:ss'),
}


def write_xlsx(
    header: list[str], rows: Iterable[Row], path: Path, *, date_style: str = "iso"
) -> None:
    """An XLSX workbook written row by row (XlsxWriter's constant_memory mode).

    Text is written as a string (never a formula or link). A string that a
    spreadsheet would evaluate once someone edits it (:func:`starts_formula`) keeps its text
    as the resident wrote it and gets Excel's quote prefix (the hidden apostrophe of the
    cell format), so staff read "-" or "＝" as written and it stays text after editing;
    CSV, which has no cell formats, writes the apostrophe (:func:`defuse_formula`).
    Typed values (numbers, dates, date-times: never text a resident typed, see
    ``RowBuilder(typed=True)``) are written as numbers and Excel dates, so SUM and date
    sorting work; ``date_style`` picks ISO or 和暦 display for the dates.
    """
    write_xlsx_sheets([Sheet("export", header, rows)], path, date_style=date_style)


class Sheet(NamedTuple):
    """One worksheet: its tab name, header row and rows (written in this order)."""

    name: str
    header: list[str]
    rows: Iterable[Row]


def write_xlsx_sheets(sheets: Iterable[Sheet], path: Path, *, date_style: str = "iso") -> None:
    """A workbook of several sheets, each written row by row as :func:`write_xlsx` does."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "tmpdir": str(path.parent),
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    try:
        day_format, moment_format = XLSX_DATE_FORMATS.get(date_style, XLSX_DATE_FORMATS["iso"])
        formats = _Formats(
            bold=workbook.add_format({"bold": True}),
            bold_text=workbook.add_format({"bold": True, "quote_prefix": True}),
            text_only=workbook.add_format({"quote_prefix": True}),
            day=workbook.add_format({"num_format": day_format}),
            moment=workbook.add_format({"num_format": moment_format}),
        )
        for sheet in sheets:
            _write_sheet(workbook.add_worksheet(sheet.name), sheet, formats)
    finally:
        workbook.close()


class _Formats(NamedTuple):
    bold: Any
    bold_text: Any
    text_only: Any
    day: Any
    moment: Any


def _write_sheet(sheet: Any, content: Sheet, formats: _Formats) -> None:
    for column, text in enumerate(content.header):
        sheet.write_string(
            0, column, text, formats.bold_text if starts_formula(text) else formats.bold
        )
    sheet.freeze_panes(1, 0)
    for number, row in enumerate(content.rows, start=1):
        if number >= XLSX_MAX_ROWS:
            raise TooManyRows(f"XLSX holds at most {XLSX_MAX_ROWS - 1} rows")
        for column, cell in enumerate(row.cells):
            if type(cell) is str:
                if starts_formula(cell):
                    sheet.write_string(number, column, cell, formats.text_only)
                else:
                    sheet.write_string(number, column, cell)
            elif isinstance(cell, datetime):
                sheet.write_datetime(number, column, cell.replace(tzinfo=None), formats.moment)
            elif isinstance(cell, date):
                sheet.write_datetime(number, column, cell, formats.day)
            elif isinstance(cell, int | float) and not isinstance(cell, bool):
                sheet.write_number(number, column, cell)
            else:
                text = str(cell)
                sheet.write_string(
                    number, column, text, formats.text_only if starts_formula(text) else None
                )
