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
    path("submissions/<str:receipt_number>/status/", views.change_status, name="change_status"),
    path(
        "submissions/<str:receipt_number>/attachments/<int:pk>/",
        views.attachment,
        name="attachment",
    ),
    path("submissions/<str:receipt_number>/print/", views.print_view, name="print"),
    path("submissions/<str:receipt_number>/assign/", views.assign, name="assign"),
    path("submissions/<str:receipt_number>/comments/", views.comment, name="comment"),
    path("submissions/<str:receipt_number>/result/", views.deliver_result, name="deliver_result"),
    path("bulk/status/", views.bulk_status, name="bulk_status"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/<int:form_id>/", views.form_statistics, name="form_statistics"),
    path("statistics/<int:form_id>.csv", views.form_statistics_csv, name="form_statistics_csv"),
]

