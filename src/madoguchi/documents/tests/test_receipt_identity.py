"""The receipt (受付証) names how the applicant's identity was checked, counter levels too."""

from __future__ import annotations

import pytest
from django.utils import translation

from madoguchi.counter import services as counter_services
from madoguchi.documents import pdf
from madoguchi.submissions.models import Submission
from madoguchi.testing import counter as counter_data

from .test_receipt_content import _content, _texts

pytestmark = pytest.mark.django_db


def _receipt_text(submission: Submission, language: str) -> str:
    submission.language = language
    with translation.override(language):
        return "\n".join(_texts(pdf.story(_content(submission))))


@pytest.mark.parametrize(
    ("level", "language", "label"),
    [
        ("counter_visual", "ja", "窓口・目視確認（本人確認書類）"),
        ("counter_card", "ja", "窓口・カード読取（券面事項入力補助AP＋利用者証明）"),
        ("counter_visual", "en", "At the counter: identity documents checked by eye"),
        (
            "counter_card",
            "en",
            "At the counter: My Number Card read (card info AP + JPKI authentication)",
        ),
    ],
)
def test_the_receipt_names_the_counter_level(level: str, language: str, label: str) -> None:
    application, clerk = counter_data.ready_to_accept()
    submission = counter_services.submit_application(application=application, clerk=clerk)
    Submission.objects.filter(pk=submission.pk).update(identity_level=level)
    submission.refresh_from_db()

    text = _receipt_text(submission, language)

    assert label in text
    assert "本人確認なし" not in text and "No identity verification" not in text
