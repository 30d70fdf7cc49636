"""The LGWAN node's pull source, shared by the pull, return and correction tests."""

from __future__ import annotations

import pytest

from madoguchi.integrations.models import PullSource


@pytest.fixture
def source() -> PullSource:
    return PullSource.objects.create(
        name="internet", base_url="https://relay.example.lg.jp", client_id="mdg_lgwan"
    )
