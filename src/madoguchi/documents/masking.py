"""What a printed receipt must not show in full: account and card numbers.

A receipt is printed, mailed, photographed and left on desks, so numbers that let someone
draw money or pose as the resident show only their last digits (as bank statements do).
Fields are recognised by their key, the way forms name them (the demo 人間ドック form's
``account_number``; builder forms take the same names): any key that is, or ends with,
one of :data:`MASKED_KEYS`. The answers themselves are unchanged: the staff screen, the
exports and the signed application document inside the receipt keep the full value.
"""

from __future__ import annotations

import re

__all__ = ["MASKED_KEYS", "VISIBLE", "for_receipt", "is_masked", "mask"]

MASKED_KEYS = (
    "account_number",
    "account_no",
    "bank_account",
    "card_number",
    "credit_card",
    "my_number",
    "individual_number",
)
VISIBLE = 3  # digits left readable at the end, enough to recognise one's own account

_KEY = re.compile(rf"(?:^|_)(?:{'|'.join(MASKED_KEYS)})$")


def is_masked(key: str) -> bool:
    return _KEY.search(key) is not None


def mask(value: str, *, visible: int = VISIBLE) -> str:
    """``"1234567"`` → ``"****567"``: every letter or digit but the last ``visible`` hidden.

    Separators (spaces, hyphens) stay where they are; a value too short to hide anything
    is hidden entirely, so a short number is never shown in full.
    """
    positions = [i for i, char in enumerate(value) if char.isalnum()]
    shown = set(positions[-visible:]) if len(positions) > visible else set()
    return "".join(
        "*" if char.isalnum() and i not in shown else char for i, char in enumerate(value)
    )


def for_receipt(key: str, value: str) -> str:
    return mask(value) if is_masked(key) else value
