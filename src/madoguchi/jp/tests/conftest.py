"""Make Django's translation machinery usable for these pure-function tests.

Error messages are lazy translations; rendering one (``str(err)``) needs
settings. Under the project's pytest configuration pytest-django has already
set up the test settings and nothing happens here. When this package is tested
on its own, with no settings module, a minimal configuration without i18n is
enough, because these tests only check that messages render, not their wording
in Japanese.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import django
import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

if not os.environ.get("DJANGO_SETTINGS_MODULE") and not settings.configured:
    settings.configure(USE_I18N=False)
if not apps.ready:
    django.setup()


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """These tests read messages in English, whatever an earlier test left activated."""
    with translation.override("en"):
        yield
