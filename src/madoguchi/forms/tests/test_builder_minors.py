"""The builder's smaller promises to department authors (issue 13): each one a test."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.forms import builder_selectors
from madoguchi.forms.models import FormVersion
from madoguchi.tenants.models import StaffMember

from .test_builder_views import logged_in

pytestmark = pytest.mark.django_db


def test_the_settings_choose_which_status_changes_email_the_applicant(
    staff: StaffMember, form_version: FormVersion
) -> None:
    browser = logged_in(staff)
    form = form_version.form
    url = reverse("forms:settings", kwargs={"form_id": form.pk})
    page = browser.get(url).content.decode()

    browser.post(
        url,
        {
            "title_ja": "テスト申請",
            "identity": "none",
            "channels": ["online"],
            "department": form.department_id,
            "notify_statuses": ["in_review", "approved", "bogus"],
        },
    )

    # The default is what the applicant should hear about: decisions and results.
    assert 'id="notify-approved" name="notify_statuses" value="approved" checked' in page
    assert 'value="in_review">' in page
    draft = builder_selectors.draft_of(form)
    assert draft is not None and draft.definition["notify_statuses"] == ["in_review", "approved"]
