"""CSV export files: RFC 4180 in chunks, UTF-8 with BOM or CP932 with a report of what CP932
cannot hold. Pure functions, no database, no Django."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Literal, cast

from madoguchi.core.spreadsheet import CsvWriter

from .cells import CHUNK_SIZE, Problem, Problems, Row
from .cp932 import cp932_unholdable, map_to_cp932, to_cp932

BOM = b"\xef\xbb\xbf"
Encoding = Literal["utf-8-sig", "cp932"]


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
