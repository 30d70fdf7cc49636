"""The English pages are English: no Japanese left in them but names, answers and 日本語.

Text in an element marked ``lang="ja"`` is Japanese on purpose (the language switch, a
Japanese term given beside its English name) and is skipped; so are the resident's own
answers and the demo's proper names, which have no English.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.forms.models import Form
from madoguchi.submissions import status_links
from madoguchi.testing.factories import submit_application

JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]+")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Text(HTMLParser):
    """Visible text and attribute values a reader meets, outside lang="ja" parts."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.found: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = tag in {"script", "style"} or (values.get("lang") or "").startswith("ja")
        if not skip and not self._skipping():
            for name in ("title", "aria-label", "alt", "placeholder"):
                if values.get(name):
                    self.found.append(str(values[name]))
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.found.append(data.strip())


def japanese_in(html: str, *, allowed: tuple[str, ...] = ()) -> list[str]:
    parser = _Text()
    parser.feed(html)
    text = "\n".join(parser.found)
    for value in allowed:
        text = text.replace(value, "")
    return sorted({match.group(0) for match in JAPANESE.finditer(text)})


# Names with no English: the demo's staff and resident, and answers typed in Japanese.
NAMES = ("加賀 太郎", "カガ タロウ", "かが たろう", "加賀\u3000太郎", "カガ\u3000タロウ")


@pytest.fixture
def english() -> Client:
    return Client(headers={"accept-language": "en"})


def _pages(client: Client) -> dict[str, str]:
    pages = {"home": client.get(reverse("submissions:home")).content.decode()}
    for lg_code in ("172065", "281000"):
        pages[f"procedures {lg_code}"] = client.get(
            reverse("submissions:procedures", args=[lg_code])
        ).content.decode()
        pages[f"mypage {lg_code}"] = client.get(
            reverse("submissions:mypage", args=[lg_code]), follow=True
        ).content.decode()
    for form in Form.objects.select_related("municipality"):
        start = reverse("submissions:form_start", args=[form.municipality.lg_code, form.slug])
        pages[f"start {form.slug}"] = client.get(start).content.decode()
        step = client.post(start, follow=True)
        pages[f"step 1 {form.slug}"] = step.content.decode()
    pages["trust"] = client.get(reverse("documents:trust")).content.decode()
    return pages


@pytest.mark.django_db
def test_the_main_resident_pages_in_english_have_no_japanese_left(
    demo_data: Any, english: Client
) -> None:
    found = {
        name: words
        for name, html in _pages(english).items()
        if (words := japanese_in(html, allowed=NAMES))
    }

    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


@pytest.mark.django_db
def test_the_status_page_and_confirmation_in_english_have_no_japanese_left(
    form_version: Any, english: Client
) -> None:
    submission = submit_application(form_version, language="en")
    status = english.get(reverse("submissions:status", args=[status_links.issue(submission)]))

    assert japanese_in(status.content.decode(), allowed=NAMES) == []


def test_the_checker_finds_full_width_brackets_and_skips_marked_japanese() -> None:
    html = '<p>PIN（4 digits）</p><button lang="ja">日本語</button><p title="受付">x</p>'

    assert japanese_in(html) == ["受付", "（", "）"]


@pytest.mark.django_db
def test_the_home_page_promises_nothing_a_procedure_may_not_keep(demo_data: Any) -> None:
    # 原付の廃車 needs the plate posted or brought: no blanket 「来庁も押印も不要」.
    home = Client(headers={"accept-language": "ja"}).get(reverse("submissions:home")).text

    assert "来庁も押印も不要" not in home
    assert "郵送や窓口への持参が必要なものがあるかは、手続きごとにご案内します" in home
    assert "石川県 加賀市" in home


@pytest.mark.django_db
def test_the_home_page_names_cities_and_prefectures_in_english(
    demo_data: Any, english: Client
) -> None:
    home = english.get(reverse("submissions:home")).text

    assert "Kaga City, Ishikawa" in home
    assert "Kobe City, Hyogo" in home


ENGLISH_SCHEMA: dict[str, Any] = {
    "title": {"ja": "テスト申請", "en": "Test application"},
    "applicant_name_field": "name",
    "steps": [
        {
            "key": "applicant",
            "title": {"ja": "申請者", "en": "Applicant"},
            "fields": [
                {"key": "name", "type": "text", "label": {"ja": "氏名", "en": "Name"}},
                {
                    "key": "method",
                    "type": "choice",
                    "label": {"ja": "方法", "en": "How"},
                    "required": True,
                    "options": [
                        {"value": "visit", "label": {"ja": "来所", "en": "Visit"}},
                        {"value": "online", "label": {"ja": "オンライン", "en": "Online"}},
                    ],
                },
                {
                    "key": "tool",
                    "type": "text",
                    "label": {"ja": "ツール", "en": "Tool"},
                    "visible_if": {"==": [{"var": "method"}, "online"]},
                    "required_if": {"==": [{"var": "method"}, "online"]},
                },
            ],
        }
    ],
}


@pytest.mark.django_db
def test_a_whole_application_in_english_has_no_japanese_left(
    department: Any, english: Client
) -> None:
    from madoguchi.testing.factories import publish_form

    version = publish_form(department=department, slug="english", schema=ENGLISH_SCHEMA)
    start = reverse(
        "submissions:form_start", args=[version.form.municipality.lg_code, version.form.slug]
    )
    pages = {"start": english.get(start).content.decode()}
    step = english.post(start, follow=True)
    pages["step"] = step.content.decode()
    review = english.post(
        step.redirect_chain[-1][0],
        {"name": "加賀 太郎", "method": "online", "tool": "Zoom"},
        follow=True,
    )
    pages["review"] = review.content.decode()
    done = english.post(review.redirect_chain[-1][0], follow=True)
    pages["confirmation"] = done.content.decode()

    assert "Check your answers" in pages["review"]
    found = {
        name: words for name, html in pages.items() if (words := japanese_in(html, allowed=NAMES))
    }
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
