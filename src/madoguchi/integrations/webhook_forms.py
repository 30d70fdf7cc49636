"""The form of a webhook endpoint (staff page)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.tenants.models import Department

from .models import FeedKind


class EndpointForm(forms.Form):
    GENERAL = _("Webhook")
    ANCHORS = {"event_types": "event_types-0"}

    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        error_messages={"required": _("Choose the department whose events it receives.")},
    )
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        error_messages={"required": _("Enter the address of the receiving system.")},
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=FeedKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments
