"""Staff pages of the procedure inventory (namespace ``catalog``, under ``staff/catalog/``)."""

from django.urls import URLPattern, path

from . import analytics_views, dashboard_views, publication_views, staff_views

app_name = "catalog"

urlpatterns: list[URLPattern] = [
    path("", staff_views.index, name="index"),
    path("new/", staff_views.edit, name="new"),
    path("<int:pk>/", staff_views.edit, name="edit"),
    path("<int:pk>/review/", staff_views.review, name="review"),
    path("submit/", staff_views.submit, name="submit"),
    path("sheet/", staff_views.export, name="export"),
    path("sheet/import/", staff_views.upload, name="import"),
    # The coverage dashboard and the monthly volumes (dashboard_views, the coverage engineer's).
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/target/", dashboard_views.set_target, name="dashboard_target"),
    path("dashboard/department/<int:pk>/", dashboard_views.department, name="dashboard_department"),
    path("dashboard/procedure/<int:pk>/", dashboard_views.procedure, name="dashboard_procedure"),
    path("volumes/", dashboard_views.volume_list, name="volumes"),
    path("volumes/import/", dashboard_views.volume_import, name="volume_import"),
    path("volumes/<int:pk>/", dashboard_views.volume_entry, name="volume_entry"),
    # The publication switch of the public page and open data (publication_views).
    path("publication/", publication_views.settings, name="publication"),
    path("publication/switch/", publication_views.switch, name="publication_switch"),
    path("publication/preview/", publication_views.preview, name="publication_preview"),
    path(
        "publication/preview/<str:name>",
        publication_views.preview_file,
        name="publication_preview_file",
    ),
    # Improvement analytics of one form (analytics_views).
    path("forms/<int:form_id>/analytics/", analytics_views.form_analytics, name="form_analytics"),
]
