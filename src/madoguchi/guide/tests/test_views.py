from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.guide import services
from madoguchi.guide.models import Guide, GuideCount
from madoguchi.tenants.models import Municipality
from madoguchi.testing.factories import SIMPLE_SCHEMA, DepartmentFactory, publish_form

from .test_rules import DEFINITION

pytestmark = pytest.mark.django_db

ANSWERS = {
    "asked": ["move_type", "insurance", "items"],
    "move_type": "from_other",
    "insurance": "yes",
    "items": ["-", "moped"],
}


@pytest.fixture
def guide() -> Guide:
    department = DepartmentFactory()
    publish_form(
        department=department,
        slug="kokuho-kanyu",
        schema={**SIMPLE_SCHEMA, "channels": ["online", "mail", "counter"]},
    )
    municipality: Municipality = department.municipality
    return services.save_guide(
        municipality=municipality,
        slug="hikkoshi",
        definition=services.parse_definition(DEFINITION),
        publish=True,
    )


def _url(guide: Guide) -> str:
    return reverse("guide:guide", args=[guide.municipality.lg_code, guide.slug])


def _counts(guide: Guide) -> dict[tuple[str, str], int]:
    return {(c.procedure, c.event): c.count for c in GuideCount.objects.filter(guide=guide)}


def test_the_first_page_asks_only_the_questions_that_apply(client: Client, guide: Guide) -> None:
    response = client.get(_url(guide))

    assert response.status_code == 200
    assert 'name="move_type"' in response.text
    assert 'name="insurance"' not in response.text
    assert "sessionid" not in response.cookies  # (base.html's language switch sets csrftoken)


def test_an_answer_that_opens_a_question_shows_it_without_an_error(
    client: Client, guide: Guide
) -> None:
    response = client.get(
        _url(guide), {"asked": ["move_type", "items"], "move_type": "from_other", "items": "-"}
    )

    assert response.status_code == 200
    assert 'name="insurance"' in response.text
    assert "error-message" not in response.text


def test_an_unanswered_question_is_asked_again_with_an_error(client: Client, guide: Guide) -> None:
    response = client.get(_url(guide), {"asked": ["move_type", "items"], "items": "-"})

    assert response.status_code == 400
    assert 'id="q-move_type-error"' in response.text


def test_the_result_lists_each_procedure_with_a_button_per_channel_and_counts_it(
    client: Client, guide: Guide
) -> None:
    response = client.get(_url(guide), ANSWERS)

    assert response.status_code == 200
    text = response.text
    assert "転入日から14日以内" in text
    lg = guide.municipality.lg_code
    for event in ("online", "mail", "counter"):
        assert reverse("guide:go", args=[lg, "hikkoshi", "kokuho", event]) in text
    assert reverse("guide:go", args=[lg, "hikkoshi", "tennyu", "external"]) in text
    assert 'rel="noopener noreferrer"' in text
    assert _counts(guide) == {("tennyu", "shown"): 1, ("kokuho", "shown"): 1, ("moped", "shown"): 1}
    assert "sessionid" not in response.cookies  # (base.html's language switch sets csrftoken)


def test_a_channel_button_counts_and_leads_to_the_form_start_with_that_channel(
    client: Client, guide: Guide
) -> None:
    lg = guide.municipality.lg_code

    response = client.get(reverse("guide:go", args=[lg, "hikkoshi", "kokuho", "counter"]))

    assert response.status_code == 302
    start = reverse("submissions:form_start", args=[lg, "kokuho-kanyu"])
    assert response["Location"] == f"{start}?channel=counter&from=guide"
    assert _counts(guide) == {("kokuho", "counter"): 1}


def test_an_external_button_leads_only_to_the_link_in_the_definition(
    client: Client, guide: Guide
) -> None:
    lg = guide.municipality.lg_code

    response = client.get(
        reverse("guide:go", args=[lg, "hikkoshi", "tennyu", "external"]),
        {"next": "https://evil.example/", "url": "https://evil.example/"},
    )

    assert response["Location"] == "https://city.example.jp/tennyu"


@pytest.mark.parametrize(
    ("procedure", "event"),
    [("tennyu", "online"), ("kokuho", "external"), ("nothing", "counter"), ("moped", "online")],
)
def test_a_button_the_guide_does_not_offer_is_not_found_and_not_counted(
    client: Client, guide: Guide, procedure: str, event: str
) -> None:
    lg = guide.municipality.lg_code

    response = client.get(reverse("guide:go", args=[lg, "hikkoshi", procedure, event]))

    assert response.status_code == 404
    assert _counts(guide) == {}


def test_an_unpublished_guide_is_not_found(client: Client, guide: Guide) -> None:
    Guide.objects.filter(pk=guide.pk).update(published=False)

    assert client.get(_url(guide)).status_code == 404


def test_saving_again_raises_the_version_and_keeps_it_published(guide: Guide) -> None:
    saved = services.save_guide(
        municipality=guide.municipality,
        slug=guide.slug,
        definition=services.parse_definition(DEFINITION),
        publish=False,
    )

    assert (saved.pk, saved.version, saved.published) == (guide.pk, 2, True)


def test_counts_add_up_on_the_same_day(guide: Guide) -> None:
    for _ in range(3):
        services.count(guide=guide, procedure="tennyu", event="external")

    assert _counts(guide) == {("tennyu", "external"): 3}


def test_the_municipality_procedure_list_links_its_published_guides_only(
    client: Client, guide: Guide
) -> None:
    procedures = reverse("submissions:procedures", args=[guide.municipality.lg_code])

    shown = client.get(procedures).content.decode()
    Guide.objects.filter(pk=guide.pk).update(published=False)
    hidden = client.get(procedures).content.decode()

    assert f'href="{_url(guide)}"' in shown
    assert guide.parsed.title.get("ja") in shown
    assert _url(guide) not in hidden
