"""Improvement analytics of one form, without personal data (issue 19, item 5).

Drop-off by step (drafts by the furthest step they finished, and the submissions) and by
question (the first required question left empty where an abandoned draft stopped), the
validation failures by question and message (the anonymous counters of
:class:`~.models.ValidationFailure`, filled through submissions.validation_hooks from the
step page, the review page and the API), the time residents take to complete the form
online (``Submission.started_at``, the draft's start, to ``submitted_at``), how many guide
results that listed the form led to a draft or a submission (forms.guide_counts and the
``from_guide`` flag), the channel mix, the time from receipt to each decision, and
plain-word suggestions. Only counts and durations leave this module: an answer is read to
tell whether it is empty, never kept or shown.

Drafts are deleted when sent and purged when they expire, so "started" counts the drafts
still kept plus the submissions; abandoned drafts older than the retention period are no
longer counted.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.backoffice import aggregation
from madoguchi.forms import answers as form_answers
from madoguchi.forms import conditions, guide_counts
from madoguchi.forms.models import Form, FormVersion
from madoguchi.forms.schema import FormSchema
from madoguchi.submissions.models import Channel, Draft, Status, StatusChange, Submission
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
# A draft not changed for this many days (or past its expiry) is abandoned; a question
# where more than STOP_SHARE of the abandoned drafts stopped gets a suggestion, from
# MIN_ABANDONED abandoned drafts on.
ABANDONED_DAYS = 7
STOP_SHARE = 0.20
MIN_ABANDONED = 10
# A median time to complete online above SLOW_MINUTES gets a suggestion, from MIN_TIMED
# timed submissions on.
SLOW_MINUTES = 15
MIN_TIMED = 10
# Guide results listing the form: when fewer than FOLLOW_SHARE of them led to a draft or a
# submission (from MIN_LISTED results on), a suggestion.
FOLLOW_SHARE = 0.10
MIN_LISTED = 20
DECISIONS = (Status.APPROVED, Status.REJECTED, Status.COMPLETED, Status.WITHDRAWN)


def record_failure(
    form_version_id: int, field_key: str, code: str, message: str, where: str = "step"
) -> None:
    """Count one failure (the validation hook): one UPDATE, or an INSERT the first time.

    ``where``: the page that showed it ("step", "review" or "api"; anything else is "step").
    """
    day = timezone.localdate()
    key = {
        "form_version_id": form_version_id,
        "field_key": field_key[:100],
        "code": code[:10],
        "message": message[:200],
        "day": day,
        "where": where if where in ValidationFailure.Where.values else "step",
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
    where: str  # ValidationFailure.Where's label: the page that showed the message
    count: int


@dataclass
class StopRow:
    """Abandoned drafts that stopped on ``page`` with ``question`` as the first required
    question left empty (``question`` empty: every required answer of the page was there,
    or the draft stopped on the review page)."""

    page: str
    question: str
    count: int
    percent: float  # of the abandoned drafts


@dataclass
class DurationRow:
    """Minutes from the draft's start to sending, online: all versions or one."""

    version: int | None  # None: every version together
    count: int
    median_minutes: float | None
    p90_minutes: float | None


@dataclass
class Completion:
    rows: list[DurationRow]  # every version first, then each version, newest first
    excluded: int  # submissions not timed: paper, counter, and online without a draft (API)


@dataclass
class GuideFollowed:
    listed: int | None  # guide results that listed the form (None: no guide installed)
    drafts: int  # drafts started from a guide result, still kept
    submitted: int  # submissions whose draft was started from a guide result
    percent: float | None  # (drafts + submitted) of listed


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
    errors_where: list[tuple[str, int]]  # by page (label, count), in Where's order
    abandoned: int
    stops: list[StopRow]
    completion: Completion
    guide: GuideFollowed
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
        .values("field_key", "code", "message", "where")
        .annotate(n=Sum("count"))
        .order_by("-n", "field_key", "message", "where")
    )
    where_labels = dict(ValidationFailure.Where.choices)
    errors = [
        ErrorRow(
            r["field_key"],
            labels.get(r["field_key"], r["field_key"]),
            r["code"],
            r["message"],
            str(where_labels.get(r["where"], r["where"])),
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


def failures_by_where(form: Form) -> list[tuple[str, int]]:
    """The form's validation failures by the page that showed them (step, review, API)."""
    counts = dict(
        ValidationFailure.objects.filter(form_version__form=form)
        .values_list("where")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return [
        (str(label), int(counts.get(value, 0))) for value, label in ValidationFailure.Where.choices
    ]


def _stop(schema: FormSchema, draft: Draft, *, language: str) -> tuple[str, str]:
    """(page, question) where an abandoned draft stopped: the first page from its furthest
    one that applies, and there the first required question with no answer (none typed)."""
    values: dict[str, Any] = {**draft.answers, **draft.typed}
    for index in range(draft.completed_steps, len(schema.steps)):
        step = schema.steps[index]
        if not conditions.step_applies(step, draft.answers):
            continue
        for form_field in step.fields:
            if (
                form_field.collects_input
                and conditions.field_applies(form_field, values)
                and conditions.field_required(form_field, values)
                and form_answers.is_empty(values.get(form_field.key))
            ):
                return step.title.get(language), form_field.label.get(language)
        return step.title.get(language), ""
    return _("Review and send"), ""


def stops_of(form: Form, *, language: str, now: datetime) -> tuple[int, list[StopRow]]:
    """Abandoned drafts (expired, or unchanged for ABANDONED_DAYS), by where they stopped."""
    drafts = (
        Draft.objects.filter(form_version__form=form)
        .filter(Q(expires_at__lte=now) | Q(updated_at__lte=now - timedelta(days=ABANDONED_DAYS)))
        .only("form_version_id", "answers", "typed", "completed_steps")
    )
    # Each version's schema parsed once, not once per draft.
    schemas: dict[int, FormSchema] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for draft in drafts.iterator(chunk_size=2000):
        if draft.form_version_id not in schemas:
            schemas[draft.form_version_id] = FormVersion.objects.get(
                pk=draft.form_version_id
            ).schema
        counts[_stop(schemas[draft.form_version_id], draft, language=language)] += 1
    total = sum(counts.values())
    rows = [
        StopRow(page, question, n, _share(n, total) or 0.0)
        for (page, question), n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return total, rows


def _duration_row(version: int | None, minutes: list[float]) -> DurationRow:
    values = sorted(minutes)
    median = round(statistics.median(values), 1) if values else None
    return DurationRow(version, len(values), median, _p90(values))


def completion_of(submissions: QuerySet[Submission]) -> Completion:
    """Minutes from the draft's start to sending, online only: the median and the 90th
    percentile, for every version and for each. Paper and counter are not timed."""
    timed = submissions.filter(channel=Channel.ONLINE, started_at__isnull=False)
    by_version: dict[int, list[float]] = {}
    for number, started, submitted in timed.values_list(
        "form_version__number", "started_at", "submitted_at"
    ):
        if started is None:  # excluded by the filter; for the type checker
            continue
        minutes = max(0.0, (submitted - started).total_seconds() / 60)
        by_version.setdefault(number, []).append(minutes)
    every = [m for values in by_version.values() for m in values]
    rows = [_duration_row(None, every)]
    rows += [_duration_row(n, by_version[n]) for n in sorted(by_version, reverse=True)]
    return Completion(rows, submissions.count() - len(every))


def guide_followed(form: Form, submissions: QuerySet[Submission]) -> GuideFollowed:
    """Of the guide results that listed the form, how many led to a draft or a submission."""
    listed = guide_counts.times_listed(form)
    drafts = Draft.objects.filter(form_version__form=form, from_guide=True).count()
    submitted = submissions.filter(from_guide=True).count()
    percent = _share(drafts + submitted, listed) if listed else None
    return GuideFollowed(listed, drafts, submitted, percent)


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
    *,
    questions: list[QuestionRow],
    error_total: int,
    steps: list[StepRow],
    abandoned: int = 0,
    stops: list[StopRow] | None = None,
    completion: Completion | None = None,
    guide: GuideFollowed | None = None,
) -> list[str]:
    """Plain words for the department: a question with many errors, a page many leave, a
    question where abandoned drafts stop, a long time to complete, guide results not
    followed (thresholds at the top of this module and in docs/coverage.md)."""
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
    if abandoned >= MIN_ABANDONED:
        for stop in stops or []:
            if stop.question and stop.count / abandoned > STOP_SHARE:
                said.append(
                    _("Many people stop at this question: %(question)s (%(page)s).")
                    % {"question": stop.question, "page": stop.page}
                )
    overall = completion.rows[0] if completion is not None else None
    if (
        overall is not None
        and overall.median_minutes is not None
        and overall.count >= MIN_TIMED
        and overall.median_minutes > SLOW_MINUTES
    ):
        said.append(
            _("Completing takes %(minutes)s minutes (median): see whether questions can be cut.")
            % {"minutes": overall.median_minutes}
        )
    if (
        guide is not None
        and guide.listed is not None
        and guide.listed >= MIN_LISTED
        and (guide.drafts + guide.submitted) / guide.listed < FOLLOW_SHARE
    ):
        said.append(
            _(
                "Few people go on from the guide's result to this form: review how the "
                "guide describes it."
            )
        )
    return said


def form_analytics(form: Form, *, language: str, now: datetime | None = None) -> FormAnalytics:
    submissions = Submission.objects.filter(form_version__form=form)
    figures = aggregation.form_figures(form, submissions.values("pk"), language=language)
    started, steps = steps_of(form, figures.total, language=language)
    error_total, questions, errors = failures_of(form, language=language)
    abandoned, stops = stops_of(form, language=language, now=now or timezone.now())
    completion = completion_of(submissions)
    guide = guide_followed(form, submissions)
    return FormAnalytics(
        started=started,
        submitted=figures.total,
        steps=steps,
        questions=questions,
        errors=errors,
        error_total=error_total,
        errors_where=failures_by_where(form),
        abandoned=abandoned,
        stops=stops,
        completion=completion,
        guide=guide,
        channels=figures.by_channel,
        decisions=decisions_of(submissions),
        suggestions=suggestions_for(
            questions=questions,
            error_total=error_total,
            steps=steps,
            abandoned=abandoned,
            stops=stops,
            completion=completion,
            guide=guide,
        ),
    )
