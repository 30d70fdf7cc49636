"""The card scripts' messages come from the catalog, in the page's language."""

from __future__ import annotations

import json
import re

from django.template import Context, Template
from django.utils import translation

from madoguchi.counter.templatetags.counter_texts import card_texts


def texts_on_page() -> dict[str, str]:
    html = Template("{% load counter_texts %}{% card_texts_script %}").render(Context())
    match = re.search(r'<script id="card-texts" type="application/json">(.*)</script>', html)
    assert match
    return dict(json.loads(match.group(1)))


def test_the_display_reads_its_messages_in_japanese() -> None:
    with translation.override("ja"):
        texts = texts_on_page()

    assert texts["wrong_secret_tries"] == (
        "%(name)sが違います。あと%(left)s回間違えるとロックされます。"
    )
    assert texts["pin"] == "暗証番号"


def test_every_message_is_translated() -> None:
    with translation.override("en"):
        english = card_texts()
    with translation.override("ja"):
        japanese = card_texts()

    assert english.keys() == japanese.keys()
    assert [key for key in english if english[key] == japanese[key]] == []


def test_every_agent_error_code_has_a_message() -> None:
    codes = {"no_reader", "no_card", "card_removed", "pin_blocked", "not_my_number_card"}
    codes |= {"card_error", "busy", "bad_request", "agent_unreachable", "bad_token"}
    codes |= {"origin_not_allowed"}

    assert codes <= card_texts().keys()
