"""The inbox: submissions to handle, searched and filtered, and changed in bulk."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.core.staff import staff_of, staff_required
from madoguchi.submissions import due_dates, workflow
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions.models import Status

from .. import fees, selectors
from ..forms import BulkStatusForm


@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    filters = selectors.InboxFilters.from_query(request.GET)
    page = selectors.inbox_page(
        staff, filters, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    language = get_language() or "ja"
    today = due_dates.today()
    titles: dict[int, str] = {}
    rows = []
    for s in page.rows:
        if s.form_version_id not in titles:
            titles[s.form_version_id] = s.form_version.schema.title.get(language)
        rows.append(
            {
                "submission": s,
                "title": titles[s.form_version_id],
                "department": s.department.localized_name(language),
                "transitions": " ".join(sorted(selectors.bulk_transitions(s))),
                "payment": fees.PAYMENT_STATE_LABELS.get(getattr(s, "payment_state", ""), ""),
                "overdue": due_dates.is_overdue(s, today),
            }
        )
    kept = filters.as_query()
    return render(
        request,
        "backoffice/inbox.html",
        {
            "staff": staff,
            "rows": rows,
            "filters": filters,
            "query": filters.query,
            "next_url": "?" + urlencode(kept | {"after": page.next_cursor})
            if page.next_cursor
            else "",
            "previous_url": "?" + urlencode(kept | {"before": page.previous_cursor})
            if page.previous_cursor
            else "",
        }
        | selectors.inbox_choices(staff, language=language, rows=page.rows),
    )


@staff_required
@require_POST
def bulk_status(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    form = BulkStatusForm(request.POST)
    if not form.is_valid():
        for problem in form.errors.get("receipt", []):
            messages.error(request, str(problem))
        return redirect("backoffice:inbox")
    submissions = list(
        submission_selectors.inbox_for(staff)
        .filter(receipt_number__in=form.cleaned_data["receipt"])
        .select_related("form_version")
    )
    to_status = form.cleaned_data["to_status"]
    refused = selectors.bulk_refusals(submissions, to_status)
    if refused:
        # All or nothing: a bulk change never leaves half of the selection changed.
        messages.error(
            request,
            _(
                "Nothing was changed: %(numbers)s cannot become “%(target)s” from their "
                "current status. Untick them or choose another status."
            )
            % {
                "numbers": pgettext("list separator", ", ").join(refused),
                "target": Status(to_status).label if to_status in Status.values else to_status,
            },
        )
        return redirect("backoffice:inbox")
    result = workflow.change_status_bulk(
        submissions=submissions,
        to_status=to_status,
        staff=staff,
        reason=form.cleaned_data["reason"],
    )
    if result.changed:
        messages.success(
            request,
            _("Changed: %(numbers)s")
            % {"numbers": pgettext("list separator", ", ").join(result.changed)},
        )
    for number, why in result.refused.items():
        messages.error(request, f"{number}: {why}")
    return redirect("backoffice:inbox")
