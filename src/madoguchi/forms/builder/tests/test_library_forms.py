"""The library pages (new form, template copy, import) and the page editor check what staff
post with Django forms: every problem in the shared error summary, each a link to its input,
what was typed kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.forms.models import Form, FormVersion
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import DepartmentFactory, StaffFactory, publish_form
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db


def _summary(page: str) -> str:
    return page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]


def test_a_new_form_without_name_or_department_links_both_problems_to_their_inputs(
    staff: StaffMember,
) -> None:
    response = log_in_staff(staff).post(
        reverse("forms:new"), {"title_ja": "", "slug": "kosodate", "department": ""}
    )

    summary = _summary(response.text)
    assert response.status_code == 422
    assert "There are 2 problems to fix" in summary
    assert '<a href="#title_ja">' in summary and '<a href="#department">' in summary
    assert 'value="kosodate"' in response.text


def test_an_import_without_a_file_for_another_city_s_department_names_both(
    staff: StaffMember,
) -> None:
    elsewhere = DepartmentFactory()

    response = log_in_staff(staff).post(
        reverse("forms:import"), {"slug": "mine", "department": elsewhere.pk}
    )

    summary = _summary(response.text)
    assert response.status_code == 422
    assert '<a href="#file">Form file: Choose the form file to import.</a>' in summary
    assert '<a href="#department">' in summary
    assert 'aria-invalid="true" aria-describedby="file-error"' in response.text
    assert 'value="mine"' in response.text


def test_a_copy_without_a_template_names_it_and_keeps_the_url_name(
    staff: StaffMember, department: Department
) -> None:
    offered = publish_form(department=DepartmentFactory(), slug="offered")
    Form.objects.filter(pk=offered.form_id).update(is_template=True)

    response = log_in_staff(staff).post(
        reverse("forms:templates"), {"slug": "copy", "department": department.pk}
    )

    assert response.status_code == 422
    assert '<a href="#template">Template: Choose a template.</a>' in _summary(response.text)
    assert 'value="copy"' in response.text


def test_a_page_saved_without_a_japanese_title_links_the_problem_to_the_title(
    staff: StaffMember, department: Department
) -> None:
    browser = log_in_staff(staff)
    browser.post(
        reverse("forms:new"), {"title_ja": "相談", "slug": "soudan", "department": department.pk}
    )
    form = Form.objects.get(slug="soudan")
    url = reverse("forms:step", kwargs={"form_id": form.pk, "step_key": "step_1"})

    response = browser.post(url, {"title_ja": " ", "title_en": "Advice"})

    assert response.status_code == 422
    assert '<a href="#title_ja">' in _summary(response.text)
    assert 'aria-describedby="title_ja-error"' in response.text
    assert 'value="Advice"' in response.text


def test_a_structure_change_the_builder_does_not_know_is_refused_with_a_message(
    staff: StaffMember, department: Department
) -> None:
    browser = log_in_staff(staff)
    browser.post(
        reverse("forms:new"), {"title_ja": "相談", "slug": "soudan", "department": department.pk}
    )
    form = Form.objects.get(slug="soudan")
    url = reverse("forms:action", kwargs={"form_id": form.pk})
    headers = {"Accept": "application/json"}

    unknown = browser.post(url, {"action": "explode"}, headers=headers)
    no_number = browser.post(
        url, {"action": "move_field", "key": "x", "position": "top"}, headers=headers
    )

    assert unknown.status_code == 422
    assert unknown.json()["error"] == "That is not a change the builder knows."
    assert no_number.json()["error"] == "The position must be a number."


def test_the_municipality_admin_ticks_and_unticks_a_form_as_a_template(
    form_version: FormVersion,
) -> None:
    form = form_version.form
    admin = StaffFactory(municipality=form.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    browser = log_in_staff(admin)
    url = reverse("forms:mark_template", kwargs={"form_id": form.pk})

    browser.post(url, {"is_template": "on"})
    ticked = Form.objects.get(pk=form.pk).is_template
    browser.post(url, {})

    assert ticked and not Form.objects.get(pk=form.pk).is_template


def test_the_settings_page_names_every_problem_at_once_and_saves_nothing(
    staff: StaffMember, department: Department
) -> None:
    browser = log_in_staff(staff)
    browser.post(
        reverse("forms:new"), {"title_ja": "相談", "slug": "soudan", "department": department.pk}
    )
    form = Form.objects.get(slug="soudan")

    response = browser.post(
        reverse("forms:settings", kwargs={"form_id": form.pk}),
        {
            "title_ja": "相談",
            "identity": "none",
            "signature": "on",
            "channels": ["online", "fax"],
            "department": department.pk,
            "category_en": "Children",
            "opens_at": "someday",
            "max_submissions": "many",
        },
    )

    assert response.status_code == 422
    for problem in (
        "A signature needs identity verification with the My Number Card",
        "Enter the Japanese name of the category too.",
        "Enter dates such as 2026-04-01 09:00.",
        "Enter a whole number such as 100, or leave it empty.",
    ):
        assert problem in response.text
    assert Form.objects.get(pk=form.pk).category == {}
