"""The hearing sheet (ヒアリングシート): the inventory as a table a DX office sends to departments.

Pure functions, no database: :func:`read_table` turns an uploaded CSV (UTF-8 with or without
BOM, or CP932 as Japanese Excel saves it) or XLSX into rows of text; :func:`parse_row` turns
one row into a :class:`SheetRow` or the problems of its cells; :func:`export_cells` is the
reverse, so an exported sheet imports unchanged. The columns, their Japanese headers (fixed,
whatever the page's language: departments' spreadsheets and macros read them by name) and the
values each accepts are documented in docs/coverage.md.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar
from xml.etree import ElementTree

from django.utils.translation import gettext_lazy as _

from madoguchi.core.spreadsheet import starts_formula

from .channels import OfferedChannel
from .models import Applicant, SealReview
from .rules import channels_problem, exclusion_problem

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# (field, header) in the sheet's order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("procedure_id", "手続ID"),
    ("name", "手続名"),
    ("department", "担当課コード"),
    ("legal_basis", "根拠法令"),
    ("target", "対象/対象外"),
    ("exclusion_reason", "対象外の理由"),
    ("applicant", "申請者"),
    ("identity_check_required", "本人確認"),
    ("signature_required", "署名"),
    ("seal_required", "押印"),
    ("seal_review", "押印見直し"),
    ("channels", "手続の方法"),
    ("form", "Madoguchiフォーム"),
    ("annual_volume", "年間件数"),
    ("processing_days", "標準処理期間（日）"),
)
HEADERS: list[str] = [header for _field, header in COLUMNS]
HEADER_OF: dict[str, str] = dict(COLUMNS)

# The words each coded column takes; the first of each is what an export writes.
TARGET_WORDS = {True: ("対象",), False: ("対象外",)}
YES_NO_WORDS = {True: ("要", "必要", "あり", "○"), False: ("不要", "なし", "×", "")}
APPLICANT_WORDS = {
    Applicant.INDIVIDUAL: ("個人",),
    Applicant.BUSINESS: ("法人",),
    Applicant.BOTH: ("両方", "個人・法人"),
}
SEAL_REVIEW_WORDS = {
    SealReview.NOT_REVIEWED: ("未見直し", ""),
    SealReview.KEEP: ("存続",),
    SealReview.ABOLISH: ("廃止",),
    SealReview.E_SIGNATURE: ("電子署名に置換",),
}
CHANNEL_WORDS = {
    OfferedChannel.ONLINE: ("オンライン",),
    OfferedChannel.NATIONAL: ("ぴったりサービス", "国のオンラインサービス"),
    OfferedChannel.MAIL_WEB: ("郵送（Web作成）",),
    OfferedChannel.COUNTER_PREREG: ("窓口事前登録",),
    OfferedChannel.PAPER_ONLY: ("紙のみ",),
}
CHANNEL_SEPARATORS = re.compile(r"[;；、,，]")
PROCEDURE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
FORM_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
T = TypeVar("T")
_LENGTHS = {"name": 200, "legal_basis": 300, "exclusion_reason": 300}


@dataclass(frozen=True)
class Problem:
    """What is wrong in one cell (``line`` 1 is the header; ``column`` is its header, or ""
    for the whole row or file)."""

    line: int
    column: str
    message: StrOrPromise


@dataclass(frozen=True)
class SheetRow:
    """One valid row: the inventory fields, with the department and form still as codes."""

    line: int
    procedure_id: str
    name: str
    department: str
    legal_basis: str
    target: bool
    exclusion_reason: str
    applicant: str
    identity_check_required: bool
    signature_required: bool
    seal_required: bool
    seal_review: str
    channels: tuple[str, ...]
    form: str
    annual_volume: int | None
    processing_days: int | None


class UnreadableSheet(Exception):
    """The upload is not a CSV or XLSX file this module can read (``problem`` says why)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem.message))
        self.problem = problem


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The rows of an uploaded CSV or XLSX file (the first is the header), as text."""
    if len(data) > MAX_BYTES:
        raise UnreadableSheet(Problem(0, "", _("The file is larger than 5 MB.")))
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        rows = _read_xlsx(data)
    else:
        rows = _read_csv(data)
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) > MAX_ROWS + 1:
        raise UnreadableSheet(
            Problem(0, "", _("The file has more than 5000 rows: split it by department."))
        )
    if not rows:
        raise UnreadableSheet(Problem(0, "", _("The file is empty.")))
    return rows


def _read_csv(data: bytes) -> list[list[str]]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp932")
        except UnicodeDecodeError as error:
            raise UnreadableSheet(
                Problem(0, "", _("Save the file as CSV (UTF-8) or as an Excel workbook (.xlsx)."))
            ) from error
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise UnreadableSheet(
            Problem(0, "", _("The CSV file cannot be read: save it again from the spreadsheet."))
        ) from error


_XLSX_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_XLSX_PART_LIMIT = 50 * 1024 * 1024


def _xlsx_part(archive: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _XLSX_PART_LIMIT:
        raise UnreadableSheet(Problem(0, "", _("The file is larger than 5 MB.")))
    raw = archive.read(info)
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise UnreadableSheet(Problem(0, "", _("The workbook cannot be read.")))
    # No DTD reaches the parser (checked above; expat 2.5 also limits entity expansion, and
    # ElementTree never fetches external entities), so the stdlib parser is safe here.
    return ElementTree.fromstring(raw)  # noqa: S314


def _read_xlsx(data: bytes) -> list[list[str]]:
    """The first worksheet's cells as text (shared, inline and number cells)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            shared_root = _xlsx_part(archive, "xl/sharedStrings.xml")
            sheet = _xlsx_part(archive, "xl/worksheets/sheet1.xml")
    except (zipfile.BadZipFile, ElementTree.ParseError, ValueError) as error:
        raise UnreadableSheet(Problem(0, "", _("The workbook cannot be read."))) from error
    if sheet is None:
        raise UnreadableSheet(Problem(0, "", _("The workbook cannot be read.")))
    shared = [
        "".join(t.text or "" for t in item.iter(f"{{{_XLSX_NS['m']}}}t"))
        for item in (shared_root.findall("m:si", _XLSX_NS) if shared_root is not None else [])
    ]
    rows: list[list[str]] = []
    for row in sheet.iterfind("m:sheetData/m:row", _XLSX_NS):
        cells: dict[int, str] = {}
        for position, cell in enumerate(row.iterfind("m:c", _XLSX_NS)):
            column = _column_index(cell.get("r", "")) if cell.get("r") else position
            cells[column] = _xlsx_cell_text(cell, shared)
        number = int(row.get("r", len(rows) + 1))
        while len(rows) < number - 1:
            rows.append([])
        width = max(cells) + 1 if cells else 0
        rows.append([cells.get(index, "") for index in range(width)])
    return rows


def _column_index(reference: str) -> int:
    index = 0
    for letter in reference:
        if not letter.isalpha():
            break
        index = index * 26 + (ord(letter.upper()) - ord("A") + 1)
    return max(index - 1, 0)


def _xlsx_cell_text(cell: ElementTree.Element, shared: Sequence[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{{{_XLSX_NS['m']}}}t"))
    value = cell.findtext("m:v", default="", namespaces=_XLSX_NS)
    if kind == "s":
        try:
            return shared[int(value)]
        except (ValueError, IndexError):
            return ""
    if kind == "n" and value:
        try:
            number = float(value)
        except ValueError:
            return value
        return str(int(number)) if number.is_integer() else value
    return value


def header_problems(header: Sequence[str]) -> list[Problem]:
    """A problem for every column the template has and the file does not."""
    found = {_text(cell) for cell in header}
    return [
        Problem(1, name, _("This column is missing: download the template again."))
        for name in HEADERS
        if name not in found
    ]


def parse_row(
    header: Sequence[str], cells: Sequence[str], *, line: int
) -> SheetRow | list[Problem]:
    """One row by the header's names; every problem of every cell at once, or the row."""
    positions = {_text(name): index for index, name in enumerate(header)}
    raw = {
        name: _text(cells[positions[name]]) if positions.get(name, len(cells)) < len(cells) else ""
        for name in HEADERS
    }
    problems: list[Problem] = []

    def problem(field: str, message: StrOrPromise) -> None:
        problems.append(Problem(line, HEADER_OF[field], message))

    for field, header_name in COLUMNS:
        if _CONTROL.search(raw[header_name]):
            problem(field, _("Write it on one line, without tabs or control characters."))
        limit = _LENGTHS.get(field)
        if limit is not None and len(raw[header_name]) > limit:
            problem(field, _("At most %(limit)d characters.") % {"limit": limit})

    procedure_id = _nfkc(raw["手続ID"])
    if procedure_id and not PROCEDURE_ID.fullmatch(procedure_id):
        problem(
            "procedure_id",
            _("Use up to 40 letters, digits, - and _ (or leave it empty for a new procedure)."),
        )
    name = raw["手続名"]
    if not name:
        problem("name", _("Write the procedure's name."))
    department = _nfkc(raw["担当課コード"])
    if not department:
        problem("department", _("Write the department's code."))

    target = _word(raw["対象/対象外"], TARGET_WORDS)
    if target is None:
        problem("target", _("Write 対象 or 対象外."))
    exclusion_reason = raw["対象外の理由"]
    if target is not None:
        message = exclusion_problem(target=target, reason=exclusion_reason)
        if message:
            problem("exclusion_reason", message)
        if target:
            exclusion_reason = ""
    applicant = _word(raw["申請者"], APPLICANT_WORDS)
    if applicant is None:
        problem("applicant", _("Write 個人, 法人 or 両方."))
    flags: dict[str, bool] = {}
    for field in ("identity_check_required", "signature_required", "seal_required"):
        value = _word(raw[HEADER_OF[field]], YES_NO_WORDS)
        if value is None:
            problem(field, _("Write 要 or 不要."))
        flags[field] = bool(value)
    seal_review = _word(raw["押印見直し"], SEAL_REVIEW_WORDS)
    if seal_review is None:
        problem("seal_review", _("Write 未見直し, 存続, 廃止 or 電子署名に置換."))

    channels: list[str] = []
    for part in CHANNEL_SEPARATORS.split(raw["手続の方法"]):
        word = part.strip()
        if not word:
            continue
        channel = _word(word, CHANNEL_WORDS) or (word if word in OfferedChannel.values else None)
        if channel is None:
            problem(
                "channels",
                _(
                    "Unknown way “%(word)s”: write オンライン, ぴったりサービス, "
                    "郵送（Web作成）, 窓口事前登録 or 紙のみ, separated by ;."
                )
                % {"word": word[:40]},
            )
        elif channel not in channels:
            channels.append(channel)
    message = channels_problem(channels)
    if message and not any(p.column == HEADER_OF["channels"] for p in problems):
        problem("channels", message)

    form = _nfkc(raw["Madoguchiフォーム"])
    if form and not FORM_SLUG.fullmatch(form):
        problem("form", _("Write the form's URL name (letters, digits, - and _)."))
    numbers: dict[str, int | None] = {}
    for field in ("annual_volume", "processing_days"):
        text = _nfkc(raw[HEADER_OF[field]]).replace(",", "")
        if not text:
            numbers[field] = None
        elif text.isdigit() and text.isascii() and len(text) <= 9:
            numbers[field] = int(text)
        else:
            problem(field, _("Write a whole number (0 or more), or leave it empty."))
            numbers[field] = None

    if problems:
        return problems
    return SheetRow(
        line=line,
        procedure_id=procedure_id,
        name=name,
        department=department,
        legal_basis=raw["根拠法令"],
        target=bool(target),
        exclusion_reason=exclusion_reason,
        applicant=str(applicant),
        identity_check_required=flags["identity_check_required"],
        signature_required=flags["signature_required"],
        seal_required=flags["seal_required"],
        seal_review=str(seal_review),
        channels=tuple(channels),
        form=form,
        annual_volume=numbers["annual_volume"],
        processing_days=numbers["processing_days"],
    )


def export_cells(row: SheetRow) -> list[str | int]:
    """The cells of one row in the template's order (the first word of every coded value)."""
    return [
        row.procedure_id,
        row.name,
        row.department,
        row.legal_basis,
        TARGET_WORDS[row.target][0],
        row.exclusion_reason,
        APPLICANT_WORDS[Applicant(row.applicant)][0],
        YES_NO_WORDS[row.identity_check_required][0],
        YES_NO_WORDS[row.signature_required][0],
        YES_NO_WORDS[row.seal_required][0],
        SEAL_REVIEW_WORDS[SealReview(row.seal_review)][0],
        ";".join(CHANNEL_WORDS[OfferedChannel(c)][0] for c in row.channels),
        row.form,
        "" if row.annual_volume is None else row.annual_volume,
        "" if row.processing_days is None else row.processing_days,
    ]


def _text(cell: str) -> str:
    """A cell as typed: spaces around it dropped, and the apostrophe an export puts before a
    text a spreadsheet would run (:func:`madoguchi.core.spreadsheet.defuse_formula`)."""
    text = cell.strip()
    if text.startswith("'") and starts_formula(text[1:]):
        text = text[1:]
    return text


def _nfkc(text: str) -> str:
    """Codes and numbers typed in full width (ＡＢＣ１２３) read as half width."""
    return unicodedata.normalize("NFKC", text).strip()


def _word(text: str, words: Mapping[T, tuple[str, ...]]) -> T | None:
    normal = unicodedata.normalize("NFKC", text).strip()
    for value, spellings in words.items():
        if text in spellings or normal in (unicodedata.normalize("NFKC", s) for s in spellings):
            return value
    return None
