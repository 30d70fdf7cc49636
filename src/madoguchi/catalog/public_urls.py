"""The public page and open data of a city's procedures and coverage rate (no login)."""

from django.urls import path

from . import public_views

app_name = "catalog_public"

urlpatterns = [
    path("<str:lg_code>/", public_views.city, name="city"),
    path("<str:lg_code>/procedures.csv", public_views.procedures_csv, name="procedures_csv"),
    path("<str:lg_code>/procedures.json", public_views.procedures_json, name="procedures_json"),
    path("<str:lg_code>/coverage.csv", public_views.coverage_csv, name="coverage_csv"),
    path("<str:lg_code>/coverage.json", public_views.coverage_json, name="coverage_json"),
]
