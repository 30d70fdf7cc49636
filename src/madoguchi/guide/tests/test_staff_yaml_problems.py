"""The YAML editor lists each problem in the staff member's language; the staff menu links to
the guides."""

from __future__ import annotations

from typing import cast

import pytest
from django.urls import reverse

from madoguchi.guide.models import Guide
from madoguchi.tenants.models import StaffMember, StaffRole
from madoguchi.testing.factories import StaffFactory
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db

BROKEN = """\
title: 引越し
questions:
  - {key: has_card, kind: yes_no, text: カードをお持ちですか, options: [{value: a, label: A}]}
procedures:
  - {key: tennyu, title: 転入届, what: 届出, who: 本人, chanel: counter}
"""


@pytest.fixture
def admin() -> StaffMember:
    return cast(StaffMember, StaffFactory(role=StaffRole.MUNICIPALITY_ADMIN))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ja",
            [
                "questions.0: 質問 has_card: はい・いいえの質問には選択肢（options）を"
                "付けられません。",
                "procedures.0.chanel: ガイドにはない項目です。"
                "削除するか、つづりを確認してください。",
            ],
        ),
        (
            "en",
            [
                "questions.0: Question has_card: a yes/no question has no options; remove them.",
                "procedures.0.chanel: This item is not part of a guide; remove it or check its"
                " spelling.",
            ],
        ),
    ],
)
def test_each_problem_of_the_yaml_is_listed_in_the_staff_members_language(
    admin: StaffMember, language: str, expected: list[str]
) -> None:
    browser = log_in_staff(admin, language=language)

    response = browser.post(reverse("guide_staff:new"), {"slug": "x", "definition": BROKEN})

    assert response.status_code == 400
    page = response.content.decode()
    for line in expected:
        assert line in page
    assert not Guide.objects.exists()


@pytest.mark.parametrize("role", [StaffRole.DEPARTMENT_STAFF, StaffRole.MUNICIPALITY_ADMIN])
def test_the_staff_menu_links_to_the_guides_and_the_visit_reservations(role: StaffRole) -> None:
    browser = log_in_staff(cast(StaffMember, StaffFactory(role=role)), language="ja")

    page = browser.get(reverse("backoffice:inbox")).content.decode()

    assert f'href="{reverse("guide_staff:list")}">手続きガイド</a>' in page
    assert f'href="{reverse("reservations_staff:index")}">来庁予約</a>' in page
