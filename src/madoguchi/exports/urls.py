"""Export pages, under /staff/exports/ (the root urls.py mounts them)."""

from django.urls import path

from . import payment_views, views

app_name = "exports"

urlpatterns = [
    path("", views.export_home, name="home"),
    path("payments/", payment_views.export_payments, name="payments"),
    path("selected/", views.export_selected, name="selected"),
    path("forms/<int:form_id>/", views.export_form, name="form"),
    path("forms/<int:form_id>/profiles/new/", views.export_profile, name="profile_new"),
    path("forms/<int:form_id>/profiles/<int:profile_id>/", views.export_profile, name="profile"),
    path("jobs/<uuid:public_id>/", views.export_job, name="job"),
    path("jobs/<uuid:public_id>/status.json", views.export_job_status, name="job_status"),
    path("jobs/<uuid:public_id>/download/", views.export_download, name="download"),
    path("jobs/<uuid:public_id>/report/", views.export_report, name="report"),
]
