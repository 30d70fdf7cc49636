"""The counter channel's demo procedures (issue 16): Kobe's 転入 + 児童手当 + 国民健康保険 for
one visit, and Kaga's card issuance support with its 申請書ID and photo."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from PIL import ExifTags, Image

from madoguchi.forms import fieldtypes
from madoguchi.forms.fieldtypes.base import FieldInvalid
from madoguchi.forms.models import Form
from madoguchi.forms.schema import FormSchema, PhotoField, TextField
from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.submissions import services as submission_services
from madoguchi.tenants.models import StaffMember

FORMS_DIR = Path(__file__).resolve().parent.parent / "forms"
KOBE_VISIT = ["281000-tennyu-todoke", "281000-jidou-teate", "281000-kokuho-kanyu"]
CARD_FORM = "172065-mynumber-card-shinsei"
# The person, asked the same way in each form of one visit: filled once, confirmed in each.
PERSON = {"name": "name", "name_kana": "name_kana", "birth_date": "birth_date", "sex": "sex"}
FULL_WIDTH_DIGITS = "０１２３４５６７８９"


def schema_of(stem: str) -> FormSchema:
    data = yaml.safe_load((FORMS_DIR / f"{stem}.yaml").read_text(encoding="utf-8"))
    return FormSchema.model_validate(data["schema"])


def application_id_question() -> TextField:
    question = schema_of(CARD_FORM).field("application_id")
    assert isinstance(question, TextField)
    return question


@pytest.mark.parametrize("stem", [*KOBE_VISIT, CARD_FORM])
def test_the_procedure_is_offered_at_the_counter(stem: str) -> None:
    assert "counter" in schema_of(stem).channels


@pytest.mark.parametrize("stem", KOBE_VISIT)
def test_the_forms_of_one_visit_ask_for_the_person_with_the_same_keys_and_card_items(
    stem: str,
) -> None:
    schema = schema_of(stem)

    asked = {key: schema.field(key).prefill for key in [*PERSON, "phone", "email"]}

    assert asked == PERSON | {"phone": None, "email": None}
    assert schema.applicant_name_field == "name"
    # The card's address: the new one for 児童手当 and 国保; the previous one for 転入,
    # where the card still shows the address the person moved from.
    address_key = "prev_address" if stem == "281000-tennyu-todoke" else "address"
    assert schema.field(address_key).prefill == "address"


def test_the_card_form_takes_the_photo_with_the_camera_and_requires_it() -> None:
    photo = schema_of(CARD_FORM).field("face_photo")

    assert isinstance(photo, PhotoField)
    assert photo.required
    assert photo.accept == ["image/jpeg", "image/png"]


def clean_application_id(value: str) -> str:
    with translation.override("ja"):
        return str(fieldtypes.get("text").clean(application_id_question(), value))


@given(st.lists(st.tuples(st.integers(0, 9), st.booleans()), min_size=23, max_size=23))
def test_any_23_digits_half_or_full_width_are_kept_as_ascii_digits(
    digits: list[tuple[int, bool]],
) -> None:
    typed = "".join(FULL_WIDTH_DIGITS[d] if wide else str(d) for d, wide in digits)

    assert clean_application_id(typed) == "".join(str(d) for d, _wide in digits)


def _is_an_application_id(value: str) -> bool:
    """The oracle: 23 digits, ASCII or full-width, once the ends' spaces are stripped."""
    ascii_digits = value.strip().translate(str.maketrans(FULL_WIDTH_DIGITS, "0123456789"))
    return re.fullmatch(r"[0-9]{23}", ascii_digits) is not None


@given(
    st.text(max_size=30)
    | st.text(alphabet="0123456789０１２３４５６７８９ -ー", min_size=1, max_size=30)
)
def test_anything_else_is_refused_and_never_stored(value: str) -> None:
    if not value.strip() or _is_an_application_id(value):
        return  # an empty answer is never cleaned; a valid one is the test above's

    with pytest.raises((FieldInvalid, InvalidJapaneseInput)):
        clean_application_id(value)


@pytest.mark.parametrize(
    "value",
    ["1234 5678 9012 3456 7890 123", "1234567890123456789012", "12345678901234567890１２Ａ"],
)
def test_a_wrong_application_id_says_in_japanese_what_to_enter(value: str) -> None:
    with pytest.raises(FieldInvalid, match="申請書IDは23桁の数字で入力してください"):
        clean_application_id(value)


@pytest.mark.django_db
def test_the_demo_publishes_the_counter_procedures_and_a_clerk_for_the_kobe_visit(
    demo_data: Any,
) -> None:
    published = {
        f"{form.municipality.lg_code}-{form.slug}": form.current_version
        for form in Form.objects.select_related("municipality", "current_version")
    }

    for stem in [*KOBE_VISIT, CARD_FORM]:
        version = published[stem]
        assert version is not None
        assert "counter" in version.schema.channels
    clerk = StaffMember.objects.get(user__username="kobe-madoguchi")
    departments = {form.department for stem, form in _forms(KOBE_VISIT)}
    assert set(clerk.departments.all()) == departments
    card_clerk = StaffMember.objects.get(user__username="kaga-shimin")
    assert {d.code for d in card_clerk.departments.all()} == {"shimin"}


def _forms(stems: list[str]) -> list[tuple[str, Form]]:
    return [
        (stem, Form.objects.get(municipality__lg_code=stem[:6], slug=stem[7:])) for stem in stems
    ]


def _noisy_jpeg(size: tuple[int, int], *, located: bool) -> bytes:
    exif = Image.Exif()
    if located:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps[ExifTags.GPS.GPSLatitude] = (36.0, 18.0, 7.0)
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(
        buffer, format="JPEG", quality=90, exif=exif.tobytes()
    )
    return buffer.getvalue()


@pytest.mark.django_db
def test_the_card_form_takes_the_id_typed_full_width_and_the_tablet_photo_through_its_pages(
    demo_data: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    form = Form.objects.get(municipality__lg_code="172065", slug="mynumber-card-shinsei")
    assert form.current_version is not None
    draft, token = submission_services.start_draft(form_version=form.current_version, language="ja")
    browser = Client(headers={"accept-language": "ja"})

    def step(number: int, data: dict[str, Any]) -> Any:
        return browser.post(reverse("submissions:step", args=[token, number]), data)

    first = step(1, {"application_id": "１２３４５６７８９０１２３４５６７８９０１２３"})
    second = step(
        2,
        {
            "name": "加賀 花子",
            "name_kana": "カガ ハナコ",
            "birth_date__era": "seireki",
            "birth_date__year": "1990",
            "birth_date__month": "4",
            "birth_date__day": "1",
            "sex": "female",
            "postal_code": "922-8622",
            "address": "石川県加賀市大聖寺南町ニ41",
            "phone": "0761-72-1111",
        },
    )
    page = browser.get(reverse("submissions:step", args=[token, 3])).text
    landscape = step(
        3, {"face_photo": SimpleUploadedFile("IMG_1.JPG", _noisy_jpeg((800, 600), located=True))}
    )
    taken = step(
        3, {"face_photo": SimpleUploadedFile("IMG_2.JPG", _noisy_jpeg((525, 675), located=True))}
    )

    assert (first.status_code, second.status_code, taken.status_code) == (302, 302, 302)
    assert 'accept="image/jpeg,image/png" capture="user"' in page
    assert landscape.status_code == 422
    assert (
        "写真が横長です（800×600ピクセル）。縦長（縦4.5：横3.5）で撮影してください。"
        in landscape.text
    )
    draft.refresh_from_db()
    assert draft.answers["application_id"] == "12345678901234567890123"
    attachment = draft.attachments.get(field_key="face_photo")
    assert b"Exif" not in attachment.file.read()
