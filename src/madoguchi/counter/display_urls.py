"""URL part; see urls.py / resident_urls.py. The resident-facing display (display_views)."""

from django.urls import URLPattern, path

from . import display_views

urlpatterns: list[URLPattern] = [
    path("display/", display_views.pair, name="display_pair"),
    path("display/screen/", display_views.screen, name="display"),
    path("display/state/", display_views.state, name="display_state"),
    path("display/confirm/", display_views.confirm, name="display_confirm"),
    path("display/flag/", display_views.flag, name="display_flag"),
    path("display/card/read/", display_views.card_read, name="display_card_read"),
    path("display/card/sign/", display_views.card_sign, name="display_card_sign"),
]
