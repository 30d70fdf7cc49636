from django.urls import path

from . import views

app_name = "signatures"

urlpatterns = [
    path("jpki-roots.pem", views.trust_roots, name="trust_roots"),
]
