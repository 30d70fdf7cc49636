"""The resident's journey through the HTML pages, without JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from madoguchi.forms.models import FormVersion
from madoguchi.submissions import selectors
from madoguchi.submissions.models import Draft, Submission
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import SIMPLE_SCHEMA, publish_form
from madoguchi.testing.http import redirect_of

pytestmark = pytest.mark.django_db

APPLICANT_PAGE = {"name": "加賀 太郎", "name_kana": "かが たろう", "email": "taro@example.jp"}
DETAILS_PAGE = {"method": "visit", "count": "2"}

CHILD_SCHEMA: dict[str, Any] = {
    "title": {"ja": "子育て相談", "en": "Parenting consultation"},
    "steps": [
        {
            "key": "family",
            "title": {"ja": "ご家族", "en": "Family"},
            "fields": [
                {
                    "key": "has_child",
                    "type": "choice",
                    "label": {"ja": "お子さんはいますか", "en": "Do you have children?"},
                    "required": True,
                    "options": [
                        {"value": "yes", "label": "はい"},
                        {"value": "no", "label": "いいえ"},
                    ],
                },
            ],
        },
        {
            "key": "child",
            "title": {"ja": "お子さん", "en": "Your child"},
            "visible_if": {"==": [{"var": "has_child"}, "yes"]},
            "fields": [
                {"key": "child_name", "type": "text", "label": "お子さんの氏名", "required": True}
            ],
        },
        {
            "key": "contact",
            "title": {"ja": "連絡先", "en": "Contact"},
            "fields": [
                {
                    "key": "postal_code",
                    "type": "postal_code",
                    "label": {"ja": "郵便番号", "en": "Postal code"},
                    "address_field": "address",
                },
                {"key": "address", "type": "text", "label": {"ja": "住所", "en": "Address"}},
            ],
        },
    ],
}


@pytest.fixture
def resident() -> Client:
    """A browser set to English, so that assertions do not depend on the translators' wording."""
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def child_form(department: Department) -> FormVersion:
    return publish_form(department=department, slug="kosodate", schema=CHILD_SCHEMA)


def start_url(form_version: FormVersion) -> str:
    form = form_version.form
    return reverse("submissions:form_start", args=[form.municipality.lg_code, form.slug])


def step_url(token: str, number: int) -> str:
    return reverse("submissions:step", kwargs={"token": token, "number": number})


def review_url(token: str) -> str:
    return reverse("submissions:review", kwargs={"token": token})


def start(client: Client, form_version: FormVersion) -> str:
    """Press "Start the application"; returns the resume token from the redirect."""
    response = client.post(start_url(form_version))
    assert response.status_code == 302
    token: str = resolve(response.url).kwargs["token"]
    return token


def answer_all(client: Client, form_version: FormVersion) -> str:
    token = start(client, form_version)
    for number, page in enumerate([APPLICANT_PAGE, DETAILS_PAGE], start=1):
        assert client.post(step_url(token, number), page).status_code == 302
    return token


def field_value(html: str, key: str) -> str:
    match = re.search(rf'<input id="field-{key}" name="{key}" value="([^"]*)"', html)
    assert match, f"no input for {key}"
    return match.group(1)


# --- starting -----------------------------------------------------------------------------


def test_the_start_page_describes_the_form(resident: Client, form_version: FormVersion) -> None:
    response = resident.get(start_url(form_version))

    assert response.status_code == 200
    assert "Test application" in response.text
    assert "Start the application" in response.text


def test_starting_creates_a_draft_and_opens_the_first_step(
    resident: Client, form_version: FormVersion
) -> None:
    response = resident.post(start_url(form_version))

    draft = Draft.objects.get()
    token = resolve(response.url).kwargs["token"]
    assert response.url == step_url(token, 1)
    assert draft.form_version == form_version
    assert draft.language == "en"


def test_an_unpublished_or_unknown_form_is_not_found(
    resident: Client, form_version: FormVersion
) -> None:
    lg_code = form_version.form.municipality.lg_code

    assert resident.get(f"/{lg_code}/no-such-form/").status_code == 404
    assert resident.post(f"/999999/{form_version.form.slug}/").status_code == 404


def test_a_form_needing_my_number_card_cannot_be_started_online(
    resident: Client, department: Department
) -> None:
    form_version = publish_form(
        department=department, schema=SIMPLE_SCHEMA | {"identity": "mynumber_auth"}
    )

    response = resident.post(start_url(form_version))

    assert response.status_code == 200
    assert "My Number Card" in response.text
    assert not Draft.objects.exists()


def test_starting_too_many_applications_from_one_address_is_slowed_down(
    resident: Client, form_version: FormVersion, settings: Any
) -> None:
    settings.MADOGUCHI_RATE_LIMITS = settings.MADOGUCHI_RATE_LIMITS | {"draft_start": 1}
    cache.clear()

    statuses = [resident.post(start_url(form_version)).status_code for _ in range(2)]

    cache.clear()
    assert statuses == [302, 429]
    assert Draft.objects.count() == 1


# --- answering steps ----------------------------------------------------------------------


def test_a_valid_step_is_saved_and_leads_to_the_next(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)

    response = resident.post(step_url(token, 1), APPLICANT_PAGE)

    assert response.status_code == 302
    assert response.url == step_url(token, 2)
    assert Draft.objects.get().answers["name_kana"] == "カガ\u3000タロウ"


def test_invalid_answers_are_shown_again_with_an_error_summary_linking_to_each_field(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)

    response = resident.post(
        step_url(token, 1), {"name": "", "name_kana": "加賀 太郎", "email": "taro@"}
    )

    html = response.text
    assert response.status_code == 422
    assert 'class="error-summary"' in html
    assert re.search(r'<a href="#field-name">[^<]*Enter “Name”\.</a>', html)
    assert '<a href="#field-name_kana">' in html
    assert '<a href="#field-email">' in html
    assert field_value(html, "name_kana") == "加賀 太郎"
    assert field_value(html, "email") == "taro@"
    assert 'aria-describedby="field-email-error" aria-invalid="true"' in html
    assert Draft.objects.get().answers == {}


def test_a_later_step_cannot_be_opened_before_the_earlier_ones_are_done(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)

    assert resident.get(step_url(token, 2)).url == step_url(token, 1)
    assert resident.post(step_url(token, 2), DETAILS_PAGE).url == step_url(token, 1)
    assert resident.get(step_url(token, 99)).url == step_url(token, 1)
    assert resident.get(review_url(token)).url == step_url(token, 1)
    assert Draft.objects.get().answers == {}


def test_save_and_continue_later_shows_the_saved_page_with_the_resume_link(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)

    response = resident.post(step_url(token, 1), APPLICANT_PAGE | {"action": "save"}, follow=True)

    saved = reverse("submissions:saved", kwargs={"token": token})
    assert response.redirect_chain == [(f"{saved}?step=1", 302)]
    assert "Your answers were saved" in response.text
    assert f"/apply/{token}/" in response.text
    assert f'href="{step_url(token, 1)}" data-testid="continue-now"' in response.text


def test_a_conditional_field_is_hidden_until_its_condition_holds(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)
    resident.post(step_url(token, 1), APPLICANT_PAGE)

    page = resident.get(step_url(token, 2)).text
    refused = resident.post(step_url(token, 2), {"method": "online"})

    assert re.search(r'data-field="online_tool" data-visible-if="[^"]+"[^>]* hidden>', page)
    assert refused.status_code == 422
    assert '<a href="#field-online_tool">' in refused.text
    assert not re.search(
        r'data-field="online_tool" data-visible-if="[^"]+"[^>]* hidden>', refused.text
    )


def test_an_answer_to_a_hidden_field_is_not_kept(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)
    resident.post(step_url(token, 1), APPLICANT_PAGE)

    resident.post(step_url(token, 2), {"method": "visit", "online_tool": "Zoom"})

    assert "online_tool" not in Draft.objects.get().answers


def test_a_step_whose_condition_does_not_hold_is_skipped(
    resident: Client, child_form: FormVersion
) -> None:
    token = start(resident, child_form)

    response = resident.post(step_url(token, 1), {"has_child": "no"})

    assert response.url == step_url(token, 3)
    assert resident.get(step_url(token, 2)).url == step_url(token, 3)


def test_a_step_whose_condition_holds_is_asked(resident: Client, child_form: FormVersion) -> None:
    token = start(resident, child_form)

    response = resident.post(step_url(token, 1), {"has_child": "yes"})

    assert response.url == step_url(token, 2)
    assert "Step 2 of 4" in resident.get(step_url(token, 2)).text


def test_find_address_fills_the_address_from_the_postal_code_without_saving(
    resident: Client, child_form: FormVersion
) -> None:
    token = start(resident, child_form)
    resident.post(step_url(token, 1), {"has_child": "no"})

    response = resident.post(
        step_url(token, 3),
        {"postal_code": "９２２８６２２", "address": "", "lookup": "postal_code"},
    )

    draft = Draft.objects.get()
    assert response.status_code == 200
    assert field_value(response.text, "postal_code") == "922-8622"
    assert field_value(response.text, "address") == "石川県加賀市大聖寺南町"
    assert "The address was filled in from the postal code" in response.text
    assert draft.answers == {"has_child": "no"}
    assert draft.completed_steps == 1


def test_find_address_with_an_unknown_postal_code_says_so(
    resident: Client, child_form: FormVersion
) -> None:
    token = start(resident, child_form)
    resident.post(step_url(token, 1), {"has_child": "no"})

    response = resident.post(
        step_url(token, 3), {"postal_code": "0000000", "lookup": "postal_code"}
    )

    assert response.status_code == 422
    assert "No address was found for this postal code" in response.text
    assert field_value(response.text, "postal_code") == "0000000"


def test_a_date_is_shown_again_in_the_parts_it_was_typed_in(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)
    resident.post(step_url(token, 1), APPLICANT_PAGE)
    resident.post(
        step_url(token, 2),
        DETAILS_PAGE
        | {
            "visit_date__era": "reiwa",
            "visit_date__year": "元",
            "visit_date__month": "5",
            "visit_date__day": "1",
        },
    )

    html = resident.get(step_url(token, 2)).text

    assert Draft.objects.get().answers["visit_date"] == "2019-05-01"
    assert '<option value="reiwa" selected>' in html
    assert 'name="visit_date__year" value="1"' in html


def test_a_date_before_the_meiji_era_is_shown_again_in_the_western_calendar(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)
    resident.post(step_url(token, 1), APPLICANT_PAGE)
    resident.post(step_url(token, 2), DETAILS_PAGE | {"visit_date": "1850-06-01"})

    step = resident.get(step_url(token, 2)).text
    review = resident.get(review_url(token))

    assert '<option value="seireki" selected>' in step
    assert 'name="visit_date__year" value="1850"' in step
    assert review.status_code == 200
    assert "<dd>1850-06-01</dd>" in review.text


# --- review and submission ----------------------------------------------------------------


def test_the_review_page_lists_the_answers_as_they_read(
    resident: Client, form_version: FormVersion
) -> None:
    token = answer_all(resident, form_version)

    response = resident.get(review_url(token))

    assert response.status_code == 200
    assert "<dt>Name</dt><dd>加賀 太郎</dd>" in response.text
    assert "<dt>Reading</dt><dd>カガ\u3000タロウ</dd>" in response.text
    assert "<dt>方法</dt><dd>来所</dd>" in response.text
    assert "<dt>人数</dt><dd>2</dd>" in response.text
    assert f'href="{step_url(token, 2)}?return=review"' in response.text


def test_sending_the_review_creates_the_submission_and_shows_the_receipt_number(
    resident: Client, form_version: FormVersion
) -> None:
    token = answer_all(resident, form_version)

    response = resident.post(review_url(token), follow=True)

    submission = Submission.objects.get()
    assert response.redirect_chain == [
        (reverse("submissions:done", kwargs={"public_id": submission.public_id}), 302)
    ]
    assert f'data-testid="receipt-number">{submission.receipt_number}<' in response.text
    assert not Draft.objects.exists()


def test_the_receipt_page_is_only_shown_to_the_browser_that_submitted(
    resident: Client, form_version: FormVersion
) -> None:
    token = answer_all(resident, form_version)
    done_url = resident.post(review_url(token)).url

    stranger = Client(headers={"accept-language": "en"}).get(done_url)

    assert resident.get(done_url).status_code == 200
    assert stranger.status_code == 404


def test_sending_twice_shows_the_same_receipt_instead_of_an_error(
    resident: Client, form_version: FormVersion
) -> None:
    token = answer_all(resident, form_version)
    first = resident.post(review_url(token))

    second = resident.post(review_url(token))
    back_to_a_step = resident.get(step_url(token, 1))

    assert Submission.objects.count() == 1
    assert second.status_code == 302
    assert second.url == first.url
    assert back_to_a_step.url == first.url


def test_a_sent_resume_link_opened_in_another_browser_is_not_found(
    resident: Client, form_version: FormVersion
) -> None:
    token = answer_all(resident, form_version)
    resident.post(review_url(token))

    response = Client(headers={"accept-language": "en"}).post(review_url(token))

    assert response.status_code == 404


def test_answers_that_became_invalid_are_listed_on_the_review_page_with_links(
    resident: Client, form_version: FormVersion
) -> None:
    token = answer_all(resident, form_version)
    draft = Draft.objects.get()
    Draft.objects.filter(pk=draft.pk).update(answers=draft.answers | {"count": 99})

    response = resident.post(review_url(token))

    assert response.status_code == 422
    assert re.search(rf'<a href="{step_url(token, 2)}">[^<]*Enter 10 or less\.</a>', response.text)
    assert not Submission.objects.exists()


@pytest.mark.parametrize("page", ["step", "review"])
def test_an_unknown_resume_link_is_not_found(
    resident: Client, form_version: FormVersion, page: str
) -> None:
    url = step_url("not-a-real-token", 1) if page == "step" else review_url("not-a-real-token")

    response = resident.get(url)

    assert response.status_code == 404
    assert "Page not found" in response.text


def test_an_expired_resume_link_is_not_found(resident: Client, form_version: FormVersion) -> None:
    token = start(resident, form_version)
    Draft.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    assert resident.get(step_url(token, 1)).status_code == 404


def test_discarding_deletes_the_draft_and_returns_to_the_start(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)

    response = resident.post(reverse("submissions:discard", kwargs={"token": token}))

    assert response.url == start_url(form_version)
    assert not Draft.objects.exists()


# --- security headers and CSRF ------------------------------------------------------------


def test_every_page_carries_a_content_security_policy_and_forms_carry_a_csrf_token(
    resident: Client, form_version: FormVersion
) -> None:
    lg_code = form_version.form.municipality.lg_code
    token = start(resident, form_version)
    pages = {
        "home": resident.get("/"),
        "procedures": resident.get(f"/{lg_code}/"),
        "start": resident.get(start_url(form_version)),
        "step": resident.get(step_url(token, 1)),
        "invalid step": resident.post(step_url(token, 1), {}),
        "not found": resident.get(step_url("unknown", 1)),
    }
    for number, page in enumerate([APPLICANT_PAGE, DETAILS_PAGE], start=1):
        resident.post(step_url(token, number), page)
    pages["review"] = resident.get(review_url(token))
    pages["done"] = resident.get(resident.post(review_url(token)).url)

    for name, response in pages.items():
        assert response["Content-Type"].startswith("text/html"), name
        policy = response.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy, name
        assert "frame-ancestors 'none'" in policy, name
        forms = response.text.count("<form")
        assert response.text.count('name="csrfmiddlewaretoken"') >= forms, name


def test_a_post_without_a_csrf_token_gets_the_friendly_expired_page(
    form_version: FormVersion,
) -> None:
    browser = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})

    response = browser.post(start_url(form_version))

    assert response.status_code == 403
    assert "The page expired" in response.text
    assert "Content-Security-Policy" in response
    assert not Draft.objects.exists()


def test_a_post_with_the_csrf_token_from_the_page_is_accepted(form_version: FormVersion) -> None:
    browser = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    page = browser.get(start_url(form_version)).text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf

    response = browser.post(start_url(form_version), {"csrfmiddlewaretoken": csrf.group(1)})

    token = resolve(response.url).kwargs["token"]
    assert redirect_of(response) == (302, step_url(token, 1))
    assert selectors.draft_by_token(token) == Draft.objects.get()
