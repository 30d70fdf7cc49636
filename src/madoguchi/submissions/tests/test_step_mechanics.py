"""Step mechanics (issue 13): Enter means 次へ, the postal lookup never erases an address,
一時保存 keeps what was typed, 「変更する」 returns to the review, and the language switch
keeps the page's answers. Without JavaScript, through the HTML pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from madoguchi.forms.models import FormVersion
from madoguchi.forms.schema import FormSchema
from madoguchi.submissions.models import Draft
from madoguchi.submissions.tests.test_views import (
    APPLICANT_PAGE,
    CHILD_SCHEMA,
    DETAILS_PAGE,
    answer_all,
    field_value,
    review_url,
    start,
    start_url,
    step_url,
)
from madoguchi.submissions.views.steps import _comparable, _lookup_address
from madoguchi.testing.factories import publish_form
from madoguchi.testing.http import redirect_of

pytestmark = pytest.mark.django_db

FULL_ADDRESS = "石川県加賀市大聖寺南町ニ41 市営住宅3-201"


@pytest.fixture
def resident() -> Client:
    cache.clear()
    return Client(headers={"accept-language": "en"})


def _to_contact_step(resident: Client, child_form: FormVersion) -> str:
    token = start(resident, child_form)
    resident.post(step_url(token, 1), {"has_child": "no"})
    return token


@pytest.fixture
def child_form(department: object) -> FormVersion:
    return publish_form(department=department, slug="kosodate", schema=CHILD_SCHEMA)


# --- 1. Enter means 次へ; the lookup never erases an address ----------------------------


def test_the_first_submit_button_of_a_step_page_is_next(
    resident: Client, child_form: FormVersion
) -> None:
    token = _to_contact_step(resident, child_form)

    html = resident.get(step_url(token, 3)).text

    buttons = re.findall(r'<button[^>]*type="submit"[^>]*>', html)
    assert 'name="lookup"' in "".join(buttons)
    assert 'name="action" value="next"' in buttons[0]
    assert 'form="step-form"' in buttons[0]
    assert 'aria-hidden="true"' in buttons[0] and 'tabindex="-1"' in buttons[0]


def test_find_address_keeps_a_longer_address_the_resident_typed(
    resident: Client, child_form: FormVersion
) -> None:
    token = _to_contact_step(resident, child_form)

    response = resident.post(
        step_url(token, 3),
        {"postal_code": "9228622", "address": FULL_ADDRESS, "lookup": "postal_code"},
    )

    assert response.status_code == 200
    assert field_value(response.text, "address") == FULL_ADDRESS
    assert "matches this postal code. It was not changed" in response.text


def test_find_address_offers_a_different_address_and_applies_it_only_when_asked(
    resident: Client, child_form: FormVersion
) -> None:
    token = _to_contact_step(resident, child_form)
    typed = {"postal_code": "9228622", "address": "東京都千代田区1-1"}

    offered = resident.post(step_url(token, 3), typed | {"lookup": "postal_code"})
    applied = resident.post(step_url(token, 3), typed | {"lookup_replace": "postal_code"})

    assert field_value(offered.text, "address") == "東京都千代田区1-1"
    assert "differs from the address you typed" in offered.text
    assert 'name="lookup_replace" value="postal_code"' in offered.text
    assert field_value(applied.text, "address") == "石川県加賀市大聖寺南町"


def test_find_address_completes_an_address_that_is_its_beginning(
    resident: Client, child_form: FormVersion
) -> None:
    token = _to_contact_step(resident, child_form)

    response = resident.post(
        step_url(token, 3),
        {"postal_code": "9228622", "address": "石川県 加賀市", "lookup": "postal_code"},
    )

    assert field_value(response.text, "address") == "石川県加賀市大聖寺南町"


def test_find_address_never_changes_an_address_locked_by_the_card(
    child_form: FormVersion,
) -> None:
    schema: FormSchema = child_form.schema
    values = {"postal_code": "9228622", "address": FULL_ADDRESS}

    with translation.override("en"):  # the notice is matched in English below
        result = _lookup_address(
            schema,
            {"postal_code", "address"},
            "postal_code",
            values,
            locked={"address": FULL_ADDRESS},
        )
        forced = _lookup_address(
            schema,
            {"postal_code", "address"},
            "postal_code",
            values,
            locked={"address": FULL_ADDRESS},
            replace=True,
        )

    assert values == {"postal_code": "9228622", "address": FULL_ADDRESS}
    assert "My Number Card" in result.notice and "My Number Card" in forced.notice


# --- 2. 一時保存 keeps what was typed ----------------------------------------------------


def test_saving_a_page_with_errors_keeps_what_was_typed_for_the_resume_link(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)

    saved = resident.post(
        step_url(token, 1),
        {"name": "加賀 太郎", "name_kana": "加賀", "email": "taro@", "action": "save"},
    )
    elsewhere = Client(headers={"accept-language": "en"})
    resumed = elsewhere.get(reverse("submissions:resume", kwargs={"token": token}), follow=True)

    saved_url = reverse("submissions:saved", kwargs={"token": token})
    assert redirect_of(saved) == (302, f"{saved_url}?step=1")
    assert Draft.objects.get().answers == {}
    assert resumed.redirect_chain[-1][0] == step_url(token, 1)
    assert field_value(resumed.text, "name") == "加賀 太郎"
    assert field_value(resumed.text, "name_kana") == "加賀"
    assert field_value(resumed.text, "email") == "taro@"
    assert 'class="error-summary"' not in resumed.text


def test_unchecked_answers_are_checked_before_the_review(
    resident: Client, form_version: FormVersion
) -> None:
    token = answer_all(resident, form_version)

    resident.post(step_url(token, 1), APPLICANT_PAGE | {"email": "taro@", "action": "save"})
    review = resident.get(review_url(token))
    fixed = resident.post(step_url(token, 1), APPLICANT_PAGE | {"email": "hanako@example.jp"})

    assert review.url == step_url(token, 1)
    assert redirect_of(fixed) == (302, step_url(token, 2))
    draft = Draft.objects.get()
    assert draft.typed == {}
    assert draft.answers["email"] == "hanako@example.jp"
    assert resident.get(review_url(token)).status_code == 200


def test_the_resume_link_without_a_step_leads_to_the_first_page_to_answer_or_the_review(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)
    resume = reverse("submissions:resume", kwargs={"token": token})

    first = resident.get(resume)
    resident.post(step_url(token, 1), APPLICANT_PAGE)
    second = resident.get(resume)
    resident.post(step_url(token, 2), DETAILS_PAGE)
    last = resident.get(resume)

    assert (first.url, second.url, last.url) == (
        step_url(token, 1),
        step_url(token, 2),
        review_url(token),
    )
    assert resident.get("/apply/unknown-token/").status_code == 404


def test_the_start_page_offers_to_continue_only_in_the_browser_that_has_the_draft(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)
    resident.get(step_url(token, 1))

    here = resident.get(start_url(form_version)).text
    other = Client(headers={"accept-language": "en"}).get(start_url(form_version)).text
    resident.post(reverse("submissions:discard", args=[token]))
    after_discard = resident.get(start_url(form_version)).text

    assert 'data-testid="continue-draft"' in here
    assert f'href="/apply/{token}/"' in here
    assert 'data-testid="continue-draft"' not in other
    assert 'data-testid="continue-draft"' not in after_discard


def test_the_resume_link_is_emailed_with_only_the_link_and_the_procedure_name(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)
    resident.post(step_url(token, 1), APPLICANT_PAGE | {"action": "save"})
    saved = reverse("submissions:saved", kwargs={"token": token})

    response = resident.post(saved, {"email": "taro@example.jp"})

    assert response.status_code == 200
    assert 'data-testid="resume-sent"' in response.text
    (message,) = mail.outbox
    assert message.to == ["taro@example.jp"]
    assert f"/apply/{token}/" in message.body
    assert form_version.schema.title.get("en") in message.body
    assert "加賀" not in message.body and "カガ" not in message.body


def test_emailing_the_resume_link_refuses_a_bad_address_and_too_many_requests(
    resident: Client, form_version: FormVersion, settings: Any
) -> None:
    settings.MADOGUCHI_RATE_LIMITS = settings.MADOGUCHI_RATE_LIMITS | {"resume_email": 3}
    token = start(resident, form_version)
    saved = reverse("submissions:saved", kwargs={"token": token})

    bad = resident.post(saved, {"email": "taro@"})
    statuses = [resident.post(saved, {"email": "taro@example.jp"}).status_code for _ in range(4)]

    assert bad.status_code == 422
    assert "Enter an email address in the correct format" in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert statuses[-1] == 429
    assert len(mail.outbox) == 3


# --- 3. 「変更する」 returns to the review ------------------------------------------------


def test_changing_an_answer_from_the_review_returns_to_the_review(
    resident: Client, form_version: FormVersion
) -> None:
    token = answer_all(resident, form_version)
    edit = f"{step_url(token, 1)}?return=review"

    page = resident.get(edit).text
    response = resident.post(edit, APPLICANT_PAGE | {"name": "加賀 花子"})

    assert '<input type="hidden" name="return" value="review">' in page
    assert response.url == review_url(token)
    assert Draft.objects.get().answers["name"] == "加賀 花子"


def test_a_change_that_shows_a_conditional_page_asks_it_before_the_review(
    resident: Client, child_form: FormVersion
) -> None:
    token = start(resident, child_form)
    resident.post(step_url(token, 1), {"has_child": "no"})
    resident.post(step_url(token, 3), {"postal_code": "", "address": ""})

    changed = resident.post(step_url(token, 1), {"has_child": "yes", "return": "review"})
    answered = resident.post(changed.url, {"child_name": "加賀 一郎"})

    assert changed.url == f"{step_url(token, 2)}?return=review"
    assert answered.url == review_url(token)


# --- 4. The language switch keeps what was typed ----------------------------------------


def test_switching_language_on_a_step_keeps_what_was_typed(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)

    switched = resident.post(
        step_url(token, 1), {"name": "加賀 太郎", "email": "taro@", "language": "ja"}
    )
    page = resident.get(switched.url)

    assert switched.status_code == 302
    assert switched.url == step_url(token, 1)
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    assert page.text.startswith('<!DOCTYPE html>\n<html lang="ja">')
    assert field_value(page.text, "name") == "加賀 太郎"
    assert field_value(page.text, "email") == "taro@"


def test_the_language_switch_of_a_step_page_submits_the_page(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)

    html = resident.get(step_url(token, 1)).text

    assert re.search(
        r'<button type="submit" form="step-form" formaction="[^"]+" name="language" value="ja"',
        html,
    )
    assert 'action="/i18n/setlang/"' not in html


ADDRESS_CHARACTERS = st.sampled_from("石川県加賀市大聖寺南町ニ41 -　東京都ｲｼｶﾜ")


@settings_hypothesis(max_examples=200, deadline=None)
@given(typed=st.text(alphabet=ADDRESS_CHARACTERS, max_size=30))
def test_find_address_never_loses_what_was_typed(typed: str) -> None:
    """Whatever was typed, the lookup (without 「この住所を使う」) either leaves the address as
    it was or extends it: every typed character (spaces and width aside) is still there."""
    schema = FormSchema.model_validate(CHILD_SCHEMA)
    values: dict[str, Any] = {"postal_code": "9228622", "address": typed}

    result = _lookup_address(schema, {"postal_code", "address"}, "postal_code", values, locked={})

    after = _comparable(values["address"])
    assert values["address"] == typed or after.startswith(_comparable(typed))
    assert result.errors == {}
