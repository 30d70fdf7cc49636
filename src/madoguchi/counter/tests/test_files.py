"""A pre-registration's files at the counter: kept at check-in, named in the answers as
online, carried into the submission's document with their hashes, deleted with a visit
that closes without accepting them."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.counter import services
from madoguchi.counter.models import ApplicationState, VisitApplication
from madoguchi.forms.models import FormVersion
from madoguchi.submissions import document
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Attachment, Channel, Draft
from madoguchi.submissions.mypage_drafts import drafts_of
from madoguchi.testing import counter as counter_data
from madoguchi.testing.factories import publish_form
from madoguchi.testing.files import pdf_bytes

pytestmark = pytest.mark.django_db

FILE_SCHEMA: dict[str, Any] = copy.deepcopy(counter_data.COUNTER_SCHEMA)
FILE_SCHEMA["steps"][1]["fields"].append(
    {"key": "receipt", "type": "file", "label": "領収書", "accept": ["application/pdf"]}
)


def _form() -> FormVersion:
    return publish_form(slug="counter-files", schema=FILE_SCHEMA)


def _checked_in_with_file() -> tuple[VisitApplication, Any, bytes]:
    form_version = _form()
    draft, _token = submission_services.start_draft(
        form_version=form_version, language="ja", channel=Channel.COUNTER
    )
    content = pdf_bytes("領収書")
    pages = counter_data.COUNTER_PAGES
    assert submission_services.save_step(draft=draft, step_index=0, data=pages[0], files={}).ok
    upload = SimpleUploadedFile("receipt.pdf", content, "application/pdf")
    result = submission_services.save_step(
        draft=draft, step_index=1, data=pages[1], files={"receipt": upload}
    )
    assert result.ok, result.errors
    prereg = services.preregister(draft=draft)
    clerk = counter_data.clerk(prereg.department)
    visit = services.open_visit(clerk=clerk, counter_name="3番窓口")
    application = services.check_in(visit=visit, preregistration=prereg, clerk=clerk)
    return application, clerk, content


def test_check_in_keeps_the_residents_file_and_accepting_records_its_hash() -> None:
    application, clerk, content = _checked_in_with_file()
    digest = hashlib.sha256(content).hexdigest()

    [descriptor] = application.answers["receipt"]
    assert descriptor["sha256"] == digest
    assert application.files is not None
    holder = Draft.objects.get(pk=application.files.pk)
    assert holder.answers == {} and holder.identity is None
    # The resident's link no longer opens the holder.
    assert holder.token_hash != application.preregistration.token_hash  # type: ignore[union-attr]

    services.record_visual_check(
        visit=application.visit, clerk=clerk, documents=["driving_licence"]
    )
    application.refresh_from_db()
    submission = services.submit_application(
        application=counter_data.confirm(application), clerk=clerk
    )

    [attachment] = submission.attachments.all()
    assert attachment.sha256 == digest
    assert hashlib.sha256(attachment.file.read()).hexdigest() == digest
    assert submission.answers["receipt"] == [attachment.descriptor()]
    stored = document.stored_document(submission, created_at=submission.submitted_at)
    assert document.canonical_bytes(stored).decode() == submission.document
    assert [a["sha256"] for a in stored["attachments"]] == [digest]
    assert not Draft.objects.filter(pk=holder.pk).exists()


def test_a_visit_closed_without_accepting_deletes_the_files() -> None:
    application, clerk, _content = _checked_in_with_file()
    assert application.files is not None
    holder_pk = application.files.pk

    services.close_visit(visit=application.visit, clerk=clerk)

    assert not Draft.objects.filter(pk=holder_pk).exists()
    assert not Attachment.objects.filter(draft_id=holder_pk).exists()


def test_the_holder_never_shows_among_the_residents_drafts() -> None:
    application, _clerk, _content = _checked_in_with_file()
    assert application.files is not None
    holder = Draft.objects.get(pk=application.files.pk)

    assert holder.identity_id is None
    assert not drafts_of(0, "", municipality_id=application.visit.municipality_id).filter(
        pk=holder.pk
    )


def test_check_in_without_files_still_deletes_the_draft() -> None:
    application, _clerk = counter_data.checked_in()

    assert application.files_id is None
    assert not Draft.objects.filter(channel=Channel.COUNTER).exists()


def test_an_application_continuing_on_paper_keeps_its_files_when_the_visit_closes() -> None:
    application, clerk, _content = _checked_in_with_file()
    application.state = ApplicationState.ON_PAPER
    application.save(update_fields=["state"])
    assert application.files is not None

    services.close_visit(visit=application.visit, clerk=clerk)

    assert Attachment.objects.filter(draft_id=application.files.pk).count() == 1
