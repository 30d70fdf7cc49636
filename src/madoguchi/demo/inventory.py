"""The demo's procedure inventories (手続の棚卸) and their monthly volumes by channel.

``catalog/<lg_code>-<city>.yaml`` describe Kobe's largest procedures one by one (with the
share of each channel 18 months ago and last month) and Kaga's 139 digitised procedures by
family; this module turns them into ``Procedure`` rows and 18 complete months of
``MonthlyVolume`` rows (up to last month: paper volumes are entered after a month ends),
with bulk inserts so that ``madoguchi demo`` stays fast.

The demo's volumes stand for what the back-office systems would have imported (``source``
"imported"). For a procedure with a Madoguchi form, Madoguchi counts the smart channels
itself, and the volumes page refuses them; the demo stores them anyway for the months
before today's, as the receipts of the city's previous e-application service imported when
it moved to Madoguchi, so the dashboards show a real shape on first run. This month holds
only Madoguchi's live receipts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

from madoguchi.catalog import publication
from madoguchi.catalog.channels import OfferedChannel, VolumeChannel
from madoguchi.catalog.models import (
    Applicant,
    CoverageTarget,
    MonthlyVolume,
    Procedure,
    PublicationSwitch,
    ReviewState,
    SealReview,
)
from madoguchi.forms.models import Form
from madoguchi.tenants.models import Department, Municipality, StaffMember

__all__ = ["CATALOG_DIR", "MONTHS", "demo_months", "load_inventories", "wipe_inventories"]

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
MONTHS = 18
# libyaml's safe loader when PyYAML has it (ten times faster than the Python one).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# How a procedure's receipts spread over the calendar year (January first), before
# normalising to a mean of 1: moving peaks in March-April, tax returns in January-March,
# school and nursery applications from October to April, certificates in early summer.
SEASONS: dict[str, tuple[float, ...]] = {
    "flat": (1,) * 12,
    "moving": (0.9, 0.9, 1.9, 1.7, 1.0, 0.9, 0.9, 0.8, 0.9, 0.9, 0.8, 0.8),
    "tax": (1.6, 2.0, 1.8, 0.8, 0.7, 0.8, 0.7, 0.6, 0.7, 0.8, 0.7, 0.8),
    "school": (1.3, 1.2, 1.3, 1.3, 0.5, 0.5, 0.5, 0.5, 0.6, 1.5, 1.6, 1.2),
    "summer": (0.8, 0.8, 0.9, 0.9, 1.0, 1.6, 1.4, 1.1, 0.9, 0.9, 0.8, 0.8),
}

# The seal key of the YAML: (hanko required today, the review's decision).
SEALS: dict[str, tuple[bool, str]] = {
    "none": (False, SealReview.NOT_REVIEWED),
    "abolish": (False, SealReview.ABOLISH),
    "keep": (True, SealReview.KEEP),
    "e_signature": (True, SealReview.E_SIGNATURE),
    "not_reviewed": (True, SealReview.NOT_REVIEWED),
}


def demo_months(today: date | None = None) -> list[date]:
    """The 18 complete months before this one, oldest first (the 1st of each)."""
    this = (today or timezone.localdate()).replace(day=1)
    index = this.year * 12 + this.month - 1
    return [date((i) // 12, i % 12 + 1, 1) for i in range(index - MONTHS, index)]


def wipe_inventories() -> None:
    """Delete every inventory, its volumes and targets (before departments and forms)."""
    MonthlyVolume.objects.all().delete()
    Procedure.objects.all().delete()
    CoverageTarget.objects.all().delete()
    PublicationSwitch.objects.all().delete()


def load_inventories(*, today: date | None = None) -> list[Procedure]:
    """Every ``catalog/*.yaml`` whose city has no inventory yet (so running it again adds
    nothing); gives the procedures created.

    A city whose inventory was loaded before the YAML gave standard processing periods
    (標準処理期間) gets them on its procedures that have none, so its forms' new applications
    get due dates without ``--reset``; a period already set is kept."""
    months = demo_months(today)
    created: list[Procedure] = []
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - safe
        municipality = Municipality.objects.filter(lg_code=data["lg_code"]).first()
        if municipality is None:
            continue
        # The demo cities publish their coverage page (a DX office's later choice is kept).
        if not PublicationSwitch.objects.filter(municipality=municipality).exists():
            publication.set_published(municipality, True, by=None)
        if Procedure.objects.filter(municipality=municipality).exists():
            _fill_processing_days(municipality, data)
            continue
        created.extend(_load_city(municipality, data, months))
    return created


def _fill_processing_days(municipality: Municipality, data: Mapping[str, Any]) -> None:
    for entry in _entries(data):
        if entry.get("processing_days") is not None:
            Procedure.objects.filter(
                municipality=municipality, procedure_id=entry["id"], processing_days__isnull=True
            ).update(processing_days=entry["processing_days"])


def _load_city(
    municipality: Municipality, data: Mapping[str, Any], months: list[date]
) -> list[Procedure]:
    departments = {d.code: d for d in Department.objects.filter(municipality=municipality)}
    forms = {f.slug: f for f in Form.objects.filter(municipality=municipality)}
    reviewer = StaffMember.objects.filter(
        municipality=municipality, user__username=data["reviewer"]
    ).first()
    reviewed_at = datetime.combine(months[-1], time(9), tzinfo=UTC)
    entries = list(_entries(data))
    procedures = []
    for entry in entries:
        seal_required, seal_review = SEALS[entry.get("seal", "none")]
        state = entry.get("review", ReviewState.REVIEWED)
        form_slug = entry.get("form")
        procedures.append(
            Procedure(
                municipality=municipality,
                department=departments[entry["department"]],
                procedure_id=entry["id"],
                name=entry["name"],
                name_en=entry.get("name_en", ""),
                category=entry.get("category", ""),
                legal_basis=entry.get("legal_basis", ""),
                target=entry.get("target", True),
                exclusion_reason=entry.get("exclusion_reason", ""),
                applicant=entry.get("applicant", Applicant.INDIVIDUAL),
                identity_check_required=entry.get("identity", False),
                signature_required=entry.get("signature", False),
                seal_required=seal_required,
                seal_review=seal_review,
                channels=[OfferedChannel(c).value for c in entry["channels"]],
                form=forms[form_slug] if form_slug else None,
                annual_volume=entry["annual"],
                processing_days=entry.get("processing_days"),
                review_state=state,
                reviewed_by=reviewer if state == ReviewState.REVIEWED else None,
                reviewed_at=reviewed_at if state == ReviewState.REVIEWED else None,
                updated_by=reviewer,
            )
        )
    Procedure.objects.bulk_create(procedures)
    # bulk_create sets primary keys on PostgreSQL and on SQLite 3.35+; read them back anyway
    # so the volumes below never depend on the backend.
    pk_of = dict(
        Procedure.objects.filter(municipality=municipality).values_list("procedure_id", "pk")
    )
    volumes = [
        MonthlyVolume(
            procedure_id=pk_of[entry["id"]],
            month=month,
            channel=channel,
            count=count,
            recorded_by=reviewer,
            recorded_at=_recorded_at(month),
            source="imported",
        )
        for entry in entries
        for month, channel, count in _monthly(entry, months)
    ]
    MonthlyVolume.objects.bulk_create(volumes, batch_size=2000)
    target = data.get("target")
    if target:
        CoverageTarget.objects.create(
            municipality=municipality,
            target_percent=Decimal(str(target["percent"])),
            deadline=target["deadline"],
            set_by=reviewer,
            set_at=reviewed_at,
        )
    return procedures


def _entries(data: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Kobe's procedures as written; Kaga's expanded from their families."""
    yield from data.get("procedures", [])
    for family in data.get("families", []):
        low, high = family["annual"]
        start, end = family["online"]
        for number, item in enumerate(family["items"], start=1):
            item = item if isinstance(item, dict) else {"name": item}
            procedure_id = f"{family['prefix']}-{number:04d}"
            online = float(start) + _spread(procedure_id, 10) - 5
            rise = float(end) - float(start)
            paper = [100 - online, 100 - online - rise]
            yield {
                "id": procedure_id,
                "name": family["pattern"].format(item=item["name"]),
                "category": family["category"],
                "department": family["department"],
                "legal_basis": family["legal_basis"],
                "applicant": family.get("applicant", Applicant.INDIVIDUAL),
                "identity": family.get("identity", False),
                "seal": family.get("seal", "none"),
                "channels": [OfferedChannel.ONLINE, OfferedChannel.PAPER_ONLY],
                "form": item.get("form"),
                "annual": item.get("annual", low + _spread(procedure_id, high - low + 1)),
                "processing_days": item.get("processing_days"),
                "mix": {
                    VolumeChannel.ONLINE: [online, online + rise],
                    VolumeChannel.COUNTER_PAPER: [0.7 * share for share in paper],
                    VolumeChannel.MAIL_PAPER: [0.3 * share for share in paper],
                },
            }
    for entry in data.get("paper_only", []):
        yield {
            **entry,
            "channels": [OfferedChannel.PAPER_ONLY],
            "mix": {VolumeChannel.COUNTER_PAPER: [80, 80], VolumeChannel.MAIL_PAPER: [20, 20]},
        }


def _monthly(entry: Mapping[str, Any], months: list[date]) -> Iterator[tuple[date, str, int]]:
    """(month, channel, count) of one procedure: its annual volume spread by season, with a
    small fixed wobble, split between channels whose shares move from the first to the last
    month in a straight line."""
    mix: Mapping[str, list[float]] = entry.get("mix") or {}
    if not mix:
        return
    season = SEASONS[entry.get("season", "flat")]
    mean = sum(season) / 12
    last = len(months) - 1
    for index, month in enumerate(months):
        wobble = 0.96 + _spread(f"{entry['id']}:{month}", 9) / 100
        total = entry["annual"] / 12 * season[month.month - 1] / mean * wobble
        step = index / last if last else 1.0
        shares = {channel: a + (b - a) * step for channel, (a, b) in mix.items()}
        whole = sum(shares.values())
        for channel, share in shares.items():
            count = round(total * share / whole)
            if count > 0:
                yield month, VolumeChannel(channel).value, count


def _spread(key: str, size: int) -> int:
    """A fixed pseudo-random number in 0 … size-1 (the same on every run)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % max(size, 1)


def _recorded_at(month: date) -> datetime:
    """When the month's figures were imported: the 5th of the month after, 09:00 UTC."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 5)
    return datetime.combine(following, time(9), tzinfo=UTC)
