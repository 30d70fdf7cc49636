from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.counter import display, services
from madoguchi.counter.models import ApplicationState, Visit
from madoguchi.counter.refusals import AlreadySubmitted

from .card_helpers import a_counter

pytestmark = pytest.mark.django_db


def test_a_code_pairs_one_display_once_and_finds_its_visit_by_token() -> None:
    counter = a_counter()
    code = display.start_pairing(visit=counter.visit)

    visit, token = display.pair(code=code)

    assert visit == counter.visit
    assert display.visit_for_token(token) == counter.visit
    with pytest.raises(display.PairingRefused):
        display.pair(code=code)


def test_full_width_digits_from_a_japanese_keyboard_pair_too() -> None:
    counter = a_counter()
    code = display.start_pairing(visit=counter.visit)

    visit, _token = display.pair(
        code=code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    )

    assert visit == counter.visit


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.one_of(st.text(max_size=12), st.from_regex(r"\s*[0-9０-９]{6}\s*", fullmatch=True)))
def test_any_typed_text_pairs_only_when_it_is_the_code(typed: str) -> None:
    visit = Visit.objects.filter(display_code__gt="").first()
    if visit is None:
        visit = a_counter().visit
        display.start_pairing(visit=visit)
        visit.refresh_from_db()

    try:
        paired, _token = display.pair(code=typed)
    except display.PairingRefused:
        return

    assert paired == visit
    # Paired: the code is used up; draw a new one for the next example.
    display.start_pairing(visit=paired)


def test_a_new_pairing_replaces_the_old_display() -> None:
    counter = a_counter()
    _visit, first = display.pair(code=display.start_pairing(visit=counter.visit))

    _visit, second = display.pair(code=display.start_pairing(visit=counter.visit))

    assert display.visit_for_token(first) is None
    assert display.visit_for_token(second) == counter.visit


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 345", "１２３４５"])
def test_malformed_codes_are_refused(code: str) -> None:
    a_counter()

    with pytest.raises(display.PairingRefused):
        display.pair(code=code)


def test_an_expired_code_or_a_closed_visit_does_not_pair() -> None:
    counter = a_counter()
    code = display.start_pairing(visit=counter.visit)
    Visit.objects.filter(pk=counter.visit.pk).update(
        display_code_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(display.PairingRefused):
        display.pair(code=code)

    other = a_counter()
    _visit, token = display.pair(code=display.start_pairing(visit=other.visit))
    services.close_visit(visit=other.visit, clerk=other.clerk)
    assert display.visit_for_token(token) is None


def test_the_resident_confirms_exactly_the_answers_shown() -> None:
    counter = a_counter()
    display.show_for_confirmation(application=counter.application)
    shown = display.shown_application(counter.visit)
    assert shown == counter.application

    confirmed = display.confirm(
        application=counter.application, sha256=services.answers_sha256(counter.application)
    )

    assert confirmed.state == ApplicationState.CONFIRMED
    assert confirmed.confirmed_sha256 == services.answers_sha256(counter.application)


def test_answers_changed_while_shown_need_reading_again() -> None:
    counter = a_counter()
    display.show_for_confirmation(application=counter.application)
    seen = services.answers_sha256(counter.application)
    counter.application.answers = {**counter.application.answers, "purpose": "進学"}
    counter.application.save(update_fields=["answers"])

    with pytest.raises(display.StaleConfirmation):
        display.confirm(application=counter.application, sha256=seen)

    counter.application.refresh_from_db()
    assert counter.application.state == ApplicationState.CONFIRMING


def test_an_edit_after_confirmation_withdraws_it() -> None:
    counter = a_counter()
    display.show_for_confirmation(application=counter.application)
    display.confirm(
        application=counter.application, sha256=services.answers_sha256(counter.application)
    )

    services.edit_answers(
        application=counter.application,
        clerk=counter.clerk,
        answers={"purpose": "進学"},
        reason="住民の申し出",
    )

    counter.application.refresh_from_db()
    assert counter.application.state == ApplicationState.EDITING
    with pytest.raises(display.NotShown):
        display.confirm(
            application=counter.application, sha256=services.answers_sha256(counter.application)
        )


def test_showing_one_application_takes_the_other_down() -> None:
    counter = a_counter()
    second = services.add_application(
        visit=counter.visit,
        form_version=counter.application.form_version,
        answers={"purpose": "進学"},
        clerk=counter.clerk,
    )
    display.show_for_confirmation(application=counter.application)

    display.show_for_confirmation(application=second)

    counter.application.refresh_from_db()
    assert counter.application.state == ApplicationState.EDITING
    assert display.shown_application(counter.visit) == second


def test_tell_the_clerk_sends_the_application_back_flagged() -> None:
    counter = a_counter()
    display.show_for_confirmation(application=counter.application)

    flagged = display.flag(application=counter.application)

    assert flagged.state == ApplicationState.EDITING
    assert flagged.flagged_at is not None
    assert display.shown_application(counter.visit) is None
    again = display.show_for_confirmation(application=counter.application)
    assert again.flagged_at is None


def test_an_accepted_application_is_not_shown_again() -> None:
    counter = a_counter()
    counter.application.state = ApplicationState.SUBMITTED
    counter.application.save(update_fields=["state"])

    with pytest.raises(AlreadySubmitted):
        display.show_for_confirmation(application=counter.application)
