"""What an uploaded file really is, from its bytes: the browser's claim and the name are not
trusted, and neither are the first bytes alone.

A file is of a type when it starts with that type's magic number *and* its structure reads
as that type with a real parser: pyHanko's PDF reader (cross-reference table, trailer,
catalogue, page tree) and Pillow (the PNG chunks with their CRCs to IEND, the JPEG's entropy
coded data decoded at 1/8 scale). ``%PDF-`` followed by HTML, or a JPEG header in front of
a script, is not a PDF or a JPEG.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import IO

from PIL import Image, UnidentifiedImageError
from pyhanko.pdf_utils.reader import PdfFileReader

MAGIC: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
# A 5 MB PNG can declare billions of pixels; a photo of a document needs far fewer.
MAX_IMAGE_PIXELS = 50_000_000


class Verdict(enum.Enum):
    OK = "ok"
    # The first bytes are of no accepted type.
    WRONG_TYPE = "wrong_type"
    # It starts like an accepted type but does not read as one (damaged, or disguised).
    DAMAGED = "damaged"


def sniff(head: bytes, accepted: Iterable[str]) -> str | None:
    """The accepted type whose magic number ``head`` starts with."""
    for content_type in accepted:
        if any(head.startswith(magic) for magic in MAGIC.get(content_type, ())):
            return content_type
    return None


def _reads_as_pdf(handle: IO[bytes]) -> bool:
    try:
        reader = PdfFileReader(handle, strict=False)
        pages = reader.root["/Pages"]
        return int(pages["/Count"]) >= 1 and pages["/Kids"] is not None
    # A parser fed hostile bytes can fail in many ways; any failure means "not a PDF".
    except Exception:
        return False


def _reads_as_image(handle: IO[bytes], content_type: str) -> bool:
    try:
        with Image.open(handle, formats=[_PILLOW_FORMATS[content_type]]) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                return False
            if content_type == "image/png":
                # Checks every chunk's CRC up to IEND without decoding the pixels.
                image.verify()
            else:
                # Decoding at 1/8 scale walks all the entropy-coded data cheaply; a cut or
                # forged stream raises instead of returning grey pixels.
                image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()
        return True
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError):
        return False
    except Exception:  # hostile bytes: any failure of the decoder means "not this type"
        return False


def detect(handle: IO[bytes], accepted: Iterable[str]) -> tuple[Verdict, str | None]:
    """The verdict on a file and, unless it is WRONG_TYPE, the type it starts as.

    ``handle`` is read from the start and left at the start.
    """
    handle.seek(0)
    head = handle.read(16)
    handle.seek(0)
    content_type = sniff(head, accepted)
    if content_type is None:
        return Verdict.WRONG_TYPE, None
    try:
        if content_type == "application/pdf":
            ok = _reads_as_pdf(handle)
        else:
            ok = _reads_as_image(handle, content_type)
    finally:
        handle.seek(0)
    return (Verdict.OK if ok else Verdict.DAMAGED), content_type
