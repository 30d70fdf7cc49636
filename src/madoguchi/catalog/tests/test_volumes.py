from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest
from django.utils import translation

from madoguchi.catalog import volumes
from madoguchi.catalog.channels import VolumeChannel
from madoguchi.catalog.models import MonthlyVolume
from madoguchi.core import events
from madoguchi.tenants.models import StaffRole
from madoguchi.testing.factories import DepartmentFactory, StaffFactory, publish_form

from .helpers import procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded() -> list[tuple[str, str, str, dict[str, str]]]:
    seen: list[tuple[str, str, str, dict[str, str]]] = []

    def subscriber(event: Any, actor: str, subject: str, detail: dict[str, str]) -> None:
        seen.append((str(event), actor, subject, detail))

    events.subscribe(subscriber)
    yield seen
    events._subscribers.remove(subscriber)


def _csv(*lines: str, bom: bool = True) -> bytes:
    return (("\ufeff" if bom else "") + "手続ID,年月,経路,件数\r\n" + "\r\n".join(lines)).encode()


def test_a_good_file_records_every_row_who_and_when_and_one_ledger_event(
    recorded: list[Any],
) -> None:
    department = DepartmentFactory()
    staff = StaffFactory(municipality=department.municipality, departments=[department])
    procedure(department, "K-001")
    procedure(department, "K-002")
    content = _csv(
        "K-001,2025-04,counter_paper,120",
        "K-001,2025/05,窓口（紙の申請書）,1,234",  # a Japanese label, thousands separated
        "K-002,2025-04,郵送(紙),7",
        "K-002,2025-04,ぴったりサービス,３",
    )
    content = content.replace(b"1,234", b'"1,234"')

    result = volumes.import_volumes(by=staff, content=content)

    assert result.rows == 4
    assert result.sha256 == hashlib.sha256(content).hexdigest()
    rows = {
        (v.procedure.procedure_id, v.month, v.channel): v.count
        for v in MonthlyVolume.objects.select_related("procedure")
    }
    assert rows == {
        ("K-001", date(2025, 4, 1), "counter_paper"): 120,
        ("K-001", date(2025, 5, 1), "counter_paper"): 1234,
        ("K-002", date(2025, 4, 1), "mail_paper"): 7,
        ("K-002", date(2025, 4, 1), "national"): 3,
    }
    assert all(
        v.recorded_by == staff and v.source == "imported" for v in MonthlyVolume.objects.all()
    )
    [(_event, _actor, subject, detail)] = [
        r for r in recorded if r[0] == "catalog.volumes_imported"
    ]
    assert subject == f"catalog:{department.municipality.lg_code}"
    assert detail == {"sha256": result.sha256, "rows": "4"}


def test_a_file_with_one_bad_row_records_nothing_and_lists_each_problem_in_japanese(
    recorded: list[Any],
) -> None:
    department = DepartmentFactory()
    staff = StaffFactory(municipality=department.municipality, departments=[department])
    other = DepartmentFactory(municipality=department.municipality)
    procedure(department, "K-001")
    procedure(other, "X-001")
    content = _csv(
        "K-001,2025-04,counter_paper,120",
        "K-999,2025-04,counter_paper,1",
        "X-001,2025-04,counter_paper,1",
        "K-001,2025-13,fax,-3",
        "K-001,2025-04,窓口（紙）,5",
        bom=False,
    )

    with translation.override("ja"), pytest.raises(volumes.InvalidVolumes) as refused:
        volumes.import_volumes(by=staff, content=content)

    problems = {e.field: str(e.message) for e in refused.value.field_errors}
    assert set(problems) == {"3行目", "4行目", "5行目", "6行目"}
    assert "K-999" in problems["3行目"]
    assert "X-001" in problems["4行目"]
    assert "fax" in problems["5行目"] and "2025-13" in problems["5行目"]
    assert "2行目" in problems["6行目"]
    assert not MonthlyVolume.objects.exists()
    assert not [r for r in recorded if r[0] == "catalog.volumes_imported"]


def test_a_procedure_with_a_form_cannot_be_given_the_channels_madoguchi_counts() -> None:
    department = DepartmentFactory()
    staff = StaffFactory(municipality=department.municipality, departments=[department])
    form_version = publish_form(department=department)
    procedure(department, "F-001", form=form_version.form)

    with pytest.raises(volumes.InvalidVolumes):
        volumes.import_volumes(by=staff, content=_csv("F-001,2025-04,online,10"))
    imported = volumes.import_volumes(by=staff, content=_csv("F-001,2025-04,counter_paper,10"))

    assert imported.rows == 1


def test_a_shift_jis_file_from_a_back_office_system_is_read() -> None:
    department = DepartmentFactory()
    staff = StaffFactory(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    procedure(department, "S-001")
    content = "手続ID,年月,経路,件数\r\nS-001,2025-04,窓口（紙）,9\r\n".encode("cp932")

    assert volumes.import_volumes(by=staff, content=content).rows == 1


def test_a_file_with_wrong_columns_is_refused() -> None:
    staff = StaffFactory(role=StaffRole.MUNICIPALITY_ADMIN)

    with pytest.raises(volumes.InvalidVolumes) as refused:
        volumes.import_volumes(by=staff, content=b"id,month,count\r\n1,2025-04,3\r\n")

    assert refused.value.field_errors[0].code == "wrong_columns"


def test_entering_a_month_replaces_its_counts_and_a_blank_removes_one() -> None:
    department = DepartmentFactory()
    staff = StaffFactory(municipality=department.municipality, departments=[department])
    proc = procedure(department, "E-001")
    month = date(2025, 4, 1)
    volumes.enter_month(
        by=staff, procedure=proc, month=month, counts={"counter_paper": 5, "mail_paper": 2}
    )

    volumes.enter_month(
        by=staff, procedure=proc, month=month, counts={"counter_paper": 6, "mail_paper": None}
    )

    assert list(MonthlyVolume.objects.values_list("channel", "count")) == [("counter_paper", 6)]


def test_read_only_staff_edit_no_procedure() -> None:
    department = DepartmentFactory()
    procedure(department, "R-001")
    reader = StaffFactory(
        municipality=department.municipality, departments=[department], role=StaffRole.READ_ONLY
    )

    assert volumes.editable_procedures(reader) == []
    assert VolumeChannel.ONLINE in volumes.enterable_channels(procedure(department, "R-002"))


def test_the_example_of_docs_coverage_md_imports() -> None:
    department = DepartmentFactory()
    admin = StaffFactory(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    for procedure_id in ("JUMIN-0004", "JUMIN-0005", "ZEI-0001"):
        procedure(department, procedure_id)
    example = (
        "手続ID,年月,経路,件数\n"
        "JUMIN-0004,2025-04,counter_paper,8120\n"
        "JUMIN-0005,2025-04,窓口（紙の申請書）,5210\n"
        'ZEI-0001,2025/05,郵送(紙),"1,234"\n'
    )

    imported = volumes.import_volumes(by=admin, content=example.encode())

    assert imported.rows == 3
    assert sorted(MonthlyVolume.objects.values_list("channel", "count")) == [
        ("counter_paper", 5210),
        ("counter_paper", 8120),
        ("mail_paper", 1234),
    ]
