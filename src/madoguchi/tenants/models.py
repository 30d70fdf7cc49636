from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.jp.lgcode import validate_lg_code


def lg_code_validator(value: str) -> None:
    try:
        validate_lg_code(value)
    except InvalidJapaneseInput as error:
        raise ValidationError(str(error), code=error.code) from error


class Municipality(models.Model):
    """A local government, identified by its 全国地方公共団体コード (with check digit)."""

    lg_code = models.CharField(
        _("local government code"), max_length=6, unique=True, validators=[lg_code_validator]
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100)
    prefecture = models.CharField(_("prefecture"), max_length=10)

    class Meta:
        ordering = ["lg_code"]
        verbose_name = _("municipality")

    def __str__(self) -> str:
        return f"{self.name} ({self.lg_code})"

    def localized_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class Department(models.Model):
    """担当課: owns forms and sees their submissions."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="departments"
    )
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    # Where a mail-in application (madoguchi.mailin) is posted: printed on its envelope label.
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    postal_address = models.CharField(_("postal address"), max_length=200, blank=True)
    # 宛先 of the application form, e.g. 「加賀市長」; the PDF adds the honorific 様.
    addressee = models.CharField(_("addressee"), max_length=100, blank=True)

    class Meta:
        ordering = ["municipality", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="department_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality.name} {self.name}"

    def localized_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class StaffRole(models.TextChoices):
    MUNICIPALITY_ADMIN = "municipality_admin", _("Municipality administrator")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    READ_ONLY = "read_only", _("Read-only")


class StaffMember(models.Model):
    """A city employee. Administrators see the whole municipality, others their departments."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(_("role"), max_length=30, choices=StaffRole.choices)
    departments = models.ManyToManyField(Department, blank=True, related_name="staff")
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"

    @property
    def can_act(self) -> bool:
        return self.role != StaffRole.READ_ONLY

    @property
    def display_name(self) -> str:
        """The name colleagues know, family name first (「健康 花子」); else the login ID."""
        parts = (self.user.last_name.strip(), self.user.first_name.strip())
        return " ".join(part for part in parts if part) or self.user.get_username()
