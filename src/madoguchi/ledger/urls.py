from django.urls import path

from madoguchi.ledger import views

app_name = "ledger"

urlpatterns = [
    path("checkpoint", views.latest_checkpoint, name="checkpoint"),
    path("public-key", views.public_key, name="public-key"),
]
