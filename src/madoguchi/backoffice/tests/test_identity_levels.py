"""The back office names how the applicant's identity was checked, counter levels included:
the submission page, its printout (決裁用) and the inbox's filter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.counter import services as counter_services
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing import counter as counter_data
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db

CARD_JA = "窓口・カード読取（券面事項入力補助AP＋利用者証明）"
VISUAL_JA = "窓口・目視確認（本人確認書類）"


def _accepted_at_the_counter(level: str = "counter_visual") -> tuple[Submission, StaffMember]:
    application, clerk = counter_data.ready_to_accept()
    submission = counter_services.submit_application(application=application, clerk=clerk)
    if level != submission.identity_level:
        Submission.objects.filter(pk=submission.pk).update(identity_level=level)
    return submission, clerk


@pytest.mark.parametrize(
    ("level", "label"), [("counter_visual", VISUAL_JA), ("counter_card", CARD_JA)]
)
def test_the_submission_page_and_its_printout_name_the_counter_level(
    level: str, label: str
) -> None:
    submission, clerk = _accepted_at_the_counter(level)
    browser = log_in_staff(clerk, language="ja")

    detail = browser.get(reverse("backoffice:detail", args=[submission.receipt_number]))
    printed = browser.get(reverse("backoffice:print", args=[submission.receipt_number]))

    assert detail.status_code == 200 and printed.status_code == 200
    assert f'data-testid="identity-level">{label}<' in detail.content.decode()
    assert f'data-testid="identity-level">{label}<' in printed.content.decode()
    for page in (detail, printed):
        assert "本人確認済み（アカウント）" not in page.content.decode()
        assert "なし（自己申告）" not in page.content.decode()


def test_the_submission_page_says_so_in_english() -> None:
    submission, clerk = _accepted_at_the_counter("counter_card")
    browser = log_in_staff(clerk, language="en")

    page = browser.get(reverse("backoffice:detail", args=[submission.receipt_number]))

    assert (
        "At the counter: My Number Card read (card info AP + JPKI authentication)"
        in page.content.decode()
    )


def test_the_inbox_filters_by_a_counter_level_and_names_it() -> None:
    visual, clerk = _accepted_at_the_counter("counter_visual")
    browser = log_in_staff(clerk, language="ja")

    filtered = browser.get(reverse("backoffice:inbox"), {"identity": "counter_visual"})
    none = browser.get(reverse("backoffice:inbox"), {"identity": "counter_card"})

    page = filtered.content.decode()
    assert visual.receipt_number in page
    assert f'<option value="counter_visual" selected>{VISUAL_JA}</option>' in page
    assert f'<option value="counter_card">{CARD_JA}</option>' in page
    assert visual.receipt_number not in none.content.decode()
