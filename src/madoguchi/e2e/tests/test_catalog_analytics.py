"""Kobe's health insurance clerk reads the improvement analytics of 国民健康保険 加入届: drop-off
by page and by question, errors by where they were shown, the time to complete, guide
results followed and the plain-word suggestions (axe on desktop and phone, no JavaScript
needed); the screenshot for docs/coverage.md."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.catalog import analytics
from madoguchi.forms.models import Form
from madoguchi.guide import services as guide_services
from madoguchi.guide.models import Guide
from madoguchi.submissions.models import Channel, Draft, Submission
from madoguchi.submissions.services import create_submission

from .conftest import _csp_violations, assert_accessible, doc_screenshot, log_in_demo_staff


def _seed() -> Form:
    """Figures with shapes: 40 timed online applications, 6 at the counter, 14 abandoned
    drafts, errors on the step page, the review page and the API, 60 guide results."""
    form = Form.objects.get(municipality__lg_code="281000", slug="kokuho-kanyu")
    version = form.current_version
    assert version is not None
    now = timezone.now()
    with transaction.atomic():
        for i in range(46):
            channel = Channel.COUNTER if i >= 40 else Channel.ONLINE
            submission = create_submission(
                form_version=version, answers={}, channel=channel, language="ja"
            )
            minutes = 6 + (i * 7) % 19
            Submission.objects.filter(pk=submission.pk).update(
                started_at=None if channel == Channel.COUNTER else now - timedelta(minutes=minutes),
                submitted_at=now,
                from_guide=i % 4 == 0,
            )
    for i in range(14):
        draft = Draft.objects.create(
            token_hash=f"e2e-analytics-{i}",
            form_version=version,
            completed_steps=0 if i < 11 else 1,
            from_guide=i % 5 == 0,
            expires_at=now + timedelta(days=20),
        )
        Draft.objects.filter(pk=draft.pk).update(updated_at=now - timedelta(days=9))
    first = version.schema.steps[0].fields
    keys = [f.key for f in first if f.collects_input][:2]
    for _ in range(12):
        analytics.record_failure(version.pk, keys[0], "invalid", "全角カタカナで入力してください。")
    for _ in range(3):
        analytics.record_failure(version.pk, keys[1], "missing", "入力してください。", "review")
    analytics.record_failure(
        version.pk, keys[1], "invalid", "全角カタカナで入力してください。", "api"
    )
    guide = Guide.objects.get(municipality=form.municipality, slug="okuyami")
    for _ in range(60):
        guide_services.count(guide=guide, procedure="kokuho_kanyu", event="shown")
    return form


def test_the_department_reads_its_forms_analytics_on_desktop_and_phone(
    demo: None, live_server: Any, browser: Any
) -> None:
    form = _seed()
    base = live_server.url
    url = f"{base}/staff/catalog/forms/{form.pk}/analytics/"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    refused = _csp_violations(page)
    log_in_demo_staff(page, base, "kobe-madoguchi")

    page.goto(url)
    figures = analytics.form_analytics(form, language="ja")
    assert figures.completion.excluded >= 6  # the counter's, and the demo's own (no start)

    expect(page.get_by_role("heading", level=1)).to_contain_text("国民健康保険 加入届")
    suggestions = page.get_by_test_id("analytics-suggestions")
    expect(suggestions).to_contain_text("この質問で多くの方が止まっています")
    expect(suggestions).to_contain_text("この質問でエラーが多い")
    expect(page.get_by_test_id("analytics-stops")).to_contain_text(f"全{figures.abandoned}件")
    expect(page.get_by_test_id("analytics-errors-where")).to_contain_text("確認ページ")
    completion = page.get_by_test_id("analytics-completion")
    expect(completion).to_contain_text("すべての版")
    expect(completion).to_contain_text("40")
    expect(page.get_by_text(f"API の申請{figures.completion.excluded}件")).to_be_visible()
    expect(page.get_by_test_id("analytics-guide")).to_contain_text("60")
    assert_accessible(page, name="improvement analytics")
    doc_screenshot(page, "analytics", down_to="[data-testid=analytics-guide]")
    # On a phone (the same session: a second login would reuse the authenticator's code).
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    expect(page.get_by_test_id("analytics-stops")).to_be_visible()
    assert_accessible(page, name="improvement analytics on a phone")
    # The tables scroll inside their own box: the page itself never scrolls sideways.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"
