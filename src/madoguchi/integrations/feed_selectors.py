"""Reads of the change feed (the system API's change list, the file drops)."""

from __future__ import annotations

from collections.abc import Iterable

from madoguchi.forms.models import Form
from madoguchi.tenants.models import Department

from .models import FeedEntry


def entries_after(
    cursor: int,
    *,
    departments: Iterable[Department | int],
    forms: Iterable[Form | int] | None = None,
    limit: int,
) -> list[FeedEntry]:
    """The next ``limit`` entries after ``cursor`` (a FeedEntry id) of ``departments``, in
    cursor order; with ``forms``, only entries about applications of those forms (so a
    check-in, which has no application yet, is left out).

    The submission, its form and department come with each entry (no query per entry).
    """
    department_ids = [d if isinstance(d, int) else d.pk for d in departments]
    entries = FeedEntry.objects.filter(id__gt=cursor, department_id__in=department_ids)
    if forms is not None:
        form_ids = [f if isinstance(f, int) else f.pk for f in forms]
        entries = entries.filter(submission__form_version__form_id__in=form_ids)
    return list(
        entries.select_related("department", "submission__form_version__form").order_by("id")[
            : max(0, limit)
        ]
    )
