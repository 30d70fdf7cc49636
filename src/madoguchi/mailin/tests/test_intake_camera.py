"""The intake page offers the camera scanner (issue 15 item 3): only the scan page loads it and
may compile its WebAssembly reader; every other staff page keeps the site's policy."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponse

from madoguchi.forms.models import FormVersion
from madoguchi.mailin.tests.test_intake import INTAKE, mail_application
from madoguchi.tenants.models import StaffMember

pytestmark = pytest.mark.django_db

SCRIPT = 'src="/static/madoguchi/qr-scanner.js"'


def script_src(response: HttpResponse) -> str:
    policy = response["Content-Security-Policy"].split("; ")
    return next(part for part in policy if part.startswith("script-src "))


def test_the_scan_page_loads_the_camera_scanner_for_its_input_and_may_run_webassembly(
    staff: StaffMember, log_in: Any
) -> None:
    page = log_in(staff).get(INTAKE)

    html = page.content.decode()
    assert SCRIPT in html
    scan_input = next(tag for tag in html.split("<input") if 'id="scan"' in tag)
    assert " data-qr-scan=" in scan_input
    assert 'data-qr-open="Scan with camera"' in scan_input  # the staff browser asks English
    assert script_src(page) == "script-src 'self' 'wasm-unsafe-eval'"


def test_a_refused_scan_shows_the_scanner_again(staff: StaffMember, log_in: Any) -> None:
    page = log_in(staff).post(INTAKE, {"scan": "M-999999-2026-000001"})

    assert page.status_code == 422
    assert SCRIPT in page.content.decode()
    assert "'wasm-unsafe-eval'" in script_src(page)


def test_the_review_page_and_the_inbox_keep_the_site_policy_without_the_scanner(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    application = mail_application(form_version)
    browser = log_in(staff)

    review = browser.post(INTAKE, {"scan": application.reference})
    inbox = browser.get("/staff/")

    assert review.status_code == 200
    for page in (review, inbox):
        assert SCRIPT not in page.content.decode()
        assert script_src(page) == "script-src 'self'"
