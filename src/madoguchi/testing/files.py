"""Real files for upload tests: PDFs, PNGs and JPEGs that parse, and the EICAR test string.

Uploads are checked with real parsers (submissions.filetypes), so tests attach files a
real parser reads, made here with reportlab and Pillow.
"""

from __future__ import annotations

import io

from PIL import Image
from reportlab.pdfgen import canvas

# The EICAR anti-virus test file, built from two halves so that this source file is not
# itself reported by a scanner on a developer's machine.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" + b"-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def pdf_bytes(text: str = "receipt", *, comment: bytes = b"") -> bytes:
    """A one-page PDF, with ``comment`` as a comment line at its end."""
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, invariant=True)
    document.drawString(72, 720, text)
    document.showPage()
    document.save()
    # A comment after %%EOF: readers ignore it, byte scanners (clamd) see it.
    return buffer.getvalue() + (b"%" + comment + b"\n" if comment else b"")


def png_bytes(
    size: tuple[int, int] = (4, 3), colour: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(
    size: tuple[int, int] = (16, 16), colour: tuple[int, int, int] = (30, 30, 200)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()
