"""Two nodes on one machine, end to end (issue 20, item 4).

The internet node is a real server in a subprocess with its own database and role
``internet``; a TCP relay forwards LGWAN → internet only; the LGWAN node is this test
process (its database, role ``lgwan``). A resident applies on the internet node over HTTP
with encryption on; the internet node sends the department's signed webhook (ids only) to a
receiver on loopback (the department's receiving system, not the LGWAN node: nothing is
sent to that); ``lgwan_sync`` pulls the application through the relay, decrypts it and
stores it in clear here; staff approve it here; ``lgwan_sync`` pushes the status; the
resident sees it on the internet node's status page with the access history. The internet
node's database never holds the answers in clear.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import translation
from standardwebhooks import Webhook

from madoguchi.forms.models import FormVersion
from madoguchi.forms.schema import FormSchema
from madoguchi.integrations import crypto, push
from madoguchi.integrations.keyring import Keyring
from madoguchi.integrations.models import (
    FeedKind,
    MirroredCorrection,
    MirroredSubmission,
    PendingPush,
    PullSource,
)
from madoguchi.integrations.pull import SourceClient
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.testing.factories import (
    DepartmentFactory,
    MunicipalityFactory,
    StaffFactory,
    publish_form,
)
from madoguchi.testing.files import pdf_bytes
from madoguchi.testing.nodes import InternetNode, Relay, internet_node, relay_to
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db(transaction=True)

LG_CODE = "172065"
DEPARTMENT = "kosodate"
FORM = "jido-teate"
PASSPHRASE = "lgwan-keyring-passphrase-for-tests"
NAME = "加賀 花子"
EMAIL = "hanako.kaga@example.jp"
PDF = pdf_bytes("juminhyo 2026")
NEW_NAME = "加賀 華子"
NEW_PDF = pdf_bytes("juminhyo 2026-12")
SCHEMA = {
    "title": {"ja": "児童手当の申請", "en": "Child allowance"},
    "applicant_name_field": "name",
    "steps": [
        {
            "key": "applicant",
            "title": {"ja": "申請者", "en": "Applicant"},
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "required": True},
                {"key": "email", "type": "email", "label": "メール", "confirmation": True},
                {"key": "documents", "type": "file", "label": "住民票", "required": True},
            ],
        }
    ],
}

SEED = """
import json
from madoguchi.integrations import clients_services, key_services, webhook_services
from madoguchi.integrations.models import ClientScope, KeyPurpose
from madoguchi.tenants.models import StaffRole
from madoguchi.testing.factories import DepartmentFactory, MunicipalityFactory, StaffFactory
from madoguchi.testing.factories import publish_form
city = MunicipalityFactory(lg_code="{lg_code}", name="加賀市", name_en="Kaga City")
department = DepartmentFactory(municipality=city, code="{department}")
publish_form(department=department, slug="{form}", schema=json.loads({schema!r}))
admin = StaffFactory(municipality=city, role=StaffRole.MUNICIPALITY_ADMIN, totp=False)
issued = clients_services.register_client(
    staff=admin, name="LGWAN node", departments=[department], forms=[],
    scope=ClientScope.READ_STATUS,
)
key_services.register_key(
    municipality=city, public_key="{department_key}", purpose=KeyPurpose.DEPARTMENT,
    department=department, by=admin,
)
key_services.register_key(
    municipality=city, public_key="{escrow_key}", purpose=KeyPurpose.ESCROW, by=admin
)
key_services.set_policy(municipality=city, enabled=True, by=admin)
endpoint = webhook_services.create_endpoint(
    staff=admin, department=department, url="{webhook_url}", event_types=[],
    description="基幹システム",
)
print(json.dumps({{
    "client_id": issued.client.client_id, "secret": issued.secret,
    "webhook_secret": endpoint.secret,
}}))
"""


@dataclass
class Receiver:
    """The department's webhook receiver on loopback: verifies each request with the
    ``standardwebhooks`` library (the secret is set once the internet node made it)."""

    server: ThreadingHTTPServer
    secret: str = ""
    received: list[tuple[dict[str, str], bytes, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def first(self, kind: str, status: str = "") -> tuple[dict[str, str], bytes, Any]:
        deadline = time.monotonic() + 10
        while True:
            found = [
                r
                for r in self.received
                if r[2]["type"] == kind and status in ("", r[2]["data"]["status"])
            ]
            if found:
                return found[0]
            if self.refused or time.monotonic() > deadline:
                pytest.fail(f"no verified {kind} webhook: {self.refused}")
            time.sleep(0.05)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver(server=ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                payload = Webhook(made.secret).verify(body, headers)
            except Exception as error:  # a wrong signature fails the test
                made.refused.append(str(error))
                self.send_response(400)
            else:
                made.received.append((headers, body, payload))
                self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    made.server.RequestHandlerClass = Handler
    threading.Thread(target=made.server.serve_forever, args=(0.05,), daemon=True).start()
    yield made
    made.server.shutdown()
    made.server.server_close()
    assert made.refused == [], "a webhook did not verify"


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    """The LGWAN node's keyring with the department's private key (generated here)."""
    ring = Keyring(tmp_path / "keyring", PASSPHRASE.encode())
    private, _public = crypto.generate_keypair()
    ring.add(private)
    return ring


@pytest.fixture
def nodes(
    tmp_path: Path, keyring: Keyring, receiver: Receiver
) -> Iterator[tuple[InternetNode, Relay, dict[str, str]]]:
    (tmp_path / "internet").mkdir()
    _escrow_private, escrow_public = crypto.generate_keypair()
    department_public = crypto.public_from_private(next(iter(keyring.private_keys.values())))
    setup = SEED.format(
        lg_code=LG_CODE,
        department=DEPARTMENT,
        form=FORM,
        department_key=crypto.b64encode(department_public),
        escrow_key=crypto.b64encode(escrow_public),
        schema=json.dumps(SCHEMA, ensure_ascii=False),
        webhook_url=receiver.url,
    )
    with internet_node(tmp_path / "internet", setup=setup) as node, relay_to(node.url) as relay:
        client = json.loads(node.setup_output.strip().splitlines()[-1])
        receiver.secret = client.pop("webhook_secret")
        yield node, relay, client


def _lgwan_settings(relay: Relay, client: dict[str, str], keyring: Keyring) -> Any:
    return override_settings(
        MADOGUCHI_NODE_ROLE="lgwan",
        MADOGUCHI_PULL_SOURCES=[
            {"name": "internet", "base_url": relay.url, **client},
        ],
        MADOGUCHI_KEYRING_DIR=str(keyring.directory),
        MADOGUCHI_KEYRING_PASSPHRASE=PASSPHRASE,
    )


def _csrf(page: requests.Response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, page.text[:2000]
    return found.group(1)


def _apply_on_the_web(node: InternetNode) -> str:
    """Start, fill the one step with a file, send: as a resident's browser does without
    JavaScript. The receipt number shown on the confirmation page."""
    browser = requests.Session()
    browser.headers["Accept-Language"] = "ja"
    start = browser.get(f"{node.url}/{LG_CODE}/{FORM}/", timeout=30)
    step = browser.post(start.url, data={"csrfmiddlewaretoken": _csrf(start)}, timeout=30)
    assert "/step/" in step.url, step.text[:2000]
    review = browser.post(
        step.url,
        data={"csrfmiddlewaretoken": _csrf(step), "name": NAME, "email": EMAIL, "action": "next"},
        files={"documents": ("juminhyo.pdf", PDF, "application/pdf")},
        timeout=30,
    )
    assert "/review/" in review.url, review.text[:3000]
    done = browser.post(review.url, data={"csrfmiddlewaretoken": _csrf(review)}, timeout=30)
    assert "/done/" in done.url, done.text[:3000]
    found = re.search(rf"{LG_CODE}-\d{{4}}-\d{{6}}", done.text)
    assert found, done.text[:3000]
    return found.group(0)


def node_definition(node: InternetNode) -> Any:
    """The form version's definition as the internet node published it (publish_form)."""
    return FormSchema.model_validate(SCHEMA).model_dump(mode="json", exclude_none=True)


def _correct_on_the_web(node: InternetNode) -> None:
    """The resident opens the correction link of the email and sends a new name and file."""
    deadline = time.monotonic() + 10
    while True:
        found = re.findall(r"(/correct/[A-Za-z0-9_\-]+/)", node.output().replace("=\n", ""))
        if found:
            break
        if time.monotonic() > deadline:
            pytest.fail("no correction email on the internet node")
        time.sleep(0.1)
    browser = requests.Session()
    browser.headers["Accept-Language"] = "ja"
    page = browser.get(node.url + found[-1], timeout=30)
    assert page.status_code == 200, page.text[:2000]
    sent = browser.post(
        page.url,
        data={"csrfmiddlewaretoken": _csrf(page), "name": NEW_NAME},
        files={"documents": ("juminhyo-2026-12.pdf", NEW_PDF, "application/pdf")},
        timeout=30,
    )
    assert "/done/" in sent.url, sent.text[:3000]


def _status_link(node: InternetNode) -> str:
    """The status page link of the confirmation email, as the resident got it."""
    deadline = time.monotonic() + 10
    while True:
        found = re.findall(r"(/status/[A-Za-z0-9_\-]+/)", node.output().replace("=\n", ""))
        if found:
            return node.url + found[-1]
        if time.monotonic() > deadline:
            pytest.fail("no confirmation email with a status link on the internet node")
        time.sleep(0.1)


def test_an_application_goes_to_the_lgwan_node_in_clear_and_its_approval_comes_back(
    nodes: tuple[InternetNode, Relay, dict[str, str]], keyring: Keyring, receiver: Receiver
) -> None:
    started = time.monotonic()
    node, relay, client = nodes
    # The city and the department are set up here; the form is published on the internet
    # node only: its version comes with the first application that names it.
    department = DepartmentFactory(
        municipality=MunicipalityFactory(lg_code=LG_CODE), code=DEPARTMENT
    )
    staff = StaffFactory(municipality=department.municipality, departments=[department])

    # A resident applies on the internet node's form pages, with a file, encryption on.
    receipt_number = _apply_on_the_web(node)
    status_url = _status_link(node)

    # The internet node sends the department's webhook once the submission commits: signed
    # (verified with the library by the receiver), ids only.
    headers, body, payload = receiver.first(FeedKind.SUBMITTED)
    assert headers["webhook-id"].startswith("msg_")
    assert payload["data"]["receipt_number"] == receipt_number
    assert payload["data"]["department"] == DEPARTMENT and payload["data"]["form"] == FORM
    for personal in (NAME, EMAIL, "juminhyo"):
        assert personal not in body.decode()

    # Without the department's private key the run stops: nothing stored, cursor kept.
    empty = Keyring(keyring.directory.parent / "empty-keyring", PASSPHRASE.encode())
    with _lgwan_settings(relay, client, empty), pytest.raises(CommandError):
        call_command("lgwan_sync", stderr=StringIO())
    source = PullSource.objects.get(name="internet")
    assert source.cursor == 0
    assert source.last_error.startswith("none of the private keys opens this payload")
    assert not Submission.objects.exists()

    # With it, the LGWAN node pulls the application through the relay and holds it in clear.
    with _lgwan_settings(relay, client, keyring):
        call_command("lgwan_sync")
    local = Submission.objects.get(receipt_number=receipt_number)
    assert str(local.public_id) == payload["data"]["id"]  # the application the webhook named
    installed = FormVersion.objects.get(form__slug=FORM)
    assert installed.form.department == department and installed.number == 1
    assert installed.definition == node_definition(node) and installed.form.current_version
    assert local.form_version == installed
    assert local.answers["name"] == NAME
    assert local.applicant_name == NAME
    assert local.contact_email == ""  # the internet node emails the resident, not this one
    (attachment,) = local.attachments.all()
    assert attachment.file.read() == PDF
    assert attachment.name == "juminhyo.pdf"
    assert local.answers["documents"][0]["id"] == attachment.pk
    assert local.status == Status.RECEIVED
    assert MirroredSubmission.objects.get(submission=local).remote_public_id == local.public_id
    source = PullSource.objects.get(name="internet")
    assert source.cursor > 0 and source.last_error == ""
    assert relay.connections >= 1

    # Staff here return it for correction (差し戻し): the run takes it to the internet node's
    # returns endpoint, which emails the resident a link; the resident corrects the name and
    # sends a new file there, sealed again; the next run opens the correction here with the
    # keyring and applies it to the local application, its history kept.
    with _lgwan_settings(relay, client, keyring):
        correction, _token = workflow.return_for_correction(
            submission=local,
            staff=staff,
            reason="住民票の写しが古いものです",
            fields=["name", "documents"],
        )
        call_command("lgwan_sync")
    returned = PendingPush.objects.get()
    assert returned.pushed_at is not None and returned.last_error == ""
    assert MirroredCorrection.objects.get(correction=correction).applied_at is None
    _correct_on_the_web(node)
    _headers, resent_body, resent = receiver.first(FeedKind.RESUBMITTED)
    assert resent["data"]["id"] == payload["data"]["id"]
    assert NEW_NAME not in resent_body.decode()
    with _lgwan_settings(relay, client, keyring):
        call_command("lgwan_sync")
    local.refresh_from_db()
    assert local.status == Status.RESUBMITTED
    assert local.answers["name"] == NEW_NAME
    (new_file,) = local.attachments.all()
    assert new_file.file.read() == NEW_PDF and new_file.name == "juminhyo-2026-12.pdf"
    assert local.answers["documents"][0]["id"] == new_file.pk
    correction.refresh_from_db()
    assert correction.resubmitted_at is not None and correction.previous_answers["name"] == NAME
    assert MirroredCorrection.objects.get(correction=correction).applied_at is not None
    assert not push.waiting([local.pk]).exists()  # the resend is not pushed back
    page = log_in_staff(staff, language="ja").get(f"/staff/submissions/{receipt_number}/")
    assert page.status_code == 200 and NEW_NAME in page.content.decode()

    # Staff review and approve it on the LGWAN node; the next run pushes both steps.
    with _lgwan_settings(relay, client, keyring):
        workflow.change_status(submission=local, to_status=Status.IN_REVIEW, staff=staff)
        workflow.change_status(submission=local, to_status=Status.APPROVED, staff=staff)
        assert push.waiting([local.pk]).count() == 2
        call_command("lgwan_sync")
        # Its own changes, read back from the internet node's feed: nothing to fetch.
        echo = StringIO()
        call_command("lgwan_sync", stdout=echo)
    assert "0 new, 0 updated, 0 status changes sent" in echo.getvalue()
    assert not push.waiting([local.pk]).exists()
    assert mail.outbox == []
    local.refresh_from_db()
    assert local.status == Status.APPROVED
    # returned, resubmitted, in review, approved
    assert local.status_changes.count() == 4
    _headers, _body, approved = receiver.first(FeedKind.STATUS_CHANGED, Status.APPROVED)
    assert approved["data"]["id"] == payload["data"]["id"]

    # The resident sees the decision and who took the application on the internet node.
    page = requests.get(status_url, headers={"Accept-Language": "ja"}, timeout=30)
    assert page.status_code == 200
    with translation.override("ja"):
        assert str(Status.APPROVED.label) in page.text
    history = page.text[page.text.index('data-testid="access-history"') :]
    assert "基幹システム" in history, history[:3000]

    # The internet node's database never held the answers in clear.
    assert node.tables_containing(receipt_number)
    assert node.tables_containing(NAME) == []
    assert node.tables_containing(NEW_NAME) == []
    assert node.tables_containing("juminhyo") == []
    stored = [p for p in (node.directory / "media").rglob("*") if p.is_file()]
    assert stored and all(PDF not in p.read_bytes() for p in stored)
    assert all(NEW_PDF not in p.read_bytes() for p in stored)
    assert time.monotonic() - started < 60


def test_the_lgwan_node_serves_no_resident_page(client: Any) -> None:
    department = DepartmentFactory(municipality=MunicipalityFactory(lg_code=LG_CODE))
    publish_form(department=department, slug=FORM)

    with override_settings(MADOGUCHI_NODE_ROLE="lgwan"):
        resident = client.get(f"/{LG_CODE}/{FORM}/")
        api = client.get(f"/api/v1/municipalities/{LG_CODE}/forms/")
        staff_login = client.get("/staff/login/")
        root = client.get("/")

    assert resident.status_code == 404
    assert api.status_code == 404
    assert staff_login.status_code == 200
    assert root.status_code == 302 and root["Location"].startswith("/staff/")
    assert client.get(f"/{LG_CODE}/{FORM}/").status_code == 200  # role single: served


def test_a_correction_resent_before_the_first_pull_reaches_the_lgwan_node(
    nodes: tuple[InternetNode, Relay, dict[str, str]], keyring: Keyring, receiver: Receiver
) -> None:
    """Returned on the internet node by a back-office system and resent (sealed) by the
    resident before the LGWAN node's first run: the first run stores the corrected answers
    and file, not the first ones, with the correction in the local history."""
    started = time.monotonic()
    node, relay, client = nodes
    department = DepartmentFactory(
        municipality=MunicipalityFactory(lg_code=LG_CODE), code=DEPARTMENT
    )
    staff = StaffFactory(municipality=department.municipality, departments=[department])
    receipt_number = _apply_on_the_web(node)
    _headers, _body, payload = receiver.first(FeedKind.SUBMITTED)
    system = SourceClient(base_url=relay.url, **client)
    returned = system.request(
        "POST",
        f"applications/{payload['data']['id']}/returns",
        what="return",
        body={
            "fields": ["name", "documents"],
            "reason": "住民票の写しが古いものです",
            "idempotency_key": "before-the-first-pull",
        },
    )
    assert returned.status_code == 201, returned.text[:2000]
    _correct_on_the_web(node)
    receiver.first(FeedKind.RESUBMITTED)

    with _lgwan_settings(relay, client, keyring):
        call_command("lgwan_sync")

    local = Submission.objects.get(receipt_number=receipt_number)
    assert local.status == Status.RESUBMITTED
    assert local.answers["name"] == NEW_NAME and local.applicant_name == NEW_NAME
    (new_file,) = local.attachments.all()
    assert new_file.file.read() == NEW_PDF and new_file.name == "juminhyo-2026-12.pdf"
    (correction,) = local.corrections.all()
    assert correction.reason == "住民票の写しが古いものです"
    assert correction.previous_answers["name"] == NAME
    assert MirroredCorrection.objects.get(correction=correction).applied_at is not None
    assert not push.waiting([local.pk]).exists()
    page = log_in_staff(staff, language="ja").get(f"/staff/submissions/{receipt_number}/")
    text = page.content.decode()
    assert page.status_code == 200 and NEW_NAME in text and NAME in text
    assert "住民票の写しが古いものです" in text
    assert time.monotonic() - started < 60
