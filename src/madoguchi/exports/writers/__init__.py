"""Export writers: rows in, bytes out. Pure functions, no database, no Django.

Every writer consumes an iterator of :class:`Row` and produces bytes in chunks (or a
file, for XLSX), so an export of a million rows holds one chunk in memory at a time.
One module per format (:mod:`.csvfile`, :mod:`.jsonl`, :mod:`.xlsx`, :mod:`.archive` for
the ZIP of attachments) over the shared :mod:`.cells` and :mod:`.cp932`; every cell of a
CSV or XLSX file passes :mod:`madoguchi.core.spreadsheet`'s formula guard.

CP932 (Shift_JIS as Windows has it) is what many back-office systems still import.
Whatever it cannot hold is never replaced silently: it becomes a :class:`Problem`
naming the receipt number, the column and the character, and the caller either
refuses the export or writes 〓 with the problems in a report next to the file.
"""

from madoguchi.core.spreadsheet import FORMULA_TRIGGERS, CsvWriter, defuse_formula, starts_formula

from .archive import MANIFEST_FIELDS, ZipItem, safe_name, zip_chunks
from .cells import CHUNK_SIZE, FILE_CHUNK_SIZE, CellValue, Problem, Problems, Row, file_chunks
from .cp932 import GETA, JIS_TO_CP932, cp932_unholdable, map_to_cp932, to_cp932
from .csvfile import BOM, Encoding, csv_chunks
from .jsonl import jsonl_chunks
from .xlsx import (
    XLSX_DATE_FORMATS,
    XLSX_MAX_ROWS,
    Sheet,
    TooManyRows,
    write_xlsx,
    write_xlsx_sheets,
)

__all__ = [
    "BOM",
    "CHUNK_SIZE",
    "FILE_CHUNK_SIZE",
    "FORMULA_TRIGGERS",
    "GETA",
    "JIS_TO_CP932",
    "MANIFEST_FIELDS",
    "XLSX_DATE_FORMATS",
    "XLSX_MAX_ROWS",
    "CellValue",
    "CsvWriter",
    "Encoding",
    "Problem",
    "Problems",
    "Row",
    "Sheet",
    "TooManyRows",
    "ZipItem",
    "cp932_unholdable",
    "csv_chunks",
    "defuse_formula",
    "file_chunks",
    "jsonl_chunks",
    "map_to_cp932",
    "safe_name",
    "starts_formula",
    "to_cp932",
    "write_xlsx",
    "write_xlsx_sheets",
    "zip_chunks",
]
