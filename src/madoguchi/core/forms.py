"""Staff forms' errors as the items of the shared error summary.

``templates/includes/error_summary.html`` lists every problem of a page at once, each a
link to the input it is about (GOV.UK's pattern, the one the resident pages use). A view
that checks what staff post with a Django form passes :func:`summary` of the bound form
as ``errors``; a refusal from a service that names no input links to ``general_anchor``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS


@dataclass(frozen=True)
class SummaryItem:
    """One line of the error summary: ``label: message``, linking to ``url``."""

    url: str
    label: str
    message: str


def summary(
    form: forms.Form,
    *,
    anchors: Mapping[str, str] | None = None,
    general_anchor: str = "main",
    general_label: str = "",
    refusals: Iterable[str] = (),
) -> list[SummaryItem]:
    """Every error of ``form`` (fields first, in their order), then its own and ``refusals``.

    ``anchors`` names the id a field's link goes to when it is not the field's name (radio
    buttons and checkboxes: the first one).
    """
    anchors = anchors or {}
    items = []
    for name in form.fields:
        for message in form.errors.get(name, []):
            label = str(form.fields[name].label or "")
            items.append(SummaryItem(f"#{anchors.get(name, name)}", label, str(message)))
    general = [*form.errors.get(NON_FIELD_ERRORS, []), *refusals]
    for message in general:
        items.append(SummaryItem(f"#{general_anchor}", general_label, str(message)))
    return items


def field_errors(form: forms.Form | None) -> dict[str, str]:
    """Each field's errors as one line, for the message beside the input."""
    if form is None:
        return {}
    return {
        name: " ".join(str(m) for m in messages)
        for name, messages in form.errors.items()
        if name != NON_FIELD_ERRORS
    }


def summary_of(
    form: forms.Form, errors: Mapping[str, str], *, anchors: Mapping[str, str] | None = None
) -> list[SummaryItem]:
    """The summary of a page whose problems per field (``errors``, one line each) come from
    ``form`` and from services' refusals added under a field's name; in the form's order."""
    anchors = anchors or {}
    names = [name for name in form.fields if name in errors]
    names += [name for name in errors if name not in form.fields]
    return [
        SummaryItem(
            f"#{anchors.get(name, name)}",
            str(form.fields[name].label or "") if name in form.fields else "",
            errors[name],
        )
        for name in names
    ]
