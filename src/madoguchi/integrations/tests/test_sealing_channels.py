"""Mail-in on a form with end-to-end encryption: the answers waiting for the paper are sealed
(integrations.sealing_channels through the mailin.sealed port), the resident's link opens them
for the PDF, intake reads them from the paper's code, and nothing stays in clear."""

from __future__ import annotations

import copy
import random
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.counter import assisted, printing
from madoguchi.counter import services as counter_services
from madoguchi.forms.models import FormVersion
from madoguchi.integrations import crypto, key_services, sealing, sealing_channels
from madoguchi.integrations.models import EncryptionKey, KeyPurpose
from madoguchi.mailin import intake, payload
from madoguchi.mailin import services as mail_services
from madoguchi.mailin.models import MailApplication, MailStatus
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Channel, Draft, Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing import counter as counter_data
from madoguchi.testing.counter_assisted import MOVING_IN_POST, PERSON, counter_procedures, visit_of
from madoguchi.testing.factories import SIMPLE_SCHEMA, card_identity, publish_form
from madoguchi.testing.files import pdf_bytes
from madoguchi.testing.staff import log_in_staff

from .test_sealing import register_keys
from .test_sealing_database import _database_text, _forms, _found, _media_files

pytestmark = pytest.mark.django_db

NAME = "秘匿 郵送子"
MAIL_SCHEMA: dict[str, Any] = {
    **copy.deepcopy(SIMPLE_SCHEMA),
    "channels": ["online", "mail"],
    "mail": {"enclosures": ["鑑札（原本）"], "handwritten_signature": True},
}
MAIL_SCHEMA["steps"][1]["fields"].append({"key": "story", "type": "long_text", "label": "事情"})
PAGES = [
    {"name": NAME, "name_kana": "ひとく ゆうそうこ", "email": "mail@example.jp"},
    {"method": "online", "online_tool": "ZEBRA-TOOL-5512"},
]


@pytest.fixture
def sealed_mail(department: Department) -> tuple[FormVersion, dict[str, bytes]]:
    private = register_keys(department)
    version = publish_form(department=department, slug="sealed-mail", schema=MAIL_SCHEMA)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    return version, private


def mail_draft(version: FormVersion, pages: list[dict[str, Any]] = PAGES) -> tuple[Draft, str]:
    draft, token = submission_services.start_draft(
        form_version=version, language="ja", channel=Channel.MAIL
    )
    for index, page in enumerate(pages):
        result = submission_services.save_step(draft=draft, step_index=index, data=page, files={})
        assert result.ok, result
    return draft, token


def prepared_paper(version: FormVersion) -> tuple[MailApplication, str]:
    """A mail-in paper made from a filled draft, and the resident's link token."""
    draft, token = mail_draft(version)
    return mail_services.prepare(draft=draft, token=token), token


def paper_code(application: MailApplication, token: str) -> str:
    """The code printed on the paper, as intake scans it."""
    answers = mail_services.answers_for_paper(application, resident_token=token)
    return payload.encode(reference=application.reference, answers=answers)


def _keys(private: dict[str, bytes], purpose: str) -> dict[str, bytes]:
    wanted = set(
        EncryptionKey.objects.filter(purpose=purpose).values_list("fingerprint", flat=True)
    )
    return {fp: key for fp, key in private.items() if fp in wanted}


def test_sealed_mail_answers_are_ciphertext_that_the_department_and_escrow_keys_open(
    sealed_mail: tuple[FormVersion, dict[str, bytes]],
) -> None:
    version, private = sealed_mail
    draft, token = mail_draft(version)

    application = mail_services.prepare(draft=draft, token=token)

    application.refresh_from_db()
    assert application.answers == {}
    assert application.sealed is not None
    assert application.sealed["plaintext_sha256"] == application.answers_sha256
    purposes = sorted(r["purpose"] for r in application.sealed["recipients"])
    assert purposes == ["department", "escrow", "resident_link"]
    for purpose in (KeyPurpose.DEPARTMENT, KeyPurpose.ESCROW):
        opened = sealing_channels.open_mail_answers(
            application.sealed, _keys(private, purpose), reference=application.reference
        )
        assert opened["name"] == NAME
        assert payload.answers_sha256(opened) == application.answers_sha256


def test_sealed_mail_answers_do_not_open_under_another_reference(
    sealed_mail: tuple[FormVersion, dict[str, bytes]],
) -> None:
    version, private = sealed_mail
    application, _token = prepared_paper(version)
    assert application.sealed is not None

    with pytest.raises(crypto.Tampered):
        sealing_channels.open_mail_answers(
            application.sealed, private, reference=application.reference[:-1] + "9"
        )


def test_only_the_residents_own_link_opens_the_answers_for_the_paper(
    sealed_mail: tuple[FormVersion, dict[str, bytes]],
) -> None:
    version, _private = sealed_mail
    application, token = prepared_paper(version)

    answers = mail_services.answers_for_paper(application, resident_token=token)

    assert answers["name"] == NAME
    with pytest.raises(ValueError):
        mail_services.answers_for_paper(application, resident_token=token + "x")
    with pytest.raises(ValueError):
        mail_services.answers_for_paper(application, resident_token=None)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")
def test_the_resident_downloads_the_paper_again_with_the_answers_through_the_link(
    sealed_mail: tuple[FormVersion, dict[str, bytes]], client: Client, tmp_path: Path
) -> None:
    version, _private = sealed_mail
    _draft, token = mail_draft(version)
    client.post(reverse("mail:prepare", args=[token]))

    response = client.get(reverse("mail:pdf", args=[token]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "paper.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "ZEBRA-TOOL-5512" in text
    assert MailApplication.objects.get().answers == {}


def test_answers_too_long_for_the_code_of_a_sealed_paper_are_refused_naming_the_longest(
    sealed_mail: tuple[FormVersion, dict[str, bytes]],
) -> None:
    version, _private = sealed_mail
    rng = random.Random(20)
    # Kanji at random compress badly: far more than a version-20 code holds.
    long_text = "".join(chr(rng.randrange(0x4E00, 0x9FA0)) for _ in range(400))
    draft, token = mail_draft(version, [PAGES[0], {"method": "visit", "story": long_text}])

    with pytest.raises(mail_services.SealedAnswersTooLong) as refused:
        mail_services.prepare(draft=draft, token=token)

    assert list(refused.value.errors) == ["story"]
    assert refused.value.code == "mail_sealed_answers_too_long"
    assert not MailApplication.objects.exists()
    assert Draft.objects.filter(pk=draft.pk).exists()  # the resident loses nothing


def test_the_too_long_refusal_shows_on_the_review_page_with_a_link_to_the_answer(
    sealed_mail: tuple[FormVersion, dict[str, bytes]], client: Client
) -> None:
    version, _private = sealed_mail
    rng = random.Random(21)
    long_text = "".join(chr(rng.randrange(0x4E00, 0x9FA0)) for _ in range(400))
    _draft, token = mail_draft(version, [PAGES[0], {"method": "visit", "story": long_text}])

    response = client.post(reverse("mail:prepare", args=[token]), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 422
    page = response.content.decode()
    assert "too long for the code printed on the paper" in page
    assert reverse("submissions:step", kwargs={"token": token, "number": 2}) in page


def test_a_sealed_paper_is_taken_in_from_its_code_and_its_mail_copy_is_dropped(
    sealed_mail: tuple[FormVersion, dict[str, bytes]], staff: StaffMember
) -> None:
    version, private = sealed_mail
    application, token = prepared_paper(version)
    code = paper_code(application, token)

    found = intake.find(staff=staff, text=code)
    submission = intake.accept(staff=staff, text=code, received_on=timezone.localdate())

    assert found.sealed and found.from_paper and found.no_scan
    application.refresh_from_db()
    assert application.status == MailStatus.ARRIVED
    assert application.answers == {} and application.sealed is None
    assert sealing.is_sealed(submission)
    assert sealing.open_submission(submission, private)["answers"]["name"] == NAME


def test_typing_the_reference_of_a_sealed_paper_asks_for_its_code(
    sealed_mail: tuple[FormVersion, dict[str, bytes]], staff: StaffMember
) -> None:
    version, _private = sealed_mail
    application, _token = prepared_paper(version)

    with pytest.raises(intake.SealedNeedsCode):
        intake.find(staff=staff, text=application.reference)


def test_no_scan_of_a_sealed_paper_is_stored(
    sealed_mail: tuple[FormVersion, dict[str, bytes]], staff: StaffMember
) -> None:
    version, _private = sealed_mail
    application, token = prepared_paper(version)
    code = paper_code(application, token)
    scan = SimpleUploadedFile("scan.pdf", pdf_bytes("paper"), content_type="application/pdf")

    with pytest.raises(intake.ScanOfSealed):
        intake.accept(staff=staff, text=code, received_on=timezone.localdate(), paper_scan=scan)

    assert not Submission.objects.exists()


def test_the_intake_page_of_a_sealed_paper_offers_no_scan_and_refuses_one_keeping_the_input(
    sealed_mail: tuple[FormVersion, dict[str, bytes]], staff: StaffMember
) -> None:
    version, _private = sealed_mail
    application, token = prepared_paper(version)
    code = paper_code(application, token)
    browser = log_in_staff(staff)

    review = browser.post(reverse("mailin:intake"), {"scan": code}).content.decode()
    refused = browser.post(
        reverse("mailin:accept"),
        {
            "scan": code,
            "received_on": timezone.localdate().isoformat(),
            "change_reason": "",
            "paper_scan": SimpleUploadedFile("s.pdf", pdf_bytes("p"), "application/pdf"),
        },
    )

    assert 'data-testid="from-paper-sealed"' in review
    assert 'name="paper_scan"' not in review
    assert NAME in review  # read from the code, for staff to compare with the paper
    assert refused.status_code == 422
    assert "a scan of its paper is not kept on this server" in refused.content.decode()
    assert timezone.localdate().isoformat() in refused.content.decode()
    assert not Submission.objects.exists()


def test_expiry_drops_the_sealed_answers(
    sealed_mail: tuple[FormVersion, dict[str, bytes]],
) -> None:
    version, _private = sealed_mail
    application, _token = prepared_paper(version)

    mail_services.expire_overdue(now=application.expires_at + timedelta(seconds=1))

    application.refresh_from_db()
    assert application.status == MailStatus.EXPIRED
    assert application.sealed is None and application.answers == {}


def test_a_sealed_form_without_its_keys_refuses_to_make_the_paper_and_keeps_the_draft(
    sealed_mail: tuple[FormVersion, dict[str, bytes]], client: Client
) -> None:
    version, _private = sealed_mail
    EncryptionKey.objects.filter(purpose=KeyPurpose.DEPARTMENT).update(retired_at=timezone.now())
    draft, token = mail_draft(version)

    response = client.post(reverse("mail:prepare", args=[token]), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert "encryption key is missing" in response.content.decode()
    assert Draft.objects.filter(pk=draft.pk).exists()
    assert not MailApplication.objects.exists()


def test_with_encryption_on_no_table_and_no_file_holds_the_mail_answers_waiting_for_paper(
    sealed_mail: tuple[FormVersion, dict[str, bytes]], department: Department
) -> None:
    version, _private = sealed_mail
    clear_version = publish_form(department=department, slug="clear-mail", schema=MAIL_SCHEMA)
    draft, token = mail_draft(version)
    clear_pages = [
        {"name": "公開 郵送子", "name_kana": "こうかい ゆうそうこ", "email": "c@example.jp"},
        {"method": "online", "online_tool": "OKAPI-TOOL-2231"},
    ]
    clear_draft, clear_token = mail_draft(clear_version, clear_pages)

    mail_services.prepare(draft=draft, token=token)
    mail_services.prepare(draft=clear_draft, token=clear_token)

    secret = {"name": _forms(NAME), "tool": _forms("ZEBRA-TOOL-5512")}
    control = {"name": _forms("公開 郵送子"), "tool": _forms("OKAPI-TOOL-2231")}
    assert _found(secret, _database_text()) == set()
    assert _found(secret, _media_files()) == set()
    assert _found(control, _database_text()) == {"name", "tool"}


# --- the counter ---------------------------------------------------------------------------


def _seal(version: FormVersion) -> dict[str, bytes]:
    department = version.form.department
    private = register_keys(department)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    return private


def test_an_accepted_counter_application_of_a_sealed_form_keeps_no_answers_at_the_counter() -> None:
    version = counter_data.counter_form()
    private = _seal(version)
    application, clerk = counter_data.ready_to_accept(version)
    counter_services.edit_answers(
        application=application,
        clerk=clerk,
        answers={"name": "窓口 秘匿子"},
        reason="本人の申し出",
    )
    application.refresh_from_db()
    counter_data.confirm(application)

    submission = counter_services.submit_application(application=application, clerk=clerk)

    application.refresh_from_db()
    assert sealing.is_sealed(submission)
    assert application.answers == {}
    assert all(e.before is None and e.after is None for e in application.edits.all())
    assert sealing.open_submission(submission, private)["answers"]["name"] == "窓口 秘匿子"
    assert _found({"name": _forms("窓口 秘匿子")}, _database_text()) == set()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")
def test_a_paper_printed_at_the_counter_for_a_sealed_form_is_sealed_and_printed_from_the_visit(
    staff: StaffMember, department: Department
) -> None:
    moving_in, _allowance = counter_procedures(department)
    private = _seal(moving_in)
    visit = visit_of(staff)
    saved = assisted.save(visit=visit, form_version=moving_in, data=MOVING_IN_POST, clerk=staff)
    assert saved.application is not None
    application = saved.application

    paper = printing.paper_for(application=application, clerk=staff)

    assert paper.answers == {} and paper.sealed is not None
    # No resident link at the counter: the department and the escrow key only.
    assert sorted(r["purpose"] for r in paper.sealed["recipients"]) == ["department", "escrow"]
    assert sealing_channels.open_mail_answers(paper.sealed, private, reference=paper.reference)
    pdf = printing.pdf(paper, application=application)
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, check=True, capture_output=True
    ).stdout.decode()
    assert PERSON["name"].replace(" ", "") in text.replace(" ", "")
    with pytest.raises(ValueError):
        printing.pdf(paper)


def test_a_paper_prepared_before_encryption_was_turned_on_keeps_no_answers_once_taken_in(
    department: Department, staff: StaffMember
) -> None:
    version = publish_form(department=department, slug="later", schema=MAIL_SCHEMA)
    application, _token = prepared_paper(version)
    assert application.sealed is None and application.answers["name"] == NAME
    private = _seal(version)

    submission = intake.accept(
        staff=staff, text=application.reference, received_on=timezone.localdate()
    )

    application.refresh_from_db()
    assert sealing.is_sealed(submission)
    assert application.answers == {}
    assert sealing.open_submission(submission, private)["answers"]["name"] == NAME


def test_the_card_items_of_a_sealed_mail_in_application_are_not_kept_and_intake_still_works(
    sealed_mail: tuple[FormVersion, dict[str, bytes]], staff: StaffMember
) -> None:
    version, private = sealed_mail
    identity = card_identity(version.form.municipality, name=NAME, address="石川県加賀市秘匿町1-1")
    draft, token = mail_draft(version)
    Draft.objects.filter(pk=draft.pk).update(identity=identity)
    draft.refresh_from_db()

    application = mail_services.prepare(draft=draft, token=token)

    identity.refresh_from_db()
    assert application.identity == identity
    assert identity.basic_four == {}
    assert _found({"address": _forms("秘匿町1-1")}, _database_text()) == set()
    code = paper_code(application, token)
    submission = intake.accept(staff=staff, text=code, received_on=timezone.localdate())
    assert sealing.open_submission(submission, private)["answers"]["name"] == NAME
