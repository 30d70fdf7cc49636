"""The receipt's layout: an A4 page the way a city office would print it (reportlab).

Japanese needs a CJK font embedded in the PDF; the IPAex fonts (Gothic for headings and
labels, Mincho for the answers, as official documents set them) come from Debian's
``fonts-ipaexfont-gothic`` and ``fonts-ipaexfont-mincho``, or from the paths in
``MADOGUCHI_PDF_FONTS``. reportlab embeds only the glyphs used, so a receipt stays small.

This module only draws: every text arrives in :class:`ReceiptContent`, already
translated into the submission's language. Labels are translated here, so callers
render inside ``translation.override(language)``.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from . import tagging
from .tagging import TaggedParagraph as Paragraph  # every paragraph is tagged
from .tagging import TaggedTable as Table

__all__ = ["AnswerBlock", "FontsMissing", "ReceiptContent", "render_receipt", "story"]

DEFAULT_FONTS = {
    "gothic": "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "mincho": "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
}
GOTHIC, MINCHO = "MadoguchiGothic", "MadoguchiMincho"

# Digital Agency Design System colours: text, borders, the blue of primary elements.
INK = colors.HexColor("#1a1a1c")
MUTED = colors.HexColor("#595959")
LINE = colors.HexColor("#949497")
FAINT = colors.HexColor("#f1f1f4")
BLUE = colors.HexColor("#0031d8")

MARGIN = 18 * mm
PAGE_WIDTH, PAGE_HEIGHT = A4
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN


class FontsMissing(ImproperlyConfigured):
    """The CJK fonts a receipt needs are not installed."""


@dataclass(frozen=True)
class AnswerBlock:
    title: str
    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class ReceiptContent:
    """Everything the page says, already in the submission's language."""

    language: str
    municipality: str
    department: str
    department_phone: str
    procedure: str
    receipt_number: str
    submitted_wareki: str
    submitted_western: str
    channel: str
    identity: str
    answers: Sequence[AnswerBlock]
    document_sha256: str
    signature: str
    ledger: str
    reference_url: str
    trust_url: str
    issued_wareki: str
    seal_name: str
    notes: Sequence[str] = field(default_factory=tuple)


@functools.cache
def _register_fonts(gothic: str, mincho: str) -> None:
    for name, path in ((GOTHIC, gothic), (MINCHO, mincho)):
        if not Path(path).is_file():
            raise FontsMissing(
                f"The font {path} is missing. Install the Debian packages "
                "fonts-ipaexfont-gothic and fonts-ipaexfont-mincho, or set "
                "MADOGUCHI_PDF_FONTS to {'gothic': ..., 'mincho': ...} TrueType paths."
            )
        pdfmetrics.registerFont(TTFont(name, path))


def ensure_fonts() -> None:
    """Register the fonts once per process; raises FontsMissing naming the package."""
    fonts = DEFAULT_FONTS | dict(getattr(settings, "MADOGUCHI_PDF_FONTS", None) or {})
    _register_fonts(fonts["gothic"], fonts["mincho"])


def _style(name: str, **kwargs: Any) -> ParagraphStyle:
    base: dict[str, Any] = {
        "fontName": MINCHO,
        "fontSize": 9.5,
        "leading": 13,
        "textColor": INK,
        "wordWrap": "CJK",  # break anywhere between CJK characters, as Japanese does
    }
    return ParagraphStyle(name, **(base | kwargs))


STYLES = {
    "city": _style("city", fontName=GOTHIC, fontSize=11, leading=14, textColor=MUTED),
    "title": _style("title", fontName=GOTHIC, fontSize=22, leading=28),
    "subtitle": _style("subtitle", fontName=GOTHIC, fontSize=10, leading=14, textColor=MUTED),
    "number_label": _style("number_label", fontName=GOTHIC, fontSize=10, textColor=MUTED),
    "number": _style("number", fontName=GOTHIC, fontSize=24, leading=30, wordWrap=None),
    "label": _style("label", fontName=GOTHIC, fontSize=9, leading=13),
    "value": _style("value"),
    "heading": _style(
        "heading", fontName=GOTHIC, fontSize=12, leading=16, textColor=BLUE, keepWithNext=1
    ),
    "section": _style("section", fontName=GOTHIC, fontSize=9.5, leading=13),
    "small": _style("small", fontName=GOTHIC, fontSize=7.5, leading=10.5, textColor=MUTED),
    "mono": _style("mono", fontName="Courier", fontSize=7.5, leading=10, wordWrap=None),
    "issued": _style("issued", fontName=GOTHIC, fontSize=10, leading=14, alignment=2),
    "auditors": _style(
        "auditors", fontName=GOTHIC, fontSize=10, leading=14, textColor=MUTED, keepWithNext=1
    ),
}


def _p(text: str, style: str) -> Paragraph:
    """A paragraph of plain text: escaped, line breaks kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), STYLES[style])


class QRCode(tagging.Figure, Flowable):
    """A QR code drawn as vector squares (sharp at any print resolution)."""

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        self.alt = _("QR code that opens the reference page of this receipt: %(url)s") % {
            "url": data
        }
        self.qr = segno.make(data, error="m", micro=False)
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        matrix = [list(row) for row in self.qr.matrix_iter(border=4)]
        module = self.size / len(matrix)
        canvas = self.canv
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    top = self.size - (y + 1) * module
                    # A hair of overlap so no white seams show between modules.
                    canvas.rect(x * module, top, module + 0.05, module + 0.05, stroke=0, fill=1)


def _key_value_table(rows: Sequence[tuple[str, str]], *, label_width: float) -> Table:
    table = Table(
        [[_p(label, "label"), _p(value, "value")] for label, value in rows],
        colWidths=[label_width, CONTENT_WIDTH - label_width],
        renderCB=tagging.table_structure(header_cols=1),
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), FAINT),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, INK),
                ("INNERGRID", (0, 0), (-1, -1), 0.4, LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _header(content: ReceiptContent) -> list[Flowable]:
    qr_size = 30 * mm
    left = [
        Spacer(0, 1 * mm),
        _p(_("Receipt of application"), "title"),
        _p(_("This certifies that the application below was received."), "subtitle"),
        Spacer(0, 5 * mm),
        _p(_("Receipt number"), "number_label"),
        _p(content.receipt_number, "number"),
    ]
    caption = _p(_("Receipt reference"), "small")
    caption.style = ParagraphStyle("qrcap", parent=STYLES["small"], alignment=1)
    header = Table(
        [[left, [QRCode(content.reference_url, qr_size), caption]]],
        colWidths=[CONTENT_WIDTH - qr_size - 4 * mm, qr_size + 4 * mm],
    )
    header.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 2, BLUE),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * mm),
            ]
        )
    )
    issued = Table(
        [
            [
                _p(content.municipality, "city"),
                _p(_("Issued on %(date)s") % {"date": content.issued_wareki}, "issued"),
            ]
        ],
        colWidths=[CONTENT_WIDTH / 2, CONTENT_WIDTH / 2],
    )
    issued.setStyle(
        TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
    )
    return [issued, Spacer(0, 1 * mm), header, Spacer(0, 4 * mm)]


def _summary(content: ReceiptContent) -> list[Flowable]:
    rows = [
        (_("Procedure"), content.procedure),
        (_("Received on"), f"{content.submitted_wareki}\n{content.submitted_western}"),
        (_("How it was sent"), content.channel),
        (_("Identity assurance"), content.identity),
        (
            _("Department"),
            f"{content.department}  {content.department_phone}".strip(),
        ),
    ]
    return [_key_value_table(rows, label_width=34 * mm), Spacer(0, 5 * mm)]


def _answers(content: ReceiptContent) -> list[Flowable]:
    flowables: list[Flowable] = [_p(_("What you applied for"), "heading"), Spacer(0, 2 * mm)]
    label_width = 52 * mm
    for block in content.answers:
        data: list[list[Any]] = [[_p(block.title, "section"), ""]]
        data += [[_p(label, "label"), _p(value, "value")] for label, value in block.rows]
        table = Table(
            data,
            colWidths=[label_width, CONTENT_WIDTH - label_width],
            repeatRows=1,
            renderCB=tagging.table_structure(header_rows=1, header_cols=1),
        )
        table.setStyle(
            TableStyle(
                [
                    ("SPAN", (0, 0), (-1, 0)),
                    ("BACKGROUND", (0, 0), (-1, 0), FAINT),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
                    ("TOPPADDING", (0, 0), (-1, -1), 3.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4.5),
                    ("LEFTPADDING", (0, 0), (-1, -1), 6),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        flowables += [table, Spacer(0, 3 * mm)]
    if not content.answers:
        flowables.append(_p(_("No answers."), "value"))
    return flowables


def _about(content: ReceiptContent) -> list[Flowable]:
    """What the seal means, in plain words, for the resident who reads the receipt."""
    paragraphs = [
        _(
            "This receipt carries the electronic seal of %(city)s and the time it was "
            "issued. If anything in it is changed, the seal no longer matches, so anyone "
            "can check that it is the receipt the city issued."
        )
        % {"city": content.municipality},
        _(
            "To check it, open this file in a PDF reader that shows signatures (for example "
            "Adobe Acrobat Reader). Keep this file: it is your proof of application."
        ),
        *content.notes,
    ]
    return [
        _p(_("About this receipt"), "heading"),
        Spacer(0, 1.5 * mm),
        *[_p(text, "value") for text in paragraphs],
        Spacer(0, 5 * mm),
    ]


def _for_auditors(content: ReceiptContent) -> list[Flowable]:
    """The technical evidence, set apart under its own heading and rule."""
    rows = [
        [_p(_("Application data (SHA-256)"), "label"), _p(content.document_sha256, "mono")],
        [_p(_("Electronic signature"), "label"), _p(content.signature, "value")],
        [_p(_("City seal"), "label"), _p(content.seal_name, "value")],
        [_p(_("Audit ledger"), "label"), _p(content.ledger, "value")],
    ]
    table = Table(
        rows,
        colWidths=[44 * mm, CONTENT_WIDTH - 44 * mm],
        renderCB=tagging.table_structure(header_cols=1),
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.6, LINE),
                ("INNERGRID", (0, 0), (-1, -1), 0.3, LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    rule = Table([[""]], colWidths=[CONTENT_WIDTH], rowHeights=[1])
    rule.setStyle(TableStyle([("LINEABOVE", (0, 0), (-1, 0), 0.8, LINE)]))
    # The heading stays with the table (keepWithNext); the table itself may split.
    return [
        rule,
        Spacer(0, 2 * mm),
        _p(_("Technical details for auditors"), "auditors"),
        _p(
            _(
                "You do not need these to use this receipt. Auditors can check them "
                "without our servers: see %(trust)s."
            )
            % {"trust": content.trust_url},
            "small",
        ),
        Spacer(0, 2 * mm),
        table,
    ]


def _footer(content: ReceiptContent) -> Any:
    """The running footer: repeated on every page, so an artifact, not text."""

    def draw(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        with tagging.artifact(canvas):
            canvas.setStrokeColor(LINE)
            canvas.setLineWidth(0.4)
            canvas.line(MARGIN, MARGIN + 2 * mm, PAGE_WIDTH - MARGIN, MARGIN + 2 * mm)
            canvas.setFont(GOTHIC, 7.5)
            canvas.setFillColor(MUTED)
            canvas.drawString(
                MARGIN, MARGIN - 2 * mm, f"{_('Receipt number')} {content.receipt_number}"
            )
            canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 2 * mm, f"{document.page}")
        canvas.restoreState()

    return draw


def story(content: ReceiptContent) -> list[Flowable]:
    """The page's content in reading order: the resident's part, then the auditors'."""
    return [
        *_header(content),
        *_summary(content),
        *_answers(content),
        *_about(content),
        *_for_auditors(content),
    ]


def render_receipt(content: ReceiptContent) -> bytes:
    """The unsigned receipt PDF, tagged (see :mod:`.tagging`)."""
    ensure_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        # Room for the footer on every page.
        bottomMargin=MARGIN + 6 * mm,
        title=f"{_('Receipt of application')} {content.receipt_number}",
        author=content.municipality,
        subject=content.procedure,
        creator="Madoguchi",
        lang=content.language,
    )
    footer = _footer(content)
    with tagging.collecting() as tags:
        document.build(story(content), onFirstPage=footer, onLaterPages=footer)
    return tagging.add_structure(buffer.getvalue(), tags)
