"""The staff-assisted entry pages through the test client: what the clerk sees and posts."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from madoguchi.counter.models import Visit, VisitApplication
from madoguchi.counter.tests.test_assisted import card_read
from madoguchi.mailin.models import MailApplication
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.counter_assisted import (
    MOVING_IN_POST,
    PERSON,
    PERSON_POST,
    counter_procedures,
    visit_of,
)
from madoguchi.testing.factories import DepartmentFactory, StaffFactory
from madoguchi.testing.staff import LogIn

pytestmark = pytest.mark.django_db


def test_the_start_page_lists_counter_procedures_and_a_search_that_works_without_js(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    counter_procedures(department)
    visit = visit_of(staff)
    browser = log_in(staff)
    url = reverse("counter:assisted_start", args=[visit.pk])

    everything = browser.get(url).content.decode()
    searched = browser.get(url, {"q": "転入"}).content.decode()

    # The browser asks for English: the titles read in English.
    assert "Notification of moving in" in everything and "Child allowance claim" in everything
    assert "Bulky waste" not in everything
    assert "Notification of moving in" in searched and "Child allowance claim" not in searched


def test_the_person_typed_on_the_person_page_fills_the_next_form(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    moving_in, _allowance = counter_procedures(department)
    visit = visit_of(staff)
    browser = log_in(staff)

    response = browser.post(reverse("counter:assisted_person", args=[visit.pk]), PERSON_POST)
    page = browser.get(reverse("counter:assisted_fill", args=[visit.pk, moving_in.form_id]))

    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.person == PERSON
    html = page.content.decode()
    assert 'value="加賀 太郎"' in html
    assert 'value="石川県加賀市大聖寺南町ニ41"' in html
    assert "documents are checked at the counter" in html


def test_a_person_page_with_problems_shows_them_all_and_keeps_what_was_typed(
    staff: StaffMember, log_in: LogIn
) -> None:
    visit = visit_of(staff)
    browser = log_in(staff)

    response = browser.post(
        reverse("counter:assisted_person", args=[visit.pk]),
        {"name": "加賀 太郎", "birth_date__year": "1985", "birth_date__month": "13"},
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert html.count("<li><a href=") >= 3
    assert 'value="加賀 太郎"' in html


def test_saving_a_procedure_adds_it_to_the_visit_and_offers_another_and_the_paper(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    moving_in, _allowance = counter_procedures(department)
    visit = visit_of(staff)
    browser = log_in(staff)

    response = browser.post(
        reverse("counter:assisted_fill", args=[visit.pk, moving_in.form_id]), MOVING_IN_POST
    )

    application = VisitApplication.objects.get(visit=visit)
    assert response.status_code == 302
    assert response["Location"] == reverse("counter:assisted_saved", args=[application.pk])
    saved = browser.get(response["Location"]).content.decode()
    assert reverse("counter:assisted_start", args=[visit.pk]) in saved
    assert reverse("counter:assisted_print", args=[application.pk]) in saved
    assert "東京都千代田区霞が関1-1" in saved


def test_a_form_with_problems_comes_back_with_every_one_and_the_answers_kept(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    moving_in, _allowance = counter_procedures(department)
    visit = visit_of(staff)
    browser = log_in(staff)

    response = browser.post(
        reverse("counter:assisted_fill", args=[visit.pk, moving_in.form_id]),
        MOVING_IN_POST | {"phone": "でんわ", "previous_address": ""},
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert 'href="#field-phone"' in html and 'href="#field-previous_address"' in html
    assert 'value="でんわ"' in html
    assert not VisitApplication.objects.filter(visit=visit).exists()


def test_the_address_lookup_fills_the_address_without_javascript(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    moving_in, _allowance = counter_procedures(department)
    visit = visit_of(staff)
    browser = log_in(staff)

    response = browser.post(
        reverse("counter:assisted_fill", args=[visit.pk, moving_in.form_id]),
        MOVING_IN_POST | {"postal_code": "9228622", "address": "", "lookup": "postal_code"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="922-8622"' in html
    assert "加賀市" in html
    assert not VisitApplication.objects.filter(visit=visit).exists()


def test_printing_downloads_the_mail_in_pdf_of_the_application(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    moving_in, _allowance = counter_procedures(department)
    visit = visit_of(staff)
    browser = log_in(staff)
    browser.post(
        reverse("counter:assisted_fill", args=[visit.pk, moving_in.form_id]), MOVING_IN_POST
    )
    application = VisitApplication.objects.get(visit=visit)

    response = browser.post(reverse("counter:assisted_print", args=[application.pk]))
    pdf = browser.get(response["Location"])

    paper = MailApplication.objects.get()
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert paper.reference in pdf["Content-Disposition"]
    assert pdf.content.startswith(b"%PDF")


def test_read_only_staff_get_a_clear_refusal_and_other_cities_a_404(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    visit = visit_of(staff)
    reader: Any = StaffFactory(
        municipality=department.municipality, departments=[department], role=StaffRole.READ_ONLY
    )
    stranger: Any = StaffFactory()

    refused = log_in(reader).get(reverse("counter:assisted_start", args=[visit.pk]))
    hidden = log_in(stranger).get(reverse("counter:assisted_start", args=[visit.pk]))

    assert refused.status_code == 403
    assert 'data-testid="assisted-refused"' in refused.content.decode()
    assert hidden.status_code == 404
    assert Visit.objects.filter(pk=visit.pk, person={}).exists()


def test_after_a_card_read_the_cards_items_show_locked_on_the_form(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    moving_in, _allowance = counter_procedures(department)
    visit = card_read(visit_of(staff))
    browser = log_in(staff)

    html = browser.get(
        reverse("counter:assisted_fill", args=[visit.pk, moving_in.form_id])
    ).content.decode()
    person = browser.get(reverse("counter:assisted_person", args=[visit.pk])).content.decode()

    assert 'id="field-name" name="name" value="加賀 太郎" type="text"' in html
    assert 'id="field-name-locked"' in html
    assert 'id="field-phone-locked"' not in html
    # The person page shows the card's items and offers nothing to type over them.
    assert "person-form" not in person


def test_staff_of_another_department_cannot_open_a_visits_application_or_its_paper(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    moving_in, _allowance = counter_procedures(department)
    visit = visit_of(staff)
    browser = log_in(staff)
    browser.post(
        reverse("counter:assisted_fill", args=[visit.pk, moving_in.form_id]), MOVING_IN_POST
    )
    application = VisitApplication.objects.get(visit=visit)
    colleague: Any = StaffFactory(
        municipality=department.municipality,
        departments=[DepartmentFactory(municipality=department.municipality)],
    )
    other = log_in(colleague)

    saved = other.get(reverse("counter:assisted_saved", args=[application.pk]))
    printed = other.post(reverse("counter:assisted_print", args=[application.pk]))

    assert saved.status_code == 404
    assert printed.status_code == 404
    assert not MailApplication.objects.exists()
