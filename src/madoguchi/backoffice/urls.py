from django.urls import path

from . import views

app_name = "backoffice"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("login/", views.login_view, name="login"),
    path("login/code/", views.otp_view, name="otp"),
    path("login/setup/", views.otp_setup_view, name="otp_setup"),
    path("logout/", views.logout_view, name="logout"),
    path("submissions/<str:receipt_number>/", views.detail, name="detail"),
]
