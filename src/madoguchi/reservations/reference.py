"""Booking references (予約番号) and the text of the booking's QR code, version 1.

A booking reference is drawn like a pre-registration's (counter/reference.py): 8 characters
from the same 32-character alphabet without 0/O and 1/I, shown grouped by four
(``K7QM-4XPD``), unique per booking. The QR code on the booking's page holds::

    MDR1.<reference grouped>

e.g. ``MDR1.K7QM-4XPD``: ``MDR1`` names the format and its version, beside the
pre-registration's ``MDC1`` and the mail-in paper's ``MDG1``. It carries nothing else: no
name, no time, no procedure.

:func:`parse` reads what a clerk scanned or typed at reception: the ``MDR1`` text, the
pre-registration's ``MDC1`` text (a booked pre-registration checks its booking in), or a bare
reference — any case, with or without hyphens or spaces, full width (a Japanese input method
left on). This module is pure.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass

import jaconv
from django.utils.translation import gettext_lazy as _

from madoguchi.core.refusals import Refused
from madoguchi.counter import reference as counter_references

__all__ = [
    "PREFIX",
    "MalformedBookingReference",
    "ScanKind",
    "Scanned",
    "grouped",
    "new",
    "parse",
    "payload",
]

PREFIX = "MDR1"


class MalformedBookingReference(Refused):
    code = "reservation_reference_malformed"
    status = 422
    default_message = _(
        "This is not a booking number or code. A booking number has 8 letters and digits, "
        "such as K7QM-4XPD: scan the code again or type the number."
    )


class ScanKind(enum.Enum):
    """What a scanned text names: a booking (``MDR1``), a pre-registration (``MDC1``), or
    either (a bare reference typed by hand)."""

    BOOKING = "booking"
    PREREGISTRATION = "preregistration"
    EITHER = "either"


@dataclass(frozen=True)
class Scanned:
    kind: ScanKind
    reference: str


def new() -> str:
    """A random booking reference (canonical form, no hyphen)."""
    return counter_references.new()


def grouped(reference: str) -> str:
    """``K7QM4XPD`` → ``K7QM-4XPD``."""
    return counter_references.grouped(reference)


def payload(reference: str) -> str:
    """The booking QR code's text for ``reference``."""
    return f"{PREFIX}.{grouped(reference)}"


def parse(text: str) -> Scanned:
    """What a scanned or typed ``text`` names; raises :class:`MalformedBookingReference`."""
    half = jaconv.z2h(text, kana=False, ascii=True, digit=True)
    normal = unicodedata.normalize("NFKC", half).strip().upper()
    kind = ScanKind.EITHER
    for prefix, named in (
        (PREFIX, ScanKind.BOOKING),
        (counter_references.PREFIX, ScanKind.PREREGISTRATION),
    ):
        if normal.startswith(prefix + "."):
            normal, kind = normal[len(prefix) + 1 :], named
            break
    if "." in normal:  # another format's code, or a second prefix
        raise MalformedBookingReference
    try:
        # The pre-registration's reader takes the separators, case and width the same way.
        return Scanned(kind=kind, reference=counter_references.parse(normal))
    except counter_references.MalformedReference:
        raise MalformedBookingReference from None
