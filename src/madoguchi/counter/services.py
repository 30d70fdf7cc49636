"""Writes of the counter channel (窓口): pre-register, open a visit, check in, edit, check
identity, accept, close; expire pre-registrations nobody brought.

The shared API the display, card and staff-assisted parts call is here:
:func:`open_visit`, :func:`check_in`, :func:`add_application`, :func:`edit_answers`,
:func:`answers_sha256`, :func:`submit_application` and :func:`close_visit`.

Invariants:

* a pre-registration is checked in at most once (its row is locked; ``checked_in`` exactly
  when it has a visit application), and only by staff of its department;
* a visit application becomes a submission only through :func:`submit_application`, only
  when the resident confirmed exactly its current answers (state ``confirmed`` and
  ``confirmed_sha256`` equal to :func:`answers_sha256`) and the resident's identity was
  checked; every edit clears that confirmation; an application whose paper was printed
  (``on_paper``) is neither changed nor accepted here: the signed paper is taken in at
  mail-in intake, so it never becomes two submissions;
* the ledger gets the clerk's pseudonym, the counter's name, references, field keys and
  hashes, never an answer or a name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from madoguchi.core import events
from madoguchi.forms import answers as form_answers
from madoguchi.forms.models import FormVersion
from madoguchi.forms.schema import EmailField, FileField, FormField
from madoguchi.identity import services as identity_services
from madoguchi.submissions import sealed as submission_sealed
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.document import canonical_bytes
from madoguchi.submissions.models import Channel, Draft, StatusLink, Submission
from madoguchi.submissions.signing import Signature
from madoguchi.tenants.models import StaffMember
from madoguchi.tenants.selectors import visible_departments

from . import files as counter_files
from . import reference as references
from .models import (
    ApplicationState,
    Assurance,
    CounterEdit,
    IdentityDocument,
    Preregistration,
    PreregistrationStatus,
    Visit,
    VisitApplication,
)
from .refusals import (
    AlreadyCheckedIn,
    AlreadySubmitted,
    ChannelNotOffered,
    CounterNotAllowed,
    IdentityNotChecked,
    NoDepartment,
    NoDocuments,
    NotConfirmed,
    OnPaper,
    OtherDepartment,
    OtherMunicipality,
    PreregistrationExpired,
    ReasonRequired,
    VisitClosed,
)


def _staff(clerk: StaffMember) -> str:
    return events.pseudonym("staff", clerk.pk)


def _visit_subject(visit: Visit) -> str:
    return events.pseudonym("visit", visit.pk)


def _prereg_subject(preregistration: Preregistration) -> str:
    return events.pseudonym("counter", preregistration.reference)


def answers_sha256(application: VisitApplication) -> str:
    """SHA-256 (hex) of the canonical JSON of the application's answers (RFC 8785): what the
    resident confirms on the display and what accepting checks again."""
    return hashlib.sha256(canonical_bytes(application.answers)).hexdigest()


def _questions(form_version: FormVersion) -> list[FormField]:
    """The questions asked at the counter: every input but files (brought on paper)."""
    return [
        f for f in form_version.schema.fields() if f.collects_input and not isinstance(f, FileField)
    ]


# --- Pre-registration (the resident) -------------------------------------------------


def preregister(*, draft: Draft) -> Preregistration:
    """Make a completed counter draft a pre-registration with its reference.

    The answers are checked as submitting checks them (the card is optional: identity is
    checked at the counter), so an invalid draft raises ``SubmissionRefused`` and nothing
    changes. The answers stay in the draft, which the resident may still change through
    its link until check-in; the draft lives as long as the pre-registration. Doing it
    again (a double click, coming back after an edit) returns the same pre-registration.
    """
    if draft.channel != Channel.COUNTER or "counter" not in draft.form_version.schema.channels:
        raise ChannelNotOffered
    existing = Preregistration.objects.filter(token_hash=draft.token_hash).first()
    if existing is not None:
        return existing
    submission_services.validated_answers(draft=draft, card_optional=True)
    form = draft.form_version.form
    now = timezone.now()
    expires_at = now + timedelta(days=settings.MADOGUCHI_COUNTER_DAYS)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                if not Draft.objects.select_for_update().filter(pk=draft.pk).exists():
                    raise Draft.DoesNotExist
                existing = Preregistration.objects.filter(token_hash=draft.token_hash).first()
                if existing is not None:
                    return existing
                preregistration = Preregistration.objects.create(
                    email=_contact_email(draft),
                    municipality_id=form.municipality_id,
                    department_id=form.department_id,
                    form_version=draft.form_version,
                    draft=draft,
                    reference=references.new(),
                    token_hash=draft.token_hash,
                    language=draft.language,
                    created_at=now,
                    expires_at=expires_at,
                )
                Draft.objects.filter(pk=draft.pk, expires_at__lt=expires_at).update(
                    expires_at=expires_at
                )
                events.record(
                    events.Event.COUNTER_PREREGISTERED,
                    actor=(
                        events.pseudonym("person", draft.identity.subject)
                        if draft.identity
                        else "resident"
                    ),
                    subject=_prereg_subject(preregistration),
                    detail={
                        "reference": preregistration.reference,
                        "form": str(form.pk),
                        "version": str(draft.form_version.number),
                    },
                )
                return preregistration
        except IntegrityError:
            # A reference drawn twice (or the same draft twice): draw again / find it.
            continue
    raise RuntimeError("could not draw a free pre-registration reference")


def _contact_email(draft: Draft) -> str:
    """The address the resident confirmed in the form (an email question with
    confirmation), if any: where the pre-registration's link is sent."""
    return next(
        (
            str(draft.answers[f.key])
            for f in draft.form_version.schema.fields()
            if isinstance(f, EmailField) and f.confirmation and draft.answers.get(f.key)
        ),
        "",
    )


def send_link(*, preregistration: Preregistration, url: str) -> None:
    """Email the link to the pre-registration's page (number, code, what to bring) if the
    resident gave an address; the answers stay out of email, as for online confirmations."""
    if not preregistration.email:
        return
    language = preregistration.language
    with translation.override(language):
        context = {
            "title": preregistration.form_version.schema.title.get(language),
            "reference": references.grouped(preregistration.reference),
            "url": url,
            "expires_on": timezone.localtime(preregistration.expires_at).date(),
        }
        send_mail(
            subject=gettext("Your pre-registration for the counter %(reference)s")
            % {"reference": context["reference"]},
            message=render_to_string("counter/email/preregistered.txt", context),
            from_email=None,
            recipient_list=[preregistration.email],
        )


def expire_overdue(*, now: datetime | None = None) -> int:
    """Expire waiting pre-registrations past ``expires_at`` and purge their answers (the
    draft is deleted); ``COUNTER_EXPIRED`` each. Returns how many. The row stays, with its
    reference, so a late visit gets a clear message."""
    now = now or timezone.now()
    expired = 0
    overdue = Preregistration.objects.filter(
        status=PreregistrationStatus.WAITING, expires_at__lt=now
    )
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            preregistration = (
                Preregistration.objects.select_for_update()
                .filter(pk=pk, status=PreregistrationStatus.WAITING)
                .first()
            )
            if preregistration is None:
                continue
            if preregistration.draft_id is not None:
                Draft.objects.filter(pk=preregistration.draft_id).delete()
            preregistration.draft = None
            preregistration.email = ""
            preregistration.status = PreregistrationStatus.EXPIRED
            preregistration.save(update_fields=["draft", "email", "status"])
            events.record(
                events.Event.COUNTER_EXPIRED,
                actor="system",
                subject=_prereg_subject(preregistration),
                detail={"reference": preregistration.reference},
            )
            expired += 1
    return expired


# --- The visit (the clerk) -----------------------------------------------------------


def _require_can_act(clerk: StaffMember) -> None:
    if not clerk.can_act:
        raise CounterNotAllowed


def _require_open(visit: Visit) -> None:
    if visit.closed_at is not None:
        raise VisitClosed


def open_visit(*, clerk: StaffMember, counter_name: str = "") -> Visit:
    """Start serving one person at ``counter_name`` (the desk, e.g. 「3番窓口」).

    The visit belongs to the clerk's first department (the department of its first
    checked-in pre-registration replaces it, see :func:`check_in`).
    """
    _require_can_act(clerk)
    department = visible_departments(clerk).order_by("pk").first()
    if department is None:
        raise NoDepartment
    return Visit.objects.create(
        municipality_id=clerk.municipality_id,
        department=department,
        clerk=clerk,
        counter_name=counter_name.strip()[:60],
        started_at=timezone.now(),
    )


def _next_position(visit: Visit) -> int:
    last = visit.applications.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


def check_in(
    *, visit: Visit, preregistration: Preregistration, clerk: StaffMember
) -> VisitApplication:
    """Bring a pre-registration into the visit: its answers (as they are now in the draft)
    become an application of the visit, its files stay with it (counter.files: the draft
    becomes their holder, out of the resident's reach), the draft is finished and
    ``COUNTER_CHECKED_IN`` recorded. Refused when the pre-registration is another city's or
    department's, expired, or already checked in (checked again under its row lock)."""
    _require_can_act(clerk)
    _require_open(visit)
    if preregistration.municipality_id != clerk.municipality_id:
        raise OtherMunicipality
    if not visible_departments(clerk).filter(pk=preregistration.department_id).exists():
        raise OtherDepartment
    with transaction.atomic():
        locked = Preregistration.objects.select_for_update().get(pk=preregistration.pk)
        if locked.status == PreregistrationStatus.CHECKED_IN:
            raise AlreadyCheckedIn
        now = timezone.now()
        if locked.status == PreregistrationStatus.EXPIRED or locked.expires_at < now:
            raise PreregistrationExpired
        draft = (
            Draft.objects.filter(pk=locked.draft_id).select_related("identity").first()
            if locked.draft_id is not None
            else None
        )
        if draft is None:
            raise PreregistrationExpired
        questions = _questions(locked.form_version)
        keys = {f.key for f in questions}
        answers = {k: v for k, v in draft.answers.items() if k in keys}
        prefilled = sorted(
            k
            for k in identity_services.locked_answers(locked.form_version.schema, draft.identity)
            if k in answers
        )
        # A card already read at this visit fills and locks its items, as online.
        card = card_answers(visit, locked.form_version)
        answers |= card
        prefilled = sorted(set(prefilled) | set(card))
        first = not visit.applications.exists()
        application = VisitApplication.objects.create(
            visit=visit,
            form_version=locked.form_version,
            preregistration=locked,
            answers=answers,
            prefilled_fields=prefilled,
            position=_next_position(visit),
        )
        if first and visit.department_id != locked.department_id:
            visit.department_id = locked.department_id
            visit.save(update_fields=["department"])
        locked.status = PreregistrationStatus.CHECKED_IN
        locked.checked_in_at = now
        locked.draft = None
        locked.save(update_fields=["status", "checked_in_at", "draft"])
        # The resident's files stay with the application (counter.files), named in its
        # answers as in the draft; a draft without files goes.
        held = list(draft.attachments.all())
        file_answers = counter_files.file_answers(locked.form_version.schema, draft.answers, held)
        if counter_files.keep_draft_files(draft=draft, application=application):
            application.answers = {**application.answers, **file_answers}
            application.save(update_fields=["answers"])
        else:
            draft.delete()
        events.record(
            events.Event.COUNTER_CHECKED_IN,
            actor=_staff(clerk),
            subject=_prereg_subject(locked),
            detail={
                "reference": locked.reference,
                "visit": _visit_subject(visit),
                "counter": visit.counter_name,
                "answers": answers_sha256(application),
            },
        )
    preregistration.refresh_from_db()
    return application


def check_in_new_visit(
    *, clerk: StaffMember, preregistration: Preregistration, counter_name: str = ""
) -> VisitApplication:
    """Open a visit for the resident whose pre-registration was just scanned and check it
    in, at once: when the check-in is refused, no empty visit is left behind."""
    with transaction.atomic():
        visit = open_visit(clerk=clerk, counter_name=counter_name)
        return check_in(visit=visit, preregistration=preregistration, clerk=clerk)


def card_answers(visit: Visit, form_version: FormVersion) -> dict[str, Any]:
    """The answers a card read at ``visit`` fixes in this form (its ``prefill`` questions
    asked at the counter), as online: none unless the visit's identity came from the card."""
    if visit.assurance != Assurance.CARD or visit.identity is None:
        return {}
    keys = {f.key for f in _questions(form_version)}
    locked = identity_services.locked_answers(form_version.schema, visit.identity)
    return {k: v for k, v in locked.items() if k in keys}


def add_application(
    *,
    visit: Visit,
    form_version: FormVersion,
    answers: dict[str, Any],
    clerk: StaffMember,
) -> VisitApplication:
    """Start a procedure at the counter without pre-registration (書かない窓口), with
    ``answers`` already cleaned by the caller (or empty). When the visit's identity came
    from the card, its items are filled in and locked (``prefilled_fields``), as online.
    ``COUNTER_APPLICATION_ADDED`` names the form, the counter and the answers' hash."""
    _require_can_act(clerk)
    _require_open(visit)
    form = form_version.form
    if form.municipality_id != clerk.municipality_id:
        raise OtherMunicipality
    if not visible_departments(clerk).filter(pk=form.department_id).exists():
        raise OtherDepartment
    card = card_answers(visit, form_version)
    with transaction.atomic():
        application = VisitApplication.objects.create(
            visit=visit,
            form_version=form_version,
            answers=dict(answers) | card,
            prefilled_fields=sorted(card),
            position=_next_position(visit),
        )
        events.record(
            events.Event.COUNTER_APPLICATION_ADDED,
            actor=_staff(clerk),
            subject=_visit_subject(visit),
            detail={
                "form": str(form_version.form_id),
                "version": str(form_version.number),
                "counter": visit.counter_name,
                "answers": answers_sha256(application),
            },
        )
    return application


def _invalidate_confirmation(application: VisitApplication) -> list[str]:
    if application.state in (ApplicationState.CONFIRMING, ApplicationState.CONFIRMED):
        application.state = ApplicationState.EDITING
    application.confirmed_sha256 = ""
    application.confirmed_at = None
    application.sign_sha256 = ""
    application.sign_created_at = None
    return ["state", "confirmed_sha256", "confirmed_at", "sign_sha256", "sign_created_at"]


def edit_answers(
    *,
    application: VisitApplication,
    clerk: StaffMember,
    answers: Mapping[str, Any],
    reason: str,
) -> list[CounterEdit]:
    """Change answers with the resident: ``answers`` maps question keys to raw values (as
    the edit form posts them; keys not given stay as they are). Every given value is
    checked by its question (``SubmissionRefused`` naming each wrong one, nothing saved);
    each value that really changes is a :class:`CounterEdit` with the clerk and
    ``reason``; answers to questions that no longer apply are dropped; the resident's
    confirmation is cleared. Items read from the card cannot be changed. Returns the
    edits (none when nothing changed: then the confirmation stands)."""
    _require_can_act(clerk)
    reason = reason.strip()
    if not reason:
        raise ReasonRequired(field="reason")
    with transaction.atomic():
        application = (
            VisitApplication.objects.select_for_update()
            .select_related("visit", "form_version")
            .get(pk=application.pk)
        )
        _require_open(application.visit)
        if application.state in (ApplicationState.SUBMITTED, ApplicationState.CANCELLED):
            raise AlreadySubmitted
        if application.state == ApplicationState.ON_PAPER:
            raise OnPaper
        schema = application.form_version.schema
        questions = {f.key: f for f in _questions(application.form_version)}
        given = {k: v for k, v in answers.items() if k in questions}
        errors: dict[str, list[str]] = {}
        prefilled = set(application.prefilled_fields)
        for key in given:
            if key in prefilled and given[key] != application.answers.get(key):
                errors[key] = [
                    gettext("This answer was read from the My Number Card and cannot be changed.")
                ]
        given = {k: v for k, v in given.items() if k not in prefilled}
        merged = {**application.answers, **given}
        result = form_answers.clean_answers(
            schema, merged, fields=[questions[k] for k in given], known=merged
        )
        errors |= result.errors
        if errors:
            raise submission_services.SubmissionRefused(errors)
        before = dict(application.answers)
        after = {k: v for k, v in before.items() if k not in given} | result.answers
        # Questions whose conditions no longer hold lose their answers.
        applicable = form_answers.clean_answers(
            schema, after, fields=list(questions.values()), known=after
        )
        after = {
            k: v
            for k, v in after.items()
            if k in applicable.answers or k in applicable.errors or k not in questions
        }
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        if not changed:
            return []
        now = timezone.now()
        edits = CounterEdit.objects.bulk_create(
            [
                CounterEdit(
                    application=application,
                    clerk=clerk,
                    field_key=key,
                    before=before.get(key),
                    after=after.get(key),
                    reason=reason[:200],
                    at=now,
                )
                for key in changed
            ]
        )
        application.answers = after
        update = ["answers", *_invalidate_confirmation(application)]
        application.save(update_fields=update)
        events.record(
            events.Event.COUNTER_EDITED,
            actor=_staff(clerk),
            subject=_visit_subject(application.visit),
            detail={
                "counter": application.visit.counter_name,
                "form": str(application.form_version.form_id),
                "fields": ",".join(changed),
                "answers": answers_sha256(application),
            },
        )
    return edits


def record_visual_check(*, visit: Visit, clerk: StaffMember, documents: Iterable[str]) -> Visit:
    """Record that the clerk checked the resident's identity by eye (窓口・目視確認) with
    ``documents`` shown (:class:`IdentityDocument` codes, at least one). A card read
    (assurance ``counter_card``) already recorded stays: it is the stronger proof."""
    _require_can_act(clerk)
    given = set(documents)
    shown = [d.value for d in IdentityDocument if d.value in given]
    if not shown:
        raise NoDocuments(field="documents")
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        _require_open(visit)
        visit.documents_shown = shown
        if visit.assurance != Assurance.CARD:
            visit.assurance = Assurance.VISUAL
        visit.save(update_fields=["documents_shown", "assurance"])
        events.record(
            events.Event.COUNTER_IDENTITY_CHECKED,
            actor=_staff(clerk),
            subject=_visit_subject(visit),
            detail={
                "counter": visit.counter_name,
                "assurance": str(Assurance.VISUAL),
                "documents": ",".join(shown),
            },
        )
    return visit


def submit_application(
    *,
    application: VisitApplication,
    clerk: StaffMember,
    signed: Signature | None = None,
) -> Submission:
    """Accept the application: the one way a counter application becomes a submission.

    Requires the resident's confirmation of the current answers and a checked identity;
    the answers are validated again against the application's form version; the
    submission (channel ``counter``, shown 「窓口」 in the inbox, 到達日 today, the
    visit's assurance as its identity level, the visit's card identity if read) is made
    through
    ``submissions.services.create_submission`` with ``signed`` as its document when the
    resident signed with the card. A pre-registration's link becomes the submission's
    status link. ``COUNTER_ACCEPTED`` follows ``SUBMITTED`` in the same transaction.
    """
    _require_can_act(clerk)
    with transaction.atomic():
        application = (
            # Only this row: PostgreSQL cannot lock the nullable side of an outer join.
            VisitApplication.objects.select_for_update(of=("self",))
            .select_related("visit", "form_version__form", "preregistration")
            .get(pk=application.pk)
        )
        visit = application.visit
        _require_open(visit)
        if application.submission_id is not None or application.state in (
            ApplicationState.SUBMITTED,
            ApplicationState.CANCELLED,
        ):
            raise AlreadySubmitted
        if application.state == ApplicationState.ON_PAPER:
            raise OnPaper
        if (
            application.state != ApplicationState.CONFIRMED
            or application.confirmed_sha256 != answers_sha256(application)
        ):
            raise NotConfirmed
        if visit.assurance == Assurance.NONE:
            raise IdentityNotChecked
        form_version = application.form_version
        schema = form_version.schema
        locked = identity_services.locked_answers(schema, visit.identity)
        result = form_answers.clean_answers(
            schema, application.answers, fields=_questions(form_version), locked=locked
        )
        if not result.ok:
            raise submission_services.SubmissionRefused(result.errors)
        preregistration = application.preregistration
        answers, attachments = counter_files.document_parts(application, result.answers)
        submission = submission_services.create_submission(
            form_version=form_version,
            answers=answers,
            channel=Channel.COUNTER,
            language=preregistration.language if preregistration else "ja",
            identity=visit.identity,
            prefilled=sorted(
                {k for k in locked if k in result.answers}
                | {k for k in application.prefilled_fields if k in result.answers}
            ),
            attachments=attachments,
            signed=signed,
            received_on=timezone.localdate(),
            actor=_staff(clerk),
        )
        counter_files.hand_over(application=application, submission=submission)
        submission.identity_level = str(visit.assurance)
        submission.save(update_fields=["identity_level"])
        if preregistration is not None:
            StatusLink.objects.create(submission=submission, token_hash=preregistration.token_hash)
        application.state = ApplicationState.SUBMITTED
        application.submission = submission
        application.save(update_fields=["state", "submission"])
        events.record(
            events.Event.COUNTER_ACCEPTED,
            actor=_staff(clerk),
            subject=events.submission_subject(submission.public_id),
            detail={
                "counter": visit.counter_name,
                "visit": _visit_subject(visit),
                "assurance": str(visit.assurance),
                "document": submission.document_sha256,
                "answers": answers_sha256(application),
                "signed": "yes" if signed is not None else "no",
                "edits": str(application.edits.count()),
            },
        )
        if submission_sealed.is_sealed(submission):
            _forget_sealed(application)
    return submission


def _forget_sealed(application: VisitApplication) -> None:
    """An accepted application whose submission is sealed (end-to-end encryption) keeps no
    copy of its answers here: not the visit application's (accepted ones otherwise live on
    with their submission), nor its edits' before and after (otherwise kept until the visit
    closes)."""
    application.answers = {}
    application.save(update_fields=["answers"])
    CounterEdit.objects.filter(application=application).update(before=None, after=None)


def close_visit(*, visit: Visit, clerk: StaffMember) -> None:
    """End the visit: the person's data, the card's traces, the display pairing and the
    answers of applications not accepted are cleared (accepted ones live on in their
    submissions); ``COUNTER_VISIT_CLOSED``. Closing a closed visit does nothing."""
    _require_can_act(clerk)
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        if visit.closed_at is not None:
            return
        visit.closed_at = timezone.now()
        visit.person = {}
        visit.documents_shown = []
        visit.card_nonce = ""
        visit.card_nonce_expires_at = None
        visit.display_code = ""
        visit.display_code_expires_at = None
        visit.display_token_hash = ""
        visit.save()
        # Applications on paper stay so (their paper is taken in at mail-in intake); their
        # answers here go like the others' (the paper's mail application keeps its copy).
        visit.applications.filter(state=ApplicationState.ON_PAPER).update(answers={})
        open_applications = visit.applications.exclude(
            state__in=(ApplicationState.SUBMITTED, ApplicationState.ON_PAPER)
        )
        open_applications.update(
            answers={},
            state=ApplicationState.CANCELLED,
            confirmed_sha256="",
            sign_sha256="",
        )
        CounterEdit.objects.filter(application__visit=visit).update(before=None, after=None)
        counter_files.discard_for_visit(visit)
        accepted = visit.applications.filter(state=ApplicationState.SUBMITTED).count()
        events.record(
            events.Event.COUNTER_VISIT_CLOSED,
            actor=_staff(clerk),
            subject=_visit_subject(visit),
            detail={
                "counter": visit.counter_name,
                "assurance": str(visit.assurance),
                "accepted": str(accepted),
            },
        )
