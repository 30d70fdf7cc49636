"""A visit with one application, and card answers made in Python exactly as a card makes
them (PKCS#1 v1.5 over DigestInfo(SHA-256)) with the test PKI's demo cards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding

from madoguchi.counter import services
from madoguchi.counter.models import Visit, VisitApplication
from madoguchi.simulators.idp import authorities
from madoguchi.simulators.idp.residents import card_items, get_resident
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import DepartmentFactory, StaffFactory, publish_form

SCHEMA: dict[str, Any] = {
    "title": {"ja": "窓口テスト申請", "en": "Counter test application"},
    "applicant_name_field": "name",
    "steps": [
        {
            "key": "applicant",
            "title": {"ja": "申請者", "en": "Applicant"},
            "fields": [
                {
                    "key": "name",
                    "type": "text",
                    "label": {"ja": "氏名", "en": "Name"},
                    "required": True,
                    "prefill": "name",
                },
                {
                    "key": "address",
                    "type": "text",
                    "label": {"ja": "住所", "en": "Address"},
                    "required": True,
                    "prefill": "address",
                },
                {
                    "key": "purpose",
                    "type": "text",
                    "label": {"ja": "使いみち", "en": "Purpose"},
                    "required": True,
                },
            ],
        }
    ],
}


@dataclass
class Counter:
    clerk: StaffMember
    visit: Visit
    application: VisitApplication


def a_counter(**answers: Any) -> Counter:
    department: Department = DepartmentFactory()  # type: ignore[assignment]
    clerk: StaffMember = StaffFactory(  # type: ignore[assignment]
        municipality=department.municipality, departments=[department]
    )
    form_version = publish_form(department=department, schema=SCHEMA, slug="counter-test")
    visit = services.open_visit(clerk=clerk, counter_name="3番窓口")
    application = services.add_application(
        visit=visit,
        form_version=form_version,
        answers={"name": "手書き 太郎", "address": "どこか", "purpose": "就職"} | answers,
        clerk=clerk,
    )
    return Counter(clerk=clerk, visit=visit, application=application)


def card_sign(resident_id: str, data: bytes, *, key: str = "auth") -> bytes:
    """What the card answers to SIGN over DigestInfo(SHA-256(data))."""
    card = authorities.card(get_resident(resident_id))
    private = card.auth_key if key == "auth" else card.signing_key
    return private.sign(data, padding.PKCS1v15(), hashes.SHA256())


def auth_certificate_der(resident_id: str) -> bytes:
    return authorities.card(get_resident(resident_id)).auth_certificate.public_bytes(Encoding.DER)


def signing_certificate_der(resident_id: str) -> bytes:
    return authorities.card(get_resident(resident_id)).signing_certificate.public_bytes(
        Encoding.DER
    )


def read_items(resident_id: str) -> dict[str, str]:
    """The basic four items as the agent reads them from the 券面事項入力補助AP."""
    items = card_items(get_resident(resident_id))
    return {
        "name": items.name,
        "address": items.address,
        "birth_date": items.birth_date.isoformat(),
        "sex": {"male": "1", "female": "2"}.get(str(items.sex), "9"),
    }
