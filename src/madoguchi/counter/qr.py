"""The pre-registration's QR code as the resident's page shows it (inline SVG) and saves
it (a PNG for a phone's photo album or wallet), made on the server with segno.

Always a full QR code (never a Micro QR, which USB scanners often do not read), level M,
black on white with the 4-module quiet zone the standard asks for, so it reads well on a
phone screen at full brightness and printed.
"""

from __future__ import annotations

import io

import segno
from PIL import Image, ImageDraw, ImageFont

from . import reference as references


def _code(text: str) -> segno.QRCode:
    return segno.make_qr(text, error="m")


def svg(reference: str, *, label: str) -> str:
    """An inline ``<svg>`` that scales to its box (CSS sets the size), named ``label``."""
    return svg_of(references.payload(reference), label=label)


def png(reference: str) -> bytes:
    """A PNG of the code with the reference written under it (digits and Latin letters
    only, so no font with kana is needed): what the clerk types if the scan fails."""
    return png_of(references.payload(reference), caption=references.grouped(reference))


def svg_of(text: str, *, label: str) -> str:
    """:func:`svg` for any code text (the booking's ``MDR1`` code uses it too)."""
    markup = _code(text).svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="prereg-qr-svg"
    )
    safe = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return markup.replace("<svg ", f'<svg role="img" aria-label="{safe}" ', 1)


def png_of(text: str, *, caption: str) -> bytes:
    """:func:`png` for any code text, with ``caption`` (ASCII) written under the code."""
    buffer = io.BytesIO()
    _code(text).save(buffer, kind="png", scale=12, border=4, dark="#000", light="#fff")
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    margin = 24
    font = ImageFont.load_default(size=48)
    left, top, right, bottom = (int(v) for v in font.getbbox(caption))
    width = max(code.width, right - left + 2 * margin)
    height = code.height + (bottom - top) + 2 * margin
    image = Image.new("RGB", (width, height), "white")
    image.paste(code, ((width - code.width) // 2, 0))
    draw = ImageDraw.Draw(image)
    draw.text(
        ((width - (right - left)) // 2 - left, code.height + margin - top),
        caption,
        fill="black",
        font=font,
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
