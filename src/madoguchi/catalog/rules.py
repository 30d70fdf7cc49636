"""The inventory's rules on one procedure, shared by the edit page and the hearing sheet."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from .channels import OfferedChannel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def exclusion_problem(*, target: bool, reason: str) -> StrOrPromise | None:
    """An excluded procedure says why (the coverage rate leaves it out: that must be explained)."""
    if not target and not reason.strip():
        return _("Give the reason why the procedure is excluded.")
    return None


def channels_problem(channels: Collection[str]) -> StrOrPromise | None:
    """At least one way to do it; "paper only" excludes every other way."""
    if not channels:
        return _("Choose at least one way to do the procedure.")
    if OfferedChannel.PAPER_ONLY in channels and len(channels) > 1:
        return _("“Paper only” cannot be combined with another way.")
    return None
