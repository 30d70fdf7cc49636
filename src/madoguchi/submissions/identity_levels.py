"""How the applicant's identity was checked: the codes of ``Submission.identity_level`` and
their labels, in one place for every page, export and receipt that names them.

The online channel stores the verified identity's assurance (``identity.models.Assurance``:
``account``, ``mynumber``) or ``none``; the counter channel stores the visit's
(``counter.models.Assurance``: ``counter_visual``, ``counter_card``), which this lower app
names here without importing the counter app. A code this module does not know (a value a
newer version wrote) is shown as the code itself, never as "none".
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = ["IdentityLevel", "choices", "label"]


class IdentityLevel(models.TextChoices):
    NONE = "none", _("None (self-declared)")
    ACCOUNT = "account", _("Verified (account)")
    MYNUMBER = "mynumber", _("Verified (My Number Card)")
    # 窓口・目視確認（本人確認書類）: identity documents shown at the counter, checked by eye.
    COUNTER_VISUAL = "counter_visual", _("At the counter: identity documents checked by eye")
    # 窓口・カード読取（券面事項入力補助AP＋利用者証明）: the basic four items read from the
    # card, and the card proved genuine and unrevoked by a JPKI authentication signature.
    # The context keeps this label apart from the counter screen's shorter one.
    COUNTER_CARD = (
        "counter_card",
        pgettext_lazy(
            "identity level",
            "At the counter: My Number Card read (card info AP + JPKI authentication)",
        ),
    )


def label(level: str) -> str:
    """The label of ``level`` in the active language; an unknown code as it is."""
    try:
        return str(IdentityLevel(level).label)
    except ValueError:
        return level


def choices() -> list[tuple[str, str]]:
    """Every level with its label in the active language, in a stable order (filters)."""
    return [(level.value, str(level.label)) for level in IdentityLevel]
