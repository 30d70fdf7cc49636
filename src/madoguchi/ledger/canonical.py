"""The exact bytes of a ledger entry: what its leaf hash commits to.

Pure (no Django), shared by the models and the offline verifier, so both hash the same
bytes. An entry is RFC 8785 canonical JSON of six fields; ``time`` is UTC with
microseconds so that what the database stores round-trips to the same text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import rfc8785

from madoguchi.ledger import merkle

ENTRY_FIELDS = ("index", "event", "time", "actor", "subject", "detail")


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_fields(
    *, index: int, event: str, time: str, actor: str, subject: str, detail: dict[str, str]
) -> dict[str, Any]:
    return {
        "index": index,
        "event": event,
        "time": time,
        "actor": actor,
        "subject": subject,
        "detail": detail,
    }


def entry_bytes(entry: dict[str, Any]) -> bytes:
    """Canonical bytes of an exported entry (any extra keys, such as leaf_hash, are ignored)."""
    missing = [name for name in ENTRY_FIELDS if name not in entry]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    fields = {name: entry[name] for name in ENTRY_FIELDS}
    index = fields["index"]
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise ValueError("index is not a non-negative integer")
    for name in ("event", "time", "actor", "subject"):
        if not isinstance(fields[name], str):
            raise ValueError(f"{name} is not a string")
    detail = fields["detail"]
    if not isinstance(detail, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in detail.items()
    ):
        raise ValueError("detail is not an object of strings")
    return rfc8785.dumps(fields)


def entry_leaf_hash(entry: dict[str, Any]) -> bytes:
    return merkle.leaf_hash(entry_bytes(entry))
