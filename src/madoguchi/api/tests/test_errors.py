"""Every answer of the API is JSON in the documented shape, hostile requests included.

The requests are the ones that used to end in a 500 with the demo data loaded.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from madoguchi.forms.models import FormVersion
from madoguchi.submissions.models import Submission

pytestmark = pytest.mark.django_db

SUBMISSIONS = "/api/v1/submissions/"
CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


@pytest.fixture
def api(sodaigomi_form: FormVersion) -> Client:
    return Client(headers={"accept-language": "en"})


def sodaigomi(client: Client, answers: Any, **fields: Any) -> Any:
    body = {"municipality": "281000", "form": "sodaigomi", "answers": answers, **fields}
    return client.post(SUBMISSIONS, json.dumps(body), content_type="application/json")


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert isinstance(body["message"], str) and body["message"]
    # Every error answer carries a stable code a client can branch on (docs/api.md).
    assert isinstance(body["code"], str) and CODE.fullmatch(body["code"]), body
    return body


@pytest.mark.parametrize(
    "date",
    [
        {"year": "99999999999", "month": "1", "day": "1"},
        {"era": "seireki", "year": "2025", "month": "99999999999", "day": "1"},
        {"era": "reiwa", "year": "99999999999", "month": "1", "day": "1"},
    ],
)
def test_a_date_beyond_any_calendar_is_refused_on_its_question(api: Client, date: Any) -> None:
    response = sodaigomi(api, {"preferred_date": date})

    body = assert_problem(response, 422)
    assert "date does not exist" in body["errors"]["preferred_date"][0]


@pytest.mark.parametrize("items", [True, 1, 1.5, {"sofa": 1}, "sofa", [1]])
def test_checkboxes_sent_as_anything_but_a_list_of_options_are_refused(
    api: Client, items: Any
) -> None:
    response = sodaigomi(api, {"items": items})

    body = assert_problem(response, 422)
    assert body["errors"]["items"] == ["Choose from the options shown."]


@pytest.mark.parametrize("bad", ["\ud800", "\x00", "\x1b", "\x9f"])
def test_text_that_cannot_be_stored_is_refused_with_the_character_and_nothing_is_stored(
    api: Client, bad: str
) -> None:
    response = sodaigomi(api, {"name": f"加賀{bad}太郎"})

    body = assert_problem(response, 400)
    assert f"U+{ord(bad):04X}" in body["message"]
    assert body["code"] == "invalid_text"
    assert [error["field"] for error in body["field_errors"]] == ["body"]
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{"municipality": "281000\x00"}, {"form": "\x00"}, {"answers": {"\x00": "x"}}],
)
def test_every_string_of_a_json_body_is_checked_on_both_databases(
    api: Client, fields: dict[str, Any]
) -> None:
    body = {"municipality": "281000", "form": "sodaigomi", "answers": {}} | fields
    response = api.post(SUBMISSIONS, json.dumps(body), content_type="application/json")

    assert "U+0000" in assert_problem(response, 400)["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/municipalities/281000%00/forms/",
        "/api/v1/municipalities/281000/forms/sodaigomi%00/",
        "/api/v1/postal-codes/922%00",
        "/api/v1/ledger/proof/consistency?first=1&second=2%00",
    ],
)
def test_control_characters_in_the_address_are_refused_as_json(api: Client, path: str) -> None:
    assert "U+0000" in assert_problem(api.get(path), 400)["message"]


def test_a_body_that_is_not_json_is_refused_with_a_documented_problem(api: Client) -> None:
    response = api.post(SUBMISSIONS, "{not json", content_type="application/json")

    body = assert_problem(response, 400)
    assert body["message"].startswith("The request body is not valid JSON")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"municipality": "281000", "form": "sodaigomi"}, {"answers": ["This field is required."]}),
        (
            {"municipality": 281000, "form": "sodaigomi", "answers": []},
            {
                "municipality": [
                    "Send a value of the type the API description gives for this field."
                ],
                "answers": ["Send a value of the type the API description gives for this field."],
            },
        ),
    ],
)
def test_a_body_of_the_wrong_shape_gets_field_errors_not_ninjas_detail(
    api: Client, body: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    response = api.post(SUBMISSIONS, json.dumps(body), content_type="application/json")

    assert assert_problem(response, 422)["errors"] == errors


def test_a_query_parameter_of_the_wrong_type_gets_field_errors(api: Client) -> None:
    response = api.get("/api/v1/ledger/proof/inclusion?index=abc")

    assert list(assert_problem(response, 422)["errors"]) == ["index"]


def test_an_address_without_an_operation_is_a_json_404(api: Client) -> None:
    body = assert_problem(api.get("/api/v1/no-such-thing/"), 404)

    assert "/api/v1/openapi.json" in body["message"]


def test_a_method_the_address_does_not_take_is_a_json_405_with_allow(api: Client) -> None:
    response = api.delete(SUBMISSIONS)

    assert "DELETE" in assert_problem(response, 405)["message"]
    assert "POST" in response["Allow"]


def test_the_forms_of_an_unknown_municipality_are_a_documented_404(api: Client) -> None:
    response = api.get("/api/v1/municipalities/999999/forms/")

    assert assert_problem(response, 404) == {
        "code": "not_found",
        "message": "No municipality has the code 999999.",
    }
    schema = api.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/municipalities/{lg_code}/forms/"]
    assert "404" in operation["get"]["responses"]


def test_an_unexpected_error_is_a_json_500_without_details(
    api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr("madoguchi.api.api.form_selectors.published_forms", broken)

    response = api.get("/api/v1/municipalities/281000/forms/")

    body = assert_problem(response, 500)
    assert "secret" not in body["message"]


def test_messages_follow_accept_language(api: Client) -> None:
    response = api.get("/api/v1/no-such-thing/", headers={"accept-language": "ja"})

    assert "/api/v1/openapi.json" in assert_problem(response, 404)["message"]
    assert response.json()["message"] != api.get("/api/v1/no-such-thing/").json()["message"]


def test_every_operation_documents_its_errors_in_the_problem_shape(api: Client) -> None:
    schema = api.get("/api/v1/openapi.json").json()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"400", "500"} <= set(responses), (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in responses, (method, path)
            for status, response in responses.items():
                if int(status) >= 400:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.rsplit("/", 1)[1] in ("Problem", "FieldErrors"), (path, status)
