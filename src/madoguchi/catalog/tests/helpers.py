"""Test data of the coverage and volumes tests: procedures and entered volumes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from madoguchi.catalog.models import MonthlyVolume, Procedure
from madoguchi.tenants.models import Department


def procedure(department: Department, procedure_id: str, **fields: Any) -> Procedure:
    return Procedure.objects.create(
        municipality=department.municipality,
        department=department,
        procedure_id=procedure_id,
        name=fields.pop("name", f"手続{procedure_id}"),
        **fields,
    )


def volume(proc: Procedure, month: date, channel: str, count: int) -> MonthlyVolume:
    return MonthlyVolume.objects.create(
        procedure=proc, month=month, channel=channel, count=count, recorded_at=timezone.now()
    )
