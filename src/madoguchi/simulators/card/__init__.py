"""The virtual My Number Card (development and tests only): an APDU-exact card, served to a
real pcscd through vsmartcard's vpcd driver. See docs/counter.md, "The virtual card"."""

from .card import VirtualMyNumberCard, card_for

__all__ = ["VirtualMyNumberCard", "card_for"]
