from django.urls import path

from . import export_views, views

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

# Exports for back-office systems (export_views).
urlpatterns += [
    path("exports/", export_views.export_home, name="exports"),
    path("exports/selected/", export_views.export_selected, name="export_selected"),
    path("exports/forms/<int:form_id>/", export_views.export_form, name="export_form"),
    path(
        "exports/forms/<int:form_id>/profiles/new/",
        export_views.export_profile,
        name="export_profile_new",
    ),
    path(
        "exports/forms/<int:form_id>/profiles/<int:profile_id>/",
        export_views.export_profile,
        name="export_profile",
    ),
    path("exports/jobs/<uuid:public_id>/", export_views.export_job, name="export_job"),
    path(
        "exports/jobs/<uuid:public_id>/status.json",
        export_views.export_job_status,
        name="export_job_status",
    ),
    path(
        "exports/jobs/<uuid:public_id>/download/",
        export_views.export_download,
        name="export_download",
    ),
    path("exports/jobs/<uuid:public_id>/report/", export_views.export_report, name="export_report"),
]
