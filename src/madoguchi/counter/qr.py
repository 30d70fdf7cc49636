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


def _code(reference: str) -> segno.QRCode:
    return segno.make_qr(references.payload(reference), error="m")


def svg(reference: str, *, label: str) -> str:
    """An inline ``<svg>`` that scales to its box (CSS sets the size), named ``label``."""
    markup = _code(reference).svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="prereg-qr-svg"
    )
    safe = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return markup.replace("<svg ", f'<svg role="img" aria-label="{safe}" ', 1)


def png(reference: str) -> bytes:
    """A PNG of the code with the reference written under it (digits and Latin letters
    only, so no font with kana is needed): what the clerk types if the scan fails."""
    buffer = io.BytesIO()
    _code(reference).save(buffer, kind="png", scale=12, border=4, dark="#000", light="#fff")
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    margin = 24
    font = ImageFont.load_default(size=48)
    text = references.grouped(reference)
    left, top, right, bottom = (int(v) for v in font.getbbox(text))
    width = max(code.width, right - left + 2 * margin)
    height = code.height + (bottom - top) + 2 * margin
    image = Image.new("RGB", (width, height), "white")
    image.paste(code, ((width - code.width) // 2, 0))
    draw = ImageDraw.Draw(image)
    draw.text(
        ((width - (right - left)) // 2 - left, code.height + margin - top),
        text,
        fill="black",
        font=font,
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
