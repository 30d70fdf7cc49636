from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    # "token" is the status link's secret (as in /status/<token>/).
    path("status/<str:token>/pay/", views.pay, name="pay"),
    path("return/<uuid:public_id>/", views.payment_return, name="return"),
    path("webhooks/<str:provider>/<str:account>/", views.webhook, name="webhook"),
]
