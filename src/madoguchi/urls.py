from django.urls import include, path
from django.views.i18n import set_language

from madoguchi.api.api import api
from madoguchi.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
    path("staff/", include("madoguchi.backoffice.urls")),
    path("", include("madoguchi.submissions.urls")),
]
