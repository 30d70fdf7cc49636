"""The mail-in PDF read back as a person and a scanner read it: text (pdftotext) and QR code
(pdftoppm, then zxing-cpp). poppler-utils comes from scripts/system-packages.sh."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.utils import translation

from madoguchi.forms.answers import clean_answers
from madoguchi.forms.rendering import answer_sections
from madoguchi.forms.schema import FormSchema
from madoguchi.mailin import payload
from madoguchi.mailin import services as mail_services
from madoguchi.mailin.pdf import Postal, render_document
from madoguchi.mailin.pdf import render as render_application
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Channel
from madoguchi.testing.factories import (
    SIMPLE_ANSWERS,
    SIMPLE_SCHEMA,
    DepartmentFactory,
    publish_form,
)

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (scripts/system-packages.sh test)"
)

DEMO_FORM = Path(__file__).resolve().parents[2] / "demo/forms/172065-inu-shibo-todoke.yaml"
REFERENCE = "M-172065-2026-000123"
KAGA = Postal(
    department="環境課",
    addressee="加賀市長",
    postal_code="922-8622",
    postal_address="石川県加賀市大聖寺南町ニ41 加賀市役所",
    phone="0761-72-7857",
)
RAW = {
    "owner_name": "加賀 太郎",
    "owner_kana": "カガ タロウ",
    "postal_code": "9228622",
    "address": "石川県加賀市大聖寺南町ニ41",
    "phone": "0761727857",
    "registration_number": "12345",
    "tag_number": "K-678",
    "dog_name": "ポチ",
    "breed": "柴犬",
    "death_date": "2026-11-20",
    "death_cause": "old_age",
    "consent": True,
}


@pytest.fixture(scope="module")
def schema() -> FormSchema:
    definition = yaml.safe_load(DEMO_FORM.read_text(encoding="utf-8"))["schema"]
    definition.pop("mail", None)  # the settings are passed explicitly below
    return FormSchema.model_validate(definition)


@pytest.fixture(scope="module")
def answers(schema: FormSchema) -> dict[str, Any]:
    result = clean_answers(schema, RAW)
    assert not result.errors, result.errors
    return dict(result.answers)


def render(schema: FormSchema, answers: dict[str, Any], **options: Any) -> bytes:
    arguments: dict[str, Any] = {
        "schema": schema,
        "answers": answers,
        "reference": REFERENCE,
        "postal": KAGA,
        "municipality": "加賀市",
        "created": date(2026, 12, 3),
        "language": "ja",
        "signature_required": True,
        "enclosures": ["鑑札", "注射済票"],
        "expires": date(2027, 2, 1),
    } | options
    return render_document(**arguments)


@pytest.fixture(scope="module")
def pdf(schema: FormSchema, answers: dict[str, Any], tmp_path_factory: Any) -> Path:
    path: Path = tmp_path_factory.mktemp("mail") / "application.pdf"
    path.write_bytes(render(schema, answers))
    return path


def pages_text(path: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")[:-1]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def qr_texts(path: Path, page: int) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    prefix = path.parent / f"page{page}"
    pages = ["-f", str(page), "-l", str(page)]
    subprocess.run(
        ["pdftoppm", "-r", "300", "-gray", "-png", *pages, str(path), str(prefix)], check=True
    )
    (image,) = path.parent.glob(f"page{page}-*.png")
    found = zxingcpp.read_barcodes(Image.open(image), formats=zxingcpp.BarcodeFormat.QRCode)
    image.unlink()
    return [barcode.text for barcode in found]


def test_the_application_page_has_the_title_addressee_and_the_date_in_wareki(pdf: Path) -> None:
    first = flat(pages_text(pdf)[0])

    assert "犬の死亡届" in first
    assert "加賀市長様" in first
    assert "令和8年12月3日" in first
    assert REFERENCE in first


def test_every_answer_is_printed_as_the_field_type_displays_it(
    pdf: Path, schema: FormSchema, answers: dict[str, Any]
) -> None:
    printed = flat("".join(pages_text(pdf)))
    with translation.override("ja"):
        rows = [row for section in answer_sections(schema, answers) for row in section.rows]

    shown = [row for row in rows if row["key"] in answers]
    assert len(shown) == len(answers)
    for row in shown:
        assert flat(row["label"]) in printed, row["key"]
        assert flat(row["value"]) in printed, row["key"]
    assert "令和8年11月20日" in printed  # the date of death, as the date field shows it
    assert "老衰" in printed  # the choice's label, not its value


def test_a_form_that_wants_a_handwritten_signature_gets_a_box(
    schema: FormSchema, answers: dict[str, Any], tmp_path: Path
) -> None:
    with_box = tmp_path / "with.pdf"
    with_box.write_bytes(render(schema, answers))
    without = tmp_path / "without.pdf"
    without.write_bytes(render(schema, answers, signature_required=False))

    assert "自署" in flat(pages_text(with_box)[0])
    assert "自署" not in flat("".join(pages_text(without)))


def test_the_checklist_names_the_enclosures_and_the_address(pdf: Path) -> None:
    checklist = flat(pages_text(pdf)[-2])

    assert "鑑札" in checklist and "注射済票" in checklist
    assert "〒922-8622" in checklist
    assert "石川県加賀市大聖寺南町ニ41加賀市役所" in checklist
    assert "令和9年2月1日" in checklist  # the day it must arrive by
    assert "電話番号0761-72-7857" in checklist


def test_the_last_page_is_the_envelope_label_with_the_postal_address(pdf: Path) -> None:
    label = flat(pages_text(pdf)[-1])

    assert "〒922-8622" in label
    assert "石川県加賀市大聖寺南町ニ41加賀市役所" in label
    assert "環境課御中" in label
    assert "郵送申請書在中" in label


def test_every_page_is_numbered_out_of_the_total(pdf: Path) -> None:
    pages = pages_text(pdf)

    assert len(pages) == 3
    for number, text in enumerate(pages, start=1):
        assert f"{number}/3" in flat(text)


def test_the_qr_code_on_every_page_decodes_to_the_same_answers(
    pdf: Path, answers: dict[str, Any]
) -> None:
    for page in (1, 2, 3):
        (text,) = qr_texts(pdf, page)
        read = payload.decode(text)

        assert read.reference == REFERENCE
        assert read.answers == answers
        assert read.answers_sha256 == payload.answers_sha256(answers)


def test_answers_too_long_for_the_code_run_on_and_the_code_carries_the_reference(
    schema: FormSchema, answers: dict[str, Any], tmp_path: Path
) -> None:
    kanji = "日本語申請書類郵送受付番号市役所住所氏名電話犬猫鑑札注射済票死亡原因老衰病気事故"
    other = "".join(random.Random(15).choices(kanji, k=800))  # too varied to compress well
    long_answers = answers | {"death_cause": "other", "death_cause_other": other}
    path = tmp_path / "long.pdf"
    path.write_bytes(render(schema, long_answers))

    (text,) = qr_texts(path, 1)
    read = payload.decode(text)
    assert read.reference == REFERENCE
    assert read.answers_sha256 == payload.answers_sha256(long_answers)
    assert read.answers is None
    assert flat(other) in flat("".join(pages_text(path)))


def test_the_paper_speaks_english_for_an_english_application(
    schema: FormSchema, answers: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "en.pdf"
    path.write_bytes(render(schema, answers, language="en"))
    first = pages_text(path)[0]

    assert "Notification of a Dog's Death" in first
    assert "3 December 2026 (Reiwa 8)" in first


@pytest.mark.django_db
def test_a_prepared_application_prints_its_department_and_its_stored_answers(
    tmp_path: Path,
) -> None:
    department = DepartmentFactory(
        name="環境課", addressee="加賀市長", postal_code="922-8622", postal_address="加賀市役所"
    )
    schema = SIMPLE_SCHEMA | {
        "channels": ["mail"],
        "mail": {"enclosures": ["鑑札（原本）"], "handwritten_signature": True},
    }
    draft, _token = submission_services.start_draft(
        form_version=publish_form(department=department, schema=schema),
        language="ja",
        channel=Channel.MAIL,
    )
    draft.answers = dict(SIMPLE_ANSWERS)
    draft.save()
    application = mail_services.prepare(draft=draft)
    path = tmp_path / "prepared.pdf"
    path.write_bytes(render_application(application))

    printed = [flat(text) for text in pages_text(path)]
    assert "加賀市長様" in printed[0] and "自署" in printed[0]
    assert "鑑札（原本）" in printed[1]
    assert "環境課御中" in printed[2] and "〒922-8622" in printed[2]
    (text,) = qr_texts(path, 3)
    assert payload.decode(text).answers == application.answers
    assert payload.decode(text).answers_sha256 == application.answers_sha256
