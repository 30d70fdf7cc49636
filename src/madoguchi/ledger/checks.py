"""``madoguchi check --deploy``: the ledger cannot sign checkpoints without its key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def signing_key_present(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if getattr(settings, "MADOGUCHI_LEDGER_GENERATE_KEY", False):
        return []
    from madoguchi.ledger.checkpoint import key_file

    if key_file().is_file():
        return []
    return [
        checks.Error(
            f"The audit ledger's signing key {key_file()} does not exist.",
            hint="Create it with `openssl genpkey -algorithm ed25519 -out <file>` (mode 0600) "
            "and set MADOGUCHI_LEDGER_KEY_FILE; see docs/trust.md.",
            id="ledger.E001",
        )
    ]
