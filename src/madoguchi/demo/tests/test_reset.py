"""`madoguchi demo --reset` reloads the demo after the channels were used."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from madoguchi.counter.models import Preregistration, Visit
from madoguchi.mailin import services as mail_services
from madoguchi.mailin.models import MailApplication
from madoguchi.tenants.models import Department
from madoguchi.testing.counter import checked_in, counter_draft, counter_form, preregistration


@pytest.mark.django_db
def test_reset_reloads_after_a_counter_visit_a_pre_registration_and_a_mail_in_paper(
    demo_data: None,
) -> None:
    version = counter_form(department=Department.objects.get(code="chuo-shimin"))
    checked_in(version)
    preregistration(version)
    mail_services.prepare(draft=counter_draft(version)[0])
    assert MailApplication.objects.exists()

    call_command("demo", "--reset", stdout=StringIO())

    assert not Visit.objects.exists()
    assert not Preregistration.objects.exists()
    assert not MailApplication.objects.exists()
    assert Department.objects.filter(code="chuo-shimin").exists()
