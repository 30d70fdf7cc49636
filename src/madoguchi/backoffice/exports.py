"""Export writers: rows in, bytes out. Pure functions, no database, no Django.

Every writer consumes an iterator of :class:`Row` and produces bytes in chunks (or a
file, for XLSX), so an export of a million rows holds one chunk in memory at a time.

CP932 (Shift_JIS as Windows has it) is what many back-office systems still import.
Text typed on phones and Macs arrives in Unicode, and a handful of characters that
JIS X 0208 shares with CP932 have different Unicode code points on the two sides (the
classic 〜 WAVE DASH / ～ FULLWIDTH TILDE pair). Those are mapped first. Whatever
still has no CP932 code (emoji, kanji outside JIS X 0208 and the NEC/IBM extensions,
外字 in the private use area) is never replaced silently: it becomes a
:class:`Problem` naming the receipt number, the column and the character, and the
caller either refuses the export or writes 〓 (GETA MARK, the traditional "missing
glyph" sign) with the problems in a report next to the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple, cast

CHUNK_SIZE = 64 * 1024
FILE_CHUNK_SIZE = 1024 * 1024
BOM = b"\xef\xbb\xbf"
GETA = "〓"
Encoding = Literal["utf-8-sig", "cp932"]

# Unicode code points that JIS-derived mappings (JIS X 0208/0201 as in EUC-JP, macOS,
# ISO-2022-JP) use where CP932 has a different one for the same glyph. Python's cp932
# codec encodes the first six one way only (they decode to the right-hand side), the
# last four not at all; mapping them explicitly makes what we write what we read back.
JIS_TO_CP932: dict[int, str] = {
    0x301C: "\uff5e",  # 〜 WAVE DASH → ～ FULLWIDTH TILDE
    0x2212: "\uff0d",  # − MINUS SIGN → － FULLWIDTH HYPHEN-MINUS
    0x2016: "\u2225",  # ‖ DOUBLE VERTICAL LINE → ∥ PARALLEL TO
    0x00A2: "\uffe0",  # ¢ → ￠
    0x00A3: "\uffe1",  # £ → ￡
    0x00AC: "\uffe2",  # ¬ → ￢
    0x2014: "\u2015",  # — EM DASH → ― HORIZONTAL BAR
    0x00A6: "\uffe4",  # ¦ BROKEN BAR → ￤
    0x00A5: "\uffe5",  # ¥ YEN SIGN (JIS X 0201) → ￥
    0x203E: "\uffe3",  # ‾ OVERLINE (JIS X 0201) → ￣ FULLWIDTH MACRON
}
# Private use code points (外字) encode into CP932's user-defined area, but each
# system has its own 外字 table: the receiving side would show a different character.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
# First characters that make a spreadsheet run a cell as a formula (CSV injection): the
# OWASP / ASVS 1.2.10 list, U+2212 MINUS SIGN, and every character whose NFKC form starts
# with one of them (＝＋－＠ because Japanese Excel takes ＝ as the start of a formula when
# converting input, and the small, superscript and subscript forms). The NFKC part is
# spelled out so the per-cell check is one set look-up; a test recomputes it.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\0\u2212")
_FORMULA_FIRST = FORMULA_TRIGGERS | frozenset(
    "\u207a\u207b\u207c\u208a\u208b\u208c\u2a75\u2a76\ufb29"
    "\ufe62\ufe63\ufe66\ufe6b\uff0b\uff0d\uff1d\uff20"
)
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


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


# --- CP932 -----------------------------------------------------------------------------


# str.translate with a dict looks up every character in Python; a regex scans in C.
_JIS_VARIANT = re.compile("[" + "".join(chr(c) for c in JIS_TO_CP932) + "]")


def map_to_cp932(text: str) -> str:
    """Replace JIS-derived code points by the ones CP932 uses for the same character."""
    if _JIS_VARIANT.search(text) is None:
        return text
    return text.translate(JIS_TO_CP932)


def _holdable(character: str) -> bool:
    if _PRIVATE_USE.match(character):
        return False
    try:
        character.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def cp932_unholdable(text: str) -> list[str]:
    """Characters of already-mapped ``text`` that CP932 cannot carry, in order."""
    if _PRIVATE_USE.search(text) is None:
        try:
            text.encode("cp932")
            return []
        except UnicodeEncodeError:
            pass
    return [c for c in text if not _holdable(c)]


def to_cp932(text: str, *, replace: bool) -> tuple[str, list[str]]:
    """Map ``text`` for CP932. Returns the text to write and the characters it cannot hold.

    With ``replace`` each of them is written as 〓; without, the text is returned
    unchanged apart from the mapping and the caller must not write it.
    """
    mapped = map_to_cp932(text)
    bad = cp932_unholdable(mapped)
    if bad and replace:
        mapped = "".join(c if _holdable(c) else GETA for c in mapped)
    return mapped, bad


# --- CSV -------------------------------------------------------------------------------


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


def csv_chunks(
    header: list[str],
    rows: Iterable[Row],
    *,
    encoding: Encoding = "utf-8-sig",
    replace_unencodable: bool = False,
    problems: Problems | None = None,
) -> Iterator[bytes]:
    """RFC 4180 CSV (CRLF, quotes doubled) in chunks; UTF-8 with BOM or CP932.

    In CP932 a row with characters CP932 cannot hold is reported to ``problems``;
    it is written with 〓 when ``replace_unencodable``, else left out (the caller
    refuses the whole export when any problem was found).
    """
    problems = problems if problems is not None else Problems()
    buffer = io.StringIO()
    # Cells are defused as the writer writes them: after the CP932 mapping below.
    writer = CsvWriter(buffer)
    cp932 = encoding == "cp932"
    codec = "cp932" if cp932 else "utf-8"
    if not cp932:
        yield BOM
    if cp932:
        header = [to_cp932(h, replace=True)[0] for h in header]
    writer.writerow(header)
    for row in rows:
        # CSV rows come from the text mode of RowBuilder: every cell is a string.
        cells = cast(list[str], row.cells)
        if cp932:
            mapped = _cp932_row(row.key, header, cells, problems, replace_unencodable)
            if mapped is None:
                continue
            cells = mapped
        writer.writerow(cells)
        if buffer.tell() >= CHUNK_SIZE:
            yield buffer.getvalue().encode(codec)
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode(codec)


def _cp932_row(
    key: str, header: list[str], cells: list[str], problems: Problems, replace: bool
) -> list[str] | None:
    joined = "".join(cells)
    if joined.isascii():
        return cells
    # Most rows hold neither a JIS-variant code point nor an unholdable character:
    # check the row as one string and map cell by cell only when something differs.
    mapped_joined = map_to_cp932(joined)
    if not cp932_unholdable(mapped_joined):
        return cells if mapped_joined == joined else [map_to_cp932(c) for c in cells]
    written: list[str] = []
    for index, cell in enumerate(cells):
        text, bad = to_cp932(cell, replace=replace)
        for character in bad:
            problems.add(Problem(key, header[index] if index < len(header) else "", character))
        written.append(text)
    return written if replace else None


# --- JSON Lines ------------------------------------------------------------------------


def jsonl_chunks(keys: list[str], rows: Iterable[Row]) -> Iterator[bytes]:
    """One JSON object per line (JSON Lines), keyed by the columns' stable source names.

    JSON Lines rather than one array: a reader can process a million submissions one
    line at a time too (most JSON libraries load a whole array), a truncated transfer
    shows as a broken last line, and files split cleanly for hand-off.
    """
    buffer = io.StringIO()
    for row in rows:
        buffer.write(json.dumps(dict(zip(keys, row.cells, strict=True)), ensure_ascii=False))
        buffer.write("\n")
        if buffer.tell() >= CHUNK_SIZE:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# --- XLSX ------------------------------------------------------------------------------

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
        sheet = workbook.add_worksheet("export")
        bold = workbook.add_format({"bold": True})
        bold_text = workbook.add_format({"bold": True, "quote_prefix": True})
        text_only = workbook.add_format({"quote_prefix": True})
        day_format, moment_format = XLSX_DATE_FORMATS.get(date_style, XLSX_DATE_FORMATS["iso"])
        day_cell = workbook.add_format({"num_format": day_format})
        moment_cell = workbook.add_format({"num_format": moment_format})
        for column, text in enumerate(header):
            sheet.write_string(0, column, text, bold_text if starts_formula(text) else bold)
        sheet.freeze_panes(1, 0)
        for number, row in enumerate(rows, start=1):
            if number >= XLSX_MAX_ROWS:
                raise TooManyRows(f"XLSX holds at most {XLSX_MAX_ROWS - 1} rows")
            for column, cell in enumerate(row.cells):
                if type(cell) is str:
                    if starts_formula(cell):
                        sheet.write_string(number, column, cell, text_only)
                    else:
                        sheet.write_string(number, column, cell)
                elif isinstance(cell, datetime):
                    sheet.write_datetime(number, column, cell.replace(tzinfo=None), moment_cell)
                elif isinstance(cell, date):
                    sheet.write_datetime(number, column, cell, day_cell)
                elif isinstance(cell, int | float) and not isinstance(cell, bool):
                    sheet.write_number(number, column, cell)
                else:
                    text = str(cell)
                    sheet.write_string(
                        number, column, text, text_only if starts_formula(text) else None
                    )
    finally:
        workbook.close()


def file_chunks(handle: IO[bytes], size: int = FILE_CHUNK_SIZE) -> Iterator[bytes]:
    while chunk := handle.read(size):
        yield chunk


# --- ZIP of attachments ----------------------------------------------------------------


@dataclass(frozen=True)
class ZipItem:
    """One attachment to bundle; ``open`` is called only when its turn comes."""

    receipt_number: str
    field: str
    name: str
    recorded_sha256: str
    open: Callable[[], IO[bytes]]


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def safe_name(name: str, *, limit: int = 120) -> str:
    """A file name that is one path component on every OS and in SHA256SUMS."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip().lstrip(".")
    return cleaned[:limit] or "file"


class _Sink(io.RawIOBase):
    """A write-only stream that zipfile fills and the generator drains (no seek)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self.parts.append(chunk)
        return len(chunk)

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


MANIFEST_FIELDS = ["receipt_number", "field", "path", "name", "size", "sha256", "intact"]


def zip_chunks(items: Iterable[ZipItem]) -> Iterator[bytes]:
    """A ZIP streamed as it is built: the attachments, manifest.json, manifest.csv, SHA256SUMS.

    Each file is copied in 1 MiB pieces and hashed on the way, so the sums describe the
    bytes in the archive; ``intact`` says whether they match the SHA-256 recorded at
    upload. ``sha256sum -c SHA256SUMS`` checks the unpacked files on the other side of
    a separated network (LGWAN / 三層分離). Manifest lines wait in temporary files,
    so memory does not grow with the number of attachments.
    """
    sink = _Sink()
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as manifest_json,
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as manifest_csv,
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as sums,
        zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive,
    ):
        manifest_writer = CsvWriter(manifest_csv)
        manifest_writer.writerow(MANIFEST_FIELDS)
        manifest_json.write("[")
        # Paths start with the receipt number and items come submission by submission,
        # so only the current submission's paths need remembering.
        seen: set[str] = set()
        receipt = None
        first = True
        for item in items:
            if item.receipt_number != receipt:
                receipt = item.receipt_number
                seen.clear()
            path = _unique_path(item, seen)
            digest = hashlib.sha256()
            size = 0
            # Attachments are PDF/JPEG/PNG, already compressed: stored, not deflated.
            with item.open() as source, archive.open(path, mode="w") as target:
                for piece in file_chunks(source):
                    digest.update(piece)
                    size += len(piece)
                    target.write(piece)
                    yield sink.drain()
            sha = digest.hexdigest()
            entry = {
                "receipt_number": item.receipt_number,
                "field": item.field,
                "path": path,
                "name": item.name,
                "size": size,
                "sha256": sha,
                "intact": sha == item.recorded_sha256,
            }
            manifest_json.write(("\n" if first else ",\n") + json.dumps(entry, ensure_ascii=False))
            manifest_writer.writerow([entry[k] for k in MANIFEST_FIELDS])
            sums.write(f"{sha}  {path}\n")
            first = False
            yield sink.drain()
        manifest_json.write("\n]\n")
        for name, handle in (("manifest.json", manifest_json), ("manifest.csv", manifest_csv)):
            handle.seek(0)
            digest = hashlib.sha256()
            with archive.open(
                zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), mode="w"
            ) as target:
                while text := handle.read(FILE_CHUNK_SIZE):
                    data = text.encode("utf-8")
                    digest.update(data)
                    target.write(data)
                    yield sink.drain()
            sums.write(f"{digest.hexdigest()}  {name}\n")
        sums.seek(0)
        with archive.open("SHA256SUMS", mode="w") as target:
            while text := sums.read(FILE_CHUNK_SIZE):
                target.write(text.encode("utf-8"))
    yield sink.drain()


def _unique_path(item: ZipItem, seen: set[str]) -> str:
    base = f"{safe_name(item.receipt_number)}/{safe_name(item.field)}/{safe_name(item.name)}"
    path = base
    counter = 2
    while path in seen:
        stem, dot, suffix = base.rpartition(".")
        path = f"{stem}-{counter}.{suffix}" if dot and "/" not in suffix else f"{base}-{counter}"
        counter += 1
    seen.add(path)
    return path
