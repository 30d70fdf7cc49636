"""The hearing sheet's reader and row parser: pure, no database."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.catalog import hearing_sheet
from madoguchi.catalog.channels import OfferedChannel
from madoguchi.catalog.hearing_sheet import HEADERS, SheetRow, export_cells, parse_row, read_table
from madoguchi.catalog.models import Applicant, SealReview
from madoguchi.exports.writers import Row, csv_chunks, write_xlsx

ROW = {
    "手続ID": "172065-P0001",
    "手続名": "住民票の写しの交付",
    "担当課コード": "shimin",
    "根拠法令": "住民基本台帳法第12条",
    "対象/対象外": "対象",
    "対象外の理由": "",
    "申請者": "個人",
    "本人確認": "要",
    "署名": "不要",
    "押印": "要",
    "押印見直し": "廃止",
    "手続の方法": "オンライン；郵送（Web作成）",
    "Madoguchiフォーム": "juminhyo",
    "年間件数": "１２,０００",
    "標準処理期間（日）": "",
}


def _cells(**changes: str) -> list[str]:
    row = {**ROW, **changes}
    return [row[h] for h in HEADERS]


def test_a_filled_row_reads_as_the_inventory_fields() -> None:
    row = parse_row(HEADERS, _cells(), line=2)

    assert isinstance(row, SheetRow)
    assert row.procedure_id == "172065-P0001"
    assert row.target is True and row.applicant == Applicant.INDIVIDUAL
    assert (row.identity_check_required, row.signature_required, row.seal_required) == (
        True,
        False,
        True,
    )
    assert row.seal_review == SealReview.ABOLISH
    assert row.channels == (OfferedChannel.ONLINE, OfferedChannel.MAIL_WEB)
    assert row.annual_volume == 12000 and row.processing_days is None


def test_every_problem_of_a_row_is_named_by_its_column_in_the_staff_language() -> None:
    cells = _cells(**{"手続名": "", "対象/対象外": "たぶん", "押印": "はんこ", "年間件数": "多い"})
    cells[HEADERS.index("対象/対象外")] = "対象外"

    with translation.override("ja"):
        problems = parse_row(HEADERS, cells, line=7)
        assert isinstance(problems, list)
        found = {(p.line, p.column): str(p.message) for p in problems}

    assert set(found) == {(7, "手続名"), (7, "対象外の理由"), (7, "押印"), (7, "年間件数")}
    assert found[(7, "手続名")] == "手続名を入力してください。"


def test_paper_only_cannot_be_combined_and_an_unknown_way_is_named() -> None:
    combined = parse_row(HEADERS, _cells(**{"手続の方法": "紙のみ;オンライン"}), line=2)
    unknown = parse_row(HEADERS, _cells(**{"手続の方法": "FAX"}), line=3)

    assert isinstance(combined, list) and [p.column for p in combined] == ["手続の方法"]
    assert isinstance(unknown, list) and "FAX" in str(unknown[0].message)


def test_a_missing_column_is_reported_by_name() -> None:
    problems = hearing_sheet.header_problems([h for h in HEADERS if h != "押印見直し"])

    assert [(p.line, p.column) for p in problems] == [(1, "押印見直し")]


def test_a_cp932_csv_from_excel_reads_like_utf8() -> None:
    text = ",".join(HEADERS) + "\r\n" + ",".join(_cells()) + "\r\n"

    rows = read_table(text.encode("cp932"), "sheet.csv")

    assert rows[0] == HEADERS and rows[1][1] == "住民票の写しの交付"


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)


@st.composite
def sheet_rows(draw: st.DrawFn) -> SheetRow:
    target = draw(st.booleans())
    channels = draw(
        st.one_of(
            st.just((OfferedChannel.PAPER_ONLY.value,)),
            st.lists(
                st.sampled_from(
                    [c for c in OfferedChannel.values if c != OfferedChannel.PAPER_ONLY]
                ),
                min_size=1,
                unique=True,
            ).map(tuple),
        )
    )
    return SheetRow(
        line=0,
        procedure_id=draw(st.from_regex(hearing_sheet.PROCEDURE_ID, fullmatch=True)),
        name=draw(_text.filter(lambda t: t.strip())),
        department=draw(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)),
        legal_basis=draw(_text),
        target=target,
        exclusion_reason="" if target else draw(_text.filter(lambda t: t.strip())),
        applicant=draw(st.sampled_from(Applicant.values)),
        identity_check_required=draw(st.booleans()),
        signature_required=draw(st.booleans()),
        seal_required=draw(st.booleans()),
        seal_review=draw(st.sampled_from(SealReview.values)),
        channels=channels,
        form=draw(st.one_of(st.just(""), st.from_regex(hearing_sheet.FORM_SLUG, fullmatch=True))),
        annual_volume=draw(st.one_of(st.none(), st.integers(0, 10**8))),
        processing_days=draw(st.one_of(st.none(), st.integers(0, 400))),
    )


def _normal(row: SheetRow) -> SheetRow | None:
    """The row as the parser reads it once (spaces trimmed, apostrophes of formulas dropped)."""
    parsed = parse_row(HEADERS, [str(c) for c in export_cells(row)], line=2)
    return parsed if isinstance(parsed, SheetRow) else None


@settings(max_examples=60, deadline=None)
@given(st.lists(sheet_rows(), min_size=1, max_size=4))
def test_an_exported_sheet_imports_unchanged_in_csv_and_xlsx(rows: list[SheetRow]) -> None:
    normal = [n for n in (_normal(r) for r in rows) if n is not None]
    csv_bytes = b"".join(
        csv_chunks(
            HEADERS, (Row(str(i), [str(c) for c in export_cells(r)]) for i, r in enumerate(normal))
        )
    )
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "sheet.xlsx"
        write_xlsx(
            HEADERS, (Row(str(i), list(export_cells(r))) for i, r in enumerate(normal)), path
        )
        xlsx_bytes = path.read_bytes()

    for data, name in ((csv_bytes, "sheet.csv"), (xlsx_bytes, "sheet.xlsx")):
        if not normal:
            continue
        table = read_table(data, name)
        again = [parse_row(table[0], cells, line=line) for line, cells in enumerate(table[1:], 2)]
        assert [r.__class__ for r in again] == [SheetRow] * len(normal)
        assert [_without_line(r) for r in again] == [_without_line(r) for r in normal]


def _without_line(row: object) -> tuple[object, ...]:
    assert isinstance(row, SheetRow)
    return tuple(v for k, v in row.__dict__.items() if k != "line")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), max_size=18), max_size=4), st.binary(max_size=200))
def test_the_parser_never_crashes_on_any_cells_or_bytes(
    cells: list[list[str]], data: bytes
) -> None:
    for line, row in enumerate(cells, start=2):
        result = parse_row(HEADERS, row, line=line)
        assert isinstance(result, SheetRow | list)
    for name in ("x.csv", "x.xlsx"):
        try:
            read_table(data, name)
        except hearing_sheet.UnreadableSheet as error:
            assert str(error.problem.message)


def test_a_workbook_saved_with_shared_strings_reads() -> None:
    import zipfile

    shared = "".join(f"<si><t>{h}</t></si>" for h in HEADERS)
    cells = "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(len(HEADERS)))
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{cells}</row><row r="3"><c r="N3"><v>1200.0</v></c></row>'
        "</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"{shared}</sst>",
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet)

    rows = read_table(buffer.getvalue(), "sheet.xlsx")

    assert rows[0] == HEADERS
    assert rows[1][13] == "1200"
