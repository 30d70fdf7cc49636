"""The photo question: each check of a card photo, and the re-encoding that drops metadata.

Images are made here with Pillow; noise makes a file of a real photo's size.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from PIL import ExifTags, Image
from pydantic import ValidationError

from madoguchi.forms import fieldtypes, rendering
from madoguchi.forms.fieldtypes.base import FieldInvalid
from madoguchi.forms.fieldtypes.photo import clean_photo
from madoguchi.forms.schema import FileField, PhotoField, Step

GPS_LATITUDE = (36.0, 18.0, 7.0)


def photo(
    size: tuple[int, int] = (525, 675),
    *,
    image_format: str = "JPEG",
    mode: str = "RGB",
    exif: Image.Exif | None = None,
) -> bytes:
    """A noisy picture (as large in bytes as a real photo) of ``size`` pixels."""
    image = Image.effect_noise(size, 60).convert(mode)
    buffer = io.BytesIO()
    options: dict[str, Any] = {"exif": exif.tobytes()} if exif is not None else {}
    if image_format == "JPEG":
        options["quality"] = 90
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def located_exif(*, orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: camera, orientation and the GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "MadoguchiCam"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (136.0, 18.0, 0.0)
    return exif


def refusal(data: bytes) -> str:
    with translation.override("en"), pytest.raises(FieldInvalid) as refused:
        clean_photo(data)
    return refused.value.message


def test_a_card_shaped_jpeg_is_kept_as_a_jpeg_of_the_same_size() -> None:
    stored = clean_photo(photo((525, 675)))

    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size, image.mode) == ("JPEG", (525, 675), "RGB")


def test_a_3_by_4_camera_picture_is_within_the_tolerance() -> None:
    stored = clean_photo(photo((480, 640), image_format="PNG"))

    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("PNG", (480, 640))


def test_location_and_camera_data_are_removed_before_storage() -> None:
    original = photo((525, 675), exif=located_exif())
    assert b"MadoguchiCam" in original

    stored = clean_photo(original)

    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"Exif" not in stored
    assert b"MadoguchiCam" not in stored


def test_a_png_loses_its_exif_too() -> None:
    stored = clean_photo(photo((525, 675), image_format="PNG", exif=located_exif()))

    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {}
    assert b"eXIf" not in stored and b"MadoguchiCam" not in stored


def test_a_photo_stored_sideways_with_an_orientation_tag_is_turned_upright() -> None:
    # Phones store a portrait shot as landscape pixels plus "rotate 90°" (orientation 6).
    sideways = photo((675, 525), exif=located_exif(orientation=6))

    stored = clean_photo(sideways)

    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (525, 675)


def test_a_cmyk_jpeg_is_stored_as_rgb() -> None:
    stored = clean_photo(photo((525, 675), mode="CMYK"))

    with Image.open(io.BytesIO(stored)) as image:
        assert image.mode == "RGB"


def test_a_transparent_png_is_laid_on_white() -> None:
    stored = clean_photo(photo((525, 675), image_format="PNG", mode="RGBA"))

    with Image.open(io.BytesIO(stored)) as image:
        assert image.mode == "RGB"


def test_a_file_under_20_kb_is_refused() -> None:
    flat = io.BytesIO()
    Image.new("RGB", (525, 675), (240, 240, 240)).save(flat, format="JPEG")

    assert refusal(flat.getvalue()).startswith("The photo file is too small (")
    assert "at least 20 KB" in refusal(flat.getvalue())


def test_bytes_that_are_no_jpeg_or_png_are_refused_whatever_they_claim() -> None:
    gif = io.BytesIO()
    Image.effect_noise((525, 675), 60).save(gif, format="GIF")

    assert refusal(gif.getvalue()).startswith("The photo could not be read as a JPEG or PNG")
    assert refusal(photo()[:30_000]).startswith("The photo could not be read")


def test_a_landscape_photo_is_refused_with_what_to_do() -> None:
    assert refusal(photo((800, 600))) == (
        "The photo is landscape (800 × 600 pixels). Take it in portrait: taller than wide, "
        "4.5 high to 3.5 wide."
    )


def test_a_photo_under_480_by_640_is_refused() -> None:
    assert refusal(photo((420, 540))) == (
        "The photo is too small (420 × 540 pixels). Use a photo at least 480 pixels wide "
        "and 640 pixels tall."
    )


def test_a_photo_over_6000_pixels_is_refused_before_it_is_decoded() -> None:
    header_only = io.BytesIO()
    Image.new("L", (4700, 6100)).save(header_only, format="PNG")
    data = header_only.getvalue() + b"\0" * 20_000  # past the 20 KB floor

    assert refusal(data).startswith("The photo is too large (4700 × 6100 pixels).")


@pytest.mark.parametrize("size", [(480, 900), (600, 640)], ids=["9-by-16", "nearly-square"])
def test_a_portrait_photo_of_another_shape_is_refused(size: tuple[int, int]) -> None:
    assert refusal(photo(size)).startswith(
        f"The photo's shape is too far from 4.5 high to 3.5 wide (now {size[0]} × {size[1]} "
    )


def test_the_messages_are_japanese_on_japanese_pages() -> None:
    with translation.override("ja"), pytest.raises(FieldInvalid) as refused:
        clean_photo(photo((800, 600)))

    assert "横長" in refused.value.message


def test_a_photo_question_is_a_file_question_of_jpeg_and_png_up_to_7_mb() -> None:
    question = PhotoField.model_validate({"key": "face", "type": "photo", "label": "顔写真"})

    assert isinstance(question, FileField)
    assert question.accept == ["image/jpeg", "image/png"]
    assert question.max_size_mb == 7
    with pytest.raises(ValidationError, match="image/jpeg and image/png only"):
        PhotoField.model_validate(question.model_dump() | {"accept": ["application/pdf"]})
    with pytest.raises(ValidationError, match="less than or equal to 7"):
        PhotoField.model_validate(question.model_dump() | {"max_size_mb": 8})


def test_the_input_opens_the_camera_and_accepts_only_jpeg_and_png() -> None:
    question = PhotoField.model_validate({"key": "face", "type": "photo", "label": "顔写真"})
    [view] = rendering.step_views(
        Step(key="s", title="写真", fields=[question]), values={}, errors={}, answers={}
    )

    with translation.override("en"):
        html = render_to_string("forms/fields/field.html", {"field": view})

    assert 'accept="image/jpeg,image/png" capture="user"' in html
    assert 'aria-describedby="field-face-hint"' in html
    assert "at least 480 × 640 pixels" in html
    assert fieldtypes.get("photo").takes_prefill is False
