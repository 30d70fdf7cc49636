"""How pages show a :class:`~madoguchi.core.refusals.Refused`: one way, whichever service refused.

The message goes where the page shows problems: the messages framework for a redirect, the
form's errors (and so the error summary, each item linking to its field) for a page shown
again. Codes are not shown to people; they are for logs, tests and the API.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext

from .refusals import Refused


def message_of(refused: Refused) -> str:
    """The refusal's message in the active language.

    Some services word refusals as English msgids marked with gettext_noop, others as lazy
    translations; gettext of text already translated returns it unchanged, so both read right.
    """
    return gettext(str(refused.message))


def flash(request: HttpRequest, refused: Refused) -> None:
    """Show the refusal on the next page (after a redirect)."""
    messages.error(request, message_of(refused))


def add_to_form(form: forms.BaseForm, refused: Refused) -> None:
    """Put the refusal on the form: each field error on its field, else the message on
    ``refused.field`` (or the whole form), so the error summary lists them all."""
    for error in refused.field_errors:
        field = error.field if error.field in form.fields else None
        form.add_error(field, gettext(str(error.message)))
    if not refused.field_errors:
        field = refused.field if refused.field in form.fields else None
        form.add_error(field, message_of(refused))
