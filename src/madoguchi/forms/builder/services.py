"""Writes of the no-code builder: drafts, publishing, rollback, templates, files.

Every change is audited: CONFIG_CHANGED for a draft or setting, FORM_PUBLISHED (by
``services.publish``) for a version. Details hold only ids, codes and hashes; a form
definition holds no personal data, but we record its hash, not its text, all the same.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from madoguchi.core import events
from madoguchi.core.refusals import Refused
from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.tenants.models import Department, StaffMember

from .. import files
from .. import services as form_services
from ..models import Form, FormDraft, FormVersion
from ..schema import FormSchema
from . import edits, selectors
from .problems import Problem, publish_problems


class DraftNotPublishable(Refused, ValueError):
    """The draft has problems; ``problems`` says what to fix, item by item."""

    code = "draft_not_publishable"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message_en for p in problems))
        self.problems = problems


class BuilderRefused(Refused, ValueError):
    """A request the builder cannot carry out; the message says what to do instead."""

    code = "builder_refused"


def _actor(staff: StaffMember) -> str:
    return events.pseudonym("staff", staff.pk)


def definition_sha256(definition: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(definition, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _audit(staff: StaffMember, form: Form, change: str, **detail: str) -> None:
    events.record(
        events.Event.CONFIG_CHANGED,
        actor=_actor(staff),
        subject=f"form:{form.pk}",
        detail={"change": change, "form": str(form.pk)} | detail,
    )


def _require_edit(staff: StaffMember, form: Form) -> None:
    if not selectors.can_edit(staff, form):
        raise PermissionDenied


def _require_department(staff: StaffMember, department: Department) -> None:
    if not selectors.editable_departments(staff).filter(pk=department.pk).exists():
        raise PermissionDenied


SLUG_FORMAT = gettext_noop(
    "Use lowercase letters a-z, digits and hyphens for the URL name, e.g. kosodate-soudan."
)
SLUG_TAKEN = gettext_noop("Another form already uses this URL name. Choose another one.")
SLUG_EMPTY = gettext_noop("Enter a URL name, e.g. kosodate-soudan.")


def _valid_slug(slug: str) -> str:
    cleaned = slugify(slug)
    if not cleaned or cleaned != slug or len(slug) > 80:
        raise BuilderRefused(SLUG_FORMAT)
    return cleaned


def slug_problem(municipality_id: int, slug: str) -> str:
    """What is wrong with ``slug`` for a new form of this municipality (English msgid), or ""."""
    if not slug:
        return SLUG_EMPTY
    try:
        cleaned = _valid_slug(slug)
    except BuilderRefused as refused:
        return str(refused)
    if Form.objects.filter(municipality_id=municipality_id, slug=cleaned).exists():
        return SLUG_TAKEN
    return ""


def suggest_slug(
    municipality_id: int, *, title_ja: str, title_en: str = "", typed: str = ""
) -> str:
    """A free URL name to offer: from what was typed, the English title or the kana."""
    taken = set(Form.objects.filter(municipality_id=municipality_id).values_list("slug", flat=True))
    return edits.suggest_slug(title_ja=title_ja, title_en=title_en, typed=typed, taken=taken)


def _new_form(
    *,
    staff: StaffMember,
    department: Department,
    slug: str,
    category: Any,
    definition: dict[str, Any],
) -> Form:
    _require_department(staff, department)
    slug = _valid_slug(slug)
    if Form.objects.filter(municipality_id=department.municipality_id, slug=slug).exists():
        raise BuilderRefused(SLUG_TAKEN)
    try:
        with transaction.atomic():
            form = Form.objects.create(
                municipality_id=department.municipality_id,
                department=department,
                slug=slug,
                category=category if isinstance(category, dict) else {},
            )
    except IntegrityError as error:  # created meanwhile by someone else
        raise BuilderRefused(SLUG_TAKEN) from error
    FormDraft.objects.create(form=form, definition=definition, updated_by=staff)
    return form


@transaction.atomic
def create_form(
    *, staff: StaffMember, department: Department, slug: str, title_ja: str, title_en: str = ""
) -> Form:
    """A new, unpublished form with a one-page draft."""
    if not title_ja.strip():
        raise BuilderRefused("Enter the name of the procedure in Japanese.")
    definition = edits.new_definition(title_ja.strip(), title_en.strip())
    form = _new_form(
        staff=staff, department=department, slug=slug, category={}, definition=definition
    )
    _audit(staff, form, "form.created", department=department.code)
    return form


def ensure_draft(*, form: Form, staff: StaffMember) -> FormDraft:
    """The form's draft; a published form without one gets a copy of its current version."""
    draft = selectors.draft_of(form)
    if draft is not None:
        return draft
    version = form.current_version
    return FormDraft.objects.create(
        form=form,
        definition=copy.deepcopy(version.definition)
        if version
        else edits.new_definition(str(form.slug)),
        base_version=version,
        updated_by=staff,
    )


@transaction.atomic
def save_draft(
    *, draft: FormDraft, definition: dict[str, Any], staff: StaffMember, change: str
) -> FormDraft:
    """Store an edited definition; ``change`` names the edit for the audit trail."""
    _require_edit(staff, draft.form)
    locked = FormDraft.objects.select_for_update().get(pk=draft.pk)
    locked.definition = definition
    locked.updated_by = staff
    locked.save(update_fields=["definition", "updated_by", "updated_at"])
    draft.definition = definition
    _audit(staff, draft.form, change, draft=definition_sha256(definition))
    return locked


def publish_draft(*, draft: FormDraft, staff: StaffMember) -> FormVersion:
    """Publish the draft as the next immutable version, refusing a broken one."""
    _require_edit(staff, draft.form)
    problems = publish_problems(draft.definition)
    if problems:
        raise DraftNotPublishable(problems)
    schema = FormSchema.model_validate(draft.definition)
    with transaction.atomic():
        version = form_services.publish(form=draft.form, schema=schema, actor=_actor(staff))
        # The stored version writes defaults out; the draft follows, so it shows no changes.
        FormDraft.objects.filter(pk=draft.pk).update(
            definition=version.definition, base_version=version, updated_by=staff
        )
    draft.definition = version.definition
    draft.base_version = version
    return version


@transaction.atomic
def republish(*, version: FormVersion, staff: StaffMember) -> FormVersion:
    """Roll back: publish an older version's content as a new version (history stays)."""
    form = version.form
    _require_edit(staff, form)
    new = form_services.publish(
        form=form, schema=FormSchema.model_validate(version.definition), actor=_actor(staff)
    )
    draft = ensure_draft(form=form, staff=staff)
    FormDraft.objects.filter(pk=draft.pk).update(
        definition=new.definition, base_version=new, updated_by=staff
    )
    _audit(staff, form, "form.rolled_back", source=str(version.number), version=str(new.number))
    return new


@transaction.atomic
def discard_changes(*, draft: FormDraft, staff: StaffMember) -> FormDraft:
    """Put the draft back to the current version."""
    _require_edit(staff, draft.form)
    version = draft.form.current_version
    if version is None:
        raise BuilderRefused("This form has never been published; there is nothing to go back to.")
    return save_draft(
        draft=draft,
        definition=copy.deepcopy(version.definition),
        staff=staff,
        change="draft.discarded",
    )


@transaction.atomic
def update_settings(
    *,
    form: Form,
    staff: StaffMember,
    department: Department,
    opens_at: datetime | None,
    closes_at: datetime | None,
    max_submissions: int | None,
    category: dict[str, str] | None = None,
) -> Form:
    """Department, category and acceptance period/limit: at once, for every version.

    ``category`` ({"ja": ..., "en": ...}, or {} for none, shown under 「その他」) groups the
    procedure in the residents' list; None leaves it as it is.
    """
    _require_edit(staff, form)
    _require_department(staff, department)
    if opens_at and closes_at and closes_at <= opens_at:
        raise BuilderRefused("The closing date must be after the opening date.")
    form.department = department
    form.opens_at = opens_at
    form.closes_at = closes_at
    form.max_submissions = max_submissions
    fields = ["department", "opens_at", "closes_at", "max_submissions"]
    if category is not None:
        form.category = category
        fields.append("category")
    form.save(update_fields=fields)
    _audit(
        staff,
        form,
        "form.settings",
        department=department.code,
        opens_at=opens_at.isoformat() if opens_at else "",
        closes_at=closes_at.isoformat() if closes_at else "",
        max_submissions=str(max_submissions or ""),
    )
    return form


@transaction.atomic
def set_template(*, form: Form, staff: StaffMember, is_template: bool) -> Form:
    """The DX office (municipality administrators) offers a form as a template."""
    if not selectors.can_mark_templates(staff) or form.municipality_id != staff.municipality_id:
        raise PermissionDenied
    if is_template and form.current_version is None:
        raise BuilderRefused("Publish the form before offering it as a template.")
    form.is_template = is_template
    form.save(update_fields=["is_template"])
    _audit(staff, form, "form.template" if is_template else "form.not_template")
    return form


@transaction.atomic
def copy_template(*, template: Form, staff: StaffMember, department: Department, slug: str) -> Form:
    """A new draft form in ``department`` (any municipality on this instance) from a template."""
    if not template.is_template or template.current_version is None:
        raise PermissionDenied
    form = _new_form(
        staff=staff,
        department=department,
        slug=slug,
        category=template.category,
        definition=copy.deepcopy(template.current_version.definition),
    )
    _audit(
        staff,
        form,
        "form.copied",
        template=str(template.pk),
        version=str(template.current_version.number),
    )
    return form


def export_file(form: Form, *, draft: bool = False) -> dict[str, Any]:
    """The form as a file other instances can import (the CLI's format)."""
    if draft:
        found = selectors.draft_of(form)
        definition = found.definition if found else None
    else:
        definition = form.current_version.definition if form.current_version else None
    if definition is None:
        raise BuilderRefused("There is nothing to export yet.")
    return {
        "municipality": form.municipality.lg_code,
        "department": form.department.code,
        "slug": form.slug,
        "category": form.category,
        "schema": definition,
    }


def read_form_file(content: bytes) -> dict[str, Any]:
    """Parse an uploaded form file (JSON or YAML); raises BuilderRefused saying why."""
    try:
        data = files.parse_form_file(content)
    except files.FormFileRefused as error:
        raise BuilderRefused(error.message) from error
    except InvalidJapaneseInput as error:
        raise BuilderRefused(str(error.message)) from error
    if not isinstance(data, dict) or not isinstance(data.get("schema"), dict):
        raise BuilderRefused("The file has no form definition (a “schema” section).")
    if not isinstance(data["schema"].get("steps"), list):
        raise BuilderRefused("The form definition in the file has no pages (“steps”).")
    return data


@transaction.atomic
def import_file(
    *, staff: StaffMember, department: Department, content: bytes, slug: str = ""
) -> Form:
    """A new draft form from a file exported by another instance (not published yet:
    staff check it in the builder, which reports anything that would stop publishing)."""
    data = read_form_file(content)
    form = _new_form(
        staff=staff,
        department=department,
        slug=slug or str(data.get("slug") or ""),
        category=data.get("category"),
        definition=data["schema"],
    )
    _audit(staff, form, "form.imported", draft=definition_sha256(data["schema"]))
    return form
