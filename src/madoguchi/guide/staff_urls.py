"""The guides in the staff area (mounted at /staff/guides/)."""

from django.urls import path

from . import staff_views

app_name = "guide_staff"

urlpatterns = [
    path("", staff_views.guide_list, name="list"),
    path("new/", staff_views.guide_edit, name="new"),
    path("<slug:slug>/", staff_views.guide_edit, name="edit"),
    path("<slug:slug>/preview/", staff_views.guide_preview, name="preview"),
]
