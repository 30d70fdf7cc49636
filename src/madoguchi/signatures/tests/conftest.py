"""Signed bundles made the way the signing flow makes them, with devidp's demo cards."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from madoguchi.core import events
from madoguchi.demo.services import connect_demo_identity_providers
from madoguchi.forms.models import FormVersion
from madoguchi.signatures.evidence import SignedDocument, build_cms
from madoguchi.signatures.models import BUNDLE_FORMAT
from madoguchi.simulators.idp import authorities, pki
from madoguchi.simulators.idp.residents import get_resident
from madoguchi.submissions import document as canonical
from madoguchi.testing.factories import DepartmentFactory, MunicipalityFactory, publish_form

from .live import SCHEMA


def demo_document(created_at: datetime | None = None, **answers: Any) -> bytes:
    return canonical.canonical_bytes(
        canonical.submission_document(
            municipality="172065",
            form="gentsuki-haisha",
            form_version=1,
            form_version_id=1,
            answers={"owner_name": "加賀 太郎", **answers},
            attachments=[{"field": "photo", "name": "plate.jpg", "size": 10, "sha256": "0" * 64}],
            created_at=created_at or timezone.now(),
        )
    )


def signed_by(
    resident_id: str, document: bytes, *, checked_at: datetime | None = None
) -> SignedDocument:
    """``document`` signed with the demo resident's card, as the card and the server would."""
    card = authorities.card(get_resident(resident_id))
    hierarchy = authorities.test_pki()
    checked = checked_at or timezone.now()
    crls = [authorities.crl_for("sign", now=checked), authorities.crl_for("root", now=checked)]
    return SignedDocument(
        document=document,
        created_at=canonical.created_at_of(canonical.parse_document(document)),
        signature=card.signing_key.sign(document, padding.PKCS1v15(), hashes.SHA256()),
        certificate=card.signing_certificate,
        chain=[hierarchy.sign.certificate, hierarchy.root.certificate],
        crls=crls,
        validation={"status": "valid", "checked_at": checked.isoformat(), "path": []},
    )


def bundle_of(signed: SignedDocument) -> dict[str, Any]:
    """What SignatureEvidence.bundle() returns for this signature."""
    return {
        "format": BUNDLE_FORMAT,
        "document_sha256": hashlib.sha256(signed.document).hexdigest(),
        "cms": base64.b64encode(build_cms(signed)).decode(),
        "certificate": base64.b64encode(signed.certificate_der).decode(),
        "crls": [base64.b64encode(pki.to_der(c)).decode() for c in signed.crls],
        "validation": signed.validation,
    }


def a_minute_later(moment: datetime) -> datetime:
    return moment + timedelta(minutes=1)


@pytest.fixture
def recorded() -> Iterator[list[tuple[str, str, str, dict[str, str]]]]:
    seen: list[tuple[str, str, str, dict[str, str]]] = []

    def listen(event: events.Event, actor: str, subject: str, detail: dict[str, str]) -> None:
        seen.append((str(event), actor, subject, detail))

    events.subscribe(listen)
    yield seen
    events._subscribers.remove(listen)


@pytest.fixture
def version(transactional_db: None, live_server: Any) -> Iterator[FormVersion]:
    cache.clear()  # discovery documents of an earlier live server
    municipality = MunicipalityFactory(lg_code="172065", name="加賀市")
    department = DepartmentFactory(municipality=municipality)
    connect_demo_identity_providers(live_server.url)
    yield publish_form(department=department, slug="gentsuki", schema=SCHEMA)
    cache.clear()


@pytest.fixture
def browser(live_server: Any) -> Client:
    return Client(HTTP_HOST=urlsplit(live_server.url).netloc, HTTP_ACCEPT_LANGUAGE="en")
