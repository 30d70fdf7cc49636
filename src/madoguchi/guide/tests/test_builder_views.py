from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from madoguchi.guide.builder import services as builder_services
from madoguchi.guide.models import Guide
from madoguchi.tenants.models import StaffRole
from madoguchi.testing.factories import StaffFactory
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Any:
    return StaffFactory(role=StaffRole.MUNICIPALITY_ADMIN)


@pytest.fixture
def guide(admin: Any) -> Guide:
    return builder_services.create_guide(
        municipality=admin.municipality,
        slug="kekkon",
        title={"ja": "結婚"},
        life_event="marriage",
    )


def _build(guide: Guide) -> str:
    return reverse("guide_staff:build", args=[guide.slug])


def test_an_administrator_creates_a_guide_from_a_title_slug_and_life_event(admin: Any) -> None:
    browser = log_in_staff(admin)

    response = browser.post(
        reverse("guide_staff:builder_new"),
        {"title": "結婚", "title_en": "Marriage", "slug": "kekkon", "life_event": "marriage"},
    )

    assert response.status_code == 302
    guide = Guide.objects.get(slug="kekkon")
    assert not guide.published and guide.version == 1
    assert guide.parsed.life_event == "marriage"
    assert guide.parsed.title.en == "Marriage"
    assert [p.key for p in guide.parsed.procedures] == ["marriage_notice"]
    assert browser.get(response["Location"]).status_code == 200


def test_a_new_guide_with_problems_lists_them_keeps_the_input_and_saves_nothing(
    admin: Any,
) -> None:
    browser = log_in_staff(admin, language="ja")

    response = browser.post(
        reverse("guide_staff:builder_new"),
        {"title": "", "title_en": "Marriage", "slug": "Kekkon!", "life_event": ""},
    )

    assert response.status_code == 422
    text = response.content.decode()
    assert 'href="#slug"' in text and 'href="#title"' in text and 'href="#life_event"' in text
    assert 'value="Kekkon!"' in text and 'value="Marriage"' in text
    assert not Guide.objects.exists()


def test_department_staff_cannot_open_the_builder(guide: Guide) -> None:
    clerk = StaffFactory(municipality=guide.municipality)
    browser = log_in_staff(clerk)

    assert browser.get(_build(guide)).status_code == 404
    assert browser.get(reverse("guide_staff:builder_new")).status_code == 404
    assert browser.post(_build(guide), {"action": "publish"}).status_code == 404
    guide.refresh_from_db()
    assert not guide.published


def test_another_municipality_s_administrator_does_not_find_the_guide(guide: Guide) -> None:
    other = StaffFactory(role=StaffRole.MUNICIPALITY_ADMIN)

    response = log_in_staff(other).get(
        reverse("guide_staff:build_question", args=[guide.slug, "name_changes"])
    )

    assert response.status_code == 404


def test_adding_a_conditional_question_saves_a_new_version(admin: Any, guide: Guide) -> None:
    browser = log_in_staff(admin)

    added = browser.post(
        _build(guide),
        {"action": "add_question", "q_text": "カードをお持ちですか", "q_kind": "yes_no"},
    )
    edited = browser.post(
        added["Location"],
        {
            "text": "カードをお持ちですか",
            "kind": "yes_no",
            "condition_mode": "all",
            "condition": ["name_changes=yes"],
        },
    )

    assert edited.status_code == 302
    guide.refresh_from_db()
    assert guide.version == 3
    question = guide.parsed.questions[1]
    assert question.visible_if == {"===": [{"var": "name_changes"}, True]}


def test_a_choice_without_options_is_refused_beside_the_options_and_nothing_is_saved(
    admin: Any, guide: Guide
) -> None:
    browser = log_in_staff(admin, language="ja")

    response = browser.post(
        _build(guide),
        {
            "action": "add_question",
            "q_text": "どちらですか",
            "q_kind": "single",
            "q_options": "一つだけ",
        },
    )

    assert response.status_code == 422
    text = response.content.decode()
    assert 'href="#q_options"' in text
    assert "どちらですか" in text and "一つだけ" in text
    guide.refresh_from_db()
    assert guide.version == 1 and len(guide.parsed.questions) == 1


def test_an_external_procedure_needs_an_https_link(admin: Any, guide: Guide) -> None:
    browser = log_in_staff(admin)

    response = browser.post(
        _build(guide),
        {
            "action": "add_procedure",
            "p_source": "external",
            "p_channel": "online",
            "p_site": "ぴったりサービス",
            "p_url": "http://example.jp/",
            "p_title": "児童手当",
            "p_what": "氏名の変更",
            "p_who": "受給者",
        },
    )

    assert response.status_code == 422
    assert 'id="p_url-error"' in response.content.decode()
    guide.refresh_from_db()
    assert len(guide.parsed.procedures) == 1


def test_removing_a_question_a_rule_reads_is_refused(admin: Any, guide: Guide) -> None:
    browser = log_in_staff(admin)
    url = reverse("guide_staff:build_procedure", args=[guide.slug, "marriage_notice"])
    form = browser.get(url).context["values"]
    browser.post(url, form | {"condition_mode": "any", "condition": ["name_changes=no"]})
    browser.post(_build(guide), {"action": "add_question", "q_text": "二つ目", "q_kind": "yes_no"})
    version = Guide.objects.get(pk=guide.pk).version

    response = browser.post(
        _build(guide),
        {"action": "remove", "section": "questions", "key": "name_changes"},
        follow=True,
    )

    guide.refresh_from_db()
    assert guide.version == version
    assert [q.key for q in guide.parsed.questions] == ["name_changes", "question_1"]
    assert "婚姻届" in response.content.decode() or "marriage_notice" in response.content.decode()


def test_publishing_is_explicit(admin: Any, guide: Guide) -> None:
    browser = log_in_staff(admin)

    response = browser.post(_build(guide), {"action": "publish"})

    assert response.status_code == 302
    guide.refresh_from_db()
    assert guide.published and guide.version == 1


def test_a_refused_question_edit_keeps_what_was_typed_and_saves_nothing(
    admin: Any, guide: Guide
) -> None:
    browser = log_in_staff(admin, language="ja")
    url = reverse("guide_staff:build_question", args=[guide.slug, "name_changes"])

    response = browser.post(
        url,
        {
            "text": "氏は変わりますか（変更後）",
            "kind": "single",
            "options": "変わる",
            "condition_mode": "always",
        },
    )

    assert response.status_code == 422
    text = response.content.decode()
    assert 'href="#options"' in text and 'id="options-error"' in text
    assert 'value="氏は変わりますか（変更後）"' in text and ">変わる</textarea>" in text
    guide.refresh_from_db()
    assert guide.version == 1
    assert guide.parsed.questions[0].kind == "yes_no"


def test_the_builder_pages_read_in_english(admin: Any, guide: Guide) -> None:
    browser = log_in_staff(admin, language="en")
    procedure = reverse("guide_staff:build_procedure", args=[guide.slug, "marriage_notice"])
    values = browser.get(procedure).context["values"]
    browser.post(procedure, values | {"condition_mode": "all", "condition": ["name_changes=yes"]})

    text = browser.get(_build(guide)).content.decode()

    assert "Guide builder" in text and "Add a procedure" in text
    assert "Applies when" in text
    assert browser.get(procedure).status_code == 200


def test_a_rule_naming_a_removed_option_is_flagged_on_the_guide_page(
    admin: Any, guide: Guide
) -> None:
    browser = log_in_staff(admin)
    question = reverse("guide_staff:build_question", args=[guide.slug, "name_changes"])
    procedure = reverse("guide_staff:build_procedure", args=[guide.slug, "marriage_notice"])
    browser.post(
        question,
        {
            "text": "氏",
            "kind": "single",
            "options": "変わる\n変わらない",
            "condition_mode": "always",
        },
    )
    values = browser.get(procedure).context["values"]
    browser.post(
        procedure, values | {"condition_mode": "all", "condition": ["name_changes=option_2"]}
    )
    assert 'data-testid="unusual-condition"' not in browser.get(_build(guide)).content.decode()

    browser.post(
        question,
        {
            "text": "氏",
            "kind": "single",
            "options": "変わる\nわからない",
            "condition_mode": "always",
        },
    )

    assert 'data-testid="unusual-condition"' in browser.get(_build(guide)).content.decode()
