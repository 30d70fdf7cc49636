"""The mail-in application (郵送申請書): the PDF a resident prints, signs and posts.

Three kinds of page, A4, in the fonts of the receipts (IPAex, registered by
``documents.pdf.ensure_fonts``):

1. the application in the familiar 様式 layout: title, 宛先 (「加賀市長 様」), the date in 和暦,
   the applicant block, the answers as a table (each value as the field type displays it) and,
   when the form asks for one, a box for the handwritten signature (自署); long answers run on
   to further pages;
2. a checklist: what to put in the envelope (the form's enclosures), what to check, where and
   by when to send it;
3. a label to cut out along the dashed line and stick on a 長形3号 envelope (90 × 205 mm):
   the department's postal code and address, 御中, and 「郵送申請書在中」.

Every page carries, in its header, the mail reference printed large and the QR code of
:mod:`.payload` (error correction M), so staff can scan whichever page lies on top; every
footer says "page / pages". Texts are English msgids translated here: render inside the
application's language (:func:`render` does).

:func:`render_document` takes plain data and draws; :func:`render` gathers that data from a
:class:`~madoguchi.mailin.models.MailApplication`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal
from xml.sax.saxutils import escape

import segno
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from madoguchi.documents.pdf import BLUE, FAINT, GOTHIC, INK, LINE, MINCHO, MUTED, ensure_fonts
from madoguchi.forms import rendering
from madoguchi.forms.fieldtypes import registry
from madoguchi.jp.wareki import format_wareki

from . import payload

if TYPE_CHECKING:
    from madoguchi.forms.schema import FormSchema

    from .models import MailApplication

__all__ = ["Postal", "render", "render_document"]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
HEADER = 40 * mm  # the reference and the QR code, on every page
FOOTER = 7 * mm
QR_SIZE = 36 * mm  # a version-20 code keeps modules about 0.34 mm wide
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
# 長形3号 is 120 × 235 mm; the label leaves a 15 mm border on every side.
LABEL_WIDTH, LABEL_HEIGHT = 90 * mm, 205 * mm
SIGNATURE_HEIGHT = 22 * mm

# Input purposes (autocomplete tokens) whose answers make the applicant block.
_NAME_AND_PHONE = frozenset({"name", "family-name", "given-name", "tel"})
_ADDRESS = {"postal-code", "street-address", "address-level1", "address-level2", "address-line1"}
APPLICANT_PURPOSES = _NAME_AND_PHONE | _ADDRESS | {"address-line2"}


@dataclass(frozen=True)
class Postal:
    """Where the paper goes: the department's postal data (``tenants.Department``)."""

    department: str
    addressee: str = ""
    postal_code: str = ""
    postal_address: str = ""
    phone: str = ""


def _style(name: str, **kwargs: Any) -> ParagraphStyle:
    base: dict[str, Any] = {
        "fontName": MINCHO,
        "fontSize": 10,
        "leading": 14,
        "textColor": INK,
        "wordWrap": "CJK",
    }
    return ParagraphStyle(name, **(base | kwargs))


STYLES = {
    "title": _style("title", fontName=GOTHIC, fontSize=18, leading=24, alignment=1),
    "addressee": _style("addressee", fontSize=14, leading=20),
    "date": _style("date", alignment=2),
    "lead": _style("lead"),
    "heading": _style("heading", fontName=GOTHIC, fontSize=12, leading=16, textColor=BLUE),
    "label": _style("label", fontName=GOTHIC, fontSize=9, leading=13),
    "value": _style("value"),
    "small": _style("small", fontName=GOTHIC, fontSize=8, leading=11, textColor=MUTED),
    "check": _style("check", fontSize=11, leading=16, leftIndent=7 * mm, firstLineIndent=-7 * mm),
    "postal_code": _style("postal_code", fontName=GOTHIC, fontSize=18, leading=24),
    "address": _style("address", fontSize=15, leading=22),
    "to": _style("to", fontName=GOTHIC, fontSize=20, leading=28),
    "enclosed": _style("enclosed", fontName=GOTHIC, fontSize=14, leading=20, textColor=colors.red),
}


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), STYLES[style])


def _table(rows: Sequence[tuple[str, str]], *, label_width: float, width: float) -> Table:
    table = Table(
        [[_p(label, "label"), _p(value, "value")] for label, value in rows],
        colWidths=[label_width, width - label_width],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), FAINT),
                ("BOX", (0, 0), (-1, -1), 0.8, INK),
                ("INNERGRID", (0, 0), (-1, -1), 0.4, LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


class EnvelopeLabel(Flowable):
    """The address label for a 長形3号 envelope, inside a dashed line to cut along."""

    def __init__(self, postal: Postal, municipality: str, reference: str) -> None:
        super().__init__()
        self.postal, self.municipality, self.reference = postal, municipality, reference
        self.width, self.height = LABEL_WIDTH, LABEL_HEIGHT

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setDash(4, 3)
        canvas.setStrokeColor(MUTED)
        canvas.setLineWidth(0.6)
        canvas.rect(0, 0, self.width, self.height, stroke=1, fill=0)
        canvas.restoreState()
        inner = self.width - 16 * mm
        parts = [
            _p(f"〒{self.postal.postal_code}" if self.postal.postal_code else "", "postal_code"),
            Spacer(0, 8 * mm),
            _p(self.postal.postal_address, "address"),
            Spacer(0, 14 * mm),
            _p(
                _("%(department)s (to whom it may concern)")
                % {"department": self.postal.department},
                "to",
            ),
        ]
        top = self.height - 12 * mm
        for part in parts:
            _width, height = part.wrap(inner, self.height)
            top -= height
            part.drawOn(canvas, 8 * mm, top)
        bottom = [_p(_("Mail-in application enclosed"), "enclosed"), _p(self.reference, "small")]
        y = 12 * mm
        for part in reversed(bottom):
            _width, height = part.wrap(inner, self.height)
            part.drawOn(canvas, 8 * mm, y)
            y += height + 2 * mm


@dataclass(frozen=True)
class _Page:
    """What every page's header and footer say."""

    reference: str
    qr: segno.QRCode
    procedure: str
    municipality: str
    total: int = 0
    pages: list[int] = field(default_factory=list)


def _draw_qr(canvas: Canvas, qr: segno.QRCode, x: float, y: float, size: float) -> None:
    matrix = [list(row) for row in qr.matrix_iter(border=4)]
    module = size / len(matrix)
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    for row_index, row in enumerate(matrix):
        for column, dark in enumerate(row):
            if dark:
                top = y + size - (row_index + 1) * module
                canvas.rect(
                    x + column * module, top, module + 0.05, module + 0.05, stroke=0, fill=1
                )


def _decorate(page: _Page) -> Callable[[Canvas, SimpleDocTemplate], None]:
    def draw(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        top = PAGE_HEIGHT - MARGIN
        _draw_qr(canvas, page.qr, PAGE_WIDTH - MARGIN - QR_SIZE, top - QR_SIZE, QR_SIZE)
        canvas.setFillColor(MUTED)
        canvas.setFont(GOTHIC, 9)
        canvas.drawString(MARGIN, top - 4 * mm, f"{page.municipality}  {page.procedure}")
        canvas.drawString(MARGIN, top - 12 * mm, _("Mail reference"))
        canvas.setFillColor(INK)
        canvas.setFont(GOTHIC, 24)
        canvas.drawString(MARGIN, top - 23 * mm, page.reference)
        canvas.setFillColor(MUTED)
        canvas.setFont(GOTHIC, 8)
        canvas.drawString(
            MARGIN, top - 30 * mm, _("Staff scan the code on the right when the paper arrives.")
        )
        canvas.setStrokeColor(BLUE)
        canvas.setLineWidth(1.5)
        canvas.line(MARGIN, top - HEADER + 2 * mm, PAGE_WIDTH - MARGIN, top - HEADER + 2 * mm)
        canvas.setFont(GOTHIC, 9)
        number = document.page
        page.pages.append(number)
        total = page.total or number
        canvas.drawCentredString(PAGE_WIDTH / 2, MARGIN - 1 * mm, f"{number} / {total}")
        canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 1 * mm, page.reference)
        canvas.restoreState()

    return draw


def _era_style(language: str) -> Literal["kanji", "english"]:
    return "english" if language.startswith("en") else "kanji"


def _applicant_keys(schema: FormSchema) -> list[str]:
    keys = []
    for step in schema.steps:
        for form_field in step.fields:
            purpose = registry.of(form_field).input_purpose(form_field)
            if form_field.key == schema.applicant_name_field or purpose in APPLICANT_PURPOSES:
                keys.append(form_field.key)
    return keys


def _application(
    *,
    schema: FormSchema,
    answers: Mapping[str, Any],
    postal: Postal,
    created: date,
    language: str,
    signature_required: bool,
) -> list[Flowable]:
    era = _era_style(language)
    sections = rendering.answer_sections(schema, dict(answers), answered_only=True)
    applicant_keys = set(_applicant_keys(schema))
    applicant = [
        (row["label"], row["value"])
        for section in sections
        for row in section.rows
        if row["key"] in applicant_keys
    ]
    addressee = postal.addressee or postal.department
    flowables: list[Flowable] = [
        _p(format_wareki(created, style=era), "date"),
        Spacer(0, 3 * mm),
        _p(_("To: %(addressee)s") % {"addressee": addressee}, "addressee"),
        Spacer(0, 5 * mm),
        _p(schema.title.get(language), "title"),
        Spacer(0, 5 * mm),
    ]
    if applicant:
        width = CONTENT_WIDTH * 0.62
        block = Table(
            [[_p(_("Applicant"), "heading"), _table(applicant, label_width=28 * mm, width=width)]],
            colWidths=[CONTENT_WIDTH - width, width],
        )
        block.setStyle(
            TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (0, 0), "RIGHT")])
        )
        flowables += [block, Spacer(0, 4 * mm)]
    flowables += [_p(_("I apply as follows."), "lead"), Spacer(0, 3 * mm)]
    for section in sections:
        rows = [(r["label"], r["value"]) for r in section.rows if r["key"] not in applicant_keys]
        if rows:
            flowables += [
                _p(section.title, "label"),
                Spacer(0, 1 * mm),
                _table(rows, label_width=52 * mm, width=CONTENT_WIDTH),
                Spacer(0, 3 * mm),
            ]
    if signature_required:
        box = Table(
            [[_p(_("Signature (by hand)"), "label"), ""]],
            colWidths=[36 * mm, CONTENT_WIDTH - 36 * mm],
            rowHeights=[SIGNATURE_HEIGHT],
        )
        box.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1.2, INK),
                    ("INNERGRID", (0, 0), (-1, -1), 0.4, LINE),
                    ("BACKGROUND", (0, 0), (0, 0), FAINT),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        flowables += [
            Spacer(0, 3 * mm),
            box,
            _p(_("Sign here in your own hand with a pen (自署)."), "small"),
        ]
    return flowables


def _checklist(
    *,
    postal: Postal,
    municipality: str,
    enclosures: Sequence[str],
    signature_required: bool,
    expires: date | None,
    language: str,
) -> list[Flowable]:
    era = _era_style(language)
    items = [_("This application, every page, printed on A4")]
    if signature_required:
        items.append(_("Your signature in the signature box"))
    items += list(enclosures)
    address = "\n".join(
        part
        for part in (
            f"〒{postal.postal_code}" if postal.postal_code else "",
            postal.postal_address,
            f"{municipality} {postal.department}",
        )
        if part
    )
    flowables: list[Flowable] = [
        _p(_("Before you post it"), "heading"),
        Spacer(0, 3 * mm),
        _p(_("Put these in the envelope:"), "lead"),
        Spacer(0, 2 * mm),
        *[_p(f"□ {item}", "check") for item in items],
        Spacer(0, 6 * mm),
        _p(_("Where to send it"), "heading"),
        Spacer(0, 3 * mm),
        _table(
            [(_("Address"), address)]
            + ([(_("Phone number"), postal.phone)] if postal.phone else []),
            label_width=30 * mm,
            width=CONTENT_WIDTH,
        ),
        Spacer(0, 3 * mm),
        _p(
            _(
                "Cut out the label on the next page and stick it on a 長形3号 envelope "
                "(120 × 235 mm). Postage is paid by the sender."
            ),
            "lead",
        ),
    ]
    if expires is not None:
        flowables += [
            Spacer(0, 4 * mm),
            _p(
                _("It must arrive by %(date)s. After that, apply again.")
                % {"date": format_wareki(expires, style=era)},
                "lead",
            ),
        ]
    return flowables


def render_document(
    *,
    schema: FormSchema,
    answers: Mapping[str, Any],
    reference: str,
    postal: Postal,
    municipality: str,
    created: date,
    language: str,
    signature_required: bool = False,
    enclosures: Sequence[str] = (),
    expires: date | None = None,
    qr_text: str | None = None,
) -> bytes:
    """The mail-in PDF from plain data, in ``language`` (the labels and the form's texts).

    ``qr_text`` defaults to :func:`payload.encode` of the reference and answers, so every
    page's code carries exactly the answers printed.
    """
    ensure_fonts()
    text = qr_text or payload.encode(reference=reference, answers=answers)
    with translation.override(language):
        page = _Page(
            reference=reference,
            qr=segno.make(text, error="m", micro=False, boost_error=False),
            procedure=schema.title.get(language),
            municipality=municipality,
        )

        def story() -> list[Flowable]:
            return [
                *_application(
                    schema=schema,
                    answers=answers,
                    postal=postal,
                    created=created,
                    language=language,
                    signature_required=signature_required,
                ),
                PageBreak(),
                *_checklist(
                    postal=postal,
                    municipality=municipality,
                    enclosures=enclosures,
                    signature_required=signature_required,
                    expires=expires,
                    language=language,
                ),
                PageBreak(),
                _p(_("Cut along the dashed line."), "small"),
                Spacer(0, 2 * mm),
                EnvelopeLabel(postal, municipality, reference),
            ]

        # Two passes: the first counts the pages so that every footer can say "n / total".
        title = f"{page.procedure} {reference}"
        _build(story(), page, title=title, author=municipality)
        counted = _Page(page.reference, page.qr, page.procedure, page.municipality, len(page.pages))
        return _build(story(), counted, title=title, author=municipality)


def _build(story: list[Flowable], page: _Page, *, title: str, author: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER,
        bottomMargin=MARGIN + FOOTER,
        title=title,
        author=author,
        creator="Madoguchi",
    )
    decorate = _decorate(page)
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _mail_settings(schema: FormSchema, language: str) -> tuple[bool, list[str]]:
    """The form's mail settings: whether it wants a signature box (自署), and the enclosures."""
    mail = getattr(schema, "mail", None)  # None on forms that never offered mail
    if mail is None:
        return False, []
    enclosures = [item.get(language) for item in mail.enclosures]
    return bool(mail.handwritten_signature), enclosures


def render(
    application: MailApplication,
    *,
    language: str | None = None,
    answers: Mapping[str, Any] | None = None,
) -> bytes:
    """The PDF of ``application`` in its language (or ``language``: the same paper, reference
    and code, printed in the other language), as the resident downloads it again.

    ``answers`` when the stored ones are sealed (``mailin.sealed``): opened by the caller,
    they must hash to the application's ``answers_sha256`` (the code printed says so).
    """
    if answers is None:
        answers = application.answers
    elif payload.answers_sha256(answers) != application.answers_sha256:
        raise ValueError("these answers are not the application's (their SHA-256 differs)")
    language = language or application.language or "ja"
    schema = application.form_version.schema
    department = application.department
    signature_required, enclosures = _mail_settings(schema, language)
    return render_document(
        schema=schema,
        answers=answers,
        reference=application.reference,
        postal=Postal(
            department=department.localized_name(language),
            addressee=department.addressee,
            postal_code=department.postal_code,
            postal_address=department.postal_address,
            phone=department.phone,
        ),
        municipality=application.municipality.localized_name(language),
        created=timezone.localdate(application.created_at),
        language=language,
        signature_required=signature_required,
        enclosures=enclosures,
        expires=timezone.localdate(application.expires_at),
    )
