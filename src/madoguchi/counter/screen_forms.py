"""What the clerk posts on the counter screen."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import IdentityDocument

# A QR code's text or a typed reference, with room for scanner noise.
SCAN_MAX_CHARS = 200


class ScanForm(forms.Form):
    """The focused input a USB scanner types the QR code into (or the clerk types)."""

    scan = forms.CharField(
        label=_("Code or pre-registration number"),
        max_length=SCAN_MAX_CHARS,
        error_messages={
            "required": _("Scan the resident's code or type the pre-registration number."),
            "max_length": _("This is longer than any pre-registration code. Scan it again."),
        },
    )
    counter_name = forms.CharField(label=_("Counter"), max_length=60, required=False)


class StartForm(forms.Form):
    counter_name = forms.CharField(label=_("Counter"), max_length=60, required=False)


class VisualCheckForm(forms.Form):
    """Identity documents the resident showed (窓口・目視確認)."""

    documents = forms.MultipleChoiceField(
        label=_("Identity documents shown"),
        choices=IdentityDocument.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one identity document the resident showed.")},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the answers are changed"),
        max_length=200,
        error_messages={
            "required": _("Say why the answers are changed (for example: the resident asked).")
        },
    )
