from __future__ import annotations

import hashlib

from asn1crypto import algos, tsp
from cryptography import x509
from django.test import Client
from django.urls import reverse

from madoguchi.documents import seal, services
from madoguchi.submissions import resident_session
from madoguchi.submissions.models import Submission


def _sent_from(client: Client, submission: Submission) -> None:
    session = client.session
    resident_session.remember_receipt(session, "token-hash", str(submission.public_id))
    session.save()


def _download_url(submission: Submission) -> str:
    return reverse("documents:receipt_pdf", args=[submission.public_id])


def test_the_browser_that_submitted_downloads_the_receipt(
    client: Client, submission: Submission
) -> None:
    _sent_from(client, submission)

    response = client.get(_download_url(submission))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="receipt-{submission.receipt_number}.pdf"'
    )
    assert "private" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")


def test_every_download_is_the_same_file(client: Client, submission: Submission) -> None:
    _sent_from(client, submission)

    first = client.get(_download_url(submission)).content
    second = client.get(_download_url(submission)).content

    assert first == second


def test_another_browser_gets_not_found(client: Client, submission: Submission) -> None:
    other = Client()
    _sent_from(other, submission)  # someone else's session knows a different submission
    session = client.session
    resident_session.remember_receipt(session, "token-hash", "00000000-0000-0000-0000-000000000000")
    session.save()

    assert client.get(_download_url(submission)).status_code == 404
    assert Client().get(_download_url(submission)).status_code == 404


def test_the_confirmation_page_links_to_the_receipt(client: Client, submission: Submission) -> None:
    _sent_from(client, submission)

    page = client.get(
        reverse("submissions:done", args=[submission.public_id]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert f'href="{_download_url(submission)}"' in page
    assert "Download the receipt (PDF)" in page


def test_the_qr_reference_page_shows_the_hash_and_no_personal_data(
    client: Client, submission: Submission
) -> None:
    url = reverse("documents:reference", args=[submission.public_id])
    assert client.get(url).status_code == 404  # nothing issued yet

    pdf = services.receipt_pdf(submission)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert hashlib.sha256(pdf).hexdigest() in page
    assert submission.receipt_number in page
    assert submission.municipality.name_en in page or submission.municipality.name in page
    for personal in ("加賀 太郎", "カガ タロウ", "taro@example.jp"):
        assert personal not in page


def test_the_trust_page_publishes_the_root_that_verifies_receipts(client: Client, db: None) -> None:
    page = client.get(reverse("documents:trust"))
    pem = client.get(reverse("documents:seal_root"))

    roots = x509.load_pem_x509_certificates(pem.content)
    assert page.status_code == 200
    assert roots == seal.seal_roots()
    assert roots[0].fingerprint(roots[0].signature_hash_algorithm).hex() or True  # type: ignore[arg-type]


def test_the_local_tsa_answers_rfc_3161_requests_in_development(client: Client, db: None) -> None:
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "hashed_message": hashlib.sha256(b"hello").digest(),
            },
            "nonce": 12345,
            "cert_req": True,
        }
    )

    response = client.post(
        reverse("documents:tsa"), request.dump(), content_type="application/timestamp-query"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/timestamp-reply"
    answer = tsp.TimeStampResp.load(response.content)
    assert answer["status"]["status"].native == "granted"
    info = answer["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == hashlib.sha256(b"hello").digest()
    assert info["nonce"].native == 12345
    assert (
        client.post(
            reverse("documents:tsa"), b"junk", content_type="application/timestamp-query"
        ).status_code
        == 400
    )
