"""The resident's mail-in pages; the root includes them under ``mail/`` (namespace ``mail``).

Staff intake is in ``urls`` (namespace ``mailin``, under ``staff/mail/``).
"""

from django.urls import path

from . import views

app_name = "mail"

urlpatterns = [
    path("<str:token>/prepare/", views.prepare, name="prepare"),
    path("<str:token>/", views.prepared, name="prepared"),
    path("<str:token>/application.pdf", views.pdf, name="pdf"),
]
