"""The file drop pages: staff of a department see and set up their own drops only."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.core import events
from madoguchi.exports.models import ExportProfile
from madoguchi.forms.models import FormVersion
from madoguchi.integrations.models import FileDrop, FileDropRun
from madoguchi.ledger.models import LedgerEntry
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import DepartmentFactory, StaffFactory, publish_form

pytestmark = pytest.mark.django_db

LogIn = Callable[[StaffMember], Client]
DROPS_URL = reverse("integrations:drops")
NEW_URL = reverse("integrations:drop_new")


def drop_of(version: FormVersion, target: Path) -> FileDrop:
    form = version.form
    return FileDrop.objects.create(
        municipality=form.municipality, department=form.department, form=form, target=str(target)
    )


@pytest.fixture
def theirs(department: Department) -> FormVersion:
    """A procedure of another department of the same city."""
    other: Department = DepartmentFactory(municipality=department.municipality)  # type: ignore[assignment]
    return publish_form(department=other, slug="theirs")


def test_staff_set_up_a_drop_for_their_procedure(
    staff: StaffMember, form_version: FormVersion, tmp_path: Path, log_in: LogIn
) -> None:
    client = log_in(staff)

    response = client.post(
        NEW_URL,
        {
            "form": form_version.form_id,
            "profile": "default",
            "format": "csv",
            "target": f"{tmp_path}/./",
            "with_attachments": "on",
            "enabled": "on",
        },
    )

    assert response.status_code == 302
    drop = FileDrop.objects.get()
    assert drop.target == str(tmp_path)
    assert drop.department == form_version.form.department and drop.created_by == staff
    assert LedgerEntry.objects.filter(
        event=events.Event.CONFIG_CHANGED, subject=f"file_drop:{drop.public_id}"
    ).exists()
    page = client.get(DROPS_URL)
    assert str(tmp_path) in page.text
    assert DROPS_URL in client.get(reverse("exports:home")).text
    assert reverse("integrations:drop", args=[drop.public_id]) in page.text


@pytest.mark.parametrize(
    ("target", "language", "message"),
    [
        ("relative/dir", "ja", "絶対パス"),
        ("/no/such/directory", "ja", "MADOGUCHI_FILEDROP_ROOTS"),
        ("/no/such/directory", "en", "File drops may write only inside"),
        (
            f"{tempfile.gettempdir()}/no-such-directory",
            "ja",
            "このディレクトリはサーバーにありません",
        ),
        (f"{tempfile.gettempdir()}/../etc", "en", "without “..”"),
        ("relative/dir", "en", "Give an absolute path, starting with /."),
        ("s3://B/prefix", "en", "Write the bucket as s3://bucket-name/prefix."),
    ],
)
def test_a_target_that_cannot_take_batches_is_refused_with_what_to_fix(
    staff: StaffMember,
    form_version: FormVersion,
    log_in: LogIn,
    target: str,
    language: str,
    message: str,
) -> None:
    client = log_in(staff)
    client.cookies["django_language"] = language

    response = client.post(
        NEW_URL,
        {"form": form_version.form_id, "profile": "default", "format": "csv", "target": target},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 422
    assert message in response.text
    assert 'href="#target"' in response.text
    assert not FileDrop.objects.exists()


def test_a_profile_of_another_procedure_is_refused(
    staff: StaffMember, form_version: FormVersion, tmp_path: Path, log_in: LogIn
) -> None:
    other = publish_form(department=form_version.form.department, slug="other")
    profile = ExportProfile.objects.create(form=other.form, name="基幹", columns=[])

    response = log_in(staff).post(
        NEW_URL,
        {
            "form": form_version.form_id,
            "profile": str(profile.pk),
            "format": "csv",
            "target": str(tmp_path),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert "This profile belongs to another procedure" in response.text


def test_another_departments_drops_are_neither_listed_nor_open_nor_creatable(
    staff: StaffMember, theirs: FormVersion, tmp_path: Path, log_in: LogIn
) -> None:
    their_drop = drop_of(theirs, tmp_path)
    client = log_in(staff)

    listed = client.get(DROPS_URL)
    opened = client.get(reverse("integrations:drop", args=[their_drop.public_id]))
    created = client.post(
        NEW_URL,
        {"form": theirs.form_id, "profile": "default", "format": "csv", "target": str(tmp_path)},
    )

    assert listed.status_code == 200 and str(their_drop.public_id) not in listed.text
    assert opened.status_code == 404
    assert created.status_code == 422
    assert FileDrop.objects.count() == 1


def test_the_city_admin_sees_every_departments_drops(
    staff: StaffMember, theirs: FormVersion, tmp_path: Path, log_in: LogIn
) -> None:
    their_drop = drop_of(theirs, tmp_path)
    admin: StaffMember = StaffFactory(  # type: ignore[assignment]
        municipality=staff.municipality, role=StaffRole.MUNICIPALITY_ADMIN
    )

    page = log_in(admin).get(reverse("integrations:drop", args=[their_drop.public_id]))

    assert page.status_code == 200
    assert str(tmp_path) in page.text


def test_read_only_staff_see_drops_but_cannot_change_them(
    department: Department, form_version: FormVersion, tmp_path: Path, log_in: LogIn
) -> None:
    drop = drop_of(form_version, tmp_path)
    reader: StaffMember = StaffFactory(  # type: ignore[assignment]
        municipality=department.municipality, role=StaffRole.READ_ONLY, departments=[department]
    )
    client = log_in(reader)

    listed = client.get(DROPS_URL)
    changed = client.post(
        reverse("integrations:drop", args=[drop.public_id]),
        {"form": form_version.form_id, "format": "xlsx", "target": str(tmp_path)},
    )

    assert listed.status_code == 200 and str(tmp_path) in listed.text
    assert changed.status_code == 403
    drop.refresh_from_db()
    assert drop.format == "csv"


def test_a_failed_run_says_what_to_do_in_the_staff_members_language(
    staff: StaffMember, form_version: FormVersion, tmp_path: Path, log_in: LogIn
) -> None:
    drop = drop_of(form_version, tmp_path)
    FileDropRun.objects.create(
        drop=drop,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        cursor_from=0,
        cursor_to=0,
        error="TargetInvalid",
    )
    client = log_in(staff)

    client.cookies["django_language"] = "ja"

    listed = client.get(DROPS_URL, HTTP_ACCEPT_LANGUAGE="ja")
    opened = client.get(
        reverse("integrations:drop", args=[drop.public_id]), HTTP_ACCEPT_LANGUAGE="ja"
    )

    assert "失敗（次回に再実行）" in listed.text
    assert "書き出し先にファイルを書けません" in listed.text
    assert "その申請は次回の実行で書き出されます" in opened.text
