"""``{{ booking|procedure_titles }}``: a booking's procedures, titled in the page's language."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from madoguchi.reservations import selectors
from madoguchi.reservations.models import Booking

register = template.Library()


@register.filter
def procedure_titles(booking: Booking) -> list[str]:
    return selectors.booking_procedure_titles(booking, language=get_language() or "ja")
