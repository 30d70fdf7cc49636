"""/staff/integrations/keys/: end-to-end encryption keys and policy (city admins)."""

from django.urls import path

from . import key_views

urlpatterns = [
    path("", key_views.keys, name="keys"),
    path("policy/", key_views.policy, name="key_policy"),
]
