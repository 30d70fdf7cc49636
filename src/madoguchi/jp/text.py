"""Text that may be stored: Unicode scalar values without control characters.

Whatever reaches the database from outside (answers, API fields, form definitions,
staff input, file names) must be text both databases store alike. PostgreSQL refuses
U+0000 in ``text`` and ``jsonb`` (SQLite keeps it), lone surrogates (U+D800–U+DFFF,
possible in JSON's ``\\ud800`` escape) cannot be encoded as UTF-8 at all, and other C0/C1
control characters are invisible in every screen, PDF and CSV that shows them later.
So all of them are refused, with one message saying which character to delete; tab,
CR and LF stay allowed (multi-line text keeps them, single-line fields fold them into
spaces).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from .errors import InvalidJapaneseInput

__all__ = ["ALLOWED_CONTROLS", "check_text", "check_value", "forbidden_character"]

ALLOWED_CONTROLS = frozenset("\t\n\r")
# C0 controls except tab/LF/CR, DEL, the C1 controls, and UTF-16 surrogates.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

_MSG_FORBIDDEN = _(
    "The text contains a character that cannot be used (U+%(code)s), often carried along "
    "with copied text. Delete it and try again."
)


def forbidden_character(text: str) -> str | None:
    """The first character of ``text`` that may not be stored, or None."""
    match = _FORBIDDEN.search(text)
    return match.group() if match else None


def _refusal(character: str) -> InvalidJapaneseInput:
    return InvalidJapaneseInput(
        "text_forbidden_character", _MSG_FORBIDDEN, params={"code": f"{ord(character):04X}"}
    )


def check_text(text: str) -> str:
    """Return ``text`` unchanged, or raise ``text_forbidden_character`` naming the character."""
    character = forbidden_character(text)
    if character is not None:
        raise _refusal(character)
    return text


def _strings(value: Any) -> Iterator[str]:
    # Iterative: a JSON document nested a thousand levels deep must not exhaust the stack.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(key for key in item if isinstance(key, str))
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)


def check_value(value: Any) -> None:
    """Check every string in a JSON-like value, keys included (see :func:`check_text`)."""
    for text in _strings(value):
        check_text(text)
