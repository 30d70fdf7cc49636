"""XLSX exports: numbers and dates are typed cells a spreadsheet can add up and sort."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from madoguchi.exports import selectors as export_selectors
from madoguchi.exports import services as export_services
from madoguchi.exports import writers
from madoguchi.exports.columns import Column
from madoguchi.exports.services import ExportRequest
from madoguchi.exports.writers import Row
from madoguchi.forms.models import FormVersion
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import submit_application

NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def typed_cells(data: bytes) -> list[list[tuple[str, str, str]]]:
    """Rows of (cell type, value, number format code) read from the workbook's XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as workbook:
        # Our own file, just written by the code under test.
        sheet = ElementTree.fromstring(workbook.read("xl/worksheets/sheet1.xml"))  # noqa: S314
        styles = ElementTree.fromstring(workbook.read("xl/styles.xml"))  # noqa: S314
    codes = {f.get("numFmtId"): f.get("formatCode", "") for f in styles.iterfind(".//x:numFmt", NS)}
    formats = [codes.get(xf.get("numFmtId"), "") for xf in styles.iterfind("x:cellXfs/x:xf", NS)]
    rows = []
    for row in sheet.iterfind(".//x:row", NS):
        cells = []
        for cell in row.iterfind("x:c", NS):
            value = cell.findtext("x:v", default="", namespaces=NS) or "".join(
                t.text or "" for t in cell.iterfind(".//x:t", NS)
            )
            cells.append((cell.get("t", "n"), value, formats[int(cell.get("s", "0"))]))
        rows.append(cells)
    return rows


def test_typed_values_become_numbers_and_excel_dates_while_text_stays_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "export.xlsx"
    cells: list[writers.CellValue] = [
        35000,
        2.5,
        date(2025, 4, 1),
        datetime(2025, 4, 1, 9, 30),
        "35000",
        "-5",
    ]

    writers.write_xlsx(["a", "b", "c", "d", "e", "f"], [Row("R1", cells)], path)

    [_header, row] = typed_cells(path.read_bytes())
    assert row[0] == ("n", "35000", "")
    assert row[1] == ("n", "2.5", "")
    # 2025-04-01 is day 45748 of Excel's calendar.
    assert row[2] == ("n", "45748", "yyyy-mm-dd")
    assert row[3][0] == "n" and row[3][2] == "yyyy-mm-dd hh:mm:ss"
    assert float(row[3][1]) == pytest.approx(45748 + 9.5 / 24)
    # Text a resident typed is never turned into a number.
    assert row[4][0] == "inlineStr" and row[4][1] == "35000"
    assert row[5][0] == "inlineStr" and row[5][1] == "-5"


def test_dates_in_the_japanese_era_are_still_dates(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"

    writers.write_xlsx(
        ["日付", "受付日時"],
        [Row("R1", [date(2019, 5, 1), datetime(2019, 5, 1, 10, 0)])],
        path,
        date_style="wareki",
    )

    [_header, row] = typed_cells(path.read_bytes())
    assert row[0] == ("n", "43586", '[$-411]ggge"年"m"月"d"日"')
    assert row[1][2] == '[$-411]ggge"年"m"月"d"日" hh:mm:ss'


def export_file(staff: StaffMember, version: FormVersion, **options: Any) -> bytes:
    columns = options.pop("columns", None) or export_selectors.default_columns(version.form)
    job = export_services.start_export(
        staff=staff,
        request=ExportRequest(form=version.form, columns=columns, format="xlsx", **options),
    )
    with job.file.open("rb") as handle:
        return handle.read()


@pytest.mark.django_db
@pytest.mark.parametrize("style", ["iso", "wareki"])
def test_an_xlsx_export_writes_counts_dates_and_the_receipt_time_as_typed_cells(
    staff: StaffMember, form_version: FormVersion, style: str
) -> None:
    submit_application(form_version, visit_date="2025-04-01", count="3")
    submit_application(form_version, visit_date="1899-12-31", count="4")
    columns = [
        Column("submitted_at", "受付日時"),
        Column("answer:count", "人数"),
        Column("answer:visit_date", "希望日"),
        Column("answer:name", "氏名"),
    ]

    rows = typed_cells(export_file(staff, form_version, columns=columns, date_style=style))

    first, second = rows[1], rows[2]
    date_format, moment_format = writers.XLSX_DATE_FORMATS[style]
    assert first[0][0] == "n" and first[0][2] == moment_format
    assert [first[1][:2], second[1][:2]] == [("n", "3"), ("n", "4")]
    assert first[2] == ("n", "45748", date_format)
    # Before Excel's calendar begins, a date is written as text.
    assert second[2][0] == "inlineStr"
    assert first[3][0] == "inlineStr"
