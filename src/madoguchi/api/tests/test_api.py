"""API v1: forms to read, submissions to make, errors a client can act on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from madoguchi.forms.models import FormVersion
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import (
    SIMPLE_ANSWERS,
    SIMPLE_SCHEMA,
    DepartmentFactory,
    publish_form,
)
from madoguchi.testing.markers import requires_japanese_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> Client:
    return Client(headers={"accept-language": "en"})


def submit(
    client: Client, form_version: FormVersion, answers: dict[str, Any], **headers: str
) -> Any:
    form = form_version.form
    body = {"municipality": form.municipality.lg_code, "form": form.slug, "answers": answers}
    return client.post(
        "/api/v1/submissions/", body, content_type="application/json", headers=headers
    )


# --- forms --------------------------------------------------------------------------------


def test_a_municipalitys_published_forms_are_listed_with_their_slugs(
    api: Client, department: Department
) -> None:
    publish_form(department=department, slug="sodaigomi")
    publish_form(
        department=department,
        slug="inu-toroku",
        schema=SIMPLE_SCHEMA | {"identity": "mynumber_auth"},
    )
    publish_form(department=DepartmentFactory(), slug="elsewhere")

    response = api.get(f"/api/v1/municipalities/{department.municipality.lg_code}/forms/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "slug": "inu-toroku",
            "title": "Test application",
            "department": department.name_en,
            "identity": "mynumber_auth",
            "version": 1,
        },
        {
            "slug": "sodaigomi",
            "title": "Test application",
            "department": department.name_en,
            "identity": "none",
            "version": 1,
        },
    ]


def test_form_titles_follow_accept_language(api: Client, form_version: FormVersion) -> None:
    url = f"/api/v1/municipalities/{form_version.form.municipality.lg_code}/forms/"

    japanese = api.get(url, headers={"accept-language": "ja"}).json()

    assert japanese[0]["title"] == "テスト申請"


def test_a_form_is_described_by_its_current_schema(api: Client, form_version: FormVersion) -> None:
    form = form_version.form

    response = api.get(f"/api/v1/municipalities/{form.municipality.lg_code}/forms/{form.slug}/")

    body = response.json()
    assert response.status_code == 200
    assert body["slug"] == form.slug
    assert body["version"] == 1
    assert body["schema"] == form_version.definition


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/v1/municipalities/999999/forms/", "No municipality has the code 999999."),
        (
            "/api/v1/municipalities/{lg_code}/forms/no-such-form/",
            "No published form “no-such-form” in {lg_code}.",
        ),
    ],
)
def test_an_unknown_municipality_or_form_is_not_found_with_a_message(
    api: Client, form_version: FormVersion, path: str, message: str
) -> None:
    lg_code = form_version.form.municipality.lg_code

    response = api.get(path.format(lg_code=lg_code))

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": message.format(lg_code=lg_code)}


# --- submissions --------------------------------------------------------------------------


def test_valid_answers_are_submitted_and_get_a_receipt_number(
    api: Client, form_version: FormVersion
) -> None:
    response = submit(api, form_version, SIMPLE_ANSWERS)

    submission = Submission.objects.get()
    body = response.json()
    assert response.status_code == 201
    assert body["receipt_number"] == submission.receipt_number
    assert body["status"] == "received"
    assert body["form_version"] == 1
    assert submission.language == "en"


def test_a_submission_costs_two_reads_and_the_writes_it_needs(
    api: Client, form_version: FormVersion
) -> None:
    """The hot path of a busy day (bench/NOTES.md): a regression here shows in make bench."""
    submit(api, form_version, SIMPLE_ANSWERS)  # the process reads each version's schema once

    with CaptureQueriesContext(connection) as captured:
        response = submit(api, form_version, SIMPLE_ANSWERS)

    assert response.status_code == 201
    # The test's own transaction turns the submission's into a savepoint: not counted.
    statements = [
        query["sql"] for query in captured if not query["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    # The form (with its version, city and department), the facts apps above read on
    # submission (the procedure's period, the encryption policy, whether the department has
    # webhook endpoints: forms.submission_facts), the receipt counter, the submission and its
    # search terms, the subject index, the ledger (lock the head, the entry, completed
    # subtrees, the head) and the change feed's entry.
    assert len(statements) <= 11, "\n".join(statements)
    assert statements[0].startswith("SELECT") and "forms_form" in statements[0]
    assert not any(statement.startswith("SELECT") for statement in statements[1:3])


def test_a_submission_holds_the_ledger_lock_only_for_what_must_follow_its_event(
    api: Client, form_version: FormVersion
) -> None:
    """Every submission in the city waits for the ledger's head (bench/NOTES.md): the hooks'
    reads and the subject index come before it is locked."""
    submit(api, form_version, SIMPLE_ANSWERS)

    with CaptureQueriesContext(connection) as captured:
        response = submit(api, form_version, SIMPLE_ANSWERS)

    assert response.status_code == 201
    statements = [query["sql"] for query in captured]
    lock = next(i for i, sql in enumerate(statements) if 'FROM "ledger_ledgerhead"' in sql)
    locked = [sql.split(" (")[0] for sql in statements[lock + 1 :]]
    # The entry, completed subtrees, the head, the feed's entry (its id follows commit order)
    # and the end of the transaction (a RELEASE in the test's).
    assert len(locked) <= 5, "\n".join(locked)
    assert not any("catalog_procedure" in sql or "encryptionpolicy" in sql for sql in locked)
    assert not any("subjectindex" in sql for sql in locked)
    # One savepoint: the submission's transaction inside the test's, none nested in it.
    assert sum(sql.startswith("SAVEPOINT") for sql in statements) == 1


def test_invalid_answers_get_a_message_per_field_in_english(
    api: Client, form_version: FormVersion
) -> None:
    answers = {
        "name": "",
        "name_kana": "加賀 太郎",
        "method": "fax",
        "count": "many",
        "colour": "blue",
    }

    response = submit(api, form_version, answers)

    assert response.status_code == 422
    body = response.json()
    assert body == {
        "code": "invalid_answers",
        "message": "Some answers need fixing.",
        "errors": {
            "colour": ["This form has no question “colour”."],
            "name": ["Enter “Name”."],
            "name_kana": [
                "Enter the reading in katakana (e.g. カガ タロウ)."
                " Hiragana is converted automatically."
            ],
            "method": ["Choose from the options shown."],
            "count": ["Enter a number using digits, e.g. 12000."],
        },
        "field_errors": body["field_errors"],
    }
    # The same problems, one by one with a code, for clients that branch on codes.
    assert {(e["field"], e["code"], e["message"]) for e in body["field_errors"]} == {
        (field, "invalid_answer", message)
        for field, messages in body["errors"].items()
        for message in messages
    }
    assert not Submission.objects.exists()


@requires_japanese_catalog
def test_invalid_answers_get_a_message_per_field_in_japanese(
    api: Client, form_version: FormVersion
) -> None:
    response = submit(api, form_version, {"name_kana": "カガ タロウ"}, accept_language="ja")

    body = response.json()
    assert response.status_code == 422
    assert body["message"] != "Some answers need fixing."
    assert "「氏名」" in body["errors"]["name"][0]
    assert "「方法」" in body["errors"]["method"][0]


def test_submitting_to_an_unknown_form_or_municipality_is_not_found(
    api: Client, form_version: FormVersion
) -> None:
    lg_code = form_version.form.municipality.lg_code
    bodies = [
        {"municipality": lg_code, "form": "no-such-form", "answers": {}},
        {"municipality": "999999", "form": form_version.form.slug, "answers": {}},
    ]

    responses = [
        api.post("/api/v1/submissions/", body, content_type="application/json") for body in bodies
    ]

    assert [r.status_code for r in responses] == [404, 404]
    assert all(r.json()["message"].startswith("No published form") for r in responses)


def test_a_form_needing_my_number_card_cannot_be_submitted_through_the_api(
    api: Client, department: Department
) -> None:
    form_version = publish_form(
        department=department, schema=SIMPLE_SCHEMA | {"identity": "mynumber_auth"}
    )

    response = submit(api, form_version, SIMPLE_ANSWERS)

    assert response.status_code == 403
    assert "My Number Card" in response.json()["message"]
    assert response.json()["code"] == "identity_required"
    assert not Submission.objects.exists()


def test_a_body_that_is_not_json_is_refused_with_a_message(
    api: Client, form_version: FormVersion
) -> None:
    response = api.post(
        "/api/v1/submissions/", '{"municipality": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "malformed_request",
        "message": "The request body is not valid JSON in UTF-8. "
        "Check it against the API description.",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"form": "test-form", "answers": {}},
        {"municipality": "172065", "form": "test-form", "answers": ["a"]},
    ],
    ids=["missing-municipality", "answers-not-an-object"],
)
def test_a_json_body_of_the_wrong_shape_gets_field_errors_in_the_documented_shape(
    api: Client, form_version: FormVersion, body: dict[str, Any]
) -> None:
    response = api.post("/api/v1/submissions/", body, content_type="application/json")

    assert response.status_code == 422
    assert set(response.json()) == {"code", "message", "errors", "field_errors"}
    assert response.json()["code"] == "invalid_request"
    assert not Submission.objects.exists()


def test_api_clients_do_not_need_a_csrf_token(form_version: FormVersion) -> None:
    client = Client(enforce_csrf_checks=True)

    response = submit(client, form_version, SIMPLE_ANSWERS)

    assert response.status_code == 201


def test_submissions_over_the_rate_limit_get_429(
    api: Client, form_version: FormVersion, settings: Any
) -> None:
    settings.MADOGUCHI_RATE_LIMITS = settings.MADOGUCHI_RATE_LIMITS | {"api_submit": 2}
    cache.clear()

    statuses = [submit(api, form_version, SIMPLE_ANSWERS).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    assert Submission.objects.count() == 2
    cache.clear()


# --- utilities ----------------------------------------------------------------------------


def test_a_postal_code_is_looked_up(api: Client, db: None) -> None:
    response = api.get("/api/v1/postal-codes/9228622")

    assert response.status_code == 200
    assert response.json() == {
        "postal_code": "922-8622",
        "prefecture": "石川県",
        "city": "加賀市",
        "town": "大聖寺南町",
        "address": "石川県加賀市大聖寺南町",
    }


@pytest.mark.parametrize(("code", "status"), [("0000000", 404), ("922", 422)])
def test_an_unknown_or_malformed_postal_code_gets_a_message(
    api: Client, db: None, code: str, status: int
) -> None:
    response = api.get(f"/api/v1/postal-codes/{code}")

    assert response.status_code == status
    assert response.json()["message"]


def test_the_openapi_document_lists_every_endpoint(api: Client, db: None) -> None:
    response = api.get("/api/v1/openapi.json")

    document = json.loads(response.content)
    assert response.status_code == 200
    assert document["info"]["title"] == "Madoguchi API"
    assert set(document["paths"]) == {
        "/api/v1/municipalities/{lg_code}/forms/",
        "/api/v1/municipalities/{lg_code}/forms/{slug}/",
        "/api/v1/submissions/",
        "/api/v1/postal-codes/{code}",
        "/api/v1/ledger/checkpoint",
        "/api/v1/ledger/proof/inclusion",
        "/api/v1/ledger/proof/consistency",
    }


def test_health_reports_the_database(api: Client, db: None) -> None:
    response = api.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "database": connection.vendor,
        "version": response.json()["version"],
    }
    assert "no-cache" in response["Cache-Control"]


def test_the_api_offers_no_way_to_read_submissions(client: Client) -> None:
    """Personal data leaves only through the staff screens, scoped by department: the
    public API can create submissions but never list or read them."""
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    readable = [
        path for path, methods in paths.items() if "submission" in path and "get" in methods
    ]
    assert readable == []
    assert client.get("/api/v1/submissions/").status_code == 405
