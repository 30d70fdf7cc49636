"""``|wareki`` shows dates as residents read them, whether a date or its ISO text."""

from __future__ import annotations

from datetime import date

from django.template import Context, Template
from django.utils import translation


def render(value: object) -> str:
    return Template("{% load wareki %}{{ value|wareki }}").render(Context({"value": value}))


def test_a_date_and_its_iso_text_read_the_same() -> None:
    with translation.override("ja"):
        assert render("1985-04-12") == render(date(1985, 4, 12)) == "昭和60年4月12日（1985年）"


def test_text_that_is_not_a_date_is_shown_as_it_is() -> None:
    assert render("不詳") == "不詳"
