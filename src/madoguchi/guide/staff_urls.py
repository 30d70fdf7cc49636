"""The guides in the staff area (mounted at /staff/guides/)."""

from django.urls import path

from . import staff_views
from .builder import item_views as builder_item_views
from .builder import views as builder_views

app_name = "guide_staff"

urlpatterns = [
    path("", staff_views.guide_list, name="list"),
    path("new/", staff_views.guide_edit, name="new"),
    path("new/build/", builder_views.create, name="builder_new"),
    path("<slug:slug>/build/", builder_views.overview, name="build"),
    path(
        "<slug:slug>/build/questions/<str:key>/",
        builder_item_views.question,
        name="build_question",
    ),
    path(
        "<slug:slug>/build/procedures/<str:key>/",
        builder_item_views.procedure,
        name="build_procedure",
    ),
    path("<slug:slug>/", staff_views.guide_edit, name="edit"),
    path("<slug:slug>/preview/", staff_views.guide_preview, name="preview"),
]
