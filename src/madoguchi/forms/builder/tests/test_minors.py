"""The builder's smaller promises to department authors (issue 13): each one a test."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

import madoguchi
from madoguchi.forms.builder import edits, selectors
from madoguchi.forms.models import Form, FormVersion
from madoguchi.identity.models import Assurance, IdentityProvider
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import SIMPLE_SCHEMA, publish_form
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db


def test_the_settings_choose_which_status_changes_email_the_applicant(
    staff: StaffMember, form_version: FormVersion
) -> None:
    browser = log_in_staff(staff)
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
    draft = selectors.draft_of(form)
    assert draft is not None and draft.definition["notify_statuses"] == ["in_review", "approved"]


def japanese(staff: StaffMember) -> Client:
    browser = log_in_staff(staff)
    browser.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
    return browser


def new_form(browser: Client, owner: Department, **values: Any) -> Any:
    data = {"title_ja": "子育て相談申し込み", "slug": "kosodate", "department": owner.pk}
    return browser.post(reverse("forms:new"), data | values)


def test_a_bad_url_name_is_explained_in_japanese_with_a_free_suggestion(
    staff: StaffMember, department: Department
) -> None:
    browser = japanese(staff)
    new_form(browser, department, slug="kosodate")

    response = new_form(browser, department, slug="こそだて", title_en="Childcare advice")

    page = response.content.decode()
    assert response.status_code == 422
    assert "URL 名には半角の英小文字" in page
    # 「こそだて」 read as kosodate, which is taken: the next free one.
    assert "候補: kosodate-2" in page


def test_an_empty_url_name_is_filled_with_a_suggestion_from_the_kana_of_the_title(
    staff: StaffMember, department: Department
) -> None:
    response = new_form(japanese(staff), department, slug="", title_ja="げんつき はいしゃ")

    page = response.content.decode()
    assert "URL 名を入力してください" in page
    assert 'value="gentsuki-haisha"' in page


def test_a_taken_url_name_gets_a_numbered_suggestion(
    staff: StaffMember, department: Department
) -> None:
    browser = japanese(staff)
    new_form(browser, department, slug="kosodate")

    page = new_form(browser, department, slug="kosodate").content.decode()

    assert "この URL 名はほかのフォームで使われています" in page
    assert "候補: kosodate-2" in page


def test_the_new_form_page_shows_every_error_at_once(
    staff: StaffMember, department: Department
) -> None:
    browser = log_in_staff(staff)
    response = new_form(browser, department, title_ja="", slug="Bad Name!", department="")

    page = response.content.decode()
    assert response.status_code == 422
    assert "Enter the name of the procedure in Japanese." in page
    assert "Use lowercase letters a-z" in page
    assert "Choose the department that owns the form." in page
    assert 'href="#title_ja"' in page and 'href="#slug"' in page and 'href="#department"' in page


def test_a_new_form_names_its_first_page_after_the_procedure_and_new_pages_by_number(
    staff: StaffMember, department: Department
) -> None:
    browser = japanese(staff)
    new_form(browser, department)
    form = Form.objects.get(slug="kosodate")

    browser.post(reverse("forms:action", kwargs={"form_id": form.pk}), {"action": "add_step"})

    draft = selectors.draft_of(form)
    assert draft is not None
    titles = [s["title"]["ja"] for s in draft.definition["steps"]]
    assert titles == ["子育て相談申し込み", "ページ2"]
    assert "入力" not in titles


def test_new_questions_are_required_and_only_optional_ones_are_marked(
    staff: StaffMember, department: Department
) -> None:
    browser = japanese(staff)
    new_form(browser, department)
    form = Form.objects.get(slug="kosodate")
    action = reverse("forms:action", kwargs={"form_id": form.pk})
    for field_type, label in (("text", "氏名"), ("info", "ご案内"), ("text", "備考")):
        browser.post(
            action,
            {"action": "add_field", "key": "step_1", "field_type": field_type, "label_ja": label},
        )
    remark_url = reverse("forms:field", kwargs={"form_id": form.pk, "field_key": "text_2"})
    browser.post(remark_url, {"label_ja": "備考"})  # the author unticks "must answer"

    draft = selectors.draft_of(form)
    page = browser.get(reverse("forms:edit", kwargs={"form_id": form.pk})).content.decode()

    assert draft is not None
    fields = {f["key"]: f for f in draft.definition["steps"][0]["fields"]}
    assert fields["text_1"]["required"] is True
    assert "required" not in fields["info_1"]
    assert page.count("tag-optional") == 1
    item = page.split('id="field-text_2-item"')[1].split("</li>")[0]
    assert "任意" in item


def test_the_category_is_editable_and_other_is_listed_last_for_residents(
    staff: StaffMember, department: Department
) -> None:
    browser = log_in_staff(staff)
    version = publish_form(department=department, slug="aaa")
    publish_form(department=department, slug="bbb", schema=SIMPLE_SCHEMA | {"title": "健診"})
    url = reverse("forms:settings", kwargs={"form_id": version.form_id})

    browser.post(
        url,
        {
            "title_ja": "テスト申請",
            "identity": "none",
            "channels": ["online"],
            "department": department.pk,
            "category_ja": "健康・医療",
            "category_en": "Health",
        },
    )
    Form.objects.filter(slug="bbb").update(category={"ja": "その他"})
    listing = Client(HTTP_ACCEPT_LANGUAGE="ja").get(
        reverse("submissions:procedures", kwargs={"lg_code": department.municipality.lg_code})
    )

    assert Form.objects.get(pk=version.form_id).category == {"ja": "健康・医療", "en": "Health"}
    headings = re.findall(r'<h2 id="cat-\d+">([^<]+)</h2>', listing.content.decode())
    assert headings == ["健康・医療", "その他"]
    assert '<option value="健康・医療">' in browser.get(url).content.decode()


def test_an_english_category_needs_the_japanese_one(
    staff: StaffMember, form_version: FormVersion
) -> None:
    form = form_version.form

    response = log_in_staff(staff).post(
        reverse("forms:settings", kwargs={"form_id": form.pk}),
        {
            "title_ja": "テスト申請",
            "identity": "none",
            "channels": ["online"],
            "department": form.department_id,
            "category_en": "Health",
        },
    )

    assert response.status_code == 422
    assert "Enter the Japanese name of the category too." in response.content.decode()


def test_the_publish_page_of_a_new_form_lists_labels_not_codes(
    staff: StaffMember, department: Department
) -> None:
    browser = japanese(staff)
    new_form(browser, department)
    form = Form.objects.get(slug="kosodate")
    browser.post(
        reverse("forms:action", kwargs={"form_id": form.pk}),
        {"action": "add_field", "key": "step_1", "field_type": "text", "label_ja": "氏名"},
    )
    settings_url = reverse("forms:settings", kwargs={"form_id": form.pk})
    browser.post(
        settings_url,
        {
            "title_ja": "子育て相談申し込み",
            "identity": "none",
            "channels": ["online", "mail"],
            "applicant_name_field": "text_1",
            "department": department.pk,
            "review": "on",
        },
    )

    page = browser.get(reverse("forms:publish", kwargs={"form_id": form.pk})).content.decode()

    changes = page.split('data-testid="changes"')[1].split("</ul>")[0]
    assert "本人確認: なし（自己申告）" in changes
    assert "申請経路: 電子申請、郵送申請書の作成支援" in changes
    assert "申請者名の項目: 氏名" in changes
    for code in ("none", "online", "text_1", "mail"):
        assert code not in changes


def test_the_rule_editor_never_submits_when_a_choice_changes(
    staff: StaffMember, form_version: FormVersion
) -> None:
    url = reverse("forms:field", kwargs={"form_id": form_version.form_id, "field_key": "count"})

    page = log_in_staff(staff).get(url).content.decode()

    assert "data-autosubmit" not in page
    assert 'name="visible_if_field"' in page
    script = (Path(madoguchi.__file__).parent / "static/madoguchi/builder.js").read_text()
    assert ".submit()" not in script and "requestSubmit" not in script


def option_labels(page: str, select_id: str) -> list[str]:
    select = page.split(f'id="{select_id}"')[1].split("</select>")[0]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def choice_labels(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="[^"]*"[^>]*><label[^>]*>([^<]*)</label>', page)


JAPANESE = re.compile(r"[ぁ-んァ-ン一-龥]")


def test_the_builder_s_own_option_labels_are_in_the_page_s_language_only(
    staff: StaffMember, form_version: FormVersion
) -> None:
    settings_url = reverse("forms:settings", kwargs={"form_id": form_version.form_id})
    field_url = reverse(
        "forms:field", kwargs={"form_id": form_version.form_id, "field_key": "name"}
    )
    browser = log_in_staff(staff)
    english = [browser.get(settings_url).content.decode(), browser.get(field_url).content.decode()]
    browser.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
    japanese_pages = [
        browser.get(settings_url).content.decode(),
        browser.get(field_url).content.decode(),
    ]

    english_labels = (
        option_labels(english[0], "identity")
        + choice_labels(english[0], "channels")
        + option_labels(english[1], "prop-prefill")
    )
    japanese_labels = (
        option_labels(japanese_pages[0], "identity")
        + choice_labels(japanese_pages[0], "channels")
        + option_labels(japanese_pages[1], "prop-prefill")
    )
    assert len(english_labels) == 3 + 3 + 7
    assert not [label for label in english_labels if JAPANESE.search(label)]
    assert not [label for label in japanese_labels if re.search("[A-Za-z]{3,}", label)]


@pytest.mark.parametrize(
    ("identity", "prefills", "expected"),
    [
        ("none", {"name": "name"}, "氏名がカードの情報から入力され"),
        ("none", {"name": "name", "name_kana": "name_kana"}, "氏名・フリガナがカードの情報から"),
        ("mynumber_auth", {"name": "name"}, "氏名はカードの情報から入力されます。"),
    ],
)
def test_the_start_page_names_only_the_card_items_the_form_takes(
    department: Department, identity: str, prefills: dict[str, str], expected: str
) -> None:
    schema = copy.deepcopy(SIMPLE_SCHEMA) | {"identity": identity}
    for field in schema["steps"][0]["fields"]:
        if field["key"] in prefills:
            field["prefill"] = prefills[field["key"]]
    version = publish_form(department=department, schema=schema)
    IdentityProvider.objects.create(
        municipality=department.municipality,
        key="digital-auth-app",
        kind="digital_auth_app",
        name="デジタル認証アプリ",
        assurance=Assurance.MYNUMBER_CARD,
        issuer="https://idp.example.jp",
        client_id="RP1",
    )
    url = reverse(
        "submissions:form_start",
        kwargs={"lg_code": department.municipality.lg_code, "slug": version.form.slug},
    )

    page = Client(HTTP_ACCEPT_LANGUAGE="ja").get(url).content.decode()

    text = page.split('data-testid="prefill-items">')[1].split("</p>")[0]
    assert expected in text
    assert "住所" not in text and "生年月日" not in text and "性別" not in text


@pytest.mark.parametrize(
    ("typed", "title_ja", "title_en", "expected"),
    [
        ("こそだて", "子育て相談申し込み", "", "kosodate"),
        ("Kosodate Soudan", "子育て相談", "", "kosodate-soudan"),
        ("", "子育て相談申し込み", "Childcare advice", "childcare-advice"),
        ("", "げんつき はいしゃ", "", "gentsuki-haisha"),
        ("", "子育て相談申し込み", "", "form"),
        ("相談", "子育て相談", "", "form"),
    ],
)
def test_a_suggested_url_name_never_reads_kanji_as_fragments(
    typed: str, title_ja: str, title_en: str, expected: str
) -> None:
    assert edits.suggest_slug(typed=typed, title_ja=title_ja, title_en=title_en) == expected


def test_a_suggested_url_name_is_free() -> None:
    taken = {"kosodate", "kosodate-2"}

    assert edits.suggest_slug(typed="kosodate", title_ja="", taken=taken) == "kosodate-3"


@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=40))
@example("", "", "0 _0")  # slugify kept "0-_0" (found in a clean-clone run)
def test_a_suggested_url_name_is_always_a_valid_one(
    typed: str, title_ja: str, title_en: str
) -> None:
    slug = edits.suggest_slug(typed=typed, title_ja=title_ja, title_en=title_en)

    assert re.fullmatch(r"[a-z0-9]+(?:[-_][a-z0-9]+)*", slug), slug
    assert len(slug) <= 80
