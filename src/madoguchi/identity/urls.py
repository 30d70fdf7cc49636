from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("callback/", views.callback, name="callback"),
    path("jwks.json", views.jwks, name="jwks"),
]
