"""What staff post on the file drop page, checked by a Django form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from madoguchi.exports.models import ExportProfile
from madoguchi.forms.models import Form

from .filedrop_targets import TargetInvalid, check_target
from .models import DropFormat

DEFAULT_PROFILE = "default"


class DropForm(forms.Form):
    """One drop: which procedure, which profile, the file format, where, with attachments."""

    form = forms.ModelChoiceField(
        queryset=Form.objects.none(),
        label=_("Procedure"),
        error_messages={
            "required": _("Choose the procedure whose applications are dropped."),
            "invalid_choice": _("Choose one of your department's procedures."),
        },
    )
    profile = forms.CharField(required=False, label=_("Export profile"))
    format = forms.ChoiceField(
        choices=DropFormat.choices,
        label=_("File format"),
        error_messages={"required": _("Choose CSV or XLSX.")},
    )
    target = forms.CharField(
        max_length=300,
        label=_("Where to write"),
        error_messages={"required": _("Give the directory or s3:// bucket to write to.")},
    )
    with_attachments = forms.BooleanField(required=False, label=_("Attachments (ZIP)"))
    enabled = forms.BooleanField(required=False, label=_("Enabled"))

    ANCHORS = {"format": f"format-{DropFormat.CSV}"}

    def __init__(
        self,
        *args: Any,
        forms_allowed: QuerySet[Form],
        profiles: QuerySet[ExportProfile],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = forms_allowed  # type: ignore[attr-defined]
        self.profiles = profiles

    def clean_target(self) -> str:
        try:
            return check_target(str(self.cleaned_data["target"]))
        except TargetInvalid as invalid:
            raise forms.ValidationError(invalid.message) from invalid

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = cleaned.get("profile") or DEFAULT_PROFILE
        cleaned["profile"] = None
        if chosen != DEFAULT_PROFILE:
            form = cleaned.get("form")
            profile = self.profiles.filter(pk=chosen).first() if chosen.isdigit() else None
            if profile is None or (form is not None and profile.form_id != form.pk):
                self.add_error(
                    "profile",
                    _("This profile belongs to another procedure. Choose one of this procedure's."),
                )
            else:
                cleaned["profile"] = profile
        return cleaned
