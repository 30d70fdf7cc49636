"""The form builder in the staff area (mounted at /staff/forms/)."""

from django.urls import path

from .builder.views import editors, form_settings, library, publishing, structure

app_name = "forms"

urlpatterns = [
    path("", library.form_list, name="list"),
    path("new/", library.form_new, name="new"),
    path("templates/", library.template_library, name="templates"),
    path("import/", library.import_form, name="import"),
    path("<int:form_id>/", structure.edit, name="edit"),
    path("<int:form_id>/action/", structure.action, name="action"),
    path("<int:form_id>/settings/", form_settings.settings_edit, name="settings"),
    path("<int:form_id>/template/", form_settings.mark_template, name="mark_template"),
    path("<int:form_id>/steps/<str:step_key>/", editors.step_edit, name="step"),
    path("<int:form_id>/fields/<str:field_key>/", editors.field_edit, name="field"),
    path("<int:form_id>/preview/", publishing.preview, name="preview"),
    path("<int:form_id>/publish/", publishing.publish, name="publish"),
    path("<int:form_id>/versions/", publishing.versions, name="versions"),
    path("<int:form_id>/export.json", library.export_form, name="export"),
]
