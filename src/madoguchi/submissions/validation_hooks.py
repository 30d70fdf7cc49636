"""Validation failures of a step page, anonymised, for apps above (a port).

The improvement analytics (catalog) count which question fails and with which message;
submissions may not import that app, so it registers a recorder in its AppConfig.ready()
and the step page, the review page and the API report their errors here after answers
are checked, each saying where (``STEP``, ``REVIEW``, ``API``).

Invariant: a recorder gets the form version's id, the field key, whether the answer was
missing or refused, the message made anonymous (:func:`anonymous_message`) and where it
was shown: never the value typed. Recorders must be cheap (one UPDATE or INSERT) and must not raise.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

logger = logging.getLogger(__name__)

MISSING = "missing"
INVALID = "invalid"
MESSAGE_LENGTH = 200
# Where the failure was shown: a step page, the review (confirm) page, the public API.
STEP = "step"
REVIEW = "review"
API = "api"

Recorder = Callable[[int, str, str, str, str], None]

_recorders: dict[str, Recorder] = {}

# Numbers in a message may come from the answer (a wrong check digit shows the code typed,
# "now 12 characters" its length): each run of digits, and a code point, becomes "#".
_NUMBERS = re.compile(r"U\+[0-9A-Fa-f]+|\d+(?:[.,]\d+)*")


def register(name: str, recorder: Recorder) -> None:
    """Add (or replace, so a reloaded app registers once) the recorder called ``name``."""
    _recorders[name] = recorder


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def anonymous_message(message: str, typed: Any) -> str:
    """``message`` without anything of ``typed``: its strings, then every number, removed."""
    text = str(message)
    for piece in sorted({s.strip() for s in _strings(typed)}, key=len, reverse=True):
        if piece:
            text = text.replace(piece, "…")
    return _NUMBERS.sub("#", text)[:MESSAGE_LENGTH]


def report(
    form_version_id: int,
    errors: Mapping[str, list[str]],
    typed: Mapping[str, Any],
    *,
    where: str = STEP,
) -> None:
    """Tell every recorder about each failing field of one page (typed values stay here)."""
    if not _recorders:
        return
    for key, messages in errors.items():
        value = typed.get(key)
        empty = value is None or value == "" or value == [] or value == {} or value is False
        code = MISSING if empty else INVALID
        for message in messages:
            text = anonymous_message(message, value)
            for name, recorder in list(_recorders.items()):
                try:
                    recorder(form_version_id, key, code, text, where)
                except Exception:  # the resident's page never fails for a counter
                    logger.exception("validation recorder %s failed", name)
