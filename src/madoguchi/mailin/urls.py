"""Mail-in URLs; the root includes them under ``staff/mail/`` (staff pages only)."""

from django.urls import path

from . import intake_views

app_name = "mailin"

urlpatterns = [
    path("", intake_views.intake_page, name="intake"),
    path("accept/", intake_views.accept, name="accept"),
]
