"""The simulated service's paths, relative to the ``devidp/`` mount (dev and test only)."""

from django.urls import path

from . import views

app_name = "devidp"

_REALM = "api/realms/main"
_OIDC = f"{_REALM}/protocol/openid-connect"

urlpatterns = [
    path(_REALM, views.realm, name="realm"),
    path(f"{_REALM}/.well-known/openid-configuration", views.discovery, name="discovery"),
    path(f"{_OIDC}/auth", views.authorize, name="authorize"),
    path(f"{_OIDC}/token", views.token, name="token"),
    path(f"{_OIDC}/userinfo", views.userinfo, name="userinfo"),
    path(f"{_OIDC}/certs", views.certs, name="certs"),
    path("api/sign-transactions", views.sign_transactions, name="sign_transactions"),
    path(
        "api/sign-transactions/<str:transaction_id>/result",
        views.sign_transaction_result,
        name="sign_transaction_result",
    ),
    path("crl/<str:name>.crl", views.crl, name="crl"),
]
