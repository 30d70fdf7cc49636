"""/staff/integrations/sealed/: a sealed application for the browser to open with a local key."""

from django.urls import path

from . import browser_open_views

urlpatterns = [
    path("<str:receipt_number>/", browser_open_views.sealed_payload, name="sealed_payload"),
    path(
        "<str:receipt_number>/files/<int:pk>/",
        browser_open_views.sealed_file,
        name="sealed_file",
    ),
]
