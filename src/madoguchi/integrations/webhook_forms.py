"""The form of a webhook endpoint (staff page)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.tenants.models import Department

from .models import FeedKind
from .webhook_services import WebhookRefused, checked_url


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

    def clean_url(self) -> str:
        """Checked here too, so one post names every problem (not the URL only once the
        department is chosen)."""
        try:
            return checked_url(self.cleaned_data["url"])
        except WebhookRefused as refused:
            raise forms.ValidationError(refused.message) from refused

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments
