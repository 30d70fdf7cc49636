"""The facts apps above read on submission (forms.submission_facts) come in one statement:
the procedure's period, the encryption policy and the department's webhook endpoints cost no
query of their own, and still decide what they decided before."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from madoguchi.catalog import deadlines
from madoguchi.catalog.tests.helpers import procedure
from madoguchi.forms import submission_facts
from madoguchi.forms.models import FormVersion
from madoguchi.integrations import key_services
from madoguchi.integrations.models import SealedSubmission, WebhookDelivery, WebhookEndpoint
from madoguchi.integrations.tests.test_sealing import register_keys
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Submission
from madoguchi.testing.factories import SIMPLE_ANSWERS, submit_application

from .test_api import submit

pytestmark = pytest.mark.django_db

LOOKUPS = ("catalog_procedure", "integrations_encryptionpolicy", "integrations_webhookendpoint")


@pytest.fixture
def api() -> Client:
    return Client(headers={"accept-language": "en"})


def _submit_counting(api: Client, form_version: FormVersion) -> tuple[Submission, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = submit(api, form_version, SIMPLE_ANSWERS)
    assert response.status_code == 201, response.content
    submission = Submission.objects.get(receipt_number=response.json()["receipt_number"])
    return submission, [query["sql"] for query in captured]


def _selects_from(statements: list[str], table: str) -> list[str]:
    """Queries of ``table``'s own rows (not the form's, whose subqueries name it too)."""
    return [sql for sql in statements if sql.startswith(f'SELECT "{table}".')]


def test_the_forms_facts_decide_the_due_date_sealing_and_deliveries_without_queries_of_their_own(
    api: Client, form_version: FormVersion, settings: Any
) -> None:
    settings.MADOGUCHI_WEBHOOK_ALLOW_HTTP_LOOPBACK = True
    department = form_version.form.department
    procedure(department, "P-001", form=form_version.form, processing_days=10)
    register_keys(department)
    key_services.set_policy(
        municipality=department.municipality, form=form_version.form, enabled=True
    )
    WebhookEndpoint.objects.create(
        municipality=department.municipality,
        department=department,
        url="http://127.0.0.1:9/hook",
        secret="whsec_" + "A" * 43,
    )

    submission, statements = _submit_counting(api, form_version)

    assert submission.due_date == deadlines.due_date_for(submission)
    assert submission.due_date is not None
    assert SealedSubmission.objects.filter(submission=submission).exists()
    assert WebhookDelivery.objects.filter(feed_entry__submission=submission).count() == 1
    assert not _selects_from(statements, "catalog_procedure")
    assert not _selects_from(statements, "integrations_encryptionpolicy")
    # There is an endpoint: its row is read to make the delivery.
    assert len(_selects_from(statements, "integrations_webhookendpoint")) == 1


def test_with_nothing_to_find_a_submission_looks_nothing_up(
    api: Client, form_version: FormVersion
) -> None:
    submission, statements = _submit_counting(api, form_version)

    assert submission.due_date is None
    assert not SealedSubmission.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert not [sql for table in LOOKUPS for sql in _selects_from(statements, table)]


def test_a_fact_answers_once_and_none_outlives_the_block(
    form_version: FormVersion, django_assert_num_queries: Any
) -> None:
    form = form_version.form
    procedure(form.department, "P-001", form=form, processing_days=10)
    version = FormVersion.objects.select_related("form").get(pk=form_version.pk)

    def ask() -> int | None:
        return submission_facts.fact(version, deadlines.PROCESSING_DAYS_FACT, lambda: -1)

    with django_assert_num_queries(1), submission_facts.reading(version.form):
        first, again = ask(), ask()
    with submission_facts.reading(version.form):
        pass

    assert (first, again, ask()) == (10, -1, -1)


def test_a_draft_submitted_reads_its_forms_facts_in_one_query(
    form_version: FormVersion,
) -> None:
    form = form_version.form
    procedure(form.department, "P-001", form=form, processing_days=10)
    version = FormVersion.objects.select_related("form").get(pk=form_version.pk)

    with CaptureQueriesContext(connection) as captured:
        submission = submit_application(version)

    statements = [query["sql"] for query in captured]
    assert submission.due_date == deadlines.due_date_for(submission)
    assert submission.due_date is not None
    assert not [sql for table in LOOKUPS for sql in _selects_from(statements, table)]
    assert len([sql for sql in statements if '"_submission_fact_' in sql]) == 1


def test_a_refused_submission_leaves_no_fact_on_the_form(form_version: FormVersion) -> None:
    form = form_version.form
    form.max_submissions = 1
    form.save(update_fields=["max_submissions"])
    submit_application(form_version)
    version = FormVersion.objects.select_related("form").get(pk=form_version.pk)

    with pytest.raises(submission_services.FormClosed):
        submit_application(version)

    assert not [name for name in vars(version.form) if name.startswith("_submission_fact_")]
