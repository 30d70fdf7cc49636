"""The text inside the QR code of a mail-in application: version 1 (``MDG1``).

Every page of a mail-in PDF carries one QR code (error correction level M) holding::

    MDG1.<reference>.<sha256>[.<answers>]

* ``MDG1`` names the format and its version; a reader refuses any other prefix.
* ``<reference>`` is the mail reference, ``M-<6-digit LG code>-<year>-<6-digit sequence>``
  (e.g. ``M-172065-2026-000123``).
* ``<sha256>`` is the SHA-256 of the answers' canonical JSON (RFC 8785, as
  ``submissions.document.canonical_bytes`` writes it), 64 hexadecimal digits in upper case.
* ``<answers>``, only when the whole text still fits a QR code of version
  :data:`MAX_VERSION` at level M: the same canonical JSON, compressed with zlib (RFC 1950)
  and written in RFC 4648 base32 without padding. Staff can then take the paper in even
  after the online record has expired; without it, the reference finds the record.

Fields are separated by ``.``. Every character of the text is a digit, an upper-case letter,
``-`` or ``.``: the QR code's compact alphanumeric mode holds them (base32 there packs more
answers into a code than base64 in byte mode does), and a USB scanner that types its reading
as a keyboard (keyboard wedge) types them the same on Japanese (JIS) and US layouts, which
``_``, ``:`` or ``|`` are not. Readers accept lower case too, since some scanners fold case.

A reader checks that the decompressed answers hash to ``<sha256>`` and refuses the text
otherwise, so a QR code altered or glued from two papers is never taken in silently.

This module is pure (text and plain data in, text and plain data out): a city's own scanner
software can reimplement :func:`decode` from this description alone.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import segno
from django.utils.translation import gettext_lazy as _

from madoguchi.core.refusals import Refused
from madoguchi.submissions.document import canonical_bytes

__all__ = [
    "MAX_VERSION",
    "PREFIX",
    "HashMismatch",
    "MalformedPayload",
    "Payload",
    "PayloadRefused",
    "UnknownVersion",
    "answers_sha256",
    "decode",
    "encode",
]

PREFIX = "MDG1"
# The largest QR code printed: version 20 (97 × 97 modules) at 40 mm keeps a module near
# 0.4 mm, which office printers and phone cameras resolve; 970 alphanumeric characters at M.
MAX_VERSION = 20
# Decompressed answers larger than this are refused unread (a zip bomb on paper).
MAX_ANSWERS_BYTES = 256 * 1024

REFERENCE = re.compile(r"M-\d{6}-\d{4}-\d{6}")
_HEX = re.compile(r"[0-9A-F]{64}")
_BASE32 = re.compile(r"[A-Z2-7]+")


class PayloadRefused(Refused):
    """A scanned text that is not a mail-in QR code Madoguchi can take in."""

    abstract = True


class MalformedPayload(PayloadRefused):
    code = "mail_payload_malformed"
    default_message = _("This code cannot be read as a Madoguchi mail-in application.")


class UnknownVersion(PayloadRefused):
    code = "mail_payload_unknown_version"
    default_message = _(
        "This code was made by another version of Madoguchi and cannot be read here. "
        "Type the mail reference printed beside it instead."
    )


class HashMismatch(PayloadRefused):
    code = "mail_payload_hash_mismatch"
    default_message = _(
        "The answers in this code do not match its fingerprint: the code may have been "
        "altered. Check the paper and type the mail reference instead."
    )


@dataclass(frozen=True)
class Payload:
    """What one QR code says. ``answers`` is None when they did not fit (reference only)."""

    reference: str
    answers_sha256: str
    answers: dict[str, Any] | None = None

    version: ClassVar[int] = 1


def answers_sha256(answers: Mapping[str, Any]) -> str:
    """Lower-case hex SHA-256 of the canonical JSON of the answers (as stored by mailin)."""
    return hashlib.sha256(canonical_bytes(answers)).hexdigest()


def _fits(text: str) -> bool:
    try:
        code = segno.make(text, error="m", micro=False, boost_error=False)
    except segno.DataOverflowError:
        return False
    return int(code.version) <= MAX_VERSION


def encode(*, reference: str, answers: Mapping[str, Any], with_answers: bool = True) -> str:
    """The QR text for ``answers`` under ``reference``: with the answers when they fit.

    Deterministic: the same reference and answers always give the same text.
    """
    if not REFERENCE.fullmatch(reference):
        raise ValueError(f"not a mail reference: {reference!r}")
    document = canonical_bytes(answers)
    head = f"{PREFIX}.{reference}.{hashlib.sha256(document).hexdigest().upper()}"
    if with_answers:
        packed = base64.b32encode(zlib.compress(document, 9)).decode("ascii").rstrip("=")
        text = f"{head}.{packed}"
        if _fits(text):
            return text
    if not _fits(head):  # a reference and a hash always fit; this guards MAX_VERSION edits
        raise ValueError("MAX_VERSION is too small for a reference-only payload")
    return head


def _unpack(packed: str) -> bytes:
    if not _BASE32.fullmatch(packed):
        raise MalformedPayload()
    try:
        compressed = base64.b32decode(packed + "=" * (-len(packed) % 8))
        inflater = zlib.decompressobj()
        document = inflater.decompress(compressed, MAX_ANSWERS_BYTES)
    except (binascii.Error, zlib.error, ValueError) as error:
        raise MalformedPayload() from error
    if inflater.unconsumed_tail or not inflater.eof:
        raise MalformedPayload()
    return document


def decode(text: str) -> Payload:
    """Read a scanned QR text; raises a :class:`PayloadRefused` subclass with a stable code.

    Surrounding white space (a scanner's Enter) is ignored and case is folded. The answers,
    when present, are returned only after their hash matched.
    """
    parts = text.strip().upper().split(".")
    if len(parts) < 2 or not parts[0].startswith("MDG"):
        raise MalformedPayload()
    if parts[0] != PREFIX:
        raise UnknownVersion()
    if len(parts) not in (3, 4) or not REFERENCE.fullmatch(parts[1]):
        raise MalformedPayload()
    reference, digest = parts[1], parts[2]
    if not _HEX.fullmatch(digest):
        raise MalformedPayload()
    digest = digest.lower()
    if len(parts) == 3:
        return Payload(reference=reference, answers_sha256=digest)
    document = _unpack(parts[3])
    if hashlib.sha256(document).hexdigest() != digest:
        raise HashMismatch()
    try:
        answers = json.loads(document.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedPayload() from error
    if not isinstance(answers, dict):
        raise MalformedPayload()
    return Payload(reference=reference, answers_sha256=digest, answers=answers)
