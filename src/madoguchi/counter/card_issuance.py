"""Card issuance support at the counter (Kaga): the 交付申請書's 申請書ID from its QR code.

What the QR code on a 個人番号カード交付申請書 holds is not published. We assume only that it
carries the 23-digit 申請書ID: either the bare digits or some text (for example the URL of
the online application) in which the ID is the one run of exactly 23 digits. So a scan is
read as the ID when, after folding full-width digits (NFKC), it holds exactly one run of 23
digits not touching other digits; anything else is left as it was scanned for the
question's own check (its pattern message says what is wanted). docs/counter.md says so.

A question is an 申請書ID question when it is a text question whose pattern asks for
exactly 23 digits (``^[0-9]{23}$``), as the demo form 172065-mynumber-card-shinsei's
``application_id`` does: on the staff-assisted page it gets the camera scanner.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from madoguchi.forms.schema import FormField, FormSchema, TextField

APPLICATION_ID_PATTERN = "^[0-9]{23}$"
_RUN = re.compile(r"(?<![0-9])[0-9]{23}(?![0-9])")


def is_application_id(form_field: FormField) -> bool:
    return isinstance(form_field, TextField) and form_field.pattern == APPLICATION_ID_PATTERN


def application_id_keys(schema: FormSchema) -> frozenset[str]:
    """The keys of the form's 申請書ID questions (they get the scanner)."""
    return frozenset(f.key for f in schema.fields() if is_application_id(f))


def application_id(scanned: str) -> str | None:
    """The 申請書ID in what was scanned or typed, or None when it holds no single one."""
    text = unicodedata.normalize("NFKC", scanned).strip()
    runs = _RUN.findall(text)
    if len(runs) != 1:
        return None
    # A longer digit run touching others is not an ID (lookarounds); the ASCII class only.
    return str(runs[0])


def normalise(schema: FormSchema, raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with each 申請書ID answer reduced to its 23 digits when it holds one."""
    result = dict(raw)
    for key in application_id_keys(schema):
        value = result.get(key)
        if isinstance(value, str) and value and (digits := application_id(value)):
            result[key] = digits
    return result
