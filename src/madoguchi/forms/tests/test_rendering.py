"""How questions render: input purposes (WCAG 1.3.5), 必須/任意 tags, eras, locked answers."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.template.loader import render_to_string
from django.utils import translation

from madoguchi.forms import rendering
from madoguchi.forms.schema import DateField, FormSchema

DEMO_FORMS = sorted((Path(__file__).parents[2] / "demo" / "forms").glob("*.yaml"))


class Inputs(HTMLParser):
    """Every input, select and textarea of a fragment, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("input", "select", "textarea"):
            self.controls.append(dict(attrs) | {"tag": tag})


def rendered(schema: FormSchema, *, answers: dict[str, Any] | None = None,
             locked: dict[str, Any] | None = None) -> Inputs:  # fmt: skip
    answers = answers or {}
    locked = locked or {}
    parser = Inputs()
    for step in schema.steps:
        views = rendering.step_views(
            step,
            values=answers | locked,
            errors={},
            answers=answers,
            locked_keys=frozenset(locked),
        )
        for view in views:
            parser.feed(render_to_string("forms/fields/field.html", {"field": view}))
    return parser


def by_name(parser: Inputs, name: str) -> dict[str, str | None]:
    return next(c for c in parser.controls if c.get("name") == name)


def demo_schema(path: Path) -> FormSchema:
    return FormSchema.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))["schema"])


# --- WCAG 2.1 SC 1.3.5 ------------------------------------------------------------------------


@pytest.mark.parametrize("path", DEMO_FORMS, ids=[p.stem for p in DEMO_FORMS])
def test_every_demo_question_with_an_input_purpose_renders_its_autocomplete(path: Path) -> None:
    schema = demo_schema(path)

    parser = rendered(schema)

    for form_field in schema.fields():
        purpose = rendering.input_purpose(form_field)
        declared = getattr(form_field, "autocomplete", None)
        if declared:
            assert purpose == declared, f"{form_field.key}: declared {declared} is not rendered"
        if not purpose:
            continue
        if isinstance(form_field, DateField):
            for part in ("year", "month", "day"):
                control = by_name(parser, f"{form_field.key}__{part}")
                assert control["autocomplete"] == f"bday-{part}", form_field.key
        else:
            assert by_name(parser, form_field.key)["autocomplete"] == purpose, form_field.key
    for control in parser.controls:
        value = control.get("autocomplete")
        assert value is None or value == "off" or value in rendering.INPUT_PURPOSES, control


def test_the_demo_forms_give_names_addresses_and_birth_dates_their_purposes() -> None:
    purposes = {
        rendering.input_purpose(f) for path in DEMO_FORMS for f in demo_schema(path).fields()
    }

    assert {"name", "street-address", "postal-code", "email", "tel", "bday"} <= purposes


def test_a_date_that_is_not_a_birth_date_keeps_its_boxes_free_of_autofill() -> None:
    schema = FormSchema.model_validate(
        {
            "title": "t",
            "steps": [{"key": "s", "title": "s", "fields": [
                {"key": "visit", "type": "date", "label": "来所日"},
                {"key": "born", "type": "date", "label": "生年月日", "prefill": "birth_date"},
            ]}],
        }
    )  # fmt: skip

    parser = rendered(schema)

    assert by_name(parser, "visit__year")["autocomplete"] == "off"
    assert by_name(parser, "born__year")["autocomplete"] == "bday-year"


def test_an_autocomplete_that_is_not_an_input_purpose_is_not_rendered() -> None:
    schema = FormSchema.model_validate(
        {"title": "t", "steps": [{"key": "s", "title": "s", "fields": [
            {"key": "memo", "type": "text", "label": "メモ", "autocomplete": "bogus\" onclick=x"},
        ]}]}
    )  # fmt: skip

    assert "autocomplete" not in by_name(rendered(schema), "memo")


# --- 必須 / 任意 -------------------------------------------------------------------------------

CONDITIONAL = FormSchema.model_validate(
    {"title": "t", "steps": [{"key": "s", "title": "s", "fields": [
        {"key": "insurance", "type": "choice", "label": "保険", "required": True, "options": [
            {"value": "kokuho", "label": "国保"}, {"value": "other", "label": "その他"}]},
        {"key": "insurance_other", "type": "text", "label": "保険の名称",
         "required_if": {"==": [{"var": "insurance"}, "other"]}},
    ]}]}
)  # fmt: skip


def tag_of(answers: dict[str, Any]) -> dict[str, str | None]:
    with translation.override("ja"):
        html = render_to_string(
            "forms/fields/field.html",
            {"field": rendering.step_views(
                CONDITIONAL.steps[0], values=answers, errors={}, answers=answers)[1]},
        )  # fmt: skip
    parser = Inputs()
    parser.feed(html)
    return next(attrs for tag, attrs in parser.tags if "tag" in (attrs.get("class") or ""))


def test_a_conditionally_required_question_is_tagged_as_its_rule_holds_now() -> None:
    assert "tag-optional" in (tag_of({"insurance": "kokuho"})["class"] or "")
    assert "tag-required" in (tag_of({"insurance": "other"})["class"] or "")


def test_a_conditionally_required_tag_carries_both_words_for_the_browser_to_switch() -> None:
    tag = tag_of({})

    assert "data-required-tag" in tag
    assert tag["data-text-required"] and tag["data-text-optional"]


# --- eras ------------------------------------------------------------------------------------


def test_era_names_are_in_english_on_english_pages_and_in_kanji_on_japanese_ones() -> None:
    with translation.override("en"):
        english = [label for _key, label in rendering.era_choices()]
    with translation.override("ja"):
        japanese = [label for _key, label in rendering.era_choices()]

    assert english == ["Western calendar", "Reiwa", "Heisei", "Showa", "Taisho", "Meiji"]
    assert japanese == ["西暦", "令和", "平成", "昭和", "大正", "明治"]


@pytest.mark.parametrize(
    ("bounds", "era"),
    [
        ({"min_days_from_today": -40000, "max_days_from_today": 0}, "seireki"),
        ({}, "seireki"),
        ({"min_days_from_today": 1, "max_days_from_today": 30}, "reiwa"),
    ],
)
def test_the_era_starts_on_the_western_calendar_where_dates_reach_before_reiwa(
    bounds: dict[str, int], era: str
) -> None:
    form_field = DateField.model_validate({"key": "d", "type": "date", "label": "日"} | bounds)

    assert rendering.default_era(form_field) == era


# --- answers locked by the My Number Card -----------------------------------------------------

CARD = FormSchema.model_validate(
    {"title": "t", "steps": [{"key": "s", "title": "s", "fields": [
        {"key": "sex", "type": "choice", "label": "性別", "required": True, "prefill": "sex",
         "options": [{"value": "male", "label": "男"}, {"value": "female", "label": "女"}]},
        {"key": "birth_date", "type": "date", "label": "生年月日", "prefill": "birth_date"},
        {"key": "postal_code", "type": "postal_code", "label": "郵便番号",
         "address_field": "address"},
        {"key": "address", "type": "text", "label": "住所", "prefill": "address",
         "help": "転出された方は新しい住所を入力してください。"},
    ]}]}
)  # fmt: skip
LOCKED = {"sex": "female", "birth_date": "1985-04-01", "address": "石川県加賀市大聖寺南町ニ41"}


def test_a_locked_choice_reads_as_text_in_a_read_only_box_not_as_disabled_radios() -> None:
    with translation.override("ja"):
        parser = rendered(CARD, locked=LOCKED)

    sex = next(c for c in parser.controls if c.get("id") == "field-sex")
    assert "readonly" in sex and sex["value"] == "女"
    assert not [c for c in parser.controls if c.get("type") == "radio"]
    assert not [c for c in parser.controls if "disabled" in c]


def test_a_locked_date_reads_as_the_date_in_the_era_calendar() -> None:
    with translation.override("ja"):
        parser = rendered(CARD, locked=LOCKED)

    born = next(c for c in parser.controls if c.get("id") == "field-birth_date")
    assert born["value"] == "昭和60年4月1日（1985年）"


def test_a_locked_questions_note_describes_it_and_its_typing_hint_is_not_shown() -> None:
    view = rendering.step_views(
        CARD.steps[0], values=LOCKED, errors={}, answers={}, locked_keys=frozenset(LOCKED)
    )[3]

    assert view.help == ""
    assert view.described_by == "field-address-locked"
    html = render_to_string("forms/fields/field.html", {"field": view})
    assert 'id="field-address-locked"' in html
    assert "転出された方" not in html


def test_the_postal_code_is_filled_from_the_address_the_card_gives() -> None:
    view = rendering.step_views(
        CARD.steps[0], values=LOCKED, errors={}, answers={}, locked_keys=frozenset(LOCKED)
    )[2]

    assert view.value == "922-0811"
    assert not view.locked


def test_the_postal_code_is_left_to_type_when_the_address_has_several_codes() -> None:
    locked = LOCKED | {"address": "石川県加賀市山代温泉19-1"}

    view = rendering.step_views(
        CARD.steps[0], values=locked, errors={}, answers={}, locked_keys=frozenset(locked)
    )[2]

    assert view.value is None


def test_a_postal_code_the_resident_typed_is_kept_whatever_the_card_address() -> None:
    values = LOCKED | {"postal_code": "922-8622"}

    view = rendering.step_views(
        CARD.steps[0], values=values, errors={}, answers={}, locked_keys=frozenset(LOCKED)
    )[2]

    assert view.value == "922-8622"


# --- consent ---------------------------------------------------------------------------------


def test_a_consent_box_is_labelled_with_the_declaration_itself_said_once() -> None:
    schema = FormSchema.model_validate(
        {"title": "t", "steps": [{"key": "s", "title": "s", "fields": [
            {"key": "consent", "type": "consent", "label": "記載内容に相違ないことを誓約します"},
        ]}]}
    )  # fmt: skip
    view = rendering.step_views(schema.steps[0], values={}, errors={}, answers={})[0]

    with translation.override("ja"):
        html = render_to_string("forms/fields/field.html", {"field": view})

    assert html.count("記載内容に相違ないことを誓約します") == 1
    assert "<legend" not in html and "同意します" not in html
    assert '<label for="field-consent">' in html


# --- demo wording ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", DEMO_FORMS, ids=[p.stem for p in DEMO_FORMS])
def test_no_demo_question_asks_for_half_width_characters_it_would_accept_full_width(
    path: Path,
) -> None:
    # Answers are width-folded before any check: ７ and 7 are the same digit to the form.
    assert "半角" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", DEMO_FORMS, ids=[p.stem for p in DEMO_FORMS])
def test_a_consent_box_after_a_privacy_notice_agrees_to_that_notice(path: Path) -> None:
    fields = list(demo_schema(path).fields())
    privacy = [i for i, f in enumerate(fields) if "個人情報" in f.label.ja]
    consents = [
        f for i, f in enumerate(fields) if f.type == "consent" and privacy and i > privacy[0]
    ]

    for consent in consents:
        assert "同意" in consent.label.ja, consent.label.ja
        assert "agree" in (consent.label.en or ""), consent.label.en
