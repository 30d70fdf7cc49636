"""Improvement analytics of one form, without personal data (issue 19, item 5).

Drop-off by step (drafts by the furthest step they finished, and the submissions), the
validation failures by question and message (the anonymous counters of
:class:`~.models.ValidationFailure`, filled through submissions.validation_hooks), the
channel mix and the time from receipt to each decision, and plain-word suggestions.

Drafts are deleted when sent and purged when they expire, so "started" counts the drafts
still kept plus the submissions; abandoned drafts older than the retention period are no
longer counted. The time a resident took to fill the form in (draft created → sent) is not
kept anywhere (the draft goes, the submission does not copy its creation time), so it is
not shown.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.backoffice import aggregation
from madoguchi.forms.models import Form
from madoguchi.submissions.models import Draft, Status, StatusChange, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.tenants.selectors import visible_departments

from .models import ValidationFailure

# A question with more than this share of the form's validation failures gets a suggestion…
ERROR_SHARE = 0.20
# … and a page where more than this share of those who reached it stopped.
LOSS_SHARE = 0.30
# Below these numbers a share says nothing yet: no suggestion.
MIN_ERRORS = 10
MIN_REACHED = 10
DECISIONS = (Status.APPROVED, Status.REJECTED, Status.COMPLETED, Status.WITHDRAWN)


def record_failure(form_version_id: int, field_key: str, code: str, message: str) -> None:
    """Count one failure (the validation hook): one UPDATE, or an INSERT the first time."""
    day = timezone.localdate()
    key = {
        "form_version_id": form_version_id,
        "field_key": field_key[:100],
        "code": code[:10],
        "message": message[:200],
        "day": day,
    }
    if ValidationFailure.objects.filter(**key).update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            ValidationFailure.objects.create(**key, count=1)
    except IntegrityError:  # created meanwhile by a concurrent request
        ValidationFailure.objects.filter(**key).update(count=F("count") + 1)


def forms_for(staff: StaffMember) -> QuerySet[Form]:
    """The forms whose analytics ``staff`` may see: their departments'; the city's for admins."""
    return Form.objects.filter(
        municipality_id=staff.municipality_id, department__in=visible_departments(staff)
    ).select_related("department", "current_version")


@dataclass
class StepRow:
    title: str
    reached: int
    stopped: int
    percent: float | None  # of those who reached the page, the share who stopped there


@dataclass
class ErrorRow:
    field_key: str
    label: str
    code: str
    message: str
    count: int


@dataclass
class QuestionRow:
    field_key: str
    label: str
    count: int
    percent: float


@dataclass
class DecisionRow:
    status: str
    label: str
    count: int
    median_days: float | None
    p90_days: float | None


@dataclass
class FormAnalytics:
    started: int
    submitted: int
    steps: list[StepRow]
    questions: list[QuestionRow]
    errors: list[ErrorRow]
    error_total: int
    channels: list[aggregation.Bar]
    decisions: list[DecisionRow]
    suggestions: list[str] = field(default_factory=list)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=10, method="inclusive")[-1], 1)


def steps_of(form: Form, submitted: int, *, language: str) -> tuple[int, list[StepRow]]:
    """Started, and per page: how many reached it and how many stopped there."""
    schema = form.current_version.schema  # type: ignore[union-attr]
    finished: Counter[int] = Counter(
        dict(
            Draft.objects.filter(form_version__form=form)
            .values_list("completed_steps")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    started = sum(finished.values()) + submitted
    rows = []
    pages = [s.title.get(language) for s in schema.steps] + [_("Review and send")]
    for index, title in enumerate(pages):
        # Reached page ``index``: finished at least the pages before it (or sent).
        reached = submitted + sum(n for done, n in finished.items() if done >= index)
        stopped = sum(n for done, n in finished.items() if done == index)
        if index == len(pages) - 1:  # on the review page: still drafts, however far
            stopped = sum(n for done, n in finished.items() if done >= index)
        rows.append(StepRow(title, reached, stopped, _share(stopped, reached)))
    return started, rows


def failures_of(form: Form, *, language: str) -> tuple[int, list[QuestionRow], list[ErrorRow]]:
    """The validation failures of every version of ``form``, by question and by message."""
    labels: dict[str, str] = {}
    if form.current_version is not None:
        labels = {f.key: f.label.get(language) for f in form.current_version.schema.fields()}
    rows = (
        ValidationFailure.objects.filter(form_version__form=form)
        .values("field_key", "code", "message")
        .annotate(n=Sum("count"))
        .order_by("-n", "field_key", "message")
    )
    errors = [
        ErrorRow(
            r["field_key"],
            labels.get(r["field_key"], r["field_key"]),
            r["code"],
            r["message"],
            r["n"],
        )
        for r in rows
    ]
    total = sum(e.count for e in errors)
    by_question: Counter[str] = Counter()
    for error in errors:
        by_question[error.field_key] += error.count
    questions = [
        QuestionRow(key, labels.get(key, key), n, _share(n, total) or 0.0)
        for key, n in by_question.most_common()
    ]
    return total, questions, errors


def decisions_of(submissions: QuerySet[Submission]) -> list[DecisionRow]:
    """Days from receipt to each decision (its first change to that status): median, p90."""
    days: dict[str, dict[int, float]] = {str(s): {} for s in DECISIONS}
    for submission_id, status, at, submitted_at in (
        StatusChange.objects.filter(submission__in=submissions, to_status__in=DECISIONS)
        .order_by("at")
        .values_list("submission_id", "to_status", "at", "submission__submitted_at")
    ):
        days[status].setdefault(submission_id, (at - submitted_at).total_seconds() / 86400)
    rows = []
    for status in DECISIONS:
        values = sorted(days[str(status)].values())
        rows.append(
            DecisionRow(
                str(status),
                str(status.label),
                len(values),
                round(statistics.median(values), 1) if values else None,
                _p90(values),
            )
        )
    return rows


def suggestions_for(
    *, questions: list[QuestionRow], error_total: int, steps: list[StepRow]
) -> list[str]:
    """Plain words for the department: a question with many errors, a page many leave."""
    said = []
    if error_total >= MIN_ERRORS:
        for question in questions:
            if question.count / error_total > ERROR_SHARE:
                said.append(
                    _("Many errors on this question: review its explanation (%(question)s).")
                    % {"question": question.label}
                )
    for step in steps:
        if step.reached >= MIN_REACHED and step.stopped / step.reached > LOSS_SHARE:
            said.append(_("Many people stop on this page: %(page)s.") % {"page": step.title})
    return said


def form_analytics(form: Form, *, language: str) -> FormAnalytics:
    submissions = Submission.objects.filter(form_version__form=form)
    figures = aggregation.form_figures(form, submissions.values("pk"), language=language)
    started, steps = steps_of(form, figures.total, language=language)
    error_total, questions, errors = failures_of(form, language=language)
    return FormAnalytics(
        started=started,
        submitted=figures.total,
        steps=steps,
        questions=questions,
        errors=errors,
        error_total=error_total,
        channels=figures.by_channel,
        decisions=decisions_of(submissions),
        suggestions=suggestions_for(questions=questions, error_total=error_total, steps=steps),
    )
