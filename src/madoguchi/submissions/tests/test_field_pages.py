"""Question pages over HTTP (issue 13): heading order on error pages, postcodes, eras, tags."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from madoguchi.forms.models import FormVersion
from madoguchi.submissions.tests.test_views import start, step_url
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import publish_form

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).parents[2]

CONTACT_SCHEMA: dict[str, Any] = {
    "title": {"ja": "届出", "en": "Notification"},
    "steps": [
        {
            "key": "contact",
            "title": {"ja": "連絡先", "en": "Contact"},
            "fields": [
                {"key": "name", "type": "text", "label": {"ja": "氏名", "en": "Name"},
                 "required": True, "autocomplete": "name"},
                {"key": "birth_date", "type": "date", "label": {"ja": "生年月日", "en": "Born"},
                 "required": True, "prefill": "birth_date", "max_days_from_today": 0},
                {"key": "postal_code", "type": "postal_code",
                 "label": {"ja": "郵便番号", "en": "Postal code"}, "address_field": "address"},
                {"key": "address", "type": "text", "label": {"ja": "住所", "en": "Address"},
                 "prefill": "address"},
                {"key": "reason", "type": "choice", "label": {"ja": "理由", "en": "Reason"},
                 "required": True, "options": [{"value": "sold", "label": "譲渡"},
                                               {"value": "scrap", "label": "廃棄"}]},
                {"key": "transferee", "type": "text",
                 "label": {"ja": "譲受人の氏名", "en": "New owner"},
                 "required_if": {"==": [{"var": "reason"}, "sold"]}},
            ],
        },
        {"key": "end", "title": "確認",
         "fields": [{"key": "memo", "type": "text", "label": "備考"}]},
    ],
}  # fmt: skip
VALID = {
    "name": "加賀 太郎",
    "birth_date__era": "reiwa",
    "birth_date__year": "1955",
    "birth_date__month": "4",
    "birth_date__day": "1",
    "reason": "scrap",
}


@pytest.fixture
def resident() -> Client:
    """A browser set to Japanese, the first language (as the issue's residents saw it)."""
    return Client(headers={"accept-language": "ja"})


@pytest.fixture
def contact_form(department: Department) -> FormVersion:
    return publish_form(department=department, slug="contact", schema=CONTACT_SCHEMA)


def test_on_a_page_with_errors_the_pages_h1_is_the_first_heading(
    resident: Client, form_version: FormVersion
) -> None:
    token = start(resident, form_version)

    page = resident.post(step_url(token, 1), {"name": ""}).text

    headings = re.findall(r"<h([1-6])[ >]", page.split("<main", 1)[1])
    assert headings[0] == "1"
    assert page.index("<h1") < page.index('class="error-summary"')
    assert "data-autofocus" in page  # the summary still takes focus first


@pytest.mark.parametrize(
    "template",
    sorted(
        p
        for p in TEMPLATES.glob("*/templates/**/*.html")
        if 'include "includes/error_summary.html"' in p.read_text(encoding="utf-8")
    ),
    ids=lambda p: p.name,
)
def test_every_page_with_an_error_summary_puts_its_h1_before_it(template: Path) -> None:
    text = template.read_text(encoding="utf-8")

    assert text.index("<h1") < text.index('include "includes/error_summary.html"')


def test_a_postal_code_japan_post_does_not_know_stops_the_step_with_what_to_check(
    resident: Client, contact_form: FormVersion
) -> None:
    token = start(resident, contact_form)

    response = resident.post(step_url(token, 1), VALID | {"postal_code": "999-9999"})

    assert response.status_code == 422
    assert "郵便番号 999-9999 は存在しません。" in response.text


def test_a_birth_year_typed_in_the_western_calendar_passes_under_the_default_era(
    resident: Client, contact_form: FormVersion
) -> None:
    token = start(resident, contact_form)

    response = resident.post(step_url(token, 1), VALID)

    assert response.status_code == 302, response.content.decode()[:2000]


def test_the_required_tag_of_a_conditional_question_follows_the_answers_on_a_page_with_errors(
    resident: Client, contact_form: FormVersion
) -> None:
    token = start(resident, contact_form)

    page = resident.post(step_url(token, 1), VALID | {"reason": "sold"}).text

    transferee = page.split('data-field="transferee"', 1)[1].split("</label>", 1)[0]
    assert 'class="tag tag-required"' in transferee and "必須" in transferee
    assert "「譲受人の氏名」を入力してください" in page


def test_a_step_page_renders_the_input_purposes_of_name_address_and_birth_date(
    resident: Client, contact_form: FormVersion
) -> None:
    token = start(resident, contact_form)

    page = resident.get(step_url(token, 1)).text

    assert re.search(r'<input id="field-name" name="name"[^>]*autocomplete="name"', page)
    assert re.search(
        r'<input id="field-address" name="address"[^>]*autocomplete="street-address"', page
    )
    assert re.search(r'name="birth_date__year"[^>]*autocomplete="bday-year"', page)
    assert '<option value="seireki" selected>' in page
