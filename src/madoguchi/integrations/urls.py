"""Staff pages of the integrations app (/staff/integrations/)."""

from django.urls import include, path

from . import index_views, sources_views

app_name = "integrations"

urlpatterns: list = [
    path("", index_views.index, name="index"),
    path("clients/", include("madoguchi.integrations.clients_urls")),
    path("drops/", include("madoguchi.integrations.filedrop_urls")),
    path("keys/", include("madoguchi.integrations.key_urls")),
    path("sources/", sources_views.sources, name="sources"),
    path("sealed/", include("madoguchi.integrations.browser_open_urls")),
    path("webhooks/", include("madoguchi.integrations.webhook_urls")),
]
