"""The channels a procedure's receipts come through, and which of them are smart.

Kobe's coverage rate (カバー率) = receipts through smart channels ÷ receipts of all target
procedures. Smart (スマート手続) is: online (Madoguchi or a national service such as ぴったり
サービス), a mail-in application made with the web form (郵送申請書作成支援), and a counter
visit pre-registered online (書かない窓口の事前登録). A handwritten paper, posted or filled in at
the counter, is not.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VolumeChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    NATIONAL = "national", _("National online service (e.g. Pittari)")
    MAIL_WEB = "mail_web", _("Mail-in made with the web form")
    COUNTER_PREREG = "counter_prereg", _("Counter, pre-registered online")
    COUNTER_PAPER = "counter_paper", _("Counter, paper form")
    MAIL_PAPER = "mail_paper", _("Mail-in, paper form")


SMART: frozenset[str] = frozenset(
    {
        VolumeChannel.ONLINE,
        VolumeChannel.NATIONAL,
        VolumeChannel.MAIL_WEB,
        VolumeChannel.COUNTER_PREREG,
    }
)


class OfferedChannel(models.TextChoices):
    """How a resident can do the procedure today (the inventory's 手続の方法)."""

    ONLINE = "online", _("Online (Madoguchi)")
    NATIONAL = "national", _("National online service (e.g. Pittari)")
    MAIL_WEB = "mail_web", _("Mail-in made with the web form")
    COUNTER_PREREG = "counter_prereg", _("Counter with online pre-registration")
    PAPER_ONLY = "paper_only", _("Paper only (counter or post)")
