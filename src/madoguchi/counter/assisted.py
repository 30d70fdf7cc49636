"""Staff-assisted entry (書かない窓口): the clerk fills a procedure's form with the resident.

A visit is one person. Their basic four items (氏名・住所・生年月日・性別) come from the card
read (``counter.card``) or are typed once by the clerk on the person page
(:func:`set_person`); every procedure started in the visit is then prefilled from them the
way a card login prefills online forms (the form's ``prefill`` marks, through
``identity.services.locked_answers``), and locked when the card was read. Answers the
resident gave for an earlier procedure of the same visit that ask the same thing (the same
card item or the same input purpose: phone, e-mail, reading) are offered again, so the
resident says them once and confirms each application on the display.

The whole form is one staff page (every step in order) drawn with the resident pages'
field templates (``forms.rendering``). Questions that take a file are not asked at the
counter: the documents are checked there (「提出書類は窓口で確認」), as paper intake does
(``submissions.received``) — except photos (``PhotoField``, card issuance support): the
clerk takes the photo with the tablet's camera or uploads one, checked and re-encoded
without metadata as online (``submissions.uploads.store_upload``). A
photo accepted while other answers are still wrong is kept in a pending holder the page
names in a signed hidden field, so it is never taken twice; a 申請書ID question gets the
camera scanner and its scan is reduced to the 23 digits (``counter.card_issuance``).
Validation is ``forms.answers.clean_answers`` (every problem at once); saving is
``counter.services.add_application``.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.core import events
from madoguchi.core.refusals import Refused
from madoguchi.forms import answers as form_answers
from madoguchi.forms import conditions, fieldtypes, rendering
from madoguchi.forms.models import Form, FormVersion
from madoguchi.forms.schema import (
    FileField,
    FormField,
    FormSchema,
    PhotoField,
    PostalCodeField,
    Step,
)
from madoguchi.identity import services as identity_services
from madoguchi.identity.models import VerifiedIdentity
from madoguchi.jp import postal
from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.submissions import uploads
from madoguchi.submissions.models import Attachment, Draft
from madoguchi.tenants.models import StaffMember
from madoguchi.tenants.selectors import visible_departments

from . import card_issuance, selectors, services
from . import files as counter_files
from .models import ApplicationState, Assurance, Visit, VisitApplication
from .refusals import CounterNotAllowed, VisitClosed

# --- refusals ------------------------------------------------------------------------------


class AssistedRefused(Refused):
    """Staff-assisted entry cannot go on."""

    abstract = True


class PersonFromCard(AssistedRefused):
    code = "counter_assisted_person_from_card"
    status = 409
    default_message = gettext_lazy(
        "The person was read from the My Number Card and cannot be typed over."
    )


class NotOfferedAtCounter(AssistedRefused):
    code = "counter_assisted_not_offered"
    status = 404
    default_message = gettext_lazy(
        "This procedure is not offered at the counter. Choose another one from the list."
    )


# --- the visit and the procedures ----------------------------------------------------------


def visit_for(*, clerk: StaffMember, visit_id: int) -> Visit:
    """The open visit ``visit_id`` of the clerk's municipality, if the clerk may act on it.

    Raises ``Visit.DoesNotExist`` for a visit the clerk may not open (another
    municipality's, or a department they do not see: ``selectors.visits_for``),
    ``CounterNotAllowed`` for read-only staff and ``VisitClosed`` once the visit is closed.
    """
    visit = selectors.visits_for(clerk).get(pk=visit_id)
    if not clerk.can_act:
        raise CounterNotAllowed
    if visit.closed_at is not None:
        raise VisitClosed
    return visit


def offered_at_counter(schema: FormSchema) -> bool:
    return "counter" in schema.channels


def _searchable(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass
class Procedure:
    form: Form
    title: str
    description: str


@dataclass
class DepartmentGroup:
    name: str
    procedures: list[Procedure] = field(default_factory=list)


def procedures(
    *, clerk: StaffMember, query: str = "", language: str = "ja"
) -> list[DepartmentGroup]:
    """The procedures a clerk can start at the counter, grouped by department.

    Published forms of the clerk's municipality, in the departments the clerk serves
    (``visible_departments``: a municipality administrator serves all, as at a one-stop
    counter), whose current version offers the counter channel. ``query`` keeps those
    whose title (either language), category or department contains it, ignoring width,
    case and spaces.
    """
    needle = _searchable(query)
    forms = (
        Form.objects.filter(
            municipality_id=clerk.municipality_id,
            department__in=visible_departments(clerk),
            current_version__isnull=False,
        )
        .select_related("current_version", "department")
        .order_by("department__code", "slug")
    )
    groups: dict[int, DepartmentGroup] = {}
    for form in forms:
        assert form.current_version is not None
        schema = form.current_version.schema
        if not offered_at_counter(schema):
            continue
        department = form.department
        haystack = " ".join(
            [
                schema.title.ja,
                schema.title.en or "",
                department.name,
                department.name_en,
                *(str(v) for v in (form.category or {}).values()),
            ]
        )
        if needle and needle not in _searchable(haystack):
            continue
        group = groups.setdefault(
            department.pk, DepartmentGroup(department.localized_name(language))
        )
        group.procedures.append(
            Procedure(
                form=form,
                title=schema.title.get(language),
                description=schema.description.get(language) if schema.description else "",
            )
        )
    return list(groups.values())


def form_for(*, clerk: StaffMember, form_id: int) -> FormVersion:
    """The current version of a counter procedure of the clerk's municipality."""
    form = (
        Form.objects.select_related("current_version", "municipality", "department")
        .filter(
            pk=form_id,
            municipality_id=clerk.municipality_id,
            department__in=visible_departments(clerk),
            current_version__isnull=False,
        )
        .first()
    )
    if form is None or form.current_version is None:
        raise NotOfferedAtCounter
    version = form.current_version
    version.form = form
    if not offered_at_counter(version.schema):
        raise NotOfferedAtCounter
    return version


def applications_of(visit: Visit) -> QuerySet[VisitApplication]:
    """The procedures of the visit, in the order they were started."""
    return visit.applications.exclude(state=ApplicationState.CANCELLED).select_related(
        "form_version__form"
    )


# --- the person ----------------------------------------------------------------------------

SEX_CHOICES = ("male", "female")
# What the card's 券面事項入力補助AP says for sex (DF 25), as the identity backends name it.
_CARD_SEX = {"1": "male", "2": "female", "3": "other", "9": "other"}

# The person page is itself a small form, drawn and checked like any other (和暦 dates
# included): the basic four items as the resident's documents give them. Its text is data
# (Japanese and English in the YAML), as a form's is.
PERSON_SCHEMA = FormSchema.model_validate(
    yaml.safe_load((Path(__file__).parent / "person_form.yaml").read_text(encoding="utf-8"))
)


def person_items(person: Mapping[str, Any]) -> dict[str, str]:
    """The basic four items of ``visit.person`` as identity's prefill reads them (a card's
    sex code "1"/"2" as "male"/"female"); empty items left out."""
    items = {key: str(person.get(key) or "").strip() for key in PERSON_SCHEMA_KEYS}
    items["sex"] = _CARD_SEX.get(items["sex"], items["sex"])
    return {key: value for key, value in items.items() if value}


PERSON_SCHEMA_KEYS = ("name", "address", "birth_date", "sex")


def person_rows(person: Mapping[str, Any], *, language: str) -> list[tuple[str, str]]:
    """The person as the pages show it: label and value (a birth date in 和暦)."""
    items = person_items(person)
    return [
        (f.label.get(language), form_answers.display_value(f, items[f.key]))
        for f in PERSON_SCHEMA.fields()
        if f.key in items
    ]


def clean_person(data: Mapping[str, Any]) -> form_answers.CleanResult:
    """The person page's post, checked as a form's answers (every problem at once)."""
    raw = {f.key: form_answers.raw_from_post(f, data) for f in PERSON_SCHEMA.fields()}
    return form_answers.clean_answers(PERSON_SCHEMA, raw)


def person_raw(data: Mapping[str, Any]) -> dict[str, Any]:
    """What was typed on the person page, to show it again with its errors."""
    return {f.key: form_answers.raw_from_post(f, data) for f in PERSON_SCHEMA.fields()}


def set_person(*, visit: Visit, items: Mapping[str, Any], clerk: StaffMember) -> Visit:
    """Record the person the clerk typed (no card read): the basic four items.

    ``items`` must pass :func:`clean_person` (checked again here: a typed name or date is
    never stored unchecked). How the clerk checked who the person is (documents shown) is
    the counter screen's identity check, not this. A person read from the card is never
    typed over (:class:`PersonFromCard`). The ledger gets the visit and the clerk's
    pseudonym, never the items.
    """
    if not clerk.can_act:
        raise CounterNotAllowed
    result = form_answers.clean_answers(PERSON_SCHEMA, items)
    if not result.ok:
        raise ValueError(f"set_person() takes checked items; problems with {sorted(result.errors)}")
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.closed_at is not None:
            raise VisitClosed
        if locked.assurance == Assurance.CARD:
            raise PersonFromCard
        locked.person = {key: str(result.answers[key]) for key in PERSON_SCHEMA_KEYS}
        locked.save(update_fields=["person"])
        events.record(
            events.Event.COUNTER_PERSON_ENTERED,
            actor=events.pseudonym("staff", clerk.pk),
            subject=events.pseudonym("visit", locked.pk),
            detail={"assurance": str(locked.assurance)},
        )
    visit.person = locked.person
    return visit


# --- a procedure's answers -------------------------------------------------------------------


def _identity_of(visit: Visit) -> VerifiedIdentity:
    """The verified identity of a card read, or a stand-in holding the typed items (never
    saved) so one mapping, identity's, turns the basic four items into answers."""
    if visit.assurance == Assurance.CARD and visit.identity is not None:
        return visit.identity
    return VerifiedIdentity(basic_four=person_items(visit.person or {}))


def person_answers(visit: Visit, schema: FormSchema) -> dict[str, Any]:
    """Answers the visit's person gives this form's questions marked ``prefill``."""
    if not visit.person and visit.identity is None:
        return {}
    return identity_services.locked_answers(schema, _identity_of(visit))


def locked_answers(visit: Visit, schema: FormSchema) -> dict[str, Any]:
    """Answers fixed by the card read (as online): shown, not editable. None without a card."""
    if visit.assurance != Assurance.CARD:
        return {}
    return person_answers(visit, schema)


def _same_question(form_field: FormField) -> str:
    """What a question asks, across forms: its card item, else its input purpose."""
    if form_field.prefill:
        return f"prefill:{form_field.prefill}"
    purpose = fieldtypes.of(form_field).input_purpose(form_field)
    return f"purpose:{purpose}" if purpose else ""


def carried_answers(visit: Visit, schema: FormSchema) -> dict[str, Any]:
    """Answers of earlier procedures in this visit that this form asks again.

    A question matches when it asks the same card item or has the same input purpose and
    the same type (a phone number for a phone number); the latest procedure wins. The
    value is checked against this form's question and dropped if it does not fit.
    """
    wanted = {
        kind: f
        for f in schema.fields()
        if f.collects_input and not isinstance(f, FileField) and (kind := _same_question(f))
    }
    carried: dict[str, Any] = {}
    for application in applications_of(visit):
        earlier = application.form_version.schema
        for earlier_field in earlier.fields():
            target = wanted.get(_same_question(earlier_field))
            value = application.answers.get(earlier_field.key)
            if target is None or earlier_field.type != target.type or value in (None, "", []):
                continue
            try:
                carried[target.key] = form_answers.clean_value(target, value)
            except form_answers.FieldInvalid:
                continue
    return carried


def initial_answers(visit: Visit, schema: FormSchema) -> dict[str, Any]:
    """What a newly started procedure shows: earlier answers, then the person's items."""
    return carried_answers(visit, schema) | person_answers(visit, schema)


def questions(schema: FormSchema) -> list[FormField]:
    """The questions asked at the counter: every one but files (checked at the counter)."""
    return [f for f in schema.fields() if not isinstance(f, FileField)]


def photo_fields(schema: FormSchema) -> list[PhotoField]:
    """The photo questions: asked at the counter (the clerk takes the photo)."""
    return [f for f in schema.fields() if isinstance(f, PhotoField)]


def raw_from_post(schema: FormSchema, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the clerk typed, question by question, as the resident pages read a post; a
    scanned 申請書ID reduced to its digits."""
    raw = {
        f.key: form_answers.raw_from_post(f, data) for f in questions(schema) if f.collects_input
    }
    return card_issuance.normalise(schema, raw)


def clean(
    visit: Visit,
    schema: FormSchema,
    raw: Mapping[str, Any],
    photos: Mapping[str, Attachment] | None = None,
) -> form_answers.CleanResult:
    """The whole form checked at once, as paper is (no files but photos: ``photos`` are
    those held, by question), with the card's items locked."""
    held = {key: [attachment.descriptor()] for key, attachment in (photos or {}).items()}
    return form_answers.clean_answers(
        schema,
        {**raw, **held},
        fields=[*questions(schema), *photo_fields(schema)],
        locked=locked_answers(visit, schema),
    )


@dataclass
class Photos:
    """The photos held for a page not yet saved: the pending holder (and its signed note
    for the hidden field), the photo per question, and why a new one was refused."""

    holder: Draft | None = None
    token: str = ""
    attachments: dict[str, Attachment] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


def take_photos(
    *,
    visit: Visit,
    form_version: FormVersion,
    files: Mapping[str, UploadedFile],
    token: str,
) -> Photos:
    """Store the photos of this post (each replaces the one held for its question) in the
    page's pending holder, made for the first one; a refused photo leaves the held one."""
    schema = form_version.schema
    photos = Photos(
        holder=counter_files.pending_holder(token, visit=visit, form_version=form_version)
    )
    for form_field in photo_fields(schema):
        upload = files.get(form_field.key)
        if upload is None or not upload.size:
            continue
        if photos.holder is None:
            photos.holder = counter_files.new_holder(form_version)
        stored = uploads.store_upload(form_field, upload, draft=photos.holder)
        if isinstance(stored, Attachment):
            continue
        photos.errors[form_field.key] = [stored.message]
    if photos.holder is not None:
        photos.token = counter_files.pending_token(draft=photos.holder, visit=visit)
        photos.attachments = {a.field_key: a for a in photos.holder.attachments.all()}
    return photos


@dataclass
class Saved:
    ok: bool
    application: VisitApplication | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    photos: Photos = field(default_factory=Photos)


def save(
    *,
    visit: Visit,
    form_version: FormVersion,
    data: Mapping[str, Any],
    clerk: StaffMember,
    files: Mapping[str, UploadedFile] | None = None,
    held: str = "",
) -> Saved:
    """Check the page's answers and, when they pass, add the procedure to the visit.

    Problems come back all at once (``Saved.errors``, per question) and no answer is
    stored; a photo that passed its checks is held (``Saved.photos``) for the next post.
    The application starts in ``editing``: the resident confirms it on the display.
    """
    if not clerk.can_act:
        raise CounterNotAllowed
    if visit.closed_at is not None:
        raise VisitClosed
    schema = form_version.schema
    photos = take_photos(visit=visit, form_version=form_version, files=files or {}, token=held)
    result = clean(visit, schema, raw_from_post(schema, data), photos.attachments)
    errors = result.errors | photos.errors
    if errors:
        return Saved(ok=False, errors=errors, photos=photos)
    with transaction.atomic():
        # The service fills and locks the card's items (prefilled_fields, kept through
        # every later edit) and records COUNTER_APPLICATION_ADDED.
        application = services.add_application(
            visit=visit, form_version=form_version, answers=result.answers, clerk=clerk
        )
        if photos.holder is not None:
            counter_files.attach(application=application, draft=photos.holder)
    return Saved(ok=True, application=application, photos=photos)


# --- the page ----------------------------------------------------------------------------


def _asked(form_field: FormField) -> bool:
    return not isinstance(form_field, FileField) or isinstance(form_field, PhotoField)


@dataclass
class Section:
    """One step of the form on the one page: its title and its questions."""

    title: str
    description: str
    fields: list[rendering.FieldView]
    # File questions of the step, by label: not asked, checked at the counter.
    documents: list[str]
    visible: bool
    visible_if: str = ""


def sections(
    schema: FormSchema,
    *,
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]],
    locked: Mapping[str, Any],
    language: str,
    photos: Mapping[str, Attachment] | None = None,
) -> list[Section]:
    """Every step of the form as sections of one page, with the shared field views: a
    photo question shows the photo held (``photos``), a 申請書ID question the scanner."""
    merged = dict(values) | dict(locked)
    scanned = card_issuance.application_id_keys(schema)
    result = []
    for step in schema.steps:
        asked = Step.model_construct(
            key=step.key,
            title=step.title,
            description=step.description,
            visible_if=step.visible_if,
            fields=[f for f in step.fields if _asked(f)],
        )
        views = rendering.step_views(
            asked,
            values=merged,
            errors=dict(errors),
            answers=merged,
            locked_keys=frozenset(locked),
        )
        for view in views:
            if photos and view.key in photos:
                view.extra["attachment"] = photos[view.key]
            if view.key in scanned:
                view.extra["qr_scan"] = True
        result.append(
            Section(
                title=step.title.get(language),
                description=step.description.get(language) if step.description else "",
                fields=views,
                documents=[f.label.get(language) for f in step.fields if not _asked(f)],
                visible=conditions.step_applies(step, merged),
                visible_if=json.dumps(step.visible_if) if step.visible_if else "",
            )
        )
    return result


@dataclass
class Lookup:
    notice: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


def lookup_address(
    schema: FormSchema, key: str, values: dict[str, Any], *, locked: Mapping[str, Any]
) -> Lookup:
    """「住所を検索」 without JavaScript: the postal code's address fills its address
    question when that is empty or a beginning of it; a locked (card) address is kept."""
    try:
        form_field = schema.field(key)
    except KeyError:
        return Lookup()
    if not isinstance(form_field, PostalCodeField):
        return Lookup()
    target = form_field.address_field
    if key in locked or (target and target in locked):
        return Lookup(notice=_("The address comes from the My Number Card and was not changed."))
    try:
        address = postal.lookup_address(str(values.get(key, "")))
    except InvalidJapaneseInput as error:
        return Lookup(errors={key: [str(error.message)]})
    if address is None:
        return Lookup(
            errors={key: [_("No address was found for this postal code. Check the number.")]}
        )
    values[key] = postal.format_postal_code(address.postal_code)
    if not target:
        return Lookup()
    typed = _searchable(str(values.get(target) or ""))
    if not typed or _searchable(address.full).startswith(typed):
        values[target] = address.full
        return Lookup(
            notice=_(
                "The address was filled in from the postal code. Add the block and building number."
            )
        )
    return Lookup(
        notice=_(
            "The address of this postal code differs from the address you typed, "
            "which was not changed: %(address)s"
        )
        % {"address": address.full}
    )
