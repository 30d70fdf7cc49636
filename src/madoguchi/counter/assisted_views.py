"""Staff-assisted entry pages (書かない窓口) and printing the paper at the counter.

Thin: each page reads the visit (``assisted.visit_for``), calls ``assisted`` or
``printing`` and draws. Every page works without JavaScript: the procedure search is a GET
form, the address look-up submits the page, and nothing typed is lost on an error.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.core.csp import allow_webassembly
from madoguchi.core.refusal_views import flash, message_of
from madoguchi.core.refusals import Refused
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.forms import rendering
from madoguchi.forms.models import FormVersion
from madoguchi.tenants.models import StaffMember

from . import assisted, card_issuance, printing, selectors
from .models import Assurance, Visit, VisitApplication

START_TEMPLATE = "counter/assisted_start.html"
PERSON_TEMPLATE = "counter/assisted_person.html"
FILL_TEMPLATE = "counter/assisted_fill.html"
SAVED_TEMPLATE = "counter/assisted_saved.html"


def _language() -> str:
    return get_language() or "ja"


def visit_page_url(visit: Visit) -> str:
    """The counter screen's page of the visit (helper A's ``counter:visit``), if there is one."""
    try:
        return reverse("counter:visit", args=[visit.pk])
    except NoReverseMatch:
        return ""


def _visit(request: HttpRequest, visit_id: int) -> Visit:
    try:
        return assisted.visit_for(clerk=staff_of(request), visit_id=visit_id)
    except Visit.DoesNotExist as error:
        raise Http404 from error


def _refused_page(request: HttpRequest, refused: Refused) -> HttpResponse:
    context = {"staff": staff_of(request), "message": message_of(refused)}
    return render(request, "counter/assisted_refused.html", context, status=refused.status)


def _application(request: HttpRequest, application_id: int) -> VisitApplication:
    """A procedure of a visit the clerk may open (``selectors.visits_for``), else a 404."""
    application = (
        VisitApplication.objects.select_related("visit__identity", "form_version__form")
        .filter(pk=application_id, visit__in=selectors.visits_for(staff_of(request)))
        .first()
    )
    if application is None:
        raise Http404
    return application


def _common(request: HttpRequest, visit: Visit) -> dict[str, Any]:
    language = _language()
    return {
        "staff": staff_of(request),
        "visit": visit,
        "visit_url": visit_page_url(visit),
        "person": assisted.person_rows(visit.person or {}, language=language),
        "card": visit.assurance == Assurance.CARD,
        "applications": [
            (a, a.form_version.schema.title.get(language)) for a in assisted.applications_of(visit)
        ],
    }


@staff_required
@never_cache
@require_GET
def start(request: HttpRequest, visit_id: int) -> HttpResponseBase:
    """The procedures to start for the visit's person, grouped by department, searchable."""
    try:
        visit = _visit(request, visit_id)
    except Refused as refused:
        return _refused_page(request, refused)
    query = request.GET.get("q", "").strip()[:100]
    groups = assisted.procedures(clerk=staff_of(request), query=query, language=_language())
    context = _common(request, visit) | {"groups": groups, "query": query}
    return render(request, START_TEMPLATE, context)


def _person_fields(values: dict[str, Any], errors: dict[str, list[str]], locked: bool) -> Any:
    step = assisted.PERSON_SCHEMA.steps[0]
    keys = frozenset(f.key for f in step.fields) if locked else frozenset()
    return rendering.step_views(
        step, values=values, errors=errors, answers=values, locked_keys=keys
    )


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def person(request: HttpRequest, visit_id: int) -> HttpResponseBase:
    """The visit's person typed once by the clerk (no card): 氏名・住所・生年月日・性別."""
    try:
        visit = _visit(request, visit_id)
    except Refused as refused:
        return _refused_page(request, refused)
    card = visit.assurance == Assurance.CARD
    values: dict[str, Any] = assisted.person_items(visit.person or {})
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and not card:
        result = assisted.clean_person(request.POST)
        if result.ok:
            try:
                assisted.set_person(visit=visit, items=result.answers, clerk=staff_of(request))
            except Refused as refused:
                return _refused_page(request, refused)
            return redirect("counter:assisted_start", visit_id=visit.pk)
        values, errors = assisted.person_raw(request.POST), result.errors
    fields = _person_fields(values, errors, card)
    context = _common(request, visit) | {
        "fields": fields,
        "errors": [(f, e) for f in fields for e in f.errors],
    }
    return render(request, PERSON_TEMPLATE, context, status=422 if errors else 200)


def _fill_page(
    request: HttpRequest,
    visit: Visit,
    version: FormVersion,
    *,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    notice: str = "",
    status: int = 200,
    photos: assisted.Photos | None = None,
) -> HttpResponse:
    language = _language()
    schema = version.schema
    locked = assisted.locked_answers(visit, schema)
    photos = photos or assisted.Photos()
    sections = assisted.sections(
        schema,
        values=values,
        errors=errors,
        locked=locked,
        language=language,
        photos=photos.attachments,
    )
    context = _common(request, visit) | {
        "version": version,
        "title": schema.title.get(language),
        "department": version.form.department.localized_name(language),
        "sections": sections,
        "errors": [(f, e) for s in sections for f in s.fields for e in f.errors],
        "locked": bool(locked),
        "notice": notice,
        "held": photos.token,
        "scanner": bool(card_issuance.application_id_keys(schema)),
    }
    # The 申請書ID scanner reads the QR code with WebAssembly (core.csp).
    return allow_webassembly(render(request, FILL_TEMPLATE, context, status=status))


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def fill(request: HttpRequest, visit_id: int, form_id: int) -> HttpResponseBase:
    """One procedure's whole form on one page, prefilled with the person's data."""
    staff: StaffMember = staff_of(request)
    try:
        visit = _visit(request, visit_id)
        version = assisted.form_for(clerk=staff, form_id=form_id)
    except Refused as refused:
        return _refused_page(request, refused)
    schema = version.schema
    if request.method == "GET":
        values = assisted.initial_answers(visit, schema)
        return _fill_page(request, visit, version, values=values, errors={})
    lookup = request.POST.get("lookup")
    held = request.POST.get("held", "")
    if lookup:
        # A photo chosen before 「住所を検索」 is kept as well.
        photos = assisted.take_photos(
            visit=visit, form_version=version, files=request.FILES, token=held
        )
        values = assisted.raw_from_post(schema, request.POST)
        found = assisted.lookup_address(
            schema, lookup, values, locked=assisted.locked_answers(visit, schema)
        )
        errors = found.errors | photos.errors
        return _fill_page(
            request,
            visit,
            version,
            values=values,
            errors=errors,
            notice=found.notice,
            status=422 if errors else 200,
            photos=photos,
        )
    try:
        saved = assisted.save(
            visit=visit,
            form_version=version,
            data=request.POST,
            clerk=staff,
            files=request.FILES,
            held=held,
        )
    except Refused as refused:
        return _refused_page(request, refused)
    if not saved.ok or saved.application is None:
        values = assisted.raw_from_post(schema, request.POST)
        return _fill_page(
            request,
            visit,
            version,
            values=values,
            errors=saved.errors,
            status=422,
            photos=saved.photos,
        )
    return redirect("counter:assisted_saved", application_id=saved.application.pk)


@staff_required
@never_cache
@require_GET
def saved(request: HttpRequest, application_id: int) -> HttpResponseBase:
    """After saving: another procedure for the same person, the paper to print, the visit."""
    application = _application(request, application_id)
    visit = application.visit
    language = _language()
    schema = application.form_version.schema
    context = _common(request, visit) | {
        "application": application,
        "title": schema.title.get(language),
        "sections": rendering.answer_sections(schema, application.answers, answered_only=True),
        "offers_paper": printing.offers_paper(application),
        "handwritten": printing.needs_handwritten_signature(application),
        "closed": visit.closed_at is not None,
    }
    return render(request, SAVED_TEMPLATE, context)


def _paper_language(request: HttpRequest) -> str:
    language = request.POST.get("language") or request.GET.get("language") or "ja"
    return language if language in printing.LANGUAGES else "ja"


@staff_required
@require_POST
def print_paper(request: HttpRequest, application_id: int) -> HttpResponseBase:
    """Make (or find) the mail-in paper of the application; then its PDF downloads."""
    application = _application(request, application_id)
    language = _paper_language(request)
    try:
        printing.paper_for(application=application, clerk=staff_of(request), language=language)
    except Refused as refused:
        flash(request, refused)
        return redirect("counter:assisted_saved", application_id=application.pk)
    url = reverse("counter:assisted_paper_pdf", args=[application.pk])
    return redirect(f"{url}?language={language}")


@staff_required
@never_cache
@require_GET
def paper_pdf(request: HttpRequest, application_id: int) -> HttpResponseBase:
    """The PDF of the paper printed for the application's current answers."""
    application = _application(request, application_id)
    language = _paper_language(request)
    paper = printing.existing_paper(application=application, language=language)
    if paper is None:
        raise Http404
    response = HttpResponse(
        printing.pdf(paper, language=language, application=application),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="{paper.reference}.pdf"'
    return response
