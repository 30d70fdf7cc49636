"""The form builder in the staff area (mounted at /staff/forms/)."""

from django.urls import path

from . import builder_views as views

app_name = "forms"

urlpatterns = [
    path("", views.form_list, name="list"),
    path("new/", views.form_new, name="new"),
    path("templates/", views.template_library, name="templates"),
    path("import/", views.import_form, name="import"),
    path("<int:form_id>/", views.edit, name="edit"),
    path("<int:form_id>/action/", views.action, name="action"),
    path("<int:form_id>/settings/", views.settings_edit, name="settings"),
    path("<int:form_id>/template/", views.mark_template, name="mark_template"),
    path("<int:form_id>/steps/<str:step_key>/", views.step_edit, name="step"),
    path("<int:form_id>/fields/<str:field_key>/", views.field_edit, name="field"),
    path("<int:form_id>/preview/", views.preview, name="preview"),
    path("<int:form_id>/publish/", views.publish, name="publish"),
    path("<int:form_id>/versions/", views.versions, name="versions"),
    path("<int:form_id>/export.json", views.export_form, name="export"),
]
