"""Pre-registration references (事前登録番号) and the text of their QR code, version 1.

A reference is 8 characters from :data:`ALPHABET`, 32 digits and upper-case letters without
the ones people confuse when reading aloud or copying by hand (0/O, 1/I): e.g. ``K7QM4XPD``,
shown and printed grouped by four, ``K7QM-4XPD``. 32⁸ ≈ 1.1 × 10¹² references, drawn at
random, so a reference cannot be guessed from another.

The QR code on the pre-registration page holds::

    MDC1.<reference grouped>

e.g. ``MDC1.K7QM-4XPD``: ``MDC1`` names the format and its version (mail-in papers carry
``MDG1``); every character is in the QR alphanumeric set and is typed the same by a USB
keyboard-wedge scanner on JIS and US layouts. The code carries no answers: the answers stay
on the server, editable until check-in.

:func:`parse` reads what a clerk scanned or typed: the QR text or the bare reference, in
any case, with or without hyphens or spaces, in full-width characters (a Japanese input
method left on) — and returns the canonical reference, or raises
:class:`MalformedReference`. This module is pure.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from django.utils.translation import gettext_lazy as _

from madoguchi.core.refusals import Refused

__all__ = [
    "ALPHABET",
    "LENGTH",
    "PREFIX",
    "MalformedReference",
    "grouped",
    "new",
    "parse",
    "payload",
]

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 8
PREFIX = "MDC1"

# Hyphens, dashes and spaces people or scanners put between the groups (after NFKC).
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー_]+")
_REFERENCE = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


class MalformedReference(Refused):
    code = "counter_reference_malformed"
    status = 422
    default_message = _(
        "This is not a pre-registration number. It has 8 letters and digits, such as "
        "K7QM-4XPD: scan the code again or type the number."
    )


def new() -> str:
    """A random reference (canonical form, no hyphen)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def grouped(reference: str) -> str:
    """``K7QM4XPD`` → ``K7QM-4XPD``, as shown, printed and read aloud."""
    return f"{reference[:4]}-{reference[4:]}"


def payload(reference: str) -> str:
    """The QR code's text for ``reference``."""
    return f"{PREFIX}.{grouped(reference)}"


def parse(text: str) -> str:
    """The canonical reference in a scanned or typed ``text``; raises MalformedReference."""
    normal = unicodedata.normalize("NFKC", text).strip().upper()
    if normal.startswith(PREFIX + "."):
        normal = normal[len(PREFIX) + 1 :]
    compact = _SEPARATORS.sub("", normal)
    if not _REFERENCE.fullmatch(compact):
        raise MalformedReference
    return compact
