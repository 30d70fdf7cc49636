"""Staff pages of the integrations app (/staff/integrations/)."""

from django.urls import path  # noqa: F401

app_name = "integrations"

urlpatterns: list = []
