"""Export pages and the job API, through the browser the way staff use them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.exports.models import ExportJob, ExportProfile, JobStatus
from madoguchi.forms.models import FormVersion
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import (
    DepartmentFactory,
    StaffFactory,
    publish_form,
    submit_application,
)

pytestmark = pytest.mark.django_db

LogIn = Callable[[StaffMember], Client]
EXPORTS_URL = reverse("exports:home")


def form_url(version: FormVersion) -> str:
    return reverse("exports:form", args=[version.form_id])


def job_urls(job: ExportJob) -> list[str]:
    return [
        reverse(f"exports:{name}", args=[job.public_id])
        for name in ("job", "job_status", "download")
    ]


def streamed_csv(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.fixture
def theirs(department: Department) -> Submission:
    """A submission of another department of the same city."""
    other = DepartmentFactory(municipality=department.municipality)
    return submit_application(publish_form(department=other, slug="theirs"))


def test_the_export_page_lists_only_the_staff_members_procedures(
    staff: StaffMember, form_version: FormVersion, theirs: Submission, log_in: LogIn
) -> None:
    page = log_in(staff).get(EXPORTS_URL)

    assert page.status_code == 200
    assert form_url(form_version) in page.text
    assert reverse("exports:form", args=[theirs.form_version.form_id]) not in page.text


def test_a_small_export_streams_the_csv_at_once(
    staff: StaffMember, form_version: FormVersion, log_in: LogIn
) -> None:
    submission = submit_application(form_version)

    response = log_in(staff).post(form_url(form_version), {"format": "csv"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="test-form-')
    assert response["Cache-Control"] == "no-store"
    assert [row[0] for row in streamed_csv(response)[1:]] == [submission.receipt_number]


def test_another_departments_form_cannot_be_exported_via_the_page(
    staff: StaffMember, theirs: Submission, log_in: LogIn
) -> None:
    browser = log_in(staff)
    url = reverse("exports:form", args=[theirs.form_version.form_id])

    assert browser.get(url).status_code == 404
    assert browser.post(url, {"format": "csv"}).status_code == 404
    assert ExportJob.objects.count() == 0


def test_another_departments_receipt_numbers_export_nothing(
    staff: StaffMember, form_version: FormVersion, theirs: Submission, log_in: LogIn
) -> None:
    submit_application(form_version)

    response = log_in(staff).post(
        form_url(form_version), {"format": "csv", "receipt": [theirs.receipt_number]}
    )

    assert response.status_code == 422
    assert "No submission matches." in response.text
    assert ExportJob.objects.count() == 0


def test_read_only_staff_are_refused(
    department: Department, form_version: FormVersion, log_in: LogIn
) -> None:
    viewer = StaffFactory(
        municipality=department.municipality, role=StaffRole.READ_ONLY, departments=[department]
    )

    response = log_in(viewer).post(form_url(form_version), {"format": "csv"})

    assert response.status_code == 403
    assert ExportJob.objects.count() == 0


@pytest.fixture
def browser(staff: StaffMember, log_in: LogIn) -> Client:
    """The staff member, logged in (a one-time code is accepted once)."""
    return log_in(staff)


@pytest.fixture
def large_job(browser: Client, form_version: FormVersion, settings: Any) -> ExportJob:
    """An export big enough (for these settings) to run as a background job."""
    settings.MADOGUCHI_EXPORT_DIRECT_MAX_ROWS = 1
    submit_application(form_version)
    submit_application(form_version)
    response = browser.post(form_url(form_version), {"format": "csv"})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("exports:job", args=[job.public_id])
    return job


def test_a_large_export_leads_to_its_job_page_with_a_download_link(
    browser: Client, large_job: ExportJob
) -> None:
    page, status, download = (browser.get(url) for url in job_urls(large_job))

    assert page.status_code == 200
    assert "2 rows are ready." in page.text
    assert job_urls(large_job)[2] in page.text
    assert status.json()["status"] == "done"
    assert status.json()["rows_done"] == 2
    assert len(streamed_csv(download)) == 3


def test_a_running_job_shows_progress_and_reloads_itself(
    browser: Client, large_job: ExportJob
) -> None:
    ExportJob.objects.filter(pk=large_job.pk).update(status=JobStatus.RUNNING, rows_done=1)

    page = browser.get(job_urls(large_job)[0])
    still = browser.get(job_urls(large_job)[0], {"refresh": "off"})

    assert '<progress id="job-progress" max="2" value="1">50%</progress>' in page.text
    assert page["Refresh"] == "3"
    assert "Refresh" not in still
    assert browser.get(job_urls(large_job)[2]).status_code == 404


def test_only_the_creator_and_the_citys_administrators_open_a_job(
    department: Department, large_job: ExportJob, log_in: LogIn
) -> None:
    colleague = StaffFactory(municipality=department.municipality, departments=[department])
    admin = StaffFactory(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    elsewhere = StaffFactory(role=StaffRole.MUNICIPALITY_ADMIN)

    for outsider in (colleague, elsewhere):
        other = log_in(outsider)
        assert [other.get(url).status_code for url in job_urls(large_job)] == [404, 404, 404]
    other = log_in(admin)
    assert [other.get(url).status_code for url in job_urls(large_job)] == [200, 200, 200]


def report_url(job: ExportJob) -> str:
    return reverse("exports:report", args=[job.public_id])


def test_an_export_cannot_be_downloaded_once_its_creator_may_no_longer_export(
    staff: StaffMember, browser: Client, large_job: ExportJob
) -> None:
    staff.role = StaffRole.READ_ONLY
    staff.save()

    page, status, download = (browser.get(url) for url in job_urls(large_job))

    assert download.status_code == 403
    assert "may no longer export" in download.content.decode()
    assert browser.get(report_url(large_job)).status_code == 403
    assert job_urls(large_job)[2] not in page.text
    assert "may no longer export" in page.text
    assert status.json()["download"] is None


def test_the_refusal_says_what_to_do_in_japanese(
    staff: StaffMember, browser: Client, large_job: ExportJob
) -> None:
    staff.role = StaffRole.READ_ONLY
    staff.save()

    download = browser.get(job_urls(large_job)[2], headers={"accept-language": "ja"})

    assert download.status_code == 403
    assert "管理者に役割の確認を依頼してください" in download.content.decode()


def test_an_export_cannot_be_downloaded_once_its_creator_left_the_department(
    staff: StaffMember, department: Department, browser: Client, large_job: ExportJob
) -> None:
    staff.departments.remove(department)

    download = browser.get(job_urls(large_job)[2])

    assert download.status_code == 403
    assert "can no longer see" in download.content.decode()


def test_an_export_cannot_be_downloaded_once_its_form_moved_to_another_department(
    department: Department, browser: Client, large_job: ExportJob
) -> None:
    form = large_job.form
    form.department = DepartmentFactory(municipality=department.municipality)
    form.save()

    download = browser.get(job_urls(large_job)[2])

    assert download.status_code == 403
    assert "can no longer see" in download.content.decode()


def test_an_administrator_cannot_download_an_export_whose_creator_lost_the_right(
    staff: StaffMember, department: Department, large_job: ExportJob, log_in: LogIn
) -> None:
    admin = StaffFactory(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    staff.role = StaffRole.READ_ONLY
    staff.save()

    download = log_in(admin).get(job_urls(large_job)[2])

    assert download.status_code == 403


def test_an_administrator_made_read_only_cannot_download_the_citys_exports(
    department: Department, large_job: ExportJob, log_in: LogIn
) -> None:
    admin = StaffFactory(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    browser = log_in(admin)
    assert browser.get(job_urls(large_job)[2]).status_code == 200
    admin.role = StaffRole.READ_ONLY
    admin.save()

    download = browser.get(job_urls(large_job)[2])

    assert download.status_code in (403, 404)


def test_an_expired_export_is_gone(browser: Client, large_job: ExportJob) -> None:
    ExportJob.objects.filter(pk=large_job.pk).update(status=JobStatus.EXPIRED)

    response = browser.get(job_urls(large_job)[2])

    assert response.status_code == 410


def test_a_cp932_refusal_lists_the_characters_on_the_job_page(
    staff: StaffMember, form_version: FormVersion, log_in: LogIn
) -> None:
    emoji = submit_application(form_version, name="加賀 太郎🎉")
    browser = log_in(staff)

    response = browser.post(
        form_url(form_version), {"format": "csv", "encoding": "cp932", "unencodable": "refuse"}
    )
    page = browser.get(response.url)

    assert "Nothing was exported" in page.text
    assert "<td><code>U+1F389</code></td><td>🎉</td>" in page.text
    assert emoji.receipt_number in page.text


def test_a_profile_sets_the_columns_their_order_and_headers(
    staff: StaffMember, form_version: FormVersion, log_in: LogIn
) -> None:
    submission = submit_application(form_version)
    browser = log_in(staff)
    new = reverse("exports:profile_new", args=[form_version.form_id])
    page = browser.get(new)
    # Sources: 0 receipt number ... 8 name (answer:name); see export_columns.FIXED_SOURCES.
    assert 'name="use-8"' in page.text

    saved = browser.post(
        new,
        {
            "name": "住民記録システム",
            "use-0": "on",
            "position-0": "2",
            "header-0": "UKETSUKE_NO",
            "use-8": "on",
            "position-8": "1",
            "header-8": "SHIMEI",
            "encoding": "utf-8-sig",
            "date_style": "iso",
            "unencodable": "refuse",
        },
    )
    profile = ExportProfile.objects.get()
    response = browser.post(form_url(form_version), {"profile": profile.pk, "format": "csv"})

    assert saved.status_code == 302
    assert profile.columns == [
        {"source": "answer:name", "header": "SHIMEI"},
        {"source": "receipt_number", "header": "UKETSUKE_NO"},
    ]
    assert streamed_csv(response) == [
        ["SHIMEI", "UKETSUKE_NO"],
        ["加賀 太郎", submission.receipt_number],
    ]


def test_profiles_of_another_departments_form_are_not_found(
    staff: StaffMember, theirs: Submission, log_in: LogIn
) -> None:
    url = reverse("exports:profile_new", args=[theirs.form_version.form_id])

    assert log_in(staff).post(url, {"name": "x", "use-0": "on"}).status_code == 404
    assert ExportProfile.objects.count() == 0


def test_the_inboxs_selection_opens_the_export_page_of_its_procedure(
    staff: StaffMember, form_version: FormVersion, theirs: Submission, log_in: LogIn
) -> None:
    first, second = submit_application(form_version), submit_application(form_version)
    browser = log_in(staff)

    response = browser.post(
        reverse("exports:selected"),
        {"receipt": [first.receipt_number, second.receipt_number]},
    )
    page = browser.get(response.url)
    outside = browser.post(reverse("exports:selected"), {"receipt": [theirs.receipt_number]})

    assert response.status_code == 302
    assert response.url.startswith(form_url(form_version))
    assert "2 submissions selected in the inbox." in page.text
    assert outside.status_code == 400


def test_the_inbox_links_to_exports_and_can_export_its_selection(
    browser: Client, form_version: FormVersion
) -> None:
    submit_application(form_version)

    inbox = browser.get(reverse("backoffice:inbox"))

    assert f'href="{EXPORTS_URL}"' in inbox.text
    assert f'formaction="{reverse("exports:selected")}"' in inbox.text


def test_a_profile_without_name_or_columns_names_both_problems_and_keeps_what_was_typed(
    staff: StaffMember, form_version: FormVersion, log_in: LogIn
) -> None:
    new = reverse("exports:profile_new", args=[form_version.form_id])

    response = log_in(staff).post(
        new, {"name": "  ", "header-0": "UKETSUKE_NO", "date_style": "wareki"}
    )

    assert response.status_code == 422
    assert "There are 2 problems to fix" in response.text
    assert 'href="#name">Profile name: Enter a name for the profile.' in response.text
    assert 'href="#use-0">Columns: Choose at least one column.' in response.text
    assert 'id="date-wareki" name="date_style" value="wareki" checked' in response.text
    assert 'aria-invalid="true" aria-describedby="name-hint name-error"' in response.text
    assert ExportProfile.objects.count() == 0


def test_a_second_profile_of_the_same_name_is_refused(
    staff: StaffMember, form_version: FormVersion, log_in: LogIn
) -> None:
    browser = log_in(staff)
    new = reverse("exports:profile_new", args=[form_version.form_id])
    assert browser.post(new, {"name": "住記", "use-0": "on"}).status_code == 302

    again = browser.post(new, {"name": "住記", "use-0": "on"})

    assert again.status_code == 422
    assert "Another profile of this form has that name." in again.text
    assert 'value="住記"' in again.text
    assert ExportProfile.objects.count() == 1


def test_an_export_with_a_date_that_is_not_a_date_is_refused_not_widened(
    staff: StaffMember, form_version: FormVersion, log_in: LogIn
) -> None:
    submit_application(form_version)

    response = log_in(staff).post(
        form_url(form_version), {"format": "csv", "from": "2025-02-30", "status": ["bogus"]}
    )

    assert response.status_code == 422
    assert 'href="#from">Received from: ' in response.text
    assert 'href="#status-' in response.text
    assert 'value="2025-02-30" aria-invalid="true" aria-describedby="from-error"' in response.text
    assert ExportJob.objects.count() == 0
