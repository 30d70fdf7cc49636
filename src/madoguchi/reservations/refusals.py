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


# Check-in at reception (checkin.py): these speak to the clerk at the counter.


class UnknownBookingReference(ReservationRefused):
    code = "reservation_reference_unknown"
    status = 404
    default_message = _(
        "No booking has this number. Check the number with the visitor, or issue a number "
        "without a booking."
    )


class BookingAtAnotherCounter(ReservationRefused):
    code = "reservation_checkin_other_counter"
    status = 409
    default_message = _("This booking is for another counter. Check it in at that counter.")

    def __init__(self, *, counter: str) -> None:
        super().__init__(
            _("This booking is for %(counter)s. Check it in on that counter's page.")
            % {"counter": counter}
        )


class BookingOfAnotherDepartment(ReservationRefused):
    code = "reservation_checkin_other_department"
    status = 403
    default_message = _(
        "This booking is for a department you do not handle. Send the visitor to its counter."
    )

    def __init__(self, *, counter: str) -> None:
        super().__init__(
            _(
                "This booking is for %(counter)s, a department you do not handle. Send the "
                "visitor to its counter."
            )
            % {"counter": counter}
        )


class BookingWasCancelled(ReservationRefused):
    code = "reservation_checkin_cancelled"
    status = 409
    default_message = _(
        "This booking was cancelled. If the visitor is to be served today, issue a number "
        "without a booking."
    )


class BookingOnAnotherDay(ReservationRefused):
    code = "reservation_checkin_other_day"
    status = 409
    default_message = _("This booking is for another day, not today.")

    def __init__(self, *, day: str) -> None:
        super().__init__(
            _(
                "This booking is for %(day)s, not today. Check the day with the visitor; to "
                "serve them today, issue a number without a booking."
            )
            % {"day": day}
        )


class BookingMarkedNoShow(ReservationRefused):
    code = "reservation_checkin_no_show"
    status = 409
    default_message = _(
        "This booking is already marked as not come. If the visitor is here after all, "
        "mark them arrived in the day view."
    )
