"""The settings page edits the mail block of a form that offers print and post."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from madoguchi.forms.builder import diff as builder_diff
from madoguchi.forms.builder import selectors
from madoguchi.forms.models import Form, FormVersion
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db


def settings_post(form: Form, **extra: Any) -> dict[str, Any]:
    return {
        "title_ja": "テスト申請",
        "identity": "none",
        "channels": ["online", "mail"],
        "department": form.department_id,
        "mail_settings": "on",
    } | extra


def test_staff_set_the_enclosures_signature_and_description_and_publish_them(
    staff: StaffMember, form_version: FormVersion
) -> None:
    browser = log_in_staff(staff)
    form = form_version.form
    url = reverse("forms:settings", kwargs={"form_id": form.pk})

    saved = browser.post(
        url,
        settings_post(
            form,
            mail_enclosures="本人確認書類の写し | A copy of your ID\n\n返信用封筒\n",
            mail_handwritten_signature="on",
            mail_description_ja="原本の送付が必要な方は郵送で。",
            mail_description_en="Post it if you must send originals.",
        ),
    )

    assert saved.status_code == 302
    page = browser.get(url).content.decode()
    assert "本人確認書類の写し | A copy of your ID\n返信用封筒</textarea>" in page
    published = browser.post(reverse("forms:publish", kwargs={"form_id": form.pk}))
    assert published.status_code == 302
    form.refresh_from_db()
    assert form.current_version is not None
    mail = form.current_version.schema.mail
    assert mail is not None
    assert [e.get("en") for e in mail.enclosures] == ["A copy of your ID", "返信用封筒"]
    assert mail.handwritten_signature is True
    assert mail.description is not None
    assert mail.description.get("en") == "Post it if you must send originals."


def test_a_wrong_enclosure_list_is_refused_and_what_was_typed_is_shown_again(
    staff: StaffMember, form_version: FormVersion
) -> None:
    browser = log_in_staff(staff)
    form = form_version.form
    typed = "\n".join(f"同封物{n}" for n in range(21)) + "\n| only English"

    response = browser.post(
        reverse("forms:settings", kwargs={"form_id": form.pk}),
        settings_post(form, mail_enclosures=typed, mail_description_en="Only English"),
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "Please fix the following" in page
    assert "Line 22: the Japanese text is empty." in page
    assert "List at most 20 enclosures (there are 21)." in page
    assert '<a href="#mail_description_ja">Enter the Japanese text too.</a>' in page
    assert "同封物20\n| only English</textarea>" in page
    draft = selectors.draft_of(form)
    assert draft is None or "mail" not in draft.definition


def test_the_mail_block_is_kept_when_the_page_did_not_show_it(
    staff: StaffMember, form_version: FormVersion
) -> None:
    browser = log_in_staff(staff)
    form = form_version.form
    url = reverse("forms:settings", kwargs={"form_id": form.pk})
    browser.post(url, settings_post(form, mail_enclosures="返信用封筒"))

    # Post is unticked, then ticked again by a page that had no mail inputs.
    browser.post(url, settings_post(form, channels=["online"], mail_enclosures=""))
    page = browser.get(url).content.decode()
    assert "mail_enclosures" not in page
    browser.post(url, {k: v for k, v in settings_post(form).items() if k != "mail_settings"})

    assert "返信用封筒</textarea>" in browser.get(url).content.decode()


def test_the_version_diff_names_each_mail_setting_that_changed() -> None:
    old: dict[str, Any] = {"title": {"ja": "申請"}, "steps": [{"key": "s", "fields": []}]}
    new = old | {
        "mail": {
            "enclosures": [{"ja": "返信用封筒", "en": "A return envelope"}],
            "handwritten_signature": True,
        }
    }

    changes = builder_diff.diff(old, new, language="en")

    assert changes == [
        "Changed the enclosures to post from “(none)” to “A return envelope”",
        "Changed the handwritten signature box from “no” to “yes”",
    ]


def test_the_mail_settings_read_in_japanese(staff: StaffMember, form_version: FormVersion) -> None:
    browser = log_in_staff(staff, language="ja")
    form = form_version.form

    response = browser.post(
        reverse("forms:settings", kwargs={"form_id": form.pk}),
        settings_post(form, mail_enclosures="| only English"),
    )

    page = response.content.decode()
    assert "封筒に同封するもの（1行に1つ）" in page
    assert "1行目：日本語が空です。" in page
    assert "申請者の自署欄を印刷する" in page
