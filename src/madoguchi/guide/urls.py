from django.urls import path

from . import views

app_name = "guide"

urlpatterns = [
    path("go/<str:lg_code>/<slug:slug>/<str:procedure>/<str:event>/", views.go, name="go"),
    path("<str:lg_code>/<slug:slug>/", views.guide, name="guide"),
]
