"""The inventory pages' forms: a procedure's edit, the DX office's review, the list's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from madoguchi.forms.models import Form
from madoguchi.tenants.models import Department

from .channels import OfferedChannel
from .hearing_sheet import PROCEDURE_ID
from .models import Procedure, ReviewState, SealReview
from .rules import channels_problem, exclusion_problem


class ProcedureForm(forms.ModelForm[Procedure]):
    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=OfferedChannel.choices,
        widget=forms.CheckboxSelectMultiple,
        # Required, with the inventory's own message (clean()).
        required=False,
        help_text=_("How a resident can do it today."),
    )

    class Meta:
        model = Procedure
        fields = [
            "procedure_id",
            "name",
            "name_en",
            "category",
            "department",
            "legal_basis",
            "target",
            "exclusion_reason",
            "applicant",
            "identity_check_required",
            "signature_required",
            "seal_required",
            "seal_review",
            "channels",
            "form",
            "annual_volume",
            "processing_days",
        ]
        help_texts = {
            "procedure_id": _("Leave it empty to get the next ID (e.g. 172065-P0001)."),
            "exclusion_reason": _("Required when the procedure is not a target."),
        }

    def __init__(
        self,
        *args: Any,
        departments: QuerySet[Department],
        forms_available: QuerySet[Form],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["procedure_id"].required = False
        department = self.fields["department"]
        assert isinstance(department, forms.ModelChoiceField)
        department.queryset = departments
        if not self.instance.pk and len(departments) == 1:
            self.initial["department"] = departments[0].pk
        form = self.fields["form"]
        assert isinstance(form, forms.ModelChoiceField)
        form.queryset = forms_available
        if self.instance.pk and self.instance.review_state == ReviewState.REVIEWED:
            self.fields["procedure_id"].disabled = True
            self.fields["procedure_id"].help_text = _(
                "Fixed: the DX office reviewed the procedure."
            )

    def clean_procedure_id(self) -> str:
        value = str(self.cleaned_data.get("procedure_id") or "").strip()
        if value and not PROCEDURE_ID.fullmatch(value):
            raise forms.ValidationError(_("Use up to 40 letters, digits, - and _."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "target" in cleaned:
            problem = exclusion_problem(
                target=bool(cleaned["target"]), reason=cleaned.get("exclusion_reason", "")
            )
            if problem:
                self.add_error("exclusion_reason", problem)
            elif cleaned["target"]:
                cleaned["exclusion_reason"] = ""
        if "channels" in cleaned:
            problem = channels_problem(cleaned["channels"])
            if problem:
                self.add_error("channels", problem)
        return cleaned


class ReviewForm(forms.Form):
    target = forms.TypedChoiceField(
        label=_("target of the coverage rate"),
        choices=[("1", _("Target")), ("0", _("Excluded"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    exclusion_reason = forms.CharField(
        label=_("reason for exclusion"), max_length=300, required=False
    )
    seal_review = forms.ChoiceField(
        label=_("hanko review"), choices=SealReview.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("DX office note"), required=False, widget=forms.Textarea)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("accept", _("Mark as reviewed")),
            ("return", _("Send back to the department")),
        ],
        widget=forms.RadioSelect,
        initial="accept",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "target" in cleaned:
            problem = exclusion_problem(
                target=bool(cleaned["target"]), reason=cleaned.get("exclusion_reason", "")
            )
            if problem:
                self.add_error("exclusion_reason", problem)
        return cleaned


class FilterForm(forms.Form):
    department = forms.ChoiceField(label=_("department"), required=False)
    target = forms.ChoiceField(
        label=_("Target or excluded"),
        required=False,
        choices=[("", _("All")), ("target", _("Target")), ("excluded", _("Excluded"))],
    )
    channel = forms.ChoiceField(
        label=_("channels"), required=False, choices=[("", _("All")), *OfferedChannel.choices]
    )
    review_state = forms.ChoiceField(
        label=_("review state"), required=False, choices=[("", _("All")), *ReviewState.choices]
    )
    seal_review = forms.ChoiceField(
        label=_("hanko review"),
        required=False,
        choices=[
            ("", _("All")),
            ("pending", _("Hanko required, not reviewed yet")),
            *SealReview.choices,
        ],
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department = self.fields["department"]
        assert isinstance(department, forms.ChoiceField)
        department.choices = [("", _("All")), *((d.code, d.name) for d in departments)]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Hearing sheet (CSV or XLSX)"),
        help_text=_(
            "The template's columns; every row is checked, and nothing is imported "
            "unless every row is right."
        ),
    )
