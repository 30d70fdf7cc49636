"""Keep personal data out of logs.

Answers, names and addresses never belong in a log line. Code logs identifiers
(receipt numbers, pseudonyms); this filter is the safety net for what slips through,
such as Django's request logging echoing a query string.
"""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Bounded by non-digits so receipt numbers (172065-2026-000001) and ids stay readable.
_PHONE = re.compile(r"(?<![\d-])(?:\+81[- ]?|0)\d{1,4}-?\d{1,4}-?\d{3,4}(?![\d-])")
_RESUME_TOKEN = re.compile(r"(/apply/)[A-Za-z0-9_-]{20,}")


def redact(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _RESUME_TOKEN.sub(r"\1[token]", text)
    return _PHONE.sub("[phone]", text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        return True
