from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("trust/", views.trust, name="trust"),
    path("trust/seal-root.pem", views.seal_root, name="seal_root"),
    path("tsa", views.local_tsa, name="tsa"),
    path("<uuid:public_id>/", views.reference, name="reference"),
    path("<uuid:public_id>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
]
