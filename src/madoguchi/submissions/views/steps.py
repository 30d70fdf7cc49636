"""One page of the form at a time: show it, check it, keep it; the postal-code look-up.

The no-JavaScript paths live here too: the address look-up (住所を検索), the language
switch and 一時保存 all submit the page, and what was typed is never lost.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.core.ratelimit import allow
from madoguchi.forms import answers as form_answers
from madoguchi.forms import conditions, rendering
from madoguchi.forms.schema import FileField, FormSchema, PostalCodeField
from madoguchi.jp import postal
from madoguchi.jp.errors import InvalidJapaneseInput

from .. import draft_views, navigation, services, validation_hooks
from ..models import Draft
from .access import current_language, locked_values, open_draft


def upload_limit_message() -> str:
    return _(
        "Too many files were sent from your connection. Wait a minute, then attach the file again."
    )


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
    language = current_language()
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
        if isinstance(schema.field(view.key), FileField):  # a photo is a file too
            view.extra["attachment"] = attachments.get(view.key)
    previous = navigation.previous_step_index(schema, draft.answers, index)
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
            (code, name) for code, name in settings.LANGUAGES if code != current_language()
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
        if f.collects_input and not isinstance(f, FileField)
    }


def step_url(token: str, number: int, *, back_to_review: bool = False) -> str:
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
    draft = open_draft(request, token)
    if isinstance(draft, HttpResponse):
        return draft
    return draft_views.remember_draft(request, _step(request, draft, token, number), draft, token)


def _step(request: HttpRequest, draft: Draft, token: str, number: int) -> HttpResponse:
    schema = draft.form_version.schema
    index = number - 1
    # 「変更する」 on the review page: 次へ leads back there (GOV.UK "check answers").
    back_to_review = "review" in (request.GET.get("return"), request.POST.get("return"))
    unfinished = navigation.first_unfinished_step(draft)
    if index < 0 or index >= len(schema.steps) or (unfinished is not None and index > unfinished):
        # No skipping ahead (or past the end): go to the first page still to answer.
        if unfinished is None:
            return redirect("submissions:review", token=token)
        return redirect("submissions:step", token=token, number=unfinished + 1)
    if not conditions.step_applies(schema.steps[index], draft.answers):
        following = navigation.next_step_index(schema, draft.answers, index)
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
        target = step_url(token, number, back_to_review=back_to_review)
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
        # Which question failed, and with which message, counted without the answer.
        validation_hooks.report(draft.form_version_id, result.errors, result.entered)
        return step_again(result, 503 if result.retry_later else 422)
    if back_to_review:
        needed = navigation.step_needing_answers(draft, after=index)
        if needed is None:
            return redirect("submissions:review", token=token)
        return redirect(step_url(token, needed + 1, back_to_review=True))
    following = navigation.next_step_index(schema, draft.answers, index)
    if following is None:
        return redirect("submissions:review", token=token)
    return redirect("submissions:step", token=token, number=following + 1)
