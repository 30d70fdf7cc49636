from django.urls import path

from . import views

app_name = "submissions"

urlpatterns = [
    path("", views.home, name="home"),
    path("apply/<str:token>/step/<int:number>/", views.step, name="step"),
    path("apply/<str:token>/review/", views.review, name="review"),
    path("apply/<str:token>/discard/", views.discard, name="discard"),
    path("done/<uuid:public_id>/", views.done, name="done"),
    path("<str:lg_code>/", views.procedures, name="procedures"),
    path("<str:lg_code>/<slug:slug>/", views.form_start, name="form_start"),
]
