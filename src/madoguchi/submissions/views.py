"""The resident's pages: find a procedure, answer step by step, review, submit."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.core.ratelimit import allow
from madoguchi.forms import answers as form_answers
from madoguchi.forms import conditions, rendering
from madoguchi.forms import selectors as form_selectors
from madoguchi.forms.builder import selectors as builder_selectors
from madoguchi.forms.models import Form, FormVersion
from madoguchi.forms.schema import FormSchema, PostalCodeField
from madoguchi.identity import csp as identity_csp
from madoguchi.identity import oidc as identity_oidc
from madoguchi.identity import selectors as identity_selectors
from madoguchi.identity import services as identity_services
from madoguchi.identity.models import VerifiedIdentity
from madoguchi.jp import postal
from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.signatures import services as signature_services
from madoguchi.tenants.models import Municipality

from . import draft_views, notifications, resident_session, selectors, services
from .models import Draft, Submission

SESSION_RECEIPTS = selectors.SESSION_RECEIPTS


def upload_limit_message() -> str:
    return _(
        "Too many files were sent from your connection. Wait a minute, then attach the file again."
    )


def _language() -> str:
    return get_language() or "ja"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    municipalities = Municipality.objects.order_by("lg_code")
    return render(request, "submissions/home.html", {"municipalities": municipalities})


@require_GET
def procedures(request: HttpRequest, lg_code: str) -> HttpResponse:
    try:
        municipality = Municipality.objects.get(lg_code=lg_code)
    except Municipality.DoesNotExist as error:
        raise Http404 from error
    language = _language()
    groups: dict[str, list[dict[str, Any]]] = {}
    for form in form_selectors.published_forms(municipality):
        schema = form.current_version.schema  # type: ignore[union-attr]
        category = form.category.get(language) or form.category.get("ja") or _("Other")
        groups.setdefault(category, []).append(
            {
                "form": form,
                "title": schema.title.get(language),
                "department": form.department.localized_name(language),
                "identity": schema.identity,
            }
        )
    return render(
        request,
        "submissions/procedures.html",
        {
            "municipality": municipality,
            # 「その他」 last, however the catch-all is spelled.
            "groups": sorted(groups.items(), key=lambda g: form_selectors.category_order(g[0])),
        },
    )


def _published(lg_code: str, slug: str) -> Form:
    try:
        return form_selectors.published_form(lg_code=lg_code, slug=slug)
    except Form.DoesNotExist as error:
        raise Http404 from error


@require_http_methods(["GET", "POST"])
def form_start(request: HttpRequest, lg_code: str, slug: str) -> HttpResponse:
    form = _published(lg_code, slug)
    version = form.current_version
    assert version is not None
    schema = version.schema
    prefills = any(f.prefill for f in schema.fields())
    uses_provider = schema.identity != "none" or prefills
    providers = (
        list(
            identity_selectors.providers_for(
                form.municipality, mynumber_only=schema.identity != "account"
            )
        )
        if uses_provider
        else []
    )
    # Forms that need a signature (mynumber_sign) also need a My Number Card provider.
    closed = builder_selectors.acceptance_problem(form)
    available = not closed and (schema.identity == "none" or bool(providers))
    error, status = "", 200
    if request.method == "POST" and available:
        if not allow(request, "draft_start"):
            return render(request, "core/too_many_requests.html", status=429)
        chosen = request.POST.get("provider", "")
        provider = next((p for p in providers if p.key == chosen), None)
        if provider is not None or schema.identity == "none":
            try:
                if provider is not None:
                    # No draft when the login cannot start (provider unreachable).
                    identity_oidc.metadata(provider)
                draft_row, token = services.start_draft(form_version=version, language=_language())
                if provider is None:
                    return redirect("submissions:step", token=token, number=1)
                try:
                    url = identity_services.begin_login(request, provider, next_key=token)
                except identity_oidc.LoginFailed:
                    draft_row.delete()
                    raise
                return redirect(url)
            except identity_oidc.LoginFailed:
                error, status = (
                    _(
                        "The identity service cannot be reached right now. "
                        "Please try again in a few minutes."
                    ),
                    503,
                )
        else:
            error, status = _("Choose how to prove your identity."), 400
    language = _language()
    page = render(
        request,
        "submissions/form_start.html",
        {
            "form": form,
            "schema": schema,
            "title": schema.title.get(language),
            "description": schema.description.get(language) if schema.description else "",
            "department": form.department.localized_name(language),
            "municipality": form.municipality.localized_name(language),
            "step_titles": [s.title.get(language) for s in schema.steps],
            "providers": [(p.key, p.localized_name(language)) for p in providers],
            "available": available,
            "closed": closed,
            "card_optional": schema.identity == "none" and bool(providers),
            "prefill_items": form_selectors.prefill_item_names(schema, language=language),
            "start_error": error,
            "continue_url": draft_views.draft_to_continue(request, form) if available else None,
        },
        status=status,
    )
    # The start buttons POST here and are redirected to the provider's origin.
    return identity_csp.allow_provider_redirects(page, providers)


def _receipts(request: HttpRequest) -> dict[str, str]:
    """Submissions made from this browser session: draft token hash → submission id."""
    return selectors.session_receipts(request.session)


def remember_receipt(request: HttpRequest, token: str, submission: Submission) -> None:
    """Let this browser see the receipt of what it just sent (also after signing)."""
    resident_session.remember_receipt(
        request.session, services.hash_token(token), str(submission.public_id)
    )


def _draft(request: HttpRequest, token: str) -> Draft | HttpResponse:
    """The draft behind a resume link; or, once it was sent from this browser, its receipt.

    A double click on "send" or the back button after sending then lands on the
    confirmation instead of an error page. A card-verified draft opened in another
    session shows nothing of itself until the card login is repeated here.
    """
    try:
        draft = selectors.draft_by_token(token)
    except Draft.DoesNotExist as error:
        public_id = _receipts(request).get(services.hash_token(token))
        if public_id:
            return redirect("submissions:done", public_id=public_id)
        raise Http404 from error
    if resident_session.needs_card_again(request.session, draft):
        return card_again_page(request, draft, token)
    return draft


def card_again_page(
    request: HttpRequest, draft: Draft, token: str, *, error: str = "", status: int = 403
) -> HttpResponse:
    """Asks for the card login again; shows nothing of the draft's answers."""
    assert draft.identity is not None
    return verify_again_page(
        request,
        identity=draft.identity,
        form_version=draft.form_version,
        action=reverse("submissions:verify_again", args=[token]),
        error=error,
        status=status,
    )


def verify_again_page(
    request: HttpRequest,
    *,
    identity: VerifiedIdentity,
    form_version: FormVersion,
    action: str,
    correction: bool = False,
    error: str = "",
    status: int = 403,
) -> HttpResponse:
    """The page that asks for the card login again, for a draft or a correction.

    Only the procedure and the provider are named: nothing of the answers, the card's
    data, the receipt number or the department's message.
    """
    language = _language()
    provider = identity.provider
    page = render(
        request,
        "submissions/card_again.html",
        {
            "title": form_version.schema.title.get(language),
            "municipality": form_version.form.municipality.localized_name(language),
            "action": action,
            "correction": correction,
            "provider_name": provider.localized_name(language),
            "available": provider.enabled,
            "error": error,
        },
        status=status,
    )
    # The button's POST is answered with a redirect to the provider, another origin.
    return identity_csp.allow_provider_redirects(page, [provider] if provider.enabled else [])


def start_login_again(
    request: HttpRequest,
    identity: VerifiedIdentity,
    *,
    next_key: str,
    purpose: str,
    level: str,
    again: Callable[[str, int], HttpResponse],
) -> HttpResponse:
    """Send the resident to ``identity``'s provider to log in with the card again.

    ``again(error, status)`` shows the verify-again page with what went wrong.
    """
    if not allow(request, "draft_start"):
        return render(request, "core/too_many_requests.html", status=429)
    provider = identity.provider
    if not provider.enabled:
        raise Http404
    try:
        url = identity_services.begin_login(
            request, provider, next_key=next_key, purpose=purpose, level=level
        )
    except identity_oidc.LoginFailed:
        message = _(
            "The identity service cannot be reached right now. Please try again in a few minutes."
        )
        return again(message, 503)
    return redirect(url)


@require_POST
def verify_again(request: HttpRequest, token: str) -> HttpResponse:
    """Repeat the card login for a card-verified draft opened in this session."""
    try:
        draft = selectors.draft_by_token(token)
    except Draft.DoesNotExist as error:
        raise Http404 from error
    if not resident_session.needs_card_again(request.session, draft):
        return redirect("submissions:step", token=token, number=1)
    assert draft.identity is not None
    return start_login_again(
        request,
        draft.identity,
        next_key=token,
        purpose="draft",
        level=draft.form_version.schema.identity,
        again=lambda error, status: card_again_page(
            request, draft, token, error=error, status=status
        ),
    )


def locked_values(draft: Draft) -> dict[str, Any]:
    """Answers fixed by the verified identity (My Number Card): shown, not editable."""
    return identity_services.locked_answers(draft.form_version.schema, draft.identity)


def _step_context(
    request: HttpRequest,
    *,
    draft: Draft,
    token: str,
    index: int,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    notice: str = "",
    suggestion: dict[str, str] | None = None,
    back_to_review: bool = False,
) -> dict[str, Any]:
    schema = draft.form_version.schema
    language = _language()
    step = schema.steps[index]
    locked = locked_values(draft)
    answers = draft.answers | {k: v for k, v in values.items() if k in draft.answers or v}
    fields = rendering.step_views(
        step,
        values=values | locked,
        errors=errors,
        answers=answers,
        locked_keys=frozenset(locked),
    )
    attachments = {a.field_key: a for a in draft.attachments.all()}
    for view in fields:
        if view.type == "file":
            view.extra["attachment"] = attachments.get(view.key)
        if view.type == "postal_code":
            # No lookup where the card fixed the address: it would change nothing.
            view.extra["address_locked"] = view.extra.get("address_field") in locked
    previous = services.previous_step_index(schema, draft.answers, index)
    numbers = [i for i, _s in conditions.applicable_steps(schema, answers)]
    return {
        "draft": draft,
        "token": token,
        "schema": schema,
        "title": schema.title.get(language),
        "municipality": draft.form_version.form.municipality.localized_name(language),
        "step": step,
        "step_title": step.title.get(language),
        "step_description": step.description.get(language) if step.description else "",
        "step_number": numbers.index(index) + 1 if index in numbers else index + 1,
        "step_total": len(numbers) + 1,
        "progress": rendering.progress(schema, answers, index),
        "fields": fields,
        "errors": [(f, e) for f in fields for e in f.errors],
        "previous_url": reverse("submissions:step", kwargs={"token": token, "number": previous + 1})
        if previous is not None
        else "",
        "resume_url": draft_views.resume_url(request, token),
        "notice": notice,
        "suggestion": suggestion,
        "back_to_review": back_to_review,
        "languages": [
            (code, name) for code, name in settings.LANGUAGES if code != (get_language() or "ja")
        ],
    }


def _comparable(text: str) -> str:
    """An address as compared with a looked-up one: NFKC, without spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass
class LookupResult:
    notice: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    # The found address, offered to apply when it would replace a different address.
    suggestion: dict[str, str] | None = None


def _lookup_address(
    schema: FormSchema,
    step_keys: set[str],
    key: str,
    values: dict[str, Any],
    *,
    locked: Mapping[str, Any],
    replace: bool = False,
) -> LookupResult:
    """Fill the address field from the postal code (the no-JavaScript path).

    The found (town-level) address fills an empty address, or one it extends; it never
    replaces a different or longer address the resident typed unless they ask
    (``replace``, the suggestion's button). Fields the card locked are never touched.
    """
    try:
        form_field = schema.field(key)
    except KeyError:
        return LookupResult()
    if not isinstance(form_field, PostalCodeField) or key not in step_keys:
        return LookupResult()
    target = form_field.address_field
    if key in locked or (target and target in locked):
        return LookupResult(
            notice=_("The address comes from your My Number Card and was not changed.")
        )
    try:
        address = postal.lookup_address(str(values.get(key, "")))
    except InvalidJapaneseInput as error:
        return LookupResult(errors={key: [str(error.message)]})
    if address is None:
        return LookupResult(
            errors={key: [_("No address was found for this postal code. Check the number.")]}
        )
    values[key] = postal.format_postal_code(address.postal_code)
    if not target:
        return LookupResult()
    typed = _comparable(str(values.get(target) or ""))
    found = _comparable(address.full)
    if replace or not typed or found.startswith(typed):
        values[target] = address.full
        return LookupResult(
            notice=_(
                "The address was filled in from the postal code. Add the block and building number."
            )
        )
    if typed.startswith(found):
        return LookupResult(
            notice=_("The address you typed matches this postal code. It was not changed.")
        )
    return LookupResult(
        notice=_(
            "The address of this postal code differs from the address you typed, "
            "which was not changed: %(address)s"
        )
        % {"address": address.full},
        suggestion={"key": key, "address": address.full},
    )


def _typed_on_step(schema: FormSchema, index: int, post: Mapping[str, Any]) -> dict[str, Any]:
    return {
        f.key: form_answers.raw_from_post(f, post)
        for f in schema.steps[index].fields
        if f.collects_input and f.type != "file"
    }


def _step_url(token: str, number: int, *, back_to_review: bool = False) -> str:
    url = reverse("submissions:step", kwargs={"token": token, "number": number})
    return f"{url}?{urlencode({'return': 'review'})}" if back_to_review else url


def _switch_language(response: HttpResponse, language: str) -> HttpResponse:
    """What Django's set_language view does to the response."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, token: str, number: int) -> HttpResponse:
    draft = _draft(request, token)
    if isinstance(draft, HttpResponse):
        return draft
    return draft_views.remember_draft(request, _step(request, draft, token, number), draft, token)


def _step(request: HttpRequest, draft: Draft, token: str, number: int) -> HttpResponse:
    schema = draft.form_version.schema
    index = number - 1
    # 「変更する」 on the review page: 次へ leads back there (GOV.UK "check answers").
    back_to_review = "review" in (request.GET.get("return"), request.POST.get("return"))
    unfinished = services.first_unfinished_step(draft)
    if index < 0 or index >= len(schema.steps) or (unfinished is not None and index > unfinished):
        # No skipping ahead (or past the end): go to the first page still to answer.
        if unfinished is None:
            return redirect("submissions:review", token=token)
        return redirect("submissions:step", token=token, number=unfinished + 1)
    if not conditions.step_applies(schema.steps[index], draft.answers):
        following = services.next_step_index(schema, draft.answers, index)
        if following is None:
            return redirect("submissions:review", token=token)
        return redirect("submissions:step", token=token, number=following + 1)
    if request.method == "GET":
        step_keys = {f.key for f in schema.steps[index].fields}
        # Answers saved unchecked (一時保存 on a page with errors) show as they were typed.
        typed = {k: v for k, v in draft.typed.items() if k in step_keys}
        context = _step_context(
            request,
            draft=draft,
            token=token,
            index=index,
            values=dict(draft.answers) | typed,
            errors={},
            back_to_review=back_to_review,
        )
        return render(request, "submissions/step.html", context)

    lookup = request.POST.get("lookup") or request.POST.get("lookup_replace")
    if lookup:
        values = _typed_on_step(schema, index, request.POST)
        found = _lookup_address(
            schema,
            {f.key for f in schema.steps[index].fields},
            lookup,
            values,
            locked=locked_values(draft),
            replace=bool(request.POST.get("lookup_replace")),
        )
        context = _step_context(
            request,
            draft=draft,
            token=token,
            index=index,
            values=values,
            errors=found.errors,
            notice=found.notice,
            suggestion=found.suggestion,
            back_to_review=back_to_review,
        )
        return render(
            request, "submissions/step.html", context, status=422 if found.errors else 200
        )

    if request.FILES and not allow(request, "upload"):
        # Nothing of this request is stored: the files come back with a wait-and-retry.
        errors = {key: [upload_limit_message()] for key in request.FILES}
        typed = _typed_on_step(schema, index, request.POST)
        values = {k: v for k, v in draft.answers.items() if k not in request.FILES} | typed
        context = _step_context(
            request,
            draft=draft,
            token=token,
            index=index,
            values=values,
            errors=errors,
            back_to_review=back_to_review,
        )
        return render(request, "submissions/step.html", context, status=429)

    language = request.POST.get("language", "")
    if language in dict(settings.LANGUAGES):
        # The language switch of a step page submits the page: what was typed is kept
        # (unchecked when invalid) and the same page opens in the other language.
        services.save_for_later(
            draft=draft,
            step_index=index,
            data=request.POST,
            files=request.FILES,
            locked=locked_values(draft),
        )
        target = _step_url(token, number, back_to_review=back_to_review)
        return _switch_language(redirect(target), language)

    def step_again(result: services.StepResult, status: int) -> HttpResponse:
        """This page again, with what was typed and what to fix."""
        context = _step_context(
            request,
            draft=draft,
            token=token,
            index=index,
            values=result.entered,
            errors=result.errors,
            back_to_review=back_to_review,
        )
        return render(request, "submissions/step.html", context, status=status)

    if request.POST.get("action") == "save":
        result = services.save_for_later(
            draft=draft,
            step_index=index,
            data=request.POST,
            files=request.FILES,
            locked=locked_values(draft),
        )
        if result.retry_later:
            return step_again(result, 503)
        saved_url = reverse("submissions:saved", kwargs={"token": token})
        return redirect(f"{saved_url}?{urlencode({'step': number})}")

    result = services.save_step(
        draft=draft,
        step_index=index,
        data=request.POST,
        files=request.FILES,
        locked=locked_values(draft),
    )
    if not result.ok:
        return step_again(result, 503 if result.retry_later else 422)
    if back_to_review:
        needed = services.step_needing_answers(draft, after=index)
        if needed is None:
            return redirect("submissions:review", token=token)
        return redirect(_step_url(token, needed + 1, back_to_review=True))
    following = services.next_step_index(schema, draft.answers, index)
    if following is None:
        return redirect("submissions:review", token=token)
    return redirect("submissions:step", token=token, number=following + 1)


def _review_rows(draft: Draft, token: str) -> list[dict[str, Any]]:
    return [
        {
            "title": section.title,
            "rows": section.rows,
            "edit_url": _step_url(token, section.step_index + 1, back_to_review=True),
        }
        for section in rendering.answer_sections(draft.form_version.schema, draft.answers)
    ]


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, token: str) -> HttpResponse:
    draft = _draft(request, token)
    if isinstance(draft, HttpResponse):
        return draft
    schema = draft.form_version.schema
    unfinished = services.step_to_resume(draft)
    if unfinished is not None:
        # Also a page saved with answers still unchecked (一時保存): checked there first.
        return redirect("submissions:step", token=token, number=unfinished + 1)
    if request.method != "POST":
        return review_page(request, draft, token)
    try:
        if schema.identity == "mynumber_sign":
            # The resident signs at the Digital Authentication App; the identity callback
            # submits the draft once the signature is verified (madoguchi.signatures).
            return redirect(signature_services.begin_signing(request, draft, token))
        submission = services.submit_draft(draft=draft)
    except services.SubmissionRefused as refused:
        return review_page(request, draft, token, errors=refused.errors, status=422)
    except services.FormClosed as closed:
        return review_page(request, draft, token, signing_error=closed.message, status=409)
    except signature_services.SigningFailed as failure:
        return review_page(request, draft, token, signing_error=str(failure.message), status=422)
    except Draft.DoesNotExist as error:  # sent meanwhile, e.g. by a double click
        resolved = _draft(request, token)
        if isinstance(resolved, HttpResponse):
            return resolved
        raise Http404 from error
    remember_receipt(request, token, submission)
    return redirect("submissions:done", public_id=submission.public_id)


def review_page(
    request: HttpRequest,
    draft: Draft,
    token: str,
    *,
    errors: dict[str, list[str]] | None = None,
    signing_error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The review page, with answer errors or a signature failure to show (also used by
    the signing callback, which lands here when a signature is refused)."""
    schema = draft.form_version.schema
    language = _language()
    error_list = []
    for key, field_errors in (errors or {}).items():
        try:
            form_field = schema.field(key)
        except KeyError:
            continue
        error_list += [
            {
                "label": form_field.label.get(language),
                "message": message,
                "url": reverse(
                    "submissions:step",
                    kwargs={"token": token, "number": schema.step_of(key) + 1},
                ),
            }
            for message in field_errors
        ]
    if signing_error:
        error_list.append({"label": _("Signature"), "message": signing_error, "url": "#sign"})
    signing = schema.identity == "mynumber_sign"
    page = render(
        request,
        "submissions/review.html",
        {
            "draft": draft,
            "token": token,
            "title": schema.title.get(language),
            "municipality": draft.form_version.form.municipality.localized_name(language),
            "sections": _review_rows(draft, token),
            "progress": rendering.progress(schema, draft.answers, None),
            "errors": error_list,
            "signing": signing,
            "signing_error": signing_error,
        },
        status=status,
    )
    # 「マイナンバーカードで署名して送信する」 is redirected to the card's provider.
    signer = [draft.identity.provider] if signing and draft.identity else []
    return identity_csp.allow_provider_redirects(page, signer)


@require_GET
def done(request: HttpRequest, public_id: UUID) -> HttpResponse:
    # Only the browser that submitted sees the confirmation: the URL alone reveals nothing.
    if str(public_id) not in _receipts(request).values():
        raise Http404
    submission = Submission.objects.select_related(
        "form_version__form", "municipality", "department"
    ).get(public_id=public_id)
    return render(
        request,
        "submissions/done.html",
        notifications.confirmation_context(submission, _language()),
    )


@require_POST
def discard(request: HttpRequest, token: str) -> HttpResponse:
    draft = _draft(request, token)
    if isinstance(draft, HttpResponse):
        return draft
    form = draft.form_version.form
    draft.delete()
    messages.info(request, _("Your unfinished application was deleted."))
    return redirect("submissions:form_start", lg_code=form.municipality.lg_code, slug=form.slug)
