"""Reads about encryption keys and the encryption policy (who applications are sealed to)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from madoguchi.forms.models import Form
from madoguchi.tenants.models import Department, Municipality

from .models import EncryptionKey, EncryptionPolicy, KeyPurpose


def keys_of(municipality: Municipality) -> QuerySet[EncryptionKey]:
    """Every key of the city, current first, for the admin page."""
    return (
        EncryptionKey.objects.filter(municipality=municipality)
        .select_related("department")
        .order_by("purpose", "department__code", "retired_at", "-created_at")
    )


def current_department_keys(department: Department) -> QuerySet[EncryptionKey]:
    return EncryptionKey.objects.filter(
        department=department, purpose=KeyPurpose.DEPARTMENT, retired_at__isnull=True
    ).order_by("created_at")


def current_escrow_keys(municipality: Municipality | int) -> QuerySet[EncryptionKey]:
    return EncryptionKey.objects.filter(
        municipality=municipality, purpose=KeyPurpose.ESCROW, retired_at__isnull=True
    ).order_by("created_at")


def recipients_for(department: Department) -> list[EncryptionKey]:
    """Who a new application of the department is sealed to: its current key(s) and the
    city's escrow key; empty when either is missing (sealing then refuses)."""
    own = list(current_department_keys(department))
    escrow = list(current_escrow_keys(department.municipality_id))
    return own + escrow if own and escrow else []


POLICY_FACT = "integrations_encryption_policy"


def policy_of_form() -> Coalesce:
    """``policy_for`` on a form's row: a fact read on submission (forms.submission_facts)."""
    city = OuterRef("municipality_id")
    own = EncryptionPolicy.objects.filter(municipality_id=city, form_id=OuterRef("pk"))
    citywide = EncryptionPolicy.objects.filter(municipality_id=city, form__isnull=True)
    return Coalesce(
        Subquery(own.values("enabled")[:1]),
        Subquery(citywide.values("enabled")[:1]),
        Value(False),
        output_field=BooleanField(),
    )


def policy_for(form: Form) -> bool:
    """Whether applications of ``form`` are sealed: the form's own policy, else the city's."""
    found = {
        p.form_id: p.enabled
        for p in EncryptionPolicy.objects.filter(
            Q(form=form) | Q(form__isnull=True), municipality_id=form.municipality_id
        )
    }
    if form.pk in found:
        return found[form.pk]
    return found.get(None, False)


@dataclass(frozen=True)
class PolicyRow:
    form: Form | None
    enabled: bool
    has_department_key: bool


def policy_rows(municipality: Municipality) -> list[PolicyRow]:
    """The city's switch and each form's, for the policy page (forms listed by department)."""
    policies = {
        p.form_id: p.enabled for p in EncryptionPolicy.objects.filter(municipality=municipality)
    }
    keyed = set(
        EncryptionKey.objects.filter(
            municipality=municipality, purpose=KeyPurpose.DEPARTMENT, retired_at__isnull=True
        ).values_list("department_id", flat=True)
    )
    rows = [PolicyRow(form=None, enabled=policies.get(None, False), has_department_key=True)]
    forms = Form.objects.filter(municipality=municipality).select_related("department")
    for form in forms.order_by("department__code", "slug"):
        rows.append(
            PolicyRow(
                form=form,
                enabled=policies.get(form.pk, policies.get(None, False)),
                has_department_key=form.department_id in keyed,
            )
        )
    return rows
