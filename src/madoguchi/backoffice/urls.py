from django.urls import path

from .views import inbox, login, payment, statistics, submission

app_name = "backoffice"

urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("login/", login.login_view, name="login"),
    path("login/code/", login.otp_view, name="otp"),
    path("login/setup/", login.otp_setup_view, name="otp_setup"),
    path("logout/", login.logout_view, name="logout"),
    path("submissions/<str:receipt_number>/", submission.detail, name="detail"),
    path(
        "submissions/<str:receipt_number>/status/",
        submission.change_status,
        name="change_status",
    ),
    path(
        "submissions/<str:receipt_number>/attachments/<int:pk>/",
        submission.attachment,
        name="attachment",
    ),
    path("submissions/<str:receipt_number>/print/", submission.print_view, name="print"),
    path("submissions/<str:receipt_number>/paper-scan/", submission.paper_scan, name="paper_scan"),
    path("submissions/<str:receipt_number>/assign/", submission.assign, name="assign"),
    path("submissions/<str:receipt_number>/comments/", submission.comment, name="comment"),
    path(
        "submissions/<str:receipt_number>/result/",
        submission.deliver_result,
        name="deliver_result",
    ),
    path(
        "submissions/<str:receipt_number>/payments/<uuid:public_id>/refund/",
        payment.refund,
        name="refund",
    ),
    path("bulk/status/", inbox.bulk_status, name="bulk_status"),
    path("statistics/", statistics.statistics, name="statistics"),
    path("statistics/<int:form_id>/", statistics.form_statistics, name="form_statistics"),
    path(
        "statistics/<int:form_id>.csv",
        statistics.form_statistics_csv,
        name="form_statistics_csv",
    ),
]
