"""A face photo for an ID card, taken with the tablet's or phone's camera or uploaded.

A photo is a file question (its answer is the stored file's metadata, as for ``file``)
whose file must also be a usable My Number Card photo, as the online card application
(J-LIS) asks for one: JPEG or PNG as Pillow reads the bytes (never the name), 20 KB to
7 MB, at least 480 × 640 pixels and at most 6000 on a side, portrait with the card's
4.5 : 3.5 shape within :data:`SHAPE_TOLERANCE`. The photo is turned upright by its EXIF
orientation, then re-encoded with no metadata at all, so no camera data (above all the GPS
position a phone writes) is ever stored. Each refusal says what to do; the upload service
keeps the other answers of the page, as for any file.
"""

from __future__ import annotations

import io
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from ..schema import PhotoField
from .base import (
    CellRenderer,
    EditorProp,
    ExportCells,
    FieldInvalid,
    FieldType,
    Widget,
    label_of,
)
from .file import File
from .registry import register

PHOTO_TYPES = [("image/jpeg", "JPEG"), ("image/png", "PNG")]
MIN_BYTES = 20 * 1024
MIN_WIDTH = 480
MIN_HEIGHT = 640
MAX_SIDE = 6000
# The card's photo is 4.5 cm high and 3.5 cm wide. J-LIS publishes no tolerance for a
# file's shape (its site crops); ours is ±10 %, which takes a 3 : 4 camera picture
# (1.33) and refuses a 2 : 3 (1.5) or 9 : 16 one (1.78), which need cropping.
SHAPE = 4.5 / 3.5
SHAPE_TOLERANCE = 0.10
JPEG_QUALITY = 92
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
# EXIF orientations 5 to 8 turn the picture a quarter: the stored width is its height.
_QUARTER_TURNS = {5, 6, 7, 8}
_ORIENTATION_TAG = 0x0112


def _unreadable() -> FieldInvalid:
    return FieldInvalid(
        _(
            "The photo could not be read as a JPEG or PNG image. Take the photo again, or "
            "choose a JPEG or PNG file."
        )
    )


def _upright_size(image: Image.Image) -> tuple[int, int]:
    """Width and height as the photo is seen, after its EXIF orientation, before decoding."""
    try:
        orientation = image.getexif().get(_ORIENTATION_TAG)
    except Exception:  # a damaged EXIF block: the orientation is unknown, not a refusal
        orientation = None
    width, height = image.size
    return (height, width) if orientation in _QUARTER_TURNS else (width, height)


def check_shape(width: int, height: int) -> None:
    """Refuse a photo whose pixel size or shape cannot make a card photo."""
    size = {"width": width, "height": height}
    if width > MAX_SIDE or height > MAX_SIDE:
        raise FieldInvalid(
            _(
                "The photo is too large (%(width)d × %(height)d pixels). Use a photo of at "
                "most 6000 pixels on each side."
            )
            % size
        )
    if width >= height:
        raise FieldInvalid(
            _(
                "The photo is landscape (%(width)d × %(height)d pixels). Take it in portrait: "
                "taller than wide, 4.5 high to 3.5 wide."
            )
            % size
        )
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise FieldInvalid(
            _(
                "The photo is too small (%(width)d × %(height)d pixels). Use a photo at least "
                "480 pixels wide and 640 pixels tall."
            )
            % size
        )
    if abs(height / width / SHAPE - 1) > SHAPE_TOLERANCE:
        raise FieldInvalid(
            _(
                "The photo's shape is too far from 4.5 high to 3.5 wide (now %(width)d × "
                "%(height)d pixels). Crop it to that shape, or take it again in portrait."
            )
            % size
        )


def _storable(image: Image.Image, image_format: str) -> Image.Image:
    """The pixels in a mode the format stores: grey or RGB (a card photo is never CMYK);
    a transparent PNG is laid on white."""
    if image.mode in ("L", "RGB"):
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("L" if image.mode in ("1", "I;16", "I") else "RGB")


def clean_photo(data: bytes) -> bytes:
    """The photo re-encoded upright and without metadata, or :class:`FieldInvalid`.

    ``data`` is at most the question's ``max_size_mb`` (the upload service checked it).
    The result has the format of the original (a JPEG stays a JPEG).
    """
    if len(data) < MIN_BYTES:
        raise FieldInvalid(
            _(
                "The photo file is too small (%(size)d KB): it would print blurred. Use a "
                "photo of at least 20 KB; take it again at full quality."
            )
            % {"size": len(data) // 1024}
        )
    try:
        with Image.open(io.BytesIO(data), formats=list(_FORMATS)) as opened:
            image_format = str(opened.format)
            # Checked before decoding: the header's size bounds the memory decoding takes.
            check_shape(*_upright_size(opened))
            opened.load()
            upright = ImageOps.exif_transpose(opened)
    except FieldInvalid:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        raise _unreadable() from error
    except Exception as error:  # hostile bytes: any failure of the decoder is "unreadable"
        raise _unreadable() from error
    clean = _storable(upright, image_format).copy()
    # Nothing travels from the original: no EXIF (GPS, camera, time), ICC, XMP or text.
    clean.info = {}
    out = io.BytesIO()
    if image_format == "JPEG":
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


# The answer is a file's, and reads, shows and exports as one.
_FILE = File()


@register
class Photo(FieldType[PhotoField]):
    name = "photo"
    model = PhotoField
    display_name = pgettext_lazy("field type", "Photo (ID)")
    template_name = "forms/fields/photo.html"
    takes_prefill = False
    editor_props = (
        EditorProp("max_size_mb", "number", gettext_lazy("Largest file (MB, up to 7)")),
        EditorProp("accept", "multi", gettext_lazy("Accepted file types"), "", list(PHOTO_TYPES)),
    )

    def missing_message(self, form_field: PhotoField) -> str:
        return _("Take or attach a photo for “%(label)s”.") % {"label": label_of(form_field)}

    def clean(self, form_field: PhotoField, value: Any) -> list[Any]:
        return _FILE.clean(form_field, value)

    def display(self, form_field: PhotoField, value: Any, *, language: str) -> str:
        return _FILE.display(form_field, value, language=language)

    def export_renderer(self, form_field: PhotoField, cells: ExportCells) -> CellRenderer:
        return _FILE.export_renderer(form_field, cells)

    def widget(
        self, form_field: PhotoField, *, value: Any, language: str, locked_keys: frozenset[str]
    ) -> Widget:
        return Widget(
            extra={
                "accept": ",".join(form_field.accept),
                "max_size_mb": f"{form_field.max_size_mb:g}",
                "kinds": " / ".join(
                    label for kind, label in PHOTO_TYPES if kind in form_field.accept
                ),
            }
        )

    def rewrite_upload(self, form_field: PhotoField, upload: IO[bytes]) -> bytes:
        upload.seek(0)
        try:
            return clean_photo(upload.read())
        finally:
            upload.seek(0)
