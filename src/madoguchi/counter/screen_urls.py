"""The counter screen and check-in (namespace ``counter``, under ``staff/counter/``)."""

from django.urls import URLPattern, path

from . import screen_views

urlpatterns: list[URLPattern] = [
    path("", screen_views.home, name="home"),
    path("visits/start/", screen_views.start, name="start"),
    path("visits/<int:visit_id>/", screen_views.visit, name="visit"),
    path("visits/<int:visit_id>/check-in/", screen_views.check_in, name="check_in"),
    path("visits/<int:visit_id>/identity/", screen_views.identity, name="identity"),
    path("visits/<int:visit_id>/close/", screen_views.close, name="close"),
    path(
        "visits/<int:visit_id>/applications/<int:application_id>/edit/",
        screen_views.edit,
        name="edit",
    ),
    path(
        "visits/<int:visit_id>/applications/<int:application_id>/accept/",
        screen_views.accept,
        name="accept",
    ),
]
