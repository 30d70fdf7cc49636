"""JSON Lines export files. Pure functions, no database, no Django."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator

from .cells import CHUNK_SIZE, Row


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
