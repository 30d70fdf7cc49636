"""The simulator's paths, relative to the ``paysim/`` mount (dev and test only).

``v1/…`` is Stripe's API (the SDK's api base is ``<origin>/paysim``); ``checkout/…`` is
the hosted payment page that a session's ``url`` points at.
"""

from django.urls import path, re_path

from . import pages, views

app_name = "paysim"

urlpatterns = [
    path("v1/checkout/sessions", views.sessions, name="sessions"),
    path("v1/checkout/sessions/<str:session_id>", views.session, name="session"),
    path("v1/checkout/sessions/<str:session_id>/line_items", views.session_line_items),
    path("v1/checkout/sessions/<str:session_id>/expire", views.expire_session),
    path("v1/payment_intents/<str:intent_id>", views.payment_intent),
    path("v1/charges/<str:charge_id>", views.charge),
    path("v1/refunds", views.refunds),
    path("v1/refunds/<str:refund_id>", views.refund),
    path("v1/balance_transactions", views.balance_transactions),
    path("v1/balance_transactions/<str:transaction_id>", views.balance_transaction),
    path("v1/events", views.events),
    path("v1/events/<str:event_id>", views.event),
    path("v1/webhook_endpoints", views.webhook_endpoints),
    path("v1/webhook_endpoints/<str:endpoint_id>", views.webhook_endpoint),
    re_path(r"^v1/", views.unknown),
    path("checkout/<str:session_id>/", pages.checkout, name="checkout"),
    path("checkout/<str:session_id>/3ds/", pages.challenge, name="challenge"),
    path("checkout/<str:session_id>/konbini/", pages.konbini, name="konbini"),
    path("checkout/<str:session_id>/paypay/", pages.paypay, name="paypay"),
]
