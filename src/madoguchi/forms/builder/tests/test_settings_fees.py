"""The settings page's 手数料 section edits the form's fees block (timing, ways to pay, items)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.forms.builder import diff as builder_diff
from madoguchi.forms.builder import edits, selectors
from madoguchi.forms.builder.problems import publish_problems
from madoguchi.forms.fees import quote
from madoguchi.forms.models import Form, FormVersion
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import publish_form
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db

SCHEMA: dict[str, Any] = {
    "title": {"ja": "住民票の写しの交付申請", "en": "Certificate of residence"},
    "steps": [
        {
            "key": "main",
            "title": "申請内容",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名"},
                {"key": "copies", "type": "number", "label": {"ja": "通数", "en": "Copies"}},
                {
                    "key": "items",
                    "type": "choice",
                    "widget": "checkbox",
                    "label": "品目",
                    "options": [
                        {"value": "sofa", "label": "ソファ"},
                        {"value": "bed", "label": "ベッド"},
                    ],
                },
                {
                    "key": "kind",
                    "type": "choice",
                    "label": "区分",
                    "options": [
                        {"value": "resident", "label": "個人"},
                        {"value": "business", "label": "事業者"},
                    ],
                },
            ],
        }
    ],
}


@pytest.fixture
def fee_form(department: Department) -> FormVersion:
    return publish_form(department=department, slug="juminhyo", schema=SCHEMA)


def settings_post(form: Form, *rows: dict[str, str], **extra: Any) -> dict[str, Any]:
    posted: dict[str, Any] = {
        "title_ja": "住民票の写しの交付申請",
        "identity": "none",
        "channels": ["online"],
        "department": form.department_id,
        "fee_settings": "on",
        "fee_rows": str(len(rows)),
        "fee_timing": "on_submission",
        "fee_methods": ["card"],
    }
    for number, row in enumerate(rows):
        posted |= {f"fee_{number}_{name}": value for name, value in row.items()}
    return posted | extra


def url_of(form: Form, name: str = "forms:settings") -> str:
    return reverse(name, kwargs={"form_id": form.pk})


def publish(browser: Client, form: Form) -> None:
    assert browser.post(url_of(form, "forms:publish")).status_code == 302
    form.refresh_from_db()


def test_staff_set_a_fee_per_copy_and_a_taxed_item_and_the_published_form_quotes_them(
    staff: StaffMember, fee_form: FormVersion
) -> None:
    browser = log_in_staff(staff)
    form = fee_form.form

    saved = browser.post(
        url_of(form),
        settings_post(
            form,
            {
                "label_ja": "住民票の写し",
                "label_en": "Copy",
                "unit_amount": "３００円",
                "quantity_field": "copies",
                "tax_rate": "10",
            },
            {"label_ja": "郵送用封筒", "unit_amount": "1,100", "taxable": "on", "tax_rate": "10"},
            {"label_ja": "", "unit_amount": ""},  # the empty row to add one
            fee_methods=["card", "konbini", "paypay"],
            fee_description_ja="交付手数料は条例で定めています。",
        ),
    )

    assert saved.status_code == 302
    publish(browser, form)
    assert form.current_version is not None
    schema = form.current_version.schema
    assert schema.fees is not None
    assert schema.fees.timing == "on_submission"
    assert schema.fees.methods == ["card", "konbini", "paypay"]
    assert [(i.key, i.unit_amount, i.quantity_field, i.taxable) for i in schema.fees.items] == [
        ("fee_1", 300, "copies", False),
        ("fee_2", 1100, None, True),
    ]
    quoted = quote(schema, {"copies": 3})
    assert quoted is not None
    assert (quoted.total, quoted.tax_total) == (2000, 100)


def test_the_page_shows_the_stored_items_and_an_empty_row_to_add_one(
    staff: StaffMember, fee_form: FormVersion
) -> None:
    browser = log_in_staff(staff)
    form = fee_form.form
    browser.post(
        url_of(form),
        settings_post(form, {"label_ja": "写し", "unit_amount": "300", "quantity_field": "copies"}),
    )

    page = browser.get(url_of(form)).content.decode()

    assert 'name="fee_rows" value="2"' in page
    assert 'id="fee_0_label_ja" name="fee_0_label_ja" value="写し"' in page
    assert '<option value="copies" selected>Copies</option>' in page
    assert 'id="fee_1_label_ja" name="fee_1_label_ja" value=""' in page
    assert 'id="fee_timing-on_submission" name="fee_timing" value="on_submission" checked' in page


def test_wrong_fee_inputs_are_refused_at_once_and_what_was_typed_is_shown_again(
    staff: StaffMember, fee_form: FormVersion
) -> None:
    browser = log_in_staff(staff)
    form = fee_form.form

    response = browser.post(
        url_of(form),
        settings_post(
            form,
            {"label_ja": "", "label_en": "Copy", "unit_amount": "300"},
            {"label_ja": "手数料", "unit_amount": "三百"},
            {"label_ja": "品目", "unit_amount": "100", "quantity_field": "name"},
            fee_methods=[],
            fee_description_en="Only English",
        ),
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "Please fix the following" in page
    assert '<a href="#fee_methods">Choose at least one way to pay.</a>' in page
    assert '<a href="#fee_description_ja">Enter the Japanese text too.</a>' in page
    assert '<a href="#fee_0_label_ja">Item 1: enter its name in Japanese.</a>' in page
    assert '<a href="#fee_1_unit_amount">Item 2: enter the amount in yen' in page
    assert '<a href="#fee_2_quantity_field">Item 3: choose a number or choice' in page
    assert 'name="fee_1_unit_amount" value="三百"' in page
    assert 'name="fee_0_label_en" value="Copy"' in page
    assert "Only English</textarea>" in page
    draft = selectors.draft_of(form)
    assert draft is None or "fees" not in draft.definition


def test_a_fee_paid_when_applying_needs_an_item(staff: StaffMember, fee_form: FormVersion) -> None:
    browser = log_in_staff(staff)
    form = fee_form.form

    response = browser.post(url_of(form), settings_post(form, {"label_ja": "", "unit_amount": ""}))

    assert response.status_code == 422
    assert "A fee paid when applying needs at least one item" in response.content.decode()


def test_a_fee_after_review_may_have_no_items_and_no_fee_removes_the_block(
    staff: StaffMember, fee_form: FormVersion
) -> None:
    browser = log_in_staff(staff)
    form = fee_form.form

    browser.post(
        url_of(form),
        settings_post(form, fee_timing="after_review", fee_methods=["card", "paypay"]),
    )
    draft = selectors.draft_of(form)
    assert draft is not None
    assert draft.definition["fees"] == {
        "timing": "after_review",
        "items": [],
        "methods": ["card", "paypay"],
    }

    browser.post(url_of(form), settings_post(form, fee_timing="none"))

    draft.refresh_from_db()
    assert "fees" not in draft.definition


def test_an_item_is_removed_with_its_checkbox_and_a_page_without_the_section_keeps_the_fees(
    staff: StaffMember, fee_form: FormVersion
) -> None:
    browser = log_in_staff(staff)
    form = fee_form.form
    browser.post(
        url_of(form),
        settings_post(
            form,
            {"label_ja": "写し", "unit_amount": "300"},
            {"label_ja": "証明", "unit_amount": "200"},
        ),
    )

    browser.post(
        url_of(form),
        settings_post(
            form,
            {"key": "fee_1", "label_ja": "写し", "unit_amount": "300", "remove": "on"},
            {"key": "fee_2", "label_ja": "証明書", "unit_amount": "250"},
        ),
    )
    without_section = {k: v for k, v in settings_post(form).items() if not k.startswith("fee_")} | {
        "title_ja": "新しい名前"
    }
    browser.post(url_of(form), without_section)

    draft = selectors.draft_of(form)
    assert draft is not None
    assert draft.definition["title"] == {"ja": "新しい名前"}
    assert draft.definition["fees"]["items"] == [
        {"key": "fee_2", "label": {"ja": "証明書"}, "unit_amount": 250}
    ]


def test_a_computed_amount_is_shown_read_only_and_kept_when_the_item_is_renamed(
    staff: StaffMember, department: Department
) -> None:
    rule = {"if": [{"==": [{"var": "kind"}, "business"]}, 2000, 500]}
    schema = copy.deepcopy(SCHEMA) | {
        "fees": {
            "items": [
                {
                    "key": "base",
                    "label": "基本料金",
                    "amount": rule,
                    "applies_if": {"!!": [{"var": "kind"}]},
                }
            ]
        }
    }
    form = publish_form(department=department, slug="sodai", schema=schema).form
    browser = log_in_staff(staff)

    page = browser.get(url_of(form)).content.decode()
    saved = browser.post(
        url_of(form),
        settings_post(
            form, {"key": "base", "label_ja": "収集料金", "amount": "1", "unit_amount": ""}
        ),
    )

    assert "Amount (a rule written in the YAML definition)" in page
    assert "&quot;business&quot;" in page
    assert 'name="fee_0_unit_amount"' not in page
    assert saved.status_code == 302
    draft = selectors.draft_of(form)
    assert draft is not None
    assert draft.definition["fees"]["items"] == [
        {
            "key": "base",
            "label": {"ja": "収集料金"},
            "amount": rule,
            "applies_if": {"!!": [{"var": "kind"}]},
        }
    ]


def test_deleting_the_counted_question_stops_publishing_and_the_page_says_so(
    staff: StaffMember, fee_form: FormVersion
) -> None:
    browser = log_in_staff(staff)
    form = fee_form.form
    browser.post(
        url_of(form),
        settings_post(form, {"label_ja": "写し", "unit_amount": "300", "quantity_field": "copies"}),
    )
    draft = selectors.draft_of(form)
    assert draft is not None
    draft.definition = edits.remove_field(draft.definition, "copies")
    draft.save()

    problems = [p.message("en") for p in publish_problems(draft.definition)]
    page = browser.get(url_of(form)).content.decode()
    refused = browser.post(
        url_of(form),
        settings_post(
            form,
            {"key": "fee_1", "label_ja": "写し", "unit_amount": "300", "quantity_field": "copies"},
        ),
    )

    assert problems == [
        "The fee “写し” is multiplied by the deleted question “copies”: choose another "
        "question in the fee settings, or none."
    ]
    assert '<option value="copies" selected>A deleted question (copies)' in page
    assert refused.status_code == 422


def test_a_renamed_question_is_renamed_in_the_fees_too() -> None:
    definition = copy.deepcopy(SCHEMA) | {
        "fees": {
            "items": [
                {"key": "copy", "label": "写し", "unit_amount": 300, "quantity_field": "copies"},
                {"key": "extra", "label": "加算", "amount": {"*": [{"var": "copies"}, 10]}},
            ]
        }
    }
    field = edits.get_field(definition, "copies") | {"key": "number_of_copies"}

    renamed = edits.replace_field(definition, "copies", field)

    items = renamed["fees"]["items"]
    assert items[0]["quantity_field"] == "number_of_copies"
    assert items[1]["amount"] == {"*": [{"var": "number_of_copies"}, 10]}
    assert publish_problems(renamed) == []


def test_the_version_diff_names_each_fee_change() -> None:
    old: dict[str, Any] = copy.deepcopy(SCHEMA) | {
        "fees": {
            "items": [
                {"key": "copy", "label": "写し", "unit_amount": 300, "quantity_field": "copies"},
                {"key": "old", "label": "旧手数料", "unit_amount": 100},
            ]
        }
    }
    new: dict[str, Any] = copy.deepcopy(SCHEMA) | {
        "fees": {
            "timing": "after_review",
            "methods": ["card", "konbini"],
            "items": [
                {"key": "copy", "label": "写し", "unit_amount": 350, "quantity_field": "copies"},
                {
                    "key": "sticker",
                    "label": "処理券",
                    "unit_amount": 1100,
                    "taxable": True,
                    "tax_rate": 10,
                },
            ],
        }
    }

    changes = builder_diff.diff(old, new, language="en")

    assert changes == [
        "Changed when the fee is paid from “when applying” to “after review (事後決済)”",
        "Changed the ways to pay from “credit card” to “credit card, convenience store”",
        "Changed the fee “写し” from “300 yen × Copies” to “350 yen × Copies”",
        "Added the fee “処理券”: 1,100 yen (including 10% tax)",
        "Removed the fee “旧手数料”",
    ]
    assert builder_diff.diff(new, {k: v for k, v in new.items() if k != "fees"}, "en")[:2] == [
        "Changed when the fee is paid from “after review (事後決済)” to “(none)”",
        "Changed the ways to pay from “credit card, convenience store” to “(none)”",
    ]


def test_the_fee_section_reads_in_japanese(staff: StaffMember, fee_form: FormVersion) -> None:
    browser = log_in_staff(staff, language="ja")
    form = fee_form.form

    page = browser.get(url_of(form)).content.decode()
    refused = browser.post(url_of(form), settings_post(form, {"label_ja": "", "label_en": "x"}))

    assert "手数料" in page
    assert "審査後に支払う" in page
    assert "1件目：日本語の名前を入力してください。" in refused.content.decode()
