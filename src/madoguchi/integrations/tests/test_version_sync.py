"""Form versions cross with the applications: the internet node's read endpoint (scoped to
the client's departments and forms) and the LGWAN node's install of a missing version."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.utils.dateparse import parse_datetime

from madoguchi.forms.models import Form, FormVersion
from madoguchi.integrations import version_sync
from madoguchi.integrations.pulled import MirrorError
from madoguchi.integrations.tests.test_lgwan_returns import Answer, FakeInternetNode
from madoguchi.integrations.tests.test_system_api import Vendor
from madoguchi.ledger.models import LedgerEntry
from madoguchi.testing.factories import (
    SIMPLE_SCHEMA,
    DepartmentFactory,
    MunicipalityFactory,
    publish_form,
)

pytestmark = pytest.mark.django_db

SECOND = SIMPLE_SCHEMA | {"title": {"ja": "テスト申請（改定）", "en": "Test application (revised)"}}


@pytest.fixture(autouse=True)
def _fresh_counters() -> Any:
    cache.clear()
    yield
    cache.clear()


def test_a_client_reads_its_departments_form_versions_exactly_and_no_others() -> None:
    first = publish_form(department=DepartmentFactory(code="kosodate"), slug="jido-teate")
    department = first.form.department
    second = publish_form_again(first.form, SECOND)
    other = publish_form(
        department=DepartmentFactory(municipality=department.municipality), slug="other"
    )
    vendor = Vendor([department])

    answer = vendor.get("/forms/jido-teate/versions/2")
    older = vendor.get("/forms/jido-teate/versions/1")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["definition"] == second.definition
    assert (body["municipality"], body["department"], body["slug"], body["number"]) == (
        department.municipality.lg_code,
        "kosodate",
        "jido-teate",
        2,
    )
    assert body["current"] is True and older.json()["current"] is False
    assert vendor.get(f"/forms/{other.form.slug}/versions/1").status_code == 404
    assert vendor.get("/forms/jido-teate/versions/3").status_code == 404
    # A client limited to some forms sees only those.
    limited = Vendor([department, other.form.department], forms=[other.form])
    assert limited.get("/forms/jido-teate/versions/1").status_code == 404
    assert limited.get(f"/forms/{other.form.slug}/versions/1").status_code == 200


def publish_form_again(form: Form, schema: dict[str, Any]) -> FormVersion:
    from madoguchi.forms import services
    from madoguchi.forms.schema import FormSchema

    return services.publish(form=form, schema=FormSchema.model_validate(schema))


def _source_version(lg_code: str, *, number: int = 3, current: bool = True) -> dict[str, Any]:
    return {
        "municipality": lg_code,
        "department": "kosodate",
        "slug": "jido-teate",
        "number": number,
        "definition": SECOND,
        "published_at": "2026-11-02T09:00:00+09:00",
        "current": current,
        "category": {"life_event": "birth"},
    }


def _detail(lg_code: str, number: int = 3) -> dict[str, Any]:
    return {
        "id": "6f1d7a52-1f7e-4d41-9a53-3b8f8b0e2a11",
        "receipt_number": f"{lg_code}-2026-000042",
        "form": {"id": "jido-teate", "title": "…", "version": number},
    }


def test_a_missing_version_is_fetched_and_installed_under_its_number() -> None:
    department = DepartmentFactory(code="kosodate", municipality=MunicipalityFactory())
    lg_code = department.municipality.lg_code
    first = publish_form(department=department, slug="jido-teate")
    node = FakeInternetNode(
        answers={("GET", "forms/jido-teate/versions/3"): Answer(200, _source_version(lg_code))}
    )

    installed = version_sync.ensure_version(node, _detail(lg_code))  # type: ignore[arg-type]

    assert installed.form == first.form
    assert installed.number == 3 and installed.definition == SECOND
    assert installed.published_at == parse_datetime("2026-11-02T00:00:00Z")
    first.form.refresh_from_db()
    assert first.form.current_version == installed  # current there, newer than here
    assert LedgerEntry.objects.filter(event="form.published").count() == 2
    # Installed once: the next application on it fetches nothing.
    node.calls.clear()
    assert version_sync.ensure_version(node, _detail(lg_code)) == installed  # type: ignore[arg-type]
    assert node.calls == []


def test_a_form_new_here_is_made_under_its_department_and_an_old_version_is_not_current() -> None:
    department = DepartmentFactory(code="kosodate")
    lg_code = department.municipality.lg_code
    node = FakeInternetNode(
        answers={
            ("GET", "forms/jido-teate/versions/3"): Answer(
                200, _source_version(lg_code, current=False)
            )
        }
    )

    installed = version_sync.ensure_version(node, _detail(lg_code))  # type: ignore[arg-type]

    form = installed.form
    assert (form.department, form.slug, form.category) == (
        department,
        "jido-teate",
        {"life_event": "birth"},
    )
    assert form.current_version is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"department": "zeimu"}, "department zeimu is not set up on this node"),
        ({"municipality": "999997"}, "another city's form"),
        ({"definition": {"title": "x"}}, "not a valid form here"),
    ],
)
def test_a_version_that_cannot_be_installed_stops_with_what_is_missing(
    change: dict[str, Any], message: str
) -> None:
    department = DepartmentFactory(code="kosodate")
    lg_code = department.municipality.lg_code
    node = FakeInternetNode(
        answers={
            ("GET", "forms/jido-teate/versions/3"): Answer(200, _source_version(lg_code) | change)
        }
    )

    with pytest.raises(MirrorError, match=message):
        version_sync.ensure_version(node, _detail(lg_code))  # type: ignore[arg-type]

    assert not FormVersion.objects.exists()
