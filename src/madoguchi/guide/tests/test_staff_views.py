from __future__ import annotations

import pytest
import yaml
from django.urls import reverse

from madoguchi.guide import services
from madoguchi.guide.models import Guide, GuideCount
from madoguchi.tenants.models import StaffRole
from madoguchi.testing.factories import StaffFactory
from madoguchi.testing.staff import log_in_staff

from .test_rules import DEFINITION

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> object:
    return StaffFactory(role=StaffRole.MUNICIPALITY_ADMIN)


def test_an_administrator_creates_and_publishes_a_guide_from_yaml(admin: object) -> None:
    browser = log_in_staff(admin)  # type: ignore[arg-type]

    response = browser.post(
        reverse("guide_staff:new"),
        {"slug": "hikkoshi", "definition": yaml.safe_dump(DEFINITION), "publish": ""},
    )

    assert response.status_code == 302
    guide = Guide.objects.get(slug="hikkoshi")
    assert guide.published and guide.municipality == admin.municipality  # type: ignore[attr-defined]
    assert browser.get(reverse("guide_staff:list")).status_code == 200


def test_an_invalid_definition_lists_each_problem_and_keeps_the_text(admin: object) -> None:
    browser = log_in_staff(admin, language="ja")  # type: ignore[arg-type]
    broken = "title: 引越し\nquestions: []\nprocedures: []\n"

    response = browser.post(reverse("guide_staff:new"), {"slug": "x", "definition": broken})

    assert response.status_code == 400
    text = response.content.decode()
    assert "次の点を直してください" in text
    assert "questions:" in text and "procedures:" in text
    assert "title: 引越し" in text
    assert not Guide.objects.exists()


def test_the_preview_shows_an_unpublished_guide_and_counts_nothing(admin: object) -> None:
    guide = services.save_guide(
        municipality=admin.municipality,  # type: ignore[attr-defined]
        slug="hikkoshi",
        definition=services.parse_definition(DEFINITION),
        publish=False,
    )
    browser = log_in_staff(admin)  # type: ignore[arg-type]

    response = browser.get(
        reverse("guide_staff:preview", args=[guide.slug]),
        {"asked": ["move_type", "items"], "move_type": "within", "items": "-"},
    )

    assert response.status_code == 200
    assert 'data-testid="guide-result"' in response.content.decode()
    assert not GuideCount.objects.exists()


def test_department_staff_cannot_edit_guides() -> None:
    browser = log_in_staff(StaffFactory())  # type: ignore[arg-type]

    assert browser.get(reverse("guide_staff:new")).status_code == 404


def test_another_municipality_s_guide_is_not_found(admin: object) -> None:
    other = StaffFactory(role=StaffRole.MUNICIPALITY_ADMIN)
    services.save_guide(
        municipality=other.municipality,
        slug="okuyami",
        definition=services.parse_definition(DEFINITION),
        publish=True,
    )
    browser = log_in_staff(admin)  # type: ignore[arg-type]

    assert browser.get(reverse("guide_staff:edit", args=["okuyami"])).status_code == 404
