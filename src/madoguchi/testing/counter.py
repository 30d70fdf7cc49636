"""Test data for the counter channel (窓口): a form offering it, a resident's completed
counter draft and its pre-registration, a clerk, an open visit, a confirmed application."""

from __future__ import annotations

from typing import Any

from madoguchi.counter import services as counter_services
from madoguchi.counter.models import (
    ApplicationState,
    Preregistration,
    Visit,
    VisitApplication,
)
from madoguchi.forms.models import FormVersion
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Channel, Draft
from madoguchi.tenants.models import Department, StaffMember

from .factories import SIMPLE_SCHEMA, DepartmentFactory, StaffFactory, publish_form

# SIMPLE_SCHEMA offered online and at the counter, with what to bring.
COUNTER_SCHEMA: dict[str, Any] = SIMPLE_SCHEMA | {
    "channels": ["online", "counter"],
    "mail": {"enclosures": [{"ja": "印鑑登録証", "en": "Seal registration card"}]},
}

# The answers of a completed draft of COUNTER_SCHEMA, one dict per step, as posted.
COUNTER_PAGES: list[dict[str, Any]] = [
    {"name": "加賀 太郎", "name_kana": "かが たろう", "email": "taro@example.jp"},
    {"method": "visit", "count": "2"},
]


def counter_form(
    *, department: Department | None = None, slug: str = "counter-form"
) -> FormVersion:
    return publish_form(department=department, slug=slug, schema=COUNTER_SCHEMA)


def counter_draft(
    form_version: FormVersion, pages: list[dict[str, Any]] = COUNTER_PAGES
) -> tuple[Draft, str]:
    """A completed draft for the counter, and its secret token."""
    draft, token = submission_services.start_draft(
        form_version=form_version, language="ja", channel=Channel.COUNTER
    )
    for index, page in enumerate(pages):
        assert submission_services.save_step(draft=draft, step_index=index, data=page, files={}).ok
    return draft, token


def preregistration(
    form_version: FormVersion | None = None,
) -> tuple[Preregistration, str]:
    """A waiting pre-registration and the resident's token."""
    draft, token = counter_draft(form_version or counter_form())
    return counter_services.preregister(draft=draft), token


def clerk(department: Department | None = None, **kwargs: Any) -> StaffMember:
    """A clerk of ``department`` (and its municipality) who can act."""
    owner: Department = department or DepartmentFactory()  # type: ignore[assignment]
    staff: StaffMember = StaffFactory(  # type: ignore[assignment]
        municipality=owner.municipality, departments=[owner], **kwargs
    )
    return staff


def checked_in(
    form_version: FormVersion | None = None, *, counter_name: str = "3番窓口"
) -> tuple[VisitApplication, StaffMember]:
    """A pre-registration checked in at an open visit, and the clerk serving it."""
    prereg, _token = preregistration(form_version)
    staff = clerk(prereg.department)
    visit = counter_services.open_visit(clerk=staff, counter_name=counter_name)
    application = counter_services.check_in(visit=visit, preregistration=prereg, clerk=staff)
    return application, staff


def confirm(application: VisitApplication) -> VisitApplication:
    """The resident's confirmation of the current answers (as the display records it)."""
    application.state = ApplicationState.CONFIRMED
    application.confirmed_sha256 = counter_services.answers_sha256(application)
    application.save(update_fields=["state", "confirmed_sha256"])
    return application


def ready_to_accept(
    form_version: FormVersion | None = None,
) -> tuple[VisitApplication, StaffMember]:
    """A checked-in application, identity checked by eye and confirmed by the resident."""
    application, staff = checked_in(form_version)
    visit: Visit = application.visit
    counter_services.record_visual_check(visit=visit, clerk=staff, documents=["driving_licence"])
    application.refresh_from_db()
    return confirm(application), staff
