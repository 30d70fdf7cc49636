"""The status page of one application (申請状況), reachable without the My Number Card.

The resident reaches it from the confirmation page and from every email, through a
secret link (``status_links``): status, messages from the department, delivered results
(downloadable here), the access history (やりとり履歴), and withdrawal (取下げ) before a
decision.

A card-verified application shows, behind the link, only what the link alone may reveal
(procedure, receipt number, status) until this browser session did the card login of
its applicant (``resident_session``, the rule of card-verified drafts and corrections):
a forwarded or leaked email then shows nothing personal and cannot withdraw.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.identity import csp as identity_csp

from . import (
    downloads,
    notifications,
    pending_links,
    resident_session,
    selectors,
    status_links,
    status_panels,
    workflow,
)
from .models import ResultDocument, Submission
from .resident_views import history_rows


def _language() -> str:
    return get_language() or "ja"


def _submission(token: str) -> Submission:
    try:
        return status_links.submission_by_token(token)
    except Submission.DoesNotExist as error:
        raise Http404 from error


def _locked(request: HttpRequest, submission: Submission) -> bool:
    """Whether only the non-personal part may be shown in this browser."""
    return resident_session.needs_login_again(request.session, submission.identity)


def _context(request: HttpRequest, submission: Submission, token: str) -> dict[str, Any]:
    language = _language()
    context = notifications.confirmation_context(submission, language)
    locked = _locked(request, submission)
    context |= {
        "token": token,
        "news": notifications.status_news(submission.status),
        "locked": locked,
        "mypage_url_code": submission.municipality.lg_code,
        "panels": status_panels.render(
            request, submission, status_panels.Where("status", token=token, locked=locked)
        ),
    }
    if locked:
        return context
    changes = [
        {
            "at": change.at,
            "news": notifications.status_news(change.to_status),
            "message": change.reason,
        }
        for change in submission.status_changes.all().order_by("-at", "-id")
    ]
    context |= {
        "changes": changes,
        "results": list(submission.result_documents.all()),
        "can_withdraw": workflow.can_withdraw(submission),
        "history": history_rows([submission], language=language),
    }
    return context


@never_cache
@require_GET
def status(request: HttpRequest, token: str) -> HttpResponse:
    try:
        submission = status_links.submission_by_token(token)
    except Submission.DoesNotExist as error:
        # Not a submission yet (a mail-in paper on its way): the page of the app that has it.
        pending = pending_links.page_for(token)
        if pending is None:
            raise Http404 from error
        return redirect(pending)
    page = render(request, "submissions/status.html", _context(request, submission, token))
    return identity_csp.with_form_action(page, status_panels.form_action_origins(submission))


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    """Ask once (「本当に取り下げますか」), then withdraw on the POST."""
    submission = _submission(token)
    if _locked(request, submission):
        return redirect("submissions:status", token=token)
    context = _context(request, submission, token)
    if not workflow.can_withdraw(submission):
        context["error"] = _(
            "This application can no longer be withdrawn: a decision was already taken. "
            "Please contact the department."
        )
        return render(request, "submissions/status_withdraw.html", context, status=409)
    if request.method == "POST":
        try:
            workflow.withdraw(submission=submission)
        except workflow.WorkflowRefused as refused:
            context["error"] = refused.message
            return render(request, "submissions/status_withdraw.html", context, status=409)
        messages.success(request, _("Your application was withdrawn."))
        return redirect("submissions:status", token=token)
    return render(request, "submissions/status_withdraw.html", context)


@never_cache
@require_GET
def result(request: HttpRequest, token: str, pk: int) -> FileResponse:
    """A delivered result, to whoever holds the status link (and, for a card-verified
    application, did the applicant's card login in this browser)."""
    submission = _submission(token)
    if _locked(request, submission):
        raise Http404
    try:
        document = submission.result_documents.get(pk=pk)
    except ResultDocument.DoesNotExist as error:
        raise Http404 from error
    return downloads.result_download(document)


@require_POST
def from_confirmation(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The confirmation page's 「申請状況を確認する」: a new status link for the browser
    that just sent the application (the same rule as the confirmation page itself)."""
    if str(public_id) not in selectors.session_receipts(request.session).values():
        raise Http404
    submission = Submission.objects.get(public_id=public_id)
    return redirect("submissions:status", token=status_links.issue(submission))
