"""factory_boy factories. Data is realistic so tests read like the city's real work."""

from __future__ import annotations

import hashlib
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.forms import services as form_services
from madoguchi.forms.models import Form, FormVersion
from madoguchi.forms.schema import FormSchema
from madoguchi.identity.models import Assurance, IdentityProvider, VerifiedIdentity
from madoguchi.jp.lgcode import check_digit
from madoguchi.payments.models import Payment, Purpose
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Attachment, Submission
from madoguchi.tenants.models import Department, Municipality, StaffMember, StaffRole

STAFF_PASSWORD = "correct-horse-battery-staple"  # noqa: S105
TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238 test secret


def _lg_code(n: int) -> str:
    first_five = f"{(17000 + n) % 100000:05d}"
    return first_five + str(check_digit(first_five))


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("lg_code",)

    lg_code = factory.Sequence(_lg_code)
    name = factory.Sequence(lambda n: f"テスト市{n}")
    name_en = factory.Sequence(lambda n: f"Test City {n}")
    prefecture = "石川県"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"第{n}課")
    name_en = factory.Sequence(lambda n: f"Division {n}")
    phone = "0761-72-1111"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    password = factory.django.Password(STAFF_PASSWORD)


class StaffFactory(factory.django.DjangoModelFactory):
    """A staff member with a confirmed TOTP device using :data:`TOTP_KEY`."""

    class Meta:
        model = StaffMember
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    role = StaffRole.DEPARTMENT_STAFF

    @factory.post_generation
    def departments(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.departments.set(extracted)

    @factory.post_generation
    def totp(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted is not False:
            TOTPDevice.objects.create(user=self.user, name="test", confirmed=True, key=TOTP_KEY)


SIMPLE_SCHEMA: dict[str, Any] = {
    "title": {"ja": "テスト申請", "en": "Test application"},
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
                },
                {
                    "key": "name_kana",
                    "type": "kana",
                    "label": {"ja": "フリガナ", "en": "Reading"},
                    "required": True,
                },
                {"key": "email", "type": "email", "label": "メールアドレス", "confirmation": True},
            ],
        },
        {
            "key": "details",
            "title": {"ja": "内容", "en": "Details"},
            "fields": [
                {
                    "key": "method",
                    "type": "choice",
                    "label": "方法",
                    "required": True,
                    "options": [
                        {"value": "visit", "label": "来所"},
                        {"value": "online", "label": "オンライン"},
                    ],
                },
                {
                    "key": "online_tool",
                    "type": "text",
                    "label": "利用するツール",
                    "visible_if": {"==": [{"var": "method"}, "online"]},
                    "required_if": {"==": [{"var": "method"}, "online"]},
                },
                {"key": "visit_date", "type": "date", "label": "希望日"},
                {"key": "count", "type": "number", "label": "人数", "min": 1, "max": 10},
            ],
        },
    ],
}


def publish_form(
    *,
    department: Department | None = None,
    slug: str = "test-form",
    schema: dict[str, Any] | None = None,
) -> FormVersion:
    owner: Department = department or DepartmentFactory()  # type: ignore[assignment]
    form = Form.objects.create(municipality=owner.municipality, department=owner, slug=slug)
    return form_services.publish(
        form=form, schema=FormSchema.model_validate(schema or SIMPLE_SCHEMA)
    )


# Answers that satisfy SIMPLE_SCHEMA, as a resident would type them.
SIMPLE_ANSWERS: dict[str, Any] = {
    "name": "加賀 太郎",
    "name_kana": "カガ タロウ",
    "email": "taro@example.jp",
    "method": "visit",
}


def submit_application(
    form_version: FormVersion, *, language: str = "ja", **answers: Any
) -> Submission:
    """A submission made the way the API makes it: validated, numbered, recorded."""
    return submission_services.submit_answers(
        form_version=form_version, raw=SIMPLE_ANSWERS | answers, language=language
    )


def attach_file(
    submission: Submission, name: str, content: bytes, *, field_key: str = "documents"
) -> Attachment:
    """A PDF the resident attached, stored through the default storage with its SHA-256."""
    return Attachment.objects.create(
        submission=submission,
        field_key=field_key,
        file=ContentFile(content, name="upload.pdf"),
        name=name,
        size=len(content),
        content_type="application/pdf",
        sha256=hashlib.sha256(content).hexdigest(),
    )


class PaymentFactory(factory.django.DjangoModelFactory):
    """A card payment as the provider's webhook leaves it: paid, with its fee and 領収書番号.

    Give ``submission`` (its city and department follow); without one, a new form of a new
    city gets an application. ``provider_fee`` is 3.6% (rounded down), ``net`` what remains.
    """

    class Meta:
        model = Payment

    submission = factory.LazyFunction(lambda: submit_application(publish_form()))
    municipality = factory.LazyAttribute(lambda p: p.submission.municipality)
    department = factory.LazyAttribute(lambda p: p.submission.form_version.form.department)
    purpose = Purpose.ON_SUBMISSION
    amount = 300
    status = PaymentStatus.PAID
    provider = "stripe"
    account = factory.LazyAttribute(lambda p: p.municipality.lg_code)
    provider_reference = factory.Sequence(lambda n: f"pi_test_{n:08d}")
    method = "card"
    provider_fee = factory.LazyAttribute(lambda p: p.amount * 36 // 1000)
    net = factory.LazyAttribute(lambda p: p.amount - p.provider_fee)
    created_at = factory.LazyFunction(timezone.now)
    paid_at = factory.LazyAttribute(lambda p: p.created_at)
    receipt_serial = factory.LazyAttributeSequence(
        lambda p, n: f"R-{p.municipality.lg_code}-2026-{n:06d}"
    )
    lines = factory.LazyAttribute(
        lambda p: [
            {
                "key": "fee",
                "label": {"ja": "手数料", "en": "Fee"},
                "unit_amount": p.amount,
                "quantity": 1,
                "amount": p.amount,
                "taxable": False,
                "tax_rate": 0,
                "tax": 0,
            }
        ]
    )


def card_identity(municipality: Municipality, **basic_four: str) -> VerifiedIdentity:
    """A person verified with the My Number Card through the city's デジタル認証アプリ provider,
    with these card items (基本4情報)."""
    now = timezone.now()
    return VerifiedIdentity.objects.create(
        provider=IdentityProvider.objects.create(
            municipality=municipality,
            key="card",
            kind="digital_auth_app",
            name="デジタル認証アプリ",
            assurance=Assurance.MYNUMBER_CARD,
            issuer="https://idp.example.jp",
            client_id="madoguchi",
        ),
        subject="person-1",
        assurance=Assurance.MYNUMBER_CARD,
        basic_four=basic_four,
        authenticated_at=now,
        verified_at=now,
    )
