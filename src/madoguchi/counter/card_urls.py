"""URL part; see urls.py / resident_urls.py."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
