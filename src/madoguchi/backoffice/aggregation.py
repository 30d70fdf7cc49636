"""Reads for a form's figures: counts, answer distributions, time to completion, drop-off.

Everything here is computed on demand from the submissions the staff member may see.
Counts run in the database; answer distributions read the answers column once, in
chunks, because JSON aggregation differs between SQLite and PostgreSQL.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.forms import fieldtypes
from madoguchi.forms.answers import display_value
from madoguchi.forms.models import Form
from madoguchi.submissions.models import Channel, Draft, Status, StatusChange, Submission

DAYS_SHOWN = 30


@dataclass
class Bar:
    label: str
    count: int
    # Share of the largest bar, 0–100, for drawing; and of the total, for reading.
    width: int = 0
    percent: float = 0.0
    # Vertical position in a chart of 10 units per bar.
    y: int = 0


@dataclass
class Distribution:
    key: str
    label: str
    answered: int
    bars: list[Bar] = field(default_factory=list)


@dataclass
class FormFigures:
    total: int
    by_status: list[Bar]
    # Every channel, those with no submissions too (online, by post, at the counter).
    by_channel: list[Bar]
    by_day: list[Bar]
    choices: list[Distribution]
    completion_days_median: float | None
    completion_days_mean: float | None
    completed: int
    drop_off: list[Bar]


def _scaled(bars: list[Bar], total: int | None = None) -> list[Bar]:
    top = max((b.count for b in bars), default=0)
    whole = total if total is not None else sum(b.count for b in bars)
    for index, bar in enumerate(bars):
        bar.y = index * 10 + 2
        bar.width = round(100 * bar.count / top) if top else 0
        bar.percent = round(100 * bar.count / whole, 1) if whole else 0.0
    return bars


def form_figures(form: Form, submissions: object, *, language: str) -> FormFigures:
    """The figures of one form over ``submissions`` (already scoped to the staff member)."""
    assert form.current_version is not None
    rows = Submission.objects.filter(pk__in=submissions, form_version__form=form)  # type: ignore[misc]
    total = rows.count()
    status_counts = dict(rows.values_list("status").annotate(n=Count("id")).order_by())
    by_status = _scaled(
        [Bar(str(label), status_counts.get(value, 0)) for value, label in Status.choices], total
    )
    channel_counts = dict(rows.values_list("channel").annotate(n=Count("id")).order_by())
    by_channel = _scaled(
        [Bar(str(label), channel_counts.get(value, 0)) for value, label in Channel.choices], total
    )
    since = timezone.localdate() - timedelta(days=DAYS_SHOWN - 1)
    day_counts: dict[date, int] = dict(
        rows.filter(submitted_at__date__gte=since)
        .annotate(day=TruncDate("submitted_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_day = _scaled(
        [
            Bar(
                (since + timedelta(days=i)).isoformat(),
                day_counts.get(since + timedelta(days=i), 0),
            )
            for i in range(DAYS_SHOWN)
        ]
    )
    choices = _choice_distributions(form, rows, language=language)
    durations = [
        (changed_at - submitted_at).total_seconds() / 86400
        for changed_at, submitted_at in StatusChange.objects.filter(
            submission__in=rows, to_status=Status.COMPLETED
        ).values_list("at", "submission__submitted_at")
    ]
    return FormFigures(
        total=total,
        by_status=by_status,
        by_channel=by_channel,
        by_day=by_day,
        choices=choices,
        completion_days_median=round(statistics.median(durations), 1) if durations else None,
        completion_days_mean=round(statistics.fmean(durations), 1) if durations else None,
        completed=len(durations),
        drop_off=_drop_off(form, total, language=language),
    )


def _choice_distributions(form: Form, rows: object, *, language: str) -> list[Distribution]:
    schema = form.current_version.schema  # type: ignore[union-attr]
    # The questions whose types count their answers (choices), with the options to draw.
    tallied = {
        f.key: options
        for f in schema.fields()
        if (options := fieldtypes.of(f).tally_options(f)) is not None
    }
    fields = [f for f in schema.fields() if f.key in tallied]
    counters: dict[str, Counter[str]] = {f.key: Counter() for f in fields}
    answered: Counter[str] = Counter()
    for answers in rows.values_list("answers", flat=True).iterator(chunk_size=2000):  # type: ignore[attr-defined]
        for form_field in fields:
            value = answers.get(form_field.key)
            if value in (None, "", []):
                continue
            answered[form_field.key] += 1
            counters[form_field.key].update(
                fieldtypes.of(form_field).tally_values(form_field, value)
            )
    distributions = []
    for form_field in fields:
        counts = counters[form_field.key]
        bars = [
            Bar(display_value(form_field, option), counts.pop(option, 0))
            for option in tallied[form_field.key]
        ]
        # Answers given under an earlier version's options still count, by their value.
        bars += [Bar(value, n) for value, n in counts.most_common()]
        distributions.append(
            Distribution(
                key=form_field.key,
                label=form_field.label.get(language),
                answered=answered[form_field.key],
                bars=_scaled(bars, answered[form_field.key]),
            )
        )
    return distributions


def _drop_off(form: Form, submitted: int, *, language: str) -> list[Bar]:
    """How far residents got: drafts still open or abandoned, by the last step they finished.

    Sent drafts become submissions (and the draft is deleted), so the last bar is the
    number of submissions.
    """
    schema = form.current_version.schema  # type: ignore[union-attr]
    reached = dict(
        Draft.objects.filter(form_version__form=form)
        .values_list("completed_steps")
        .annotate(n=Count("id"))
        .order_by()
    )
    bars = [
        Bar(_("Stopped at: %(step)s") % {"step": step.title.get(language)}, reached.get(i, 0))
        for i, step in enumerate(schema.steps)
    ]
    bars.append(Bar(_("Stopped at the review"), reached.get(len(schema.steps), 0)))
    bars.append(Bar(_("Sent"), submitted))
    return _scaled(bars)
