"""Reception (予約の受付): scanning the booking's code (or the booked pre-registration's, or
typing the number) marks the booking arrived and hands out its waiting number, once; every
refusal says why in the clerk's language; the pages are department-scoped."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.core.refusals import Refused
from madoguchi.counter import reference as counter_reference
from madoguchi.counter.models import Preregistration
from madoguchi.ledger.models import LedgerEntry
from madoguchi.reservations import checkin, notify, reference, services, waiting
from madoguchi.reservations.models import Booking, BookingStatus, Counter, WaitingTicket
from madoguchi.tenants.models import StaffMember
from madoguchi.testing import reservations as data
from madoguchi.testing.counter import clerk, counter_form, preregistration
from madoguchi.testing.factories import DepartmentFactory, StaffFactory
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db


def _today_at(hour: int) -> datetime:
    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)


def _booking(
    counter: Counter,
    *,
    start: datetime | None = None,
    status: BookingStatus = BookingStatus.BOOKED,
    prepared: Preregistration | None = None,
) -> Booking:
    """A booking of today (or ``start``) written directly: reception does not care how it
    was booked, and booking today is past the resident's cut-off."""
    start = start or _today_at(10)
    return Booking.objects.create(
        counter=counter,
        preregistration=prepared,
        start=start,
        end=start + timedelta(minutes=30),
        status=status,
        name="加賀 太郎",
        token_hash=secrets.token_hex(32),
        created_at=start - timedelta(days=3),
    )


def _prepared(counter: Counter) -> Preregistration:
    prepared, _token = preregistration(counter_form(department=counter.department))
    return prepared


def _clerk(counter: Counter) -> StaffMember:
    return clerk(counter.department)


def _code(booking: Booking) -> str:
    return reference.payload(booking.reference)


# Services -------------------------------------------------------------------------------


def test_scanning_the_booking_code_marks_it_arrived_and_hands_out_number_one() -> None:
    counter = data.counter()
    booking = _booking(counter)

    done = checkin.check_in(text=_code(booking), counter=counter, by=_clerk(counter))

    booking.refresh_from_db()
    assert booking.status == BookingStatus.ARRIVED
    assert (done.first, done.ticket.number, done.ticket.booking_id) == (True, 1, booking.pk)


def test_a_second_scan_shows_the_same_number_and_writes_nothing() -> None:
    counter = data.counter()
    booking = _booking(counter)
    staff = _clerk(counter)
    first = checkin.check_in(text=_code(booking), counter=counter, by=staff)
    entries = LedgerEntry.objects.count()

    again = checkin.check_in(text=booking.reference.lower(), counter=counter, by=staff)

    assert (again.first, again.ticket.pk) == (False, first.ticket.pk)
    assert WaitingTicket.objects.count() == 1
    assert LedgerEntry.objects.count() == entries


def test_a_booking_marked_arrived_in_the_day_view_keeps_its_number() -> None:
    counter = data.counter()
    booking = _booking(counter)
    staff = _clerk(counter)
    walk_in = waiting.issue(counter=counter, by=staff)
    services.mark(booking=booking, status=BookingStatus.ARRIVED, by=staff)

    done = checkin.check_in(text=_code(booking), counter=counter, by=staff)

    assert (done.first, done.ticket.number) == (False, walk_in.number + 1)


def test_the_pre_registration_code_of_a_booked_visit_checks_the_booking_in() -> None:
    counter = data.counter()
    prepared = _prepared(counter)
    _booking(counter, status=BookingStatus.CANCELLED, prepared=prepared)
    booking = _booking(counter, prepared=prepared)

    done = checkin.check_in(
        text=counter_reference.payload(prepared.reference), counter=counter, by=_clerk(counter)
    )
    typed = checkin.find_booking(text=prepared.reference, clerk=_clerk(counter))

    assert done.booking.pk == booking.pk == typed.pk
    assert [
        p.preregistration.pk for p in checkin.prepared_applications(booking, language="ja")
    ] == [prepared.pk]


def test_the_ledger_gets_pseudonyms_and_ids_never_the_name() -> None:
    counter = data.counter()
    booking = _booking(counter)
    before = LedgerEntry.objects.count()

    checkin.check_in(text=_code(booking), counter=counter, by=_clerk(counter))

    entries = list(LedgerEntry.objects.order_by("index")[before:])
    assert [e.event for e in entries] == ["reservation.arrived", "reservation.ticket_issued"]
    assert "加賀" not in repr([(e.actor, e.subject, e.detail) for e in entries])
    assert booking.reference not in repr([(e.actor, e.subject, e.detail) for e in entries])


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (BookingStatus.CANCELLED, "reservation_checkin_cancelled"),
        (BookingStatus.NO_SHOW, "reservation_checkin_no_show"),
    ],
)
def test_a_cancelled_or_no_show_booking_is_refused(status: BookingStatus, code: str) -> None:
    counter = data.counter()
    booking = _booking(counter, status=status)

    with pytest.raises(Refused) as refused:
        checkin.check_in(text=_code(booking), counter=counter, by=_clerk(counter))

    assert refused.value.code == code
    assert not WaitingTicket.objects.exists()
    booking.refresh_from_db()
    assert booking.status == status


def test_a_booking_of_another_day_is_refused_naming_its_day() -> None:
    counter = data.counter()
    booking = _booking(counter, start=data.at(9, 30))

    with pytest.raises(Refused) as refused:
        checkin.check_in(text=_code(booking), counter=counter, by=_clerk(counter))

    assert refused.value.code == "reservation_checkin_other_day"
    assert "2027/6/7 (月) 09:30" in str(refused.value.message)
    assert Booking.objects.get().status == BookingStatus.BOOKED


def test_a_booking_at_another_counter_of_the_department_is_refused_naming_it() -> None:
    counter = data.counter()
    other = Counter.objects.create(department=counter.department, name="証明書窓口")
    booking = _booking(other)

    with pytest.raises(Refused) as refused:
        checkin.check_in(text=_code(booking), counter=counter, by=_clerk(counter))

    assert refused.value.code == "reservation_checkin_other_counter"
    assert "証明書窓口" in str(refused.value.message)


def test_a_booking_of_another_department_is_refused_and_one_of_another_town_is_unknown() -> None:
    counter = data.counter()
    neighbour = data.counter(
        department=DepartmentFactory(municipality=counter.department.municipality)
    )
    elsewhere = _booking(data.counter())
    staff = _clerk(counter)

    with pytest.raises(Refused) as department:
        checkin.check_in(text=_code(_booking(neighbour)), counter=counter, by=staff)
    with pytest.raises(Refused) as town:
        checkin.check_in(text=_code(elsewhere), counter=counter, by=staff)

    assert department.value.code == "reservation_checkin_other_department"
    assert town.value.code == "reservation_reference_unknown"
    assert not WaitingTicket.objects.exists()


def test_an_unknown_or_malformed_number_is_refused() -> None:
    counter = data.counter()
    staff = _clerk(counter)

    with pytest.raises(Refused) as unknown:
        checkin.check_in(text="MDR1.2345-6789", counter=counter, by=staff)
    with pytest.raises(Refused) as malformed:
        checkin.check_in(text="hello", counter=counter, by=staff)

    assert unknown.value.code == "reservation_reference_unknown"
    assert malformed.value.code == "reservation_reference_malformed"


def test_a_clerk_of_another_department_cannot_check_in_at_the_counter() -> None:
    counter = data.counter()
    booking = _booking(counter)
    stranger = clerk(DepartmentFactory(municipality=counter.department.municipality))

    with pytest.raises(Refused) as refused:
        checkin.check_in(text=_code(booking), counter=counter, by=stranger)

    assert refused.value.code == "reservation_not_your_counter"


# Pages ----------------------------------------------------------------------------------


def _browser(counter: Counter, language: str = "en") -> Client:
    return log_in_staff(_clerk(counter), language=language)


def test_the_clerk_checks_in_and_the_page_shows_the_number_and_opens_the_application() -> None:
    counter = data.counter()
    prepared = _prepared(counter)
    booking = _booking(counter, prepared=prepared)
    browser = _browser(counter)
    url = reverse("reservations_staff:waiting_checkin", args=[counter.pk])

    answer = browser.post(url, {"scan": f"  {_code(booking)}\n"})
    page = browser.get(answer["Location"])
    again = browser.post(url, {"scan": booking.reference}, follow=True)

    ticket = WaitingTicket.objects.get()
    waiting_url = reverse("reservations_staff:waiting", args=[counter.pk])
    assert answer["Location"] == f"{waiting_url}?checked_in={booking.pk}"
    html = page.content.decode()
    assert "Checked in. Waiting number 1 is the visitor&#x27;s." in html
    assert 'data-testid="reception-number">1<' in html
    assert reverse("reservations_staff:ticket", args=[ticket.pk]) in html
    assert f'action="{reverse("counter:home")}"' in html
    assert f'name="scan" value="{prepared.reference}"' in html
    assert "data-qr-scan" in html
    assert "wasm-unsafe-eval" in page["Content-Security-Policy"]
    assert "its waiting number is still 1" in again.content.decode()
    assert WaitingTicket.objects.count() == 1


def test_a_refused_scan_keeps_what_was_typed_and_says_why_in_japanese() -> None:
    counter = data.counter()
    booking = _booking(counter, start=_today_at(10) + timedelta(days=1))
    browser = _browser(counter, language="ja")

    answer = browser.post(
        reverse("reservations_staff:waiting_checkin", args=[counter.pk]), {"scan": _code(booking)}
    )

    html = answer.content.decode()
    assert answer.status_code == 422
    assert "本日ではなく" in html
    assert f'value="{_code(booking)}"' in html
    assert 'aria-invalid="true"' in html
    assert not WaitingTicket.objects.exists()


def test_an_empty_scan_is_answered_on_the_page() -> None:
    counter = data.counter()

    answer = _browser(counter).post(
        reverse("reservations_staff:waiting_checkin", args=[counter.pk]), {"scan": " "}
    )

    assert answer.status_code == 422
    assert "This field is required." in answer.content.decode()


def test_staff_of_another_department_get_404_and_the_page_needs_a_login() -> None:
    counter = data.counter()
    booking = _booking(counter)
    stranger = log_in_staff(StaffFactory(municipality=counter.department.municipality))
    url = reverse("reservations_staff:waiting_checkin", args=[counter.pk])

    refused = stranger.post(url, {"scan": _code(booking)})
    anonymous = Client().post(url, {"scan": _code(booking)})

    assert refused.status_code == 404
    assert anonymous.status_code in (302, 403)
    assert Booking.objects.get().status == BookingStatus.BOOKED


def test_the_checked_in_panel_shows_only_a_booking_of_this_counter_today() -> None:
    counter = data.counter()
    other = data.counter(department=counter.department)
    elsewhere = _booking(other)
    checkin.check_in(text=_code(elsewhere), counter=other, by=_clerk(other))
    browser = _browser(counter)

    page = browser.get(
        reverse("reservations_staff:waiting", args=[counter.pk]) + f"?checked_in={elsewhere.pk}"
    )

    assert 'data-testid="reception-result"' not in page.content.decode()


# The resident's side ------------------------------------------------------------------


def test_the_booking_page_shows_the_code_and_number_and_saves_a_png() -> None:
    counter = data.counter()
    booking, token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", email="taro@example.jp", now=data.NOW
    )
    notify.send_confirmation(booking=booking, url="https://example.jp/b")
    browser = Client(HTTP_ACCEPT_LANGUAGE="ja")

    page = browser.get(reverse("reservations:booking", args=[token])).content.decode()
    png = browser.get(reverse("reservations:booking_code_png", args=[token]))
    ics = notify.ics_for(booking).decode()

    number = reference.grouped(booking.reference)
    assert 'data-testid="booking-code"' in page and "<svg" in page
    assert f"予約番号 {number}" in page
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert number in mail.outbox[0].body
    assert number in ics.replace("\r\n ", "")


def test_the_png_decodes_to_the_booking_code_and_nothing_personal() -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from io import BytesIO

    from PIL import Image

    counter = data.counter()
    booking, token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )

    png = Client().get(reverse("reservations:booking_code_png", args=[token])).content
    (found,) = zxingcpp.read_barcodes(Image.open(BytesIO(png)))

    assert found.text == f"MDR1.{reference.grouped(booking.reference)}"


def test_a_cancelled_booking_shows_no_code() -> None:
    counter = data.counter()
    _booked, token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )
    services.cancel(token=token)

    page = Client().get(reverse("reservations:booking", args=[token])).content.decode()
    png = Client().get(reverse("reservations:booking_code_png", args=[token]))

    assert 'data-testid="booking-code"' not in page
    assert png.status_code == 302


def test_every_booking_gets_its_own_number() -> None:
    counter = data.counter()

    numbers = {_booking(counter).reference for _ in range(20)}

    assert len(numbers) == 20
