"""Wagtail's form builder (wagtail.contrib.forms) with the fields of Madoguchi's demo survey."""

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField


class FormField(AbstractFormField):
    page = ParentalKey("FormPage", on_delete=models.CASCADE, related_name="form_fields")


class FormPage(AbstractForm):
    template = "surveys/form_page.html"
    landing_page_template = "surveys/form_page_landing.html"
