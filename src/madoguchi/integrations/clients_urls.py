"""City admin pages of the system API's clients (/staff/integrations/clients/)."""

from django.urls import path

from . import clients_views

urlpatterns = [
    path("", clients_views.client_list, name="clients"),
    path("new/", clients_views.client_new, name="client_new"),
    path("<int:pk>/", clients_views.client_detail, name="client_detail"),
    path("<int:pk>/rotate/", clients_views.client_rotate, name="client_rotate"),
    path("<int:pk>/revoke/", clients_views.client_revoke, name="client_revoke"),
    path(
        "<int:pk>/secrets/<int:secret_id>/revoke/",
        clients_views.secret_revoke,
        name="client_secret_revoke",
    ),
]
