"""Reads of the counter channel: a pre-registration by its resident's link or by what a
clerk scanned, the clerk's visits, and what the counter screen shows of an application.

Access rules live here: a clerk finds only pre-registrations of their municipality and
of departments they can see (``tenants.selectors.visible_departments``, the inbox's rule),
and opens only their municipality's visits in those departments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from madoguchi.forms import answers as form_answers
from madoguchi.forms.schema import FileField, FormField
from madoguchi.submissions.models import Submission
from madoguchi.submissions.services import hash_token
from madoguchi.tenants.models import StaffMember
from madoguchi.tenants.selectors import visible_departments

from . import reference as references
from .models import Preregistration, PreregistrationStatus, Visit, VisitApplication
from .refusals import (
    AlreadyCheckedIn,
    OtherDepartment,
    OtherMunicipality,
    PreregistrationExpired,
    UnknownReference,
)


def by_token(token: str) -> Preregistration:
    """The pre-registration behind the resident's secret link; raises DoesNotExist."""
    return Preregistration.objects.select_related(
        "form_version__form", "municipality", "department", "draft"
    ).get(token_hash=hash_token(token))


def by_token_or_none(token: str) -> Preregistration | None:
    try:
        return by_token(token)
    except Preregistration.DoesNotExist:
        return None


def pending_page(token: str) -> str | None:
    """The pre-registration page behind ``token`` (the status page's port,
    submissions.pending_links) until it is accepted; None otherwise. Once accepted, the
    submission's status link has the same hash and the status page finds it itself."""
    preregistration = by_token_or_none(token)
    if preregistration is None or accepted_submission(preregistration) is not None:
        return None
    return reverse("counter_resident:preregistered", kwargs={"token": token})


def accepted_submission(preregistration: Preregistration) -> Submission | None:
    """The submission the pre-registration became at the counter, if accepted."""
    application = VisitApplication.objects.filter(preregistration=preregistration).first()
    return application.submission if application is not None else None


def is_expired(preregistration: Preregistration) -> bool:
    return preregistration.status == PreregistrationStatus.EXPIRED or (
        preregistration.status == PreregistrationStatus.WAITING
        and preregistration.expires_at < timezone.now()
    )


def find(*, clerk: StaffMember, text: str) -> Preregistration:
    """The pre-registration a clerk scanned or typed (the QR text or the bare reference,
    any case, hyphens, full width), if it can be checked in by them now; raises a
    ``CounterRefused`` (or ``MalformedReference``) saying why not."""
    reference = references.parse(text)
    preregistration = (
        Preregistration.objects.select_related("form_version__form", "department")
        .filter(reference=reference)
        .first()
    )
    if preregistration is None:
        raise UnknownReference
    if preregistration.municipality_id != clerk.municipality_id:
        raise OtherMunicipality
    if not visible_departments(clerk).filter(pk=preregistration.department_id).exists():
        raise OtherDepartment
    if preregistration.status == PreregistrationStatus.CHECKED_IN:
        raise AlreadyCheckedIn
    if is_expired(preregistration):
        raise PreregistrationExpired
    return preregistration


def visits_for(clerk: StaffMember) -> QuerySet[Visit]:
    """The visits this clerk may open: their municipality's, in departments they see."""
    return Visit.objects.filter(
        municipality_id=clerk.municipality_id, department__in=visible_departments(clerk)
    ).select_related("department", "clerk", "identity")


def open_visits(clerk: StaffMember) -> QuerySet[Visit]:
    """This clerk's own visits still open, newest first (to come back to one)."""
    return visits_for(clerk).filter(clerk=clerk, closed_at__isnull=True)


def questions(application: VisitApplication) -> list[FormField]:
    """The questions answered at the counter: every input but files."""
    return [
        f
        for f in application.form_version.schema.fields()
        if f.collects_input and not isinstance(f, FileField)
    ]


@dataclass(frozen=True)
class AnswerRow:
    key: str
    label: str
    value: str
    prefilled: bool


def answer_rows(application: VisitApplication, *, language: str = "ja") -> list[AnswerRow]:
    """The application's answers as the counter screen's table shows them: the questions
    asked at the counter and the files it holds (counter.files: a pre-registration's
    attachments, a photo taken at the counter), by name."""
    prefilled = set(application.prefilled_fields)
    asked = {f.key for f in questions(application)}
    return [
        AnswerRow(
            key=f.key,
            label=f.label.get(language),
            value=form_answers.display_value(f, application.answers.get(f.key)),
            prefilled=f.key in prefilled,
        )
        for f in application.form_version.schema.fields()
        if f.key in asked or (isinstance(f, FileField) and application.answers.get(f.key))
    ]


def edits_of(application: VisitApplication) -> list[dict[str, Any]]:
    """Who changed which question and why (values are the clerk's to see, on the screen)."""
    labels = {f.key: f.label.get("ja") for f in questions(application)}
    return [
        {
            "at": edit.at,
            "clerk": edit.clerk.display_name,
            "question": labels.get(edit.field_key, edit.field_key),
            "reason": edit.reason,
        }
        for edit in application.edits.select_related("clerk")
    ]
