"""Builder writes: drafts, publishing, rollback, templates, files, permissions, audit."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from madoguchi.core import events
from madoguchi.forms.builder import edits, selectors, services
from madoguchi.forms.builder.problems import publish_problems
from madoguchi.forms.models import Form, FormVersion
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import (
    SIMPLE_SCHEMA,
    DepartmentFactory,
    StaffFactory,
    submit_application,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded() -> list[tuple[str, str, str, dict[str, str]]]:
    seen: list[tuple[str, str, str, dict[str, str]]] = []

    def keep(event: events.Event, actor: str, subject: str, detail: dict[str, str]) -> None:
        seen.append((str(event), actor, subject, detail))

    events.subscribe(keep)
    yield seen
    events._subscribers.remove(keep)


def test_a_form_is_built_published_and_audited_without_personal_data(
    staff: StaffMember, department: Department, recorded: list[Any]
) -> None:
    form = services.create_form(
        staff=staff, department=department, slug="kosodate", title_ja="子育て相談申し込み"
    )
    draft = services.ensure_draft(form=form, staff=staff)
    definition, _key = edits.add_field(
        draft.definition, step_key="step_1", field_type="text", label_ja="保護者の氏名"
    )
    services.save_draft(draft=draft, definition=definition, staff=staff, change="field.add")

    version = services.publish_draft(draft=draft, staff=staff)

    form.refresh_from_db()
    assert form.current_version == version
    draft.refresh_from_db()
    assert not draft.has_changes
    kinds = [event for event, *_rest in recorded]
    assert kinds == ["config.changed", "config.changed", "form.published"]
    assert all(actor == events.pseudonym("staff", staff.pk) for _e, actor, _s, _d in recorded)
    assert "保護者" not in json.dumps(recorded, ensure_ascii=False)


def test_a_broken_draft_is_not_published(staff: StaffMember, department: Department) -> None:
    form = services.create_form(staff=staff, department=department, slug="empty", title_ja="空")
    draft = services.ensure_draft(form=form, staff=staff)

    with pytest.raises(services.DraftNotPublishable) as refused:
        services.publish_draft(draft=draft, staff=staff)

    assert refused.value.problems[0].step == "step_1"
    assert not FormVersion.objects.filter(form=form).exists()


def test_rollback_publishes_the_old_content_as_a_new_version_and_keeps_history(
    staff: StaffMember, form_version: FormVersion
) -> None:
    form = form_version.form
    draft = services.ensure_draft(form=form, staff=staff)
    changed = edits.set_form_properties(draft.definition, {"title": {"ja": "第2版"}})
    services.save_draft(draft=draft, definition=changed, staff=staff, change="form.edit")
    second = services.publish_draft(draft=draft, staff=staff)
    submission = submit_application(second)

    third = services.republish(version=form_version, staff=staff)

    assert third.number == 3
    assert third.definition == form_version.definition
    submission.refresh_from_db()
    assert submission.form_version == second  # submissions keep their version
    assert selectors.draft_of(form).definition == third.definition  # type: ignore[union-attr]


def test_staff_of_another_department_and_read_only_staff_cannot_edit(
    form_version: FormVersion,
) -> None:
    form = form_version.form
    other = StaffFactory(
        municipality=form.municipality,
        departments=[DepartmentFactory(municipality=form.municipality)],
    )
    viewer = StaffFactory(
        municipality=form.municipality, role=StaffRole.READ_ONLY, departments=[form.department]
    )
    admin = StaffFactory(municipality=form.municipality, role=StaffRole.MUNICIPALITY_ADMIN)

    assert not selectors.can_edit(other, form)
    assert not selectors.can_edit(viewer, form)
    assert selectors.can_edit(admin, form)
    draft = services.ensure_draft(form=form, staff=admin)
    with pytest.raises(PermissionDenied):
        services.save_draft(draft=draft, definition={}, staff=viewer, change="x")


def test_only_the_municipality_admin_marks_templates_and_other_cities_copy_them(
    form_version: FormVersion, staff: StaffMember
) -> None:
    form = form_version.form
    admin = StaffFactory(municipality=form.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    with pytest.raises(PermissionDenied):
        services.set_template(form=form, staff=staff, is_template=True)
    services.set_template(form=form, staff=admin, is_template=True)
    elsewhere = DepartmentFactory()
    kobe = StaffFactory(municipality=elsewhere.municipality, departments=[elsewhere])

    copied = services.copy_template(template=form, staff=kobe, department=elsewhere, slug="copy")

    assert copied.municipality == elsewhere.municipality
    assert copied.current_version is None
    assert selectors.draft_of(copied).definition == form_version.definition  # type: ignore[union-attr]
    with pytest.raises(PermissionDenied):  # not into a department that is not theirs
        services.copy_template(template=form, staff=kobe, department=form.department, slug="copy2")


def test_export_and_import_round_trip_as_a_draft(
    form_version: FormVersion, staff: StaffMember, department: Department
) -> None:
    data = services.export_file(form_version.form)

    imported = services.import_file(
        staff=staff,
        department=department,
        content=json.dumps(data, ensure_ascii=False).encode(),
        slug="imported",
    )

    assert imported.current_version is None
    assert selectors.draft_of(imported).definition == form_version.definition  # type: ignore[union-attr]
    with pytest.raises(services.BuilderRefused):
        services.import_file(staff=staff, department=department, content=b"\xff\xfe", slug="x")
    with pytest.raises(services.BuilderRefused):
        services.import_file(
            staff=staff, department=department, content=b"title: no schema", slug="x"
        )


def test_a_taken_or_malformed_url_name_is_refused(
    staff: StaffMember, form_version: FormVersion
) -> None:
    department = form_version.form.department
    with pytest.raises(services.BuilderRefused):
        services.create_form(
            staff=staff, department=department, slug=form_version.form.slug, title_ja="x"
        )
    with pytest.raises(services.BuilderRefused):
        services.create_form(
            staff=staff, department=department, slug="Kosodate Soudan", title_ja="x"
        )


def test_acceptance_period_and_limit(staff: StaffMember, form_version: FormVersion) -> None:
    form = form_version.form
    now = timezone.now()
    assert selectors.acceptance_problem(form) is None

    services.update_settings(
        form=form,
        staff=staff,
        department=form.department,
        opens_at=now + timedelta(days=1),
        closes_at=None,
        max_submissions=None,
    )
    assert selectors.acceptance_problem(form) is not None
    form.opens_at, form.closes_at = None, now - timedelta(minutes=1)
    assert selectors.acceptance_problem(form) is not None
    form.closes_at, form.max_submissions = None, 1
    assert selectors.acceptance_problem(form) is None
    submit_application(form_version)
    assert selectors.acceptance_problem(form) is not None
    with pytest.raises(services.BuilderRefused):
        services.update_settings(
            form=form,
            staff=staff,
            department=form.department,
            opens_at=now,
            closes_at=now - timedelta(days=1),
            max_submissions=None,
        )


def test_simple_schema_is_a_valid_draft() -> None:
    assert publish_problems(copy.deepcopy(SIMPLE_SCHEMA)) == []
    assert Form.objects.count() == 0
