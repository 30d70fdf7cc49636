"""Test data for staff-assisted entry at the counter (書かない窓口) and printing there.

Two procedures a resident who moves in does in one visit: 転入届 (offered at the counter and
by post, signed by hand, with a document checked at the counter) and 児童手当 (counter
only). Both take the basic four items from the person (``prefill``) and ask the phone
number, so the second starts with what the first was told.
"""

from __future__ import annotations

from typing import Any

from madoguchi.counter import services as counter_services
from madoguchi.counter.models import Visit
from madoguchi.forms.models import FormVersion
from madoguchi.tenants.models import Department, StaffMember

from .factories import publish_form

PERSON: dict[str, str] = {
    "name": "加賀 太郎",
    "address": "石川県加賀市大聖寺南町ニ41",
    "birth_date": "1985-04-01",
    "sex": "male",
}

# The person page's post for PERSON, as the clerk types it (和暦 parts for the date).
PERSON_POST: dict[str, str] = {
    "name": "加賀 太郎",
    "address": "石川県加賀市大聖寺南町ニ41",
    "birth_date__era": "showa",
    "birth_date__year": "60",
    "birth_date__month": "4",
    "birth_date__day": "1",
    "sex": "male",
}

_SEX = {
    "key": "sex",
    "type": "choice",
    "label": {"ja": "性別", "en": "Sex"},
    "required": True,
    "prefill": "sex",
    "options": [
        {"value": "male", "label": {"ja": "男", "en": "Male"}},
        {"value": "female", "label": {"ja": "女", "en": "Female"}},
    ],
}

MOVING_IN_SCHEMA: dict[str, Any] = {
    "title": {"ja": "転入届", "en": "Notification of moving in"},
    "channels": ["online", "counter", "mail"],
    "mail": {
        "enclosures": [{"ja": "転出証明書", "en": "Certificate of moving out"}],
        "handwritten_signature": True,
    },
    "applicant_name_field": "name",
    "steps": [
        {
            "key": "applicant",
            "title": {"ja": "届出人", "en": "Applicant"},
            "fields": [
                {
                    "key": "name",
                    "type": "text",
                    "label": {"ja": "氏名", "en": "Name"},
                    "required": True,
                    "prefill": "name",
                },
                {
                    "key": "birth_date",
                    "type": "date",
                    "label": {"ja": "生年月日", "en": "Date of birth"},
                    "required": True,
                    "prefill": "birth_date",
                },
                _SEX,
                {
                    "key": "postal_code",
                    "type": "postal_code",
                    "label": {"ja": "郵便番号", "en": "Postal code"},
                    "address_field": "address",
                },
                {
                    "key": "address",
                    "type": "text",
                    "label": {"ja": "新しい住所", "en": "New address"},
                    "required": True,
                    "prefill": "address",
                },
                {
                    "key": "phone",
                    "type": "phone",
                    "label": {"ja": "電話番号", "en": "Phone"},
                    "required": True,
                },
            ],
        },
        {
            "key": "moving",
            "title": {"ja": "異動の内容", "en": "The move"},
            "fields": [
                {
                    "key": "previous_address",
                    "type": "text",
                    "label": {"ja": "前の住所", "en": "Previous address"},
                    "required": True,
                },
                {
                    "key": "moved_on",
                    "type": "date",
                    "label": {"ja": "異動日", "en": "Date of the move"},
                    "required": True,
                },
                {
                    "key": "certificate",
                    "type": "file",
                    "label": {"ja": "転出証明書", "en": "Certificate of moving out"},
                    "required": True,
                },
            ],
        },
    ],
}

CHILD_ALLOWANCE_SCHEMA: dict[str, Any] = {
    "title": {"ja": "児童手当認定請求", "en": "Child allowance claim"},
    "channels": ["online", "counter"],
    "applicant_name_field": "claimant",
    "steps": [
        {
            "key": "claimant",
            "title": {"ja": "請求者", "en": "Claimant"},
            "fields": [
                {
                    "key": "claimant",
                    "type": "text",
                    "label": {"ja": "請求者氏名", "en": "Claimant"},
                    "required": True,
                    "prefill": "name",
                },
                {
                    "key": "claimant_address",
                    "type": "text",
                    "label": {"ja": "住所", "en": "Address"},
                    "required": True,
                    "prefill": "address",
                },
                {
                    "key": "tel",
                    "type": "phone",
                    "label": {"ja": "日中の連絡先", "en": "Daytime phone"},
                    "required": True,
                },
            ],
        },
        {
            "key": "child",
            "title": {"ja": "児童", "en": "Child"},
            "fields": [
                {
                    "key": "child_name",
                    "type": "text",
                    "label": {"ja": "児童の氏名", "en": "Child's name"},
                    "required": True,
                },
                {
                    "key": "child_birth_date",
                    "type": "date",
                    "label": {"ja": "児童の生年月日", "en": "Child's date of birth"},
                    "required": True,
                },
            ],
        },
    ],
}

# An online-only form: never listed at the counter.
ONLINE_ONLY_SCHEMA: dict[str, Any] = {
    "title": {"ja": "粗大ごみ収集申込", "en": "Bulky waste collection"},
    "steps": [
        {
            "key": "main",
            "title": {"ja": "申込", "en": "Request"},
            "fields": [{"key": "item", "type": "text", "label": "品目", "required": True}],
        }
    ],
}

# The clerk's post of the 転入届 page for PERSON (the card items as typed, then the rest).
MOVING_IN_POST: dict[str, str] = {
    "name": PERSON["name"],
    "birth_date__era": "seireki",
    "birth_date__year": "1985",
    "birth_date__month": "4",
    "birth_date__day": "1",
    "sex": "male",
    "address": PERSON["address"],
    "phone": "0761-72-1111",
    "previous_address": "東京都千代田区霞が関1-1",
    "moved_on__era": "seireki",
    "moved_on__year": "2026",
    "moved_on__month": "4",
    "moved_on__day": "1",
}


def counter_procedures(department: Department) -> tuple[FormVersion, FormVersion]:
    """転入届 and 児童手当 published in ``department`` (and an online-only form beside them)."""
    moving_in = publish_form(department=department, slug="tennyu", schema=MOVING_IN_SCHEMA)
    allowance = publish_form(
        department=department, slug="jidou-teate", schema=CHILD_ALLOWANCE_SCHEMA
    )
    publish_form(department=department, slug="sodaigomi", schema=ONLINE_ONLY_SCHEMA)
    return moving_in, allowance


def visit_of(staff: StaffMember, *, counter_name: str = "3番窓口") -> Visit:
    """A visit opened by ``staff`` at ``counter_name``, nobody identified yet."""
    return counter_services.open_visit(clerk=staff, counter_name=counter_name)
