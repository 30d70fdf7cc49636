"""The builder's pages without JavaScript: every change a POST with PRG, errors re-shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.forms.builder import selectors
from madoguchi.forms.models import Form, FormVersion
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import StaffFactory
from madoguchi.testing.http import redirect_of
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db


def test_staff_build_a_form_with_a_rule_preview_it_and_publish_it(
    staff: StaffMember, department: Department
) -> None:
    browser = log_in_staff(staff)
    response = browser.post(
        reverse("forms:new"),
        {"title_ja": "子育て相談申し込み", "slug": "kosodate", "department": department.pk},
    )
    form = Form.objects.get(slug="kosodate")
    assert response.url == reverse("forms:edit", kwargs={"form_id": form.pk})
    action = reverse("forms:action", kwargs={"form_id": form.pk})
    browser.post(
        action,
        {"action": "add_field", "key": "step_1", "field_type": "choice", "label_ja": "相談方法"},
    )
    browser.post(
        action,
        {"action": "add_field", "key": "step_1", "field_type": "email", "label_ja": "メール"},
    )
    field_url = reverse("forms:field", kwargs={"form_id": form.pk, "field_key": "choice_1"})

    refused = browser.post(
        field_url,
        {"label_ja": "相談方法", "options": "来所\nbad value | オンライン | x", "widget": "radio"},
    )
    assert refused.status_code == 422
    assert "bad value" in refused.content.decode()  # what was typed is shown again
    browser.post(
        field_url,
        {
            "label_ja": "相談方法",
            "options": "来所\nオンライン",
            "widget": "radio",
            "required": "on",
        },
    )
    email_url = reverse("forms:field", kwargs={"form_id": form.pk, "field_key": "email_1"})
    # New questions are required by default: this one only under a rule.
    browser.post(email_url, {"label_ja": "メール"})
    page = browser.get(email_url, {"required_if_field": "choice_1"})
    assert "オンライン" in page.content.decode()
    browser.post(
        email_url,
        {
            "rule_target": "required_if",
            "rule_action": "add",
            "rule_field": "choice_1",
            "op": "eq",
            "value": "option_2",
        },
    )
    edit = browser.get(reverse("forms:edit", kwargs={"form_id": form.pk})).content.decode()
    assert "when “相談方法” is “オンライン”" in edit

    preview_url = reverse("forms:preview", kwargs={"form_id": form.pk})
    checked = browser.post(preview_url, {"choice_1": "option_2"})
    assert checked.status_code == 422
    assert "Enter “メール”." in checked.content.decode()
    assert browser.post(preview_url, {"choice_1": "option_1"}).status_code == 200

    published = browser.post(reverse("forms:publish", kwargs={"form_id": form.pk}))
    assert redirect_of(published) == (302, reverse("forms:edit", kwargs={"form_id": form.pk}))
    form.refresh_from_db()
    assert form.current_version is not None
    assert form.current_version.schema.field("email_1").required_if == {
        "==": [{"var": "choice_1"}, "option_2"]
    }


def test_a_broken_draft_lists_each_problem_with_a_link_to_it(
    staff: StaffMember, department: Department
) -> None:
    browser = log_in_staff(staff)
    browser.post(
        reverse("forms:new"), {"title_ja": "壊れた", "slug": "broken", "department": department.pk}
    )
    form = Form.objects.get(slug="broken")
    browser.post(
        reverse("forms:action", kwargs={"form_id": form.pk}),
        {"action": "add_field", "key": "step_1", "field_type": "choice", "label_ja": "種類"},
    )

    response = browser.post(reverse("forms:publish", kwargs={"form_id": form.pk}))

    assert response.status_code == 422
    page = response.content.decode()
    assert "The choice question “種類” has no options: add at least one." in page
    assert reverse("forms:field", kwargs={"form_id": form.pk, "field_key": "choice_1"}) in page


def test_a_signature_without_my_number_identity_is_refused_in_settings(
    staff: StaffMember, form_version: FormVersion
) -> None:
    browser = log_in_staff(staff)
    form = form_version.form

    response = browser.post(
        reverse("forms:settings", kwargs={"form_id": form.pk}),
        {
            "title_ja": "テスト申請",
            "identity": "none",
            "signature": "on",
            "channels": ["online"],
            "department": form.department_id,
        },
    )

    assert response.status_code == 422
    assert (
        "A signature needs identity verification with the My Number Card"
        in response.content.decode()
    )


def test_read_only_staff_see_the_form_but_cannot_change_it(form_version: FormVersion) -> None:
    form = form_version.form
    viewer = StaffFactory(
        municipality=form.municipality, role=StaffRole.READ_ONLY, departments=[form.department]
    )
    browser = log_in_staff(viewer)

    page = browser.get(reverse("forms:edit", kwargs={"form_id": form.pk}))
    posted = browser.post(
        reverse("forms:action", kwargs={"form_id": form.pk}),
        {"action": "remove_field", "key": "name"},
    )

    assert page.status_code == 200
    assert "You can look at this form but not change it." in page.content.decode()
    assert posted.status_code == 403
    assert selectors.draft_of(form) is None


def test_versions_page_explains_changes_and_rolls_back(
    staff: StaffMember, form_version: FormVersion
) -> None:
    browser = log_in_staff(staff)
    form = form_version.form
    browser.post(
        reverse("forms:action", kwargs={"form_id": form.pk}),
        {"action": "remove_field", "key": "count"},
    )
    browser.post(reverse("forms:publish", kwargs={"form_id": form.pk}))

    page = browser.get(reverse("forms:versions", kwargs={"form_id": form.pk})).content.decode()
    browser.post(reverse("forms:versions", kwargs={"form_id": form.pk}), {"number": "1"})

    assert "Removed question “人数”" in page
    form.refresh_from_db()
    assert form.current_version is not None and form.current_version.number == 3
    assert form.current_version.definition == form_version.definition


def test_drag_and_drop_posts_the_same_move_action(
    staff: StaffMember, form_version: FormVersion
) -> None:
    browser = log_in_staff(staff)
    form = form_version.form

    response = browser.post(
        reverse("forms:action", kwargs={"form_id": form.pk}),
        {"action": "move_field", "key": "count", "step": "applicant", "position": "0"},
        HTTP_ACCEPT="application/json",
    )

    assert response.json() == {"ok": True}
    draft = selectors.draft_of(form)
    assert draft is not None and draft.definition["steps"][0]["fields"][0]["key"] == "count"
