"""The 領収書 (payment receipt): an A4 PDF sealed by the city, for a paid fee.

Drawn with reportlab in the receipts' IPAex fonts (``documents.pdf.ensure_fonts``) and
tagged like the 受付証 (``documents.tagging``), then sealed (PAdES, timestamped) with the
city's seal by ``documents.signing.seal_pdf``, the function that seals the 受付証. The
embedded evidence (``madoguchi-evidence.json``) names the payment, never the payer: ids,
amounts and dates only.

Layout, as a city's 領収書 reads: 領収書 and its number, the payer 「… 様」, 「金 X 円也」,
但し書き (the procedure's 手数料), 「上記正に領収いたしました」, the lines with their tax
class, the breakdown by tax rate (インボイス style: per rate, the amount and the tax it
includes, rounded down once per rate), when and how it was paid, the issuer. A refunded
payment's 領収書 is stamped 返金済.

Not stored: made on each download (the payment does not change once paid, but the seal's
timestamp does; the 領収書番号 is the same every time).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import rfc8785
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer, TableStyle

from madoguchi.documents import seal, signing, tagging, tsa
from madoguchi.documents.pdf import BLUE, FAINT, GOTHIC, INK, LINE, MINCHO, MUTED, ensure_fonts
from madoguchi.forms.fees import included_tax
from madoguchi.jp.wareki import format_wareki
from madoguchi.submissions import fee_display

from .models import Payment
from .resident_panel import method_label
from .states import PaymentStatus

__all__ = ["EVIDENCE_FORMAT", "ReceiptContent", "content_of", "receipt_pdf", "render"]

EVIDENCE_FORMAT = "madoguchi-payment-receipt/1"
MARGIN = 18 * mm
PAGE_WIDTH, PAGE_HEIGHT = A4
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
RED = colors.HexColor("#ec0000")


@dataclass(frozen=True)
class ReceiptContent:
    """Everything the page says, already in the payer's language."""

    language: str
    serial: str
    municipality: str
    department: str
    payer: str
    total: str
    purpose: str
    # (label, price × quantity, amount, tax class)
    lines: list[tuple[str, str, str, str]]
    # (rate class, amount, included tax): one row per rate, 非課税 last.
    breakdown: list[tuple[str, str, str]]
    paid_wareki: str
    paid_western: str
    method: str
    provider_reference: str
    receipt_number: str
    issued: str
    refunded: str = ""
    notes: list[str] = field(default_factory=list)


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
    "title": _style("title", fontName=GOTHIC, fontSize=26, leading=32, alignment=1),
    "right": _style("right", fontName=GOTHIC, fontSize=10, leading=14, alignment=2),
    "payer": _style("payer", fontName=MINCHO, fontSize=16, leading=22),
    "total": _style("total", fontName=GOTHIC, fontSize=22, leading=30, alignment=1),
    "value": _style("value"),
    "label": _style("label", fontName=GOTHIC, fontSize=9, leading=13),
    "heading": _style(
        "heading", fontName=GOTHIC, fontSize=12, leading=16, textColor=BLUE, keepWithNext=1
    ),
    "issuer": _style("issuer", fontName=GOTHIC, fontSize=12, leading=17, alignment=2),
    "small": _style("small", fontName=GOTHIC, fontSize=7.5, leading=10.5, textColor=MUTED),
    "refunded": _style(
        "refunded", fontName=GOTHIC, fontSize=20, leading=26, textColor=RED, alignment=1
    ),
}


def _p(text: str, style: str) -> tagging.TaggedParagraph:
    return tagging.TaggedParagraph(escape(text).replace("\n", "<br/>"), STYLES[style])


def _dates(moment: datetime, language: str) -> tuple[str, str]:
    local = timezone.localtime(moment)
    if language.startswith("en"):
        return (
            f"{format_wareki(local.date(), style='english')} {local:%H:%M} JST",
            format_wareki(local.date()),
        )
    return (
        f"{format_wareki(local.date())} {local.hour}時{local.minute:02d}分",
        f"{local.year}年{local.month}月{local.day}日",
    )


def _tax_class(line: dict[str, Any]) -> str:
    if not line.get("taxable"):
        return _("Not taxable")
    return _("%(rate)s%% rate") % {"rate": line.get("tax_rate", 10)}


def _breakdown(lines: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Per tax rate: the amount and the tax it includes, rounded down once per rate
    (the適格請求書 rule), then the untaxed amount."""
    by_rate: dict[int, int] = {}
    untaxed = 0
    for line in lines:
        amount = int(line.get("amount", 0))
        if line.get("taxable"):
            rate = int(line.get("tax_rate", 10))
            by_rate[rate] = by_rate.get(rate, 0) + amount
        else:
            untaxed += amount
    rows = [
        (
            _("%(rate)s%% rate") % {"rate": rate},
            fee_display.yen(amount),
            _("of which consumption tax %(tax)s")
            % {"tax": fee_display.yen(included_tax(amount, rate))},
        )
        for rate, amount in sorted(by_rate.items(), reverse=True)
    ]
    if untaxed or not rows:
        rows.append((_("Not taxable"), fee_display.yen(untaxed), ""))
    return rows


def content_of(payment: Payment) -> ReceiptContent:
    """The 領収書's texts for a paid payment; call inside the payer's language."""
    language = translation.get_language() or "ja"
    submission = payment.submission
    schema = submission.form_version.schema
    lines = [line for line in payment.lines if isinstance(line, dict)]
    rows = fee_display.line_rows(lines)
    paid_at = payment.paid_at or payment.created_at
    paid, paid_other = _dates(paid_at, language)
    refunded = ""
    if payment.status == PaymentStatus.REFUNDED:
        when = payment.refunded_at or timezone.now()
        refunded = _("Refunded on %(date)s") % {"date": _dates(when, language)[0]}
    notes = []
    if seal.uses_test_seal():
        notes.append(
            _(
                "This payment receipt is sealed with a test certificate of a development "
                "system and has no official effect."
            )
        )
    payer = submission.applicant_name.strip()
    return ReceiptContent(
        language=language,
        serial=payment.receipt_serial or "",
        municipality=submission.municipality.localized_name(language),
        department=submission.department.localized_name(language),
        payer=(_("%(name)s (Mr/Ms)") % {"name": payer}) if payer else _("(Mr/Ms)"),
        total=_("The sum of %(amount)s yen") % {"amount": f"{payment.amount:,}"},
        purpose=_("For: the fee for %(procedure)s") % {"procedure": schema.title.get(language)},
        lines=[
            (row.label, row.quantity, row.amount, _tax_class(line))
            for row, line in zip(rows, lines, strict=True)
        ],
        breakdown=_breakdown(lines),
        paid_wareki=paid,
        paid_western=paid_other,
        method=method_label(payment.method),
        provider_reference=payment.provider_reference or "—",
        receipt_number=submission.receipt_number,
        issued=format_wareki(
            timezone.localdate(), style="english" if language == "en" else "kanji"
        ),
        refunded=refunded,
        notes=notes,
    )


def _table(data: list[list[Any]], widths: list[float], *, header_rows: int = 0) -> Flowable:
    table = tagging.TaggedTable(
        data,
        colWidths=widths,
        renderCB=tagging.table_structure(header_rows=header_rows, header_cols=1),
    )
    commands: list[Any] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, INK),
        ("INNERGRID", (0, 0), (-1, -1), 0.4, LINE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
    ]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), FAINT))
    else:
        commands.append(("BACKGROUND", (0, 0), (0, -1), FAINT))
    table.setStyle(TableStyle(commands))
    return table


def story(content: ReceiptContent) -> list[Flowable]:
    flowables: list[Flowable] = [
        _p(_("No. %(serial)s") % {"serial": content.serial}, "right"),
        _p(_("Issued on %(date)s") % {"date": content.issued}, "right"),
        Spacer(0, 4 * mm),
        _p(_("Payment receipt"), "title"),
        Spacer(0, 8 * mm),
        _p(content.payer, "payer"),
        Spacer(0, 6 * mm),
    ]
    total = _table([[_p(content.total, "total")]], [CONTENT_WIDTH])
    flowables += [total, Spacer(0, 3 * mm), _p(content.purpose, "value")]
    flowables += [_p(_("Received with thanks as stated above."), "value"), Spacer(0, 4 * mm)]
    if content.refunded:
        flowables += [_p(content.refunded, "refunded"), Spacer(0, 3 * mm)]
    widths = [CONTENT_WIDTH - 110 * mm, 40 * mm, 35 * mm, 35 * mm]
    header = [
        _p(_("Item"), "label"),
        _p(_("Price × quantity"), "label"),
        _p(_("Amount"), "label"),
        _p(_("Tax class"), "label"),
    ]
    body = [
        [_p(label, "value"), _p(quantity or "—", "value"), _p(amount, "value"), _p(tax, "value")]
        for label, quantity, amount, tax in content.lines
    ]
    flowables += [
        _p(_("Breakdown"), "heading"),
        Spacer(0, 2 * mm),
        _table([header, *body], widths, header_rows=1),
        Spacer(0, 3 * mm),
    ]
    breakdown = [
        [_p(rate, "label"), _p(amount, "value"), _p(tax, "value")]
        for rate, amount, tax in content.breakdown
    ]
    flowables += [
        _table(breakdown, [CONTENT_WIDTH - 110 * mm, 40 * mm, 70 * mm]),
        Spacer(0, 5 * mm),
    ]
    facts = [
        (_("Paid on"), f"{content.paid_wareki}\n{content.paid_western}"),
        (_("Payment method"), content.method),
        (_("Payment reference"), content.provider_reference),
        (_("Receipt number of the application"), content.receipt_number),
    ]
    flowables += [
        _table(
            [[_p(label, "label"), _p(value, "value")] for label, value in facts],
            [48 * mm, CONTENT_WIDTH - 48 * mm],
        ),
        Spacer(0, 8 * mm),
        _p(content.municipality, "issuer"),
        _p(content.department, "right"),
        Spacer(0, 6 * mm),
        *[_p(note, "small") for note in content.notes],
        _p(
            _(
                "This receipt carries the electronic seal of %(city)s. If anything in it "
                "is changed, the seal no longer matches."
            )
            % {"city": content.municipality},
            "small",
        ),
    ]
    return flowables


def render(content: ReceiptContent) -> bytes:
    """The unsigned, tagged 領収書."""
    ensure_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{_('Payment receipt')} {content.serial}",
        author=content.municipality,
        subject=content.purpose,
        creator="Madoguchi",
        lang=content.language,
    )

    def frame(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        with tagging.artifact(canvas):
            canvas.setStrokeColor(BLUE)
            canvas.setLineWidth(2)
            canvas.line(
                MARGIN,
                PAGE_HEIGHT - MARGIN + 3 * mm,
                PAGE_WIDTH - MARGIN,
                PAGE_HEIGHT - MARGIN + 3 * mm,
            )
        canvas.restoreState()

    with tagging.collecting() as tags:
        document.build(story(content), onFirstPage=frame, onLaterPages=frame)
    return tagging.add_structure(buffer.getvalue(), tags)


def _evidence(payment: Payment) -> bytes:
    """What the seal vouches for, without the payer: canonical JSON (RFC 8785)."""
    submission = payment.submission
    return bytes(
        rfc8785.dumps(
            {
                "format": EVIDENCE_FORMAT,
                "receipt_serial": payment.receipt_serial or "",
                "payment": str(payment.public_id),
                "submission": str(submission.public_id),
                "receipt_number": submission.receipt_number,
                "municipality": {"lg_code": submission.municipality.lg_code},
                "amount": payment.amount,
                "currency": payment.currency,
                "tax": payment.tax,
                "lines": [
                    {k: line.get(k) for k in ("key", "amount", "quantity", "taxable", "tax_rate")}
                    for line in payment.lines
                    if isinstance(line, dict)
                ],
                "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
                "provider_reference": payment.provider_reference,
                "status": payment.status,
            }
        )
    )


def receipt_pdf(payment: Payment) -> bytes:
    """The sealed 領収書 of a paid (or refunded) payment, in the applicant's language."""
    if (
        payment.status
        not in (
            PaymentStatus.PAID,
            PaymentStatus.REFUNDING,
            PaymentStatus.REFUNDED,
        )
        or not payment.receipt_serial
    ):
        raise ValueError(f"payment {payment.public_id} has no receipt (status {payment.status})")
    submission = payment.submission
    language = submission.language or "ja"
    credential = seal.seal_for(submission.municipality)
    with translation.override(language):
        unsigned = render(content_of(payment))
        return signing.seal_pdf(
            unsigned,
            evidence=_evidence(payment),
            credential=credential,
            timestamper=tsa.timestamper(),
            reason=_("Payment receipt %(serial)s") % {"serial": payment.receipt_serial},
            location=submission.municipality.localized_name(language),
        )
