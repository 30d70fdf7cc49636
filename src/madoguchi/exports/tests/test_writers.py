"""Export writers: CSV (UTF-8 with BOM, CP932 with a report), JSON Lines, XLSX and ZIP."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.exports import writers
from madoguchi.exports.writers import Problems, Row


def csv_bytes(rows: list[Row], **options: object) -> bytes:
    header = [f"c{i}" for i in range(len(rows[0].cells))] if rows else ["c0"]
    return b"".join(writers.csv_chunks(header, rows, **options))  # type: ignore[arg-type]


def read_csv(data: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


# --- CP932 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["髙橋", "山﨑", "①②③", "ⅰⅱ", "№℡㈱", "～", "ヴ", "㍻"],
    ids=["hashigo-taka", "tatsu-saki", "circled", "roman", "symbols", "tilde", "vu", "heisei"],
)
def test_nec_and_ibm_extension_characters_pass_through_cp932(text: str) -> None:
    problems = Problems()

    data = csv_bytes([Row("R1", [text])], encoding="cp932", problems=problems)

    assert problems.count == 0
    assert read_csv(data, "cp932")[1] == [text]


@pytest.mark.parametrize(
    ("jis", "cp932"),
    [
        ("〜", "～"),
        ("−", "－"),
        ("‖", "∥"),
        ("¢", "￠"),
        ("£", "￡"),
        ("¬", "￢"),
        ("—", "―"),
        ("¦", "￤"),
        ("¥", "￥"),
        ("‾", "￣"),
    ],
)
def test_jis_code_points_are_written_as_their_cp932_twins(jis: str, cp932: str) -> None:
    problems = Problems()

    data = csv_bytes([Row("R1", [f"9:00{jis}17:00"])], encoding="cp932", problems=problems)

    assert problems.count == 0
    assert read_csv(data, "cp932")[1] == [f"9:00{cp932}17:00"]


@pytest.mark.parametrize(
    "character",
    ["😀", "👨‍👩‍👧", "𠮷", "魝", "ゔ", "é", "€", "\ue000"],
    ids=[
        "emoji",
        "zwj-family",
        "tsuchi-yoshi",
        "rare-kanji",
        "hiragana-vu",
        "accent",
        "euro",
        "gaiji",
    ],
)
def test_characters_cp932_cannot_hold_stop_the_row_and_are_reported(character: str) -> None:
    problems = Problems()

    data = csv_bytes(
        [Row("R1", ["加賀", f"山{character}"]), Row("R2", ["小松", "ok"])],
        encoding="cp932",
        problems=problems,
    )

    assert problems.count >= 1
    assert problems.first[0].receipt_number == "R1"
    assert problems.first[0].column == "c1"
    assert problems.first[0].character in character
    assert problems.first[0].codepoint.startswith("U+")
    assert read_csv(data, "cp932")[1:] == [["小松", "ok"]]


def test_replacing_writes_geta_and_reports_every_character() -> None:
    problems = Problems()

    data = csv_bytes(
        [Row("R1", ["髙橋😀", "𠮷野家"])],
        encoding="cp932",
        replace_unencodable=True,
        problems=problems,
    )

    assert read_csv(data, "cp932")[1] == ["髙橋〓", "〓野家"]
    assert [(p.column, p.codepoint, p.character) for p in problems.first] == [
        ("c0", "U+1F600", "😀"),
        ("c1", "U+20BB7", "𠮷"),
    ]


@given(st.text())
def test_cp932_output_decodes_to_the_mapped_text_or_the_report_names_what_was_dropped(
    text: str,
) -> None:
    written, bad = writers.to_cp932(text, replace=True)
    mapped = writers.map_to_cp932(text)
    decoded = written.encode("cp932").decode("cp932")

    if not bad:
        assert decoded == mapped
    else:
        dropped = [m for m, d in zip(mapped, decoded, strict=True) if m != d]
        assert dropped == bad
        assert all(d == "〓" for m, d in zip(mapped, decoded, strict=True) if m != d)


@given(st.lists(st.lists(st.text(max_size=20), min_size=2, max_size=2), max_size=8))
def test_a_cp932_csv_holds_every_reported_row_out_and_every_other_row_exactly(
    cells: list[list[str]],
) -> None:
    rows = [Row(f"R{i}", c) for i, c in enumerate(cells)]
    problems = Problems()

    data = csv_bytes(rows, encoding="cp932", problems=problems) if rows else b""

    reported = {p.receipt_number for p in problems.first}
    expected = [
        [writers.defuse_formula(writers.map_to_cp932(c)) for c in row.cells]
        for row in rows
        if row.key not in reported
    ]
    if rows:
        assert read_csv(data, "cp932")[1:] == expected


# --- CSV --------------------------------------------------------------------------------------


def test_utf8_csv_starts_with_a_bom_and_ends_lines_with_crlf() -> None:
    data = csv_bytes([Row("R1", ["加賀", "a"])])

    assert data.startswith(writers.BOM)
    assert data.endswith(b"\r\n")
    assert data.decode("utf-8-sig") == "c0,c1\r\n加賀,a\r\n"


def test_csv_quotes_per_rfc_4180() -> None:
    data = csv_bytes([Row("R1", ['say "hi"', "a,b", "line1\nline2", "plain"])])

    assert data.decode("utf-8-sig").splitlines(keepends=True)[1] == ('"say ""hi""","a,b","line1\n')
    assert read_csv(data, "utf-8-sig")[1] == ['say "hi"', "a,b", "line1\nline2", "plain"]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+81-90", "'+81-90"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("＝１＋１", "'＝１＋１"),
        ("＋８１", "'＋８１"),
        ("－１＋１", "'－１＋１"),
        ("＠SUM(A1)", "'＠SUM(A1)"),
        ("\u22121+1", "'\u22121+1"),
        ("﹦1+1", "'﹦1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\x00=1+1", "'\x00=1+1"),
        ("-5", "-5"),
        ("-12.5", "-12.5"),
        ("加賀", "加賀"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_defused(cell: str, written: str) -> None:
    assert writers.defuse_formula(cell) == written


# Text that starts with what spreadsheets run, in every form the guard must know.
formula_text = st.one_of(
    st.text(),
    st.builds(
        lambda first, rest: first + rest,
        st.sampled_from(list("=+-@\t\r\x00＝＋－＠\u2212﹦﹢﹣﹫⁼⁺⁻₋")),
        st.text(max_size=10),
    ),
)


def quoted_as_text_or_harmless(cell: str) -> bool:
    """What the guard promises for a written cell, as a spreadsheet will read it."""
    return cell.startswith("'") or not writers.starts_formula(cell)


def never_a_formula(cell: str) -> bool:
    """Independent of the guard: the first character, folded as NFKC, is not a trigger
    (a plain number such as -5 aside)."""
    if not cell or re.fullmatch(r"-?[0-9]+(?:\.[0-9]+)?", cell):
        return True
    return unicodedata.normalize("NFKC", cell[0])[:1] not in "=+-@\t\r\x00\u2212"


def test_the_guard_knows_every_character_whose_nfkc_form_starts_a_formula() -> None:
    every = map(chr, range(sys.maxunicode + 1))
    triggers = writers.FORMULA_TRIGGERS

    starting = {c for c in every if unicodedata.normalize("NFKC", c)[:1] in triggers}

    assert {c for c in starting if writers.defuse_formula(c + "1+1") == c + "1+1"} == set()
    assert all(writers.starts_formula(c + "x") for c in starting)


@given(
    st.lists(formula_text, min_size=2, max_size=2),
    st.lists(st.lists(formula_text, min_size=2, max_size=2), min_size=1, max_size=5),
    st.sampled_from(["utf-8-sig", "cp932"]),
)
def test_no_csv_cell_read_back_starts_a_formula_in_either_encoding(
    header: list[str], cells: list[list[str]], encoding: str
) -> None:
    rows = [Row(f"R{i}", c) for i, c in enumerate(cells)]

    data = b"".join(
        writers.csv_chunks(header, rows, encoding=encoding, replace_unencodable=True)  # type: ignore[arg-type]
    )

    for line in read_csv(data, encoding):
        assert all(never_a_formula(c) or c.startswith("'") for c in line), line
        assert all(quoted_as_text_or_harmless(c) for c in line), line


def test_a_minus_sign_mapped_for_cp932_is_defused_after_the_mapping() -> None:
    data = csv_bytes([Row("R1", ["\u22121+1", "−5"])], encoding="cp932")

    assert read_csv(data, "cp932")[1] == ["'－1+1", "'－5"]


def test_csv_headers_are_defused_in_utf8_and_cp932() -> None:
    header = ['=HYPERLINK("http://evil")', "\u2212cmd"]

    utf8 = b"".join(writers.csv_chunks(header, [Row("R1", ["a", "b"])]))
    cp932 = b"".join(writers.csv_chunks(header, [Row("R1", ["a", "b"])], encoding="cp932"))

    assert read_csv(utf8, "utf-8-sig")[0] == ['\'=HYPERLINK("http://evil")', "'\u2212cmd"]
    assert read_csv(cp932, "cp932")[0] == ['\'=HYPERLINK("http://evil")', "'－cmd"]


def test_every_csv_and_xlsx_writer_in_the_code_goes_through_the_one_guard() -> None:
    package = Path(writers.__file__).resolve().parents[2]
    spreadsheet_writers = re.compile(
        r"csv\.(writer|DictWriter)\(|xlsxwriter\.Workbook\(|import (openpyxl|xlwt)"
    )

    found = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "tests" not in path.parts
        and spreadsheet_writers.search(path.read_text(encoding="utf-8"))
    }

    # core/spreadsheet.py holds CsvWriter (the guarded csv.writer), writers/xlsx.py
    # write_xlsx; nothing else may write spreadsheet cells past defuse_formula.
    assert found == {"core/spreadsheet.py", "exports/writers/xlsx.py"}


@given(st.lists(st.lists(st.text(), min_size=3, max_size=3), min_size=1, max_size=10))
def test_utf8_csv_round_trips_any_text_apart_from_formula_defence(cells: list[list[str]]) -> None:
    rows = [Row(f"R{i}", c) for i, c in enumerate(cells)]

    data = csv_bytes(rows)

    expected = [[writers.defuse_formula(c) for c in row] for row in cells]
    # csv reads a lone "\r" inside a quoted field back as it was written.
    assert read_csv(data, "utf-8-sig")[1:] == expected


def test_large_csv_comes_in_bounded_chunks() -> None:
    rows = (Row(f"R{i}", ["加賀市" * 10, str(i)]) for i in range(20_000))

    sizes = [len(c) for c in writers.csv_chunks(["a", "b"], rows)]

    # CHUNK_SIZE counts characters; a Japanese character takes 3 bytes in UTF-8.
    assert len(sizes) > 10
    assert max(sizes) < 3 * (writers.CHUNK_SIZE + 1024)


# --- JSON Lines -----------------------------------------------------------------------------


def test_json_lines_have_one_object_per_submission_keyed_by_source() -> None:
    rows = [Row("R1", ["R1", "加賀 太郎"]), Row("R2", ["R2", 'a "b"\nc'])]

    data = b"".join(writers.jsonl_chunks(["receipt_number", "answer:name"], rows))

    lines = data.decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"receipt_number": "R1", "answer:name": "加賀 太郎"},
        {"receipt_number": "R2", "answer:name": 'a "b"\nc'},
    ]
    assert "加賀" in lines[0]


# --- XLSX -------------------------------------------------------------------------------------


def test_xlsx_holds_every_cell_as_text_never_as_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"

    writers.write_xlsx(
        ["受付番号", "氏名"], [Row("R1", ["R1", "=1+1"]), Row("R2", ["R2", "髙橋"])], path
    )

    with zipfile.ZipFile(path) as workbook:
        # constant_memory writes strings inline, row by row (no shared string table).
        sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert "=1+1" in sheet and "髙橋" in sheet and "受付番号" in sheet


def xlsx_cells(path: Path) -> list[tuple[str, str, bool]]:
    """Every cell of the first sheet as (type, text, quote prefix), read from the XML itself."""
    ns = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as workbook:
        # Our own file, just written by the code under test.
        sheet = ElementTree.fromstring(workbook.read("xl/worksheets/sheet1.xml"))  # noqa: S314
        styles = ElementTree.fromstring(workbook.read("xl/styles.xml"))  # noqa: S314
    quoted = [xf.get("quotePrefix") == "1" for xf in styles.iterfind("x:cellXfs/x:xf", ns)]
    cells = []
    for cell in sheet.iterfind(".//x:c", ns):
        assert cell.find("x:f", ns) is None
        text = "".join(t.text or "" for t in cell.iterfind(".//x:t", ns))
        cells.append((cell.get("t", ""), text, quoted[int(cell.get("s", "0"))]))
    return cells


@settings(max_examples=30, deadline=None)
@given(
    st.lists(formula_text, min_size=2, max_size=2),
    st.lists(st.lists(formula_text, min_size=2, max_size=2), min_size=1, max_size=3),
)
def test_xlsx_cells_are_strings_and_never_start_a_formula(
    header: list[str], cells: list[list[str]]
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export.xlsx"

        writers.write_xlsx(header, [Row(f"R{i}", c) for i, c in enumerate(cells)], path)

        written = xlsx_cells(path)
    assert all(kind == "inlineStr" for kind, text, _quoted in written if text)
    assert all(never_a_formula(text) or quoted for _kind, text, quoted in written)


def test_xlsx_keeps_the_text_and_marks_would_be_formulas_as_text_like_csv_defuses_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "export.xlsx"

    writers.write_xlsx(["=A1", "氏名"], [Row("R1", ["@SUM(A1)", "＝１＋１", "-"])], path)

    assert xlsx_cells(path) == [
        ("inlineStr", "=A1", True),
        ("inlineStr", "氏名", False),
        ("inlineStr", "@SUM(A1)", True),
        ("inlineStr", "＝１＋１", True),
        ("inlineStr", "-", True),
    ]


# --- ZIP --------------------------------------------------------------------------------------


def zip_item(
    receipt: str, name: str, content: bytes, *, recorded: str | None = None
) -> writers.ZipItem:
    return writers.ZipItem(
        receipt_number=receipt,
        field="documents",
        name=name,
        recorded_sha256=recorded or hashlib.sha256(content).hexdigest(),
        open=lambda: io.BytesIO(content),
    )


def test_the_zip_holds_files_manifests_and_sums_that_sha256sum_accepts(tmp_path: Path) -> None:
    items = [
        zip_item("R1", "住民票.pdf", b"%PDF-1.7 one"),
        zip_item("R1", "住民票.pdf", b"%PDF-1.7 two"),
        zip_item("R2", "../../etc/passwd", b"\x89PNG three"),
    ]

    archive = b"".join(writers.zip_chunks(items))

    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        assert bundle.testzip() is None
        bundle.extractall(tmp_path)
        names = bundle.namelist()
        manifest = json.loads(bundle.read("manifest.json"))
        manifest_csv = list(csv.DictReader(io.StringIO(bundle.read("manifest.csv").decode())))
    assert names[:3] == [
        "R1/documents/住民票.pdf",
        "R1/documents/住民票-2.pdf",
        "R2/documents/_.._etc_passwd",
    ]
    assert [m["sha256"] for m in manifest] == [i.recorded_sha256 for i in items]
    assert all(m["intact"] for m in manifest)
    assert [row["path"] for row in manifest_csv] == names[:3]
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == 5


def test_manifest_csv_cells_from_resident_file_names_are_defused() -> None:
    items = [
        zip_item("R1", '=HYPERLINK("http://evil","x").pdf', b"%PDF-1.7 one"),
        zip_item("R1", "\u2212cmd.pdf", b"%PDF-1.7 two"),
    ]

    archive = b"".join(writers.zip_chunks(items))

    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        rows = list(csv.reader(io.StringIO(bundle.read("manifest.csv").decode())))
        manifest = json.loads(bundle.read("manifest.json"))
    assert [row[3] for row in rows[1:]] == [
        '\'=HYPERLINK("http://evil","x").pdf',
        "'\u2212cmd.pdf",
    ]
    assert all(never_a_formula(c) or c.startswith("'") for row in rows for c in row)
    # JSON is data, not a spreadsheet: the names stay as the resident gave them.
    assert manifest[0]["name"] == '=HYPERLINK("http://evil","x").pdf'


def test_a_file_that_changed_since_upload_is_marked_not_intact() -> None:
    item = zip_item("R1", "a.pdf", b"tampered", recorded="0" * 64)

    archive = b"".join(writers.zip_chunks([item]))

    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
    assert manifest[0]["intact"] is False
    assert manifest[0]["sha256"] == hashlib.sha256(b"tampered").hexdigest()


@pytest.mark.parametrize(
    ("name", "safe"),
    [("a/b\\c.pdf", "a_b_c.pdf"), ("..", "file"), ("\x00x\ny", "_x_y"), ("  ", "file")],
)
def test_names_in_the_zip_are_one_harmless_path_component(name: str, safe: str) -> None:
    assert writers.safe_name(name) == safe
