"""Text that cannot be stored is refused at the door, whichever view it was meant for."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from madoguchi.testing.markers import requires_japanese_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser() -> Client:
    return Client(headers={"accept-language": "en"})


def assert_refused(response: object, code: str = "0000") -> None:
    assert response.status_code == 400  # type: ignore[attr-defined]
    page = response.content.decode()  # type: ignore[attr-defined]
    assert f"U+{code}" in page
    assert "Delete it and try again." in page


def test_a_staff_user_name_with_nul_is_refused_before_it_reaches_the_database(
    browser: Client,
) -> None:
    response = browser.post(reverse("backoffice:login"), {"username": "kaga\x00", "password": "x"})

    assert_refused(response)


@pytest.mark.parametrize(
    "url",
    ["/staff/?q=%E5%8A%A0%00", "/staff/?q%1B=1", "/staff/submissions/%00/", "/?lang=%C2%85"],
)
def test_control_characters_in_the_address_or_query_are_refused(browser: Client, url: str) -> None:
    response = browser.get(url)

    assert response.status_code == 400
    assert "Delete it and try again." in response.content.decode()


def test_a_posted_field_with_a_c1_control_character_is_refused(browser: Client) -> None:
    response = browser.post("/", {"reason": "住所が\x9b不足"})

    assert_refused(response, "009B")


def test_tabs_and_line_breaks_pass_through_to_the_view(browser: Client) -> None:
    get_user_model().objects.create_user("kaga", password="pw")

    response = browser.post(
        reverse("backoffice:login"), {"username": "kaga\t", "password": "line\r\nbreak"}
    )

    assert response.status_code != 400


@requires_japanese_catalog
def test_the_refusal_is_in_the_residents_language() -> None:
    response = Client(headers={"accept-language": "ja"}).get("/?q=%00")

    assert response.status_code == 400
    assert "使用できない文字（U+0000）" in response.content.decode()


@pytest.mark.parametrize("url", ["/staff/", "/api/v1/municipalities/281000/forms/"])
def test_a_session_cookie_with_nul_is_refused_before_the_session_is_looked_up(
    browser: Client, url: str
) -> None:
    browser.cookies["sessionid"] = "abcdefgh\x00ijk"

    response = browser.get(url)

    assert response.status_code == 400
    assert "U+0000" in response.content.decode()
