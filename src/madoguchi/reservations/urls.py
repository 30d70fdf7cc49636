"""The resident's booking pages (namespace ``reservations``, under ``reservations/``)."""

from django.urls import URLPattern, path

from . import views, waiting_views

app_name = "reservations"

urlpatterns: list[URLPattern] = [
    path("city/<str:lg_code>/", views.municipality, name="municipality"),
    path("<int:counter_id>/", views.calendar, name="calendar"),
    path("<int:counter_id>/display/", waiting_views.display, name="display"),
    path("<int:counter_id>/display/state/", waiting_views.display_state, name="display_state"),
    path("<int:counter_id>/<str:day>/", views.day, name="day"),
    path("prereg/<str:token>/", views.prereg_calendar, name="prereg_calendar"),
    path("prereg/<str:token>/<str:day>/", views.prereg_day, name="prereg_day"),
    path("booking/<str:token>/", views.booking, name="booking"),
    path("booking/<str:token>/cancel/", views.cancel, name="cancel"),
    path("booking/<str:token>/visit.ics", views.booking_ics, name="booking_ics"),
    path("booking/<str:token>/code.png", views.booking_code_png, name="booking_code_png"),
    path("booking/<str:token>/change/", views.change_calendar, name="change"),
    path("booking/<str:token>/change/<str:day>/", views.change_day, name="change_day"),
]
