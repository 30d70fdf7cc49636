"""The resident's way in: the municipalities, their procedures, a form's start page."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from madoguchi.core import municipality_links
from madoguchi.core.ratelimit import allow
from madoguchi.forms import selectors as form_selectors
from madoguchi.forms.builder import selectors as builder_selectors
from madoguchi.forms.models import Form
from madoguchi.identity import csp as identity_csp
from madoguchi.identity import oidc as identity_oidc
from madoguchi.identity import selectors as identity_selectors
from madoguchi.identity import services as identity_services
from madoguchi.tenants.models import Municipality

from .. import draft_views, services
from ..models import Channel
from .access import current_language


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
    language = current_language()
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
            # The procedure guide's and reservations' pages (apps above this one).
            "links": municipality_links.links_for(municipality, language),
            # 「その他」 last, however the catch-all is spelled.
            "groups": sorted(groups.items(), key=lambda g: form_selectors.category_order(g[0])),
        },
    )


# The channels a resident can start from the web (the counter's ends in a pre-registration).
START_CHANNELS = (Channel.ONLINE, Channel.MAIL, Channel.COUNTER)


def _channel_choice(
    request: HttpRequest, form: Form, offered: list[str], *, invalid: bool
) -> HttpResponse:
    """The start page's first question when the form offers several channels."""
    language = current_language()
    version = form.current_version
    assert version is not None
    schema = version.schema
    return render(
        request,
        "submissions/channel_choice.html",
        {
            "form": form,
            "title": schema.title.get(language),
            "description": schema.description.get(language) if schema.description else "",
            "department": form.department.localized_name(language),
            "municipality": form.municipality.localized_name(language),
            "offered": offered,
            "card_required": schema.identity != "none",
            "mail_description": (
                schema.mail.description.get(language)
                if schema.mail and schema.mail.description
                else ""
            ),
            "invalid": invalid,
        },
        status=400 if invalid else 200,
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
    # The channels a resident picks from here (the counter is booked elsewhere). A form
    # offering one needs no choice; with several, the page first asks (a GET form, so it
    # works without JavaScript) and every start button then carries the choice.
    offered: list[str] = [str(c) for c in schema.channels if c in START_CHANNELS] or ["online"]
    source = request.POST if request.method == "POST" else request.GET
    channel = offered[0] if len(offered) == 1 else source.get("channel", "")
    if channel not in offered:
        return _channel_choice(request, form, offered, invalid="channel" in source)
    # A procedure guide's result links here with ?from=guide; the start buttons carry it on.
    from_guide = source.get("from") == "guide"
    # Paper is signed by hand, and the counter checks identity itself: by post or for the
    # counter the card is optional (it still fills in and locks).
    identity = "none" if channel in (Channel.MAIL, Channel.COUNTER) else schema.identity
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
    available = not closed and (identity == "none" or bool(providers))
    error, status = "", 200
    if request.method == "POST" and available:
        if not allow(request, "draft_start"):
            return render(request, "core/too_many_requests.html", status=429)
        chosen = request.POST.get("provider", "")
        provider = next((p for p in providers if p.key == chosen), None)
        if provider is not None or identity == "none":
            try:
                if provider is not None:
                    # No draft when the login cannot start (provider unreachable).
                    identity_oidc.metadata(provider)
                draft_row, token = services.start_draft(
                    form_version=version,
                    language=current_language(),
                    channel=Channel(channel),
                    from_guide=from_guide,
                )
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
    language = current_language()
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
            "card_optional": identity == "none" and bool(providers),
            "identity": identity,
            "channel": channel if len(offered) > 1 else "",
            "from_guide": from_guide,
            "channel_label": Channel(channel).label,
            "by_mail": channel == Channel.MAIL,
            "at_counter": channel == Channel.COUNTER,
            "prefill_items": form_selectors.prefill_item_names(schema, language=language),
            "start_error": error,
            "continue_url": draft_views.draft_to_continue(request, form) if available else None,
        },
        status=status,
    )
    # The start buttons POST here and are redirected to the provider's origin.
    return identity_csp.allow_provider_redirects(page, providers)
