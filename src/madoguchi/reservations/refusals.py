"""Why a visit cannot be booked, changed or marked: one :class:`ReservationRefused` per
reason, codes ``reservation_*`` (listed in docs/api.md "Error codes"). Most messages speak
to the resident booking; :class:`NotYourCounter` speaks to staff."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from madoguchi.core.refusals import Refused


class ReservationRefused(Refused):
    """A reservation action that cannot be carried out."""

    abstract = True


class SlotNotOffered(ReservationRefused):
    code = "reservation_slot_not_offered"
    status = 422
    default_message = _(
        "This time cannot be booked: the counter is closed then, or it is too soon or too "
        "far ahead. Choose another time from the calendar."
    )


class SlotFull(ReservationRefused):
    code = "reservation_slot_full"
    status = 409
    default_message = _(
        "Someone else has just booked the last place at this time. Choose another time."
    )


class UnknownBooking(ReservationRefused):
    code = "reservation_unknown"
    status = 404
    default_message = _(
        "No booking matches this link. Check that you opened the whole link from your email."
    )


class BookingClosed(ReservationRefused):
    code = "reservation_closed"
    status = 409
    default_message = _(
        "This booking can no longer be changed: it was cancelled, or the visit has taken "
        "place. Make a new booking if you still need to come."
    )


class NotYourCounter(ReservationRefused):
    code = "reservation_not_your_counter"
    status = 403
    default_message = _(
        "This counter belongs to a department you do not handle. Ask an administrator."
    )


class TicketClosed(ReservationRefused):
    code = "reservation_ticket_closed"
    status = 409
    default_message = _(
        "This number is not being called any more: it was served or marked absent meanwhile. "
        "Call the next number."
    )


class ProcedureNotOffered(ReservationRefused):
    code = "reservation_procedure_not_offered"
    status = 422
    default_message = _(
        "A procedure you chose cannot be booked at this counter (any more). Choose the "
        "procedures again from the counter's page."
    )
