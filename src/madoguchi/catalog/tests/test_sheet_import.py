"""Importing and exporting the hearing sheet: all rows or none, a department's own rows only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.catalog import services
from madoguchi.catalog.hearing_sheet import HEADERS
from madoguchi.catalog.models import Procedure, ReviewState
from madoguchi.core import events
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import DepartmentFactory, StaffFactory, publish_form
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def shimin() -> Department:
    return DepartmentFactory(code="shimin", name="市民課")  # type: ignore[no-any-return]


@pytest.fixture
def zeimu(shimin: Department) -> Department:
    return DepartmentFactory(municipality=shimin.municipality, code="zeimu")  # type: ignore[no-any-return]


@pytest.fixture
def clerk(shimin: Department) -> StaffMember:
    return StaffFactory(municipality=shimin.municipality, departments=[shimin])  # type: ignore[no-any-return]


@pytest.fixture
def dx(shimin: Department) -> StaffMember:
    return StaffFactory(municipality=shimin.municipality, role=StaffRole.MUNICIPALITY_ADMIN)  # type: ignore[no-any-return]


def _line(**cells: str) -> list[str]:
    row = {
        "手続ID": "",
        "手続名": "住民票の写しの交付",
        "担当課コード": "shimin",
        "根拠法令": "",
        "対象/対象外": "対象",
        "対象外の理由": "",
        "申請者": "個人",
        "本人確認": "要",
        "署名": "不要",
        "押印": "不要",
        "押印見直し": "",
        "手続の方法": "オンライン",
        "Madoguchiフォーム": "",
        "年間件数": "1200",
        "標準処理期間（日）": "3",
    }
    row.update(cells)
    return [row[h] for h in HEADERS]


def _csv(*lines: list[str]) -> bytes:
    text = "\r\n".join(",".join(f'"{c}"' for c in line) for line in [HEADERS, *lines])
    return b"\xef\xbb\xbf" + text.encode()


def test_rows_without_an_id_are_added_and_rows_with_one_update_that_procedure(
    clerk: StaffMember, shimin: Department
) -> None:
    lg = shimin.municipality.lg_code
    first = services.import_sheet(
        data=_csv(_line(), _line(**{"手続名": "転入届"})), filename="s.csv", by=clerk
    )

    second = services.import_sheet(
        data=_csv(_line(**{"手続ID": f"{lg}-P0002", "手続名": "転入届", "年間件数": "900"})),
        filename="s.csv",
        by=clerk,
    )

    assert (first.created, second.updated) == (2, 1)
    assert Procedure.objects.get(procedure_id=f"{lg}-P0002").annual_volume == 900
    assert Procedure.objects.count() == 2


def test_one_bad_row_imports_nothing_and_every_problem_names_row_and_column(
    clerk: StaffMember, zeimu: Department
) -> None:
    seen: list[tuple[Any, ...]] = []
    events.subscribe(lambda *args: seen.append(args))

    with pytest.raises(services.InvalidSheet) as refused:
        services.import_sheet(
            data=_csv(
                _line(),
                _line(**{"担当課コード": "zeimu"}),
                _line(**{"押印": "はい?"}),
                _line(**{"Madoguchiフォーム": "no-such-form"}),
            ),
            filename="s.csv",
            by=clerk,
        )

    assert [(p.line, p.column) for p in refused.value.problems] == [
        (3, "担当課コード"),
        (4, "押印"),
        (5, "Madoguchiフォーム"),
    ]
    assert not Procedure.objects.exists()
    assert not [r for r in seen if r[0] == events.Event.CATALOG_IMPORTED]


def test_a_department_cannot_overwrite_another_departments_procedure_by_its_id(
    clerk: StaffMember, dx: StaffMember, zeimu: Department
) -> None:
    services.import_sheet(
        data=_csv(_line(**{"手続ID": "Z-1", "担当課コード": "zeimu"})), filename="s.csv", by=dx
    )

    with pytest.raises(services.InvalidSheet) as refused:
        services.import_sheet(data=_csv(_line(**{"手続ID": "Z-1"})), filename="s.csv", by=clerk)

    assert [(p.line, p.column) for p in refused.value.problems] == [(2, "手続ID")]
    assert Procedure.objects.get().department == zeimu


def test_the_export_of_a_department_imports_back_unchanged_with_its_form(
    clerk: StaffMember, shimin: Department
) -> None:
    form = publish_form(department=shimin).form
    services.import_sheet(
        data=_csv(
            _line(**{"Madoguchiフォーム": form.slug, "手続の方法": "オンライン;窓口事前登録"}),
            _line(**{"対象/対象外": "対象外", "対象外の理由": "国が所管", "押印": "要"}),
        ),
        filename="s.csv",
        by=clerk,
    )
    browser = log_in_staff(clerk)

    for kind in ("csv", "xlsx"):
        exported = browser.get(reverse("catalog:export"), {"format": kind, "department": "shimin"})
        body = b"".join(exported.streaming_content) if exported.streaming else exported.content
        result = services.import_sheet(data=body, filename=f"s.{kind}", by=clerk)

        assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert Procedure.objects.filter(form=form).count() == 1


def test_the_upload_page_shows_the_problems_in_japanese_and_a_reviewed_row_changed_goes_back(
    clerk: StaffMember, dx: StaffMember, shimin: Department
) -> None:
    services.import_sheet(data=_csv(_line(**{"手続ID": "A-1"})), filename="s.csv", by=clerk)
    procedure = Procedure.objects.get()
    services.review(
        procedure=procedure,
        decision=services.Decision(target=True, exclusion_reason="", seal_review="keep", note=""),
        by=dx,
    )
    browser = log_in_staff(clerk, language="ja")

    bad = browser.post(
        reverse("catalog:import"),
        {"file": SimpleUploadedFile("s.csv", _csv(_line(**{"手続名": ""})))},
    )
    good = browser.post(
        reverse("catalog:import"),
        {"file": SimpleUploadedFile("s.csv", _csv(_line(**{"手続ID": "A-1", "年間件数": "5"})))},
    )

    assert bad.status_code == 422
    assert "手続名を入力してください。" in bad.content.decode()
    assert good.status_code == 302
    procedure.refresh_from_db()
    assert procedure.annual_volume == 5 and procedure.review_state == ReviewState.DRAFT


def test_the_blank_template_has_the_japanese_headers_only_in_csv_with_bom_and_xlsx(
    clerk: StaffMember,
) -> None:
    from madoguchi.catalog.hearing_sheet import read_table

    browser = log_in_staff(clerk)

    csv_file = browser.get(reverse("catalog:export"), {"format": "csv", "blank": "1"})
    xlsx_file = browser.get(reverse("catalog:export"), {"format": "xlsx", "blank": "1"})

    assert csv_file.content.startswith(b"\xef\xbb\xbf" + "手続ID,手続名".encode())
    assert read_table(csv_file.content, "t.csv") == [HEADERS]
    assert read_table(xlsx_file.content, "t.xlsx") == [HEADERS]
    assert 'filename="hearing-sheet-' in xlsx_file["Content-Disposition"]


def test_read_only_staff_have_no_import_page(shimin: Department) -> None:
    reader = StaffFactory(
        municipality=shimin.municipality, departments=[shimin], role=StaffRole.READ_ONLY
    )

    response = log_in_staff(reader).get(reverse("catalog:import"))

    assert response.status_code == 404
