"""URL part; see urls.py / resident_urls.py. The resident display's staff side and the card
(card_views): pairing code, show for confirmation, card read, card signature, agent settings."""

from django.urls import URLPattern, path

from . import card_views

urlpatterns: list[URLPattern] = [
    path(
        "visits/<int:visit_id>/display/",
        card_views.panel,
        name="display_panel",
    ),
    path(
        "visits/<int:visit_id>/display/pair/",
        card_views.start_pairing,
        name="display_start_pairing",
    ),
    path(
        "applications/<int:application_id>/display/show/",
        card_views.show,
        name="display_show",
    ),
    path("visits/<int:visit_id>/card/read/", card_views.read_card, name="card_read"),
    path("applications/<int:application_id>/card/sign/", card_views.sign, name="card_sign"),
    path("card/agent/", card_views.agent_settings, name="card_agent_settings"),
]
