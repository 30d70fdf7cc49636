from django.urls import path

from . import resident_views, views

app_name = "payments"

urlpatterns = [
    # "token" is the status link's secret (as in /status/<token>/).
    path("status/<str:token>/pay/", views.pay, name="pay"),
    path("return/<uuid:public_id>/", views.payment_return, name="return"),
    path("webhooks/<str:provider>/<str:account>/", views.webhook, name="webhook"),
    # The resident's 領収書 (same access as the status page) and 「支払う」 on the
    # confirmation page (same access as that page: the browser that sent the application).
    path(
        "status/<str:token>/receipt/<uuid:public_id>/",
        resident_views.receipt,
        name="receipt",
    ),
    path(
        "done/<uuid:public_id>/pay/",
        resident_views.pay_from_confirmation,
        name="pay_from_confirmation",
    ),
]
