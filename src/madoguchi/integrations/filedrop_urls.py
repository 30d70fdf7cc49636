"""File drop pages, under /staff/integrations/drops/."""

from django.urls import path

from . import filedrop_views

urlpatterns = [
    path("", filedrop_views.drop_list, name="drops"),
    path("new/", filedrop_views.drop_edit, name="drop_new"),
    path("<uuid:public_id>/", filedrop_views.drop_edit, name="drop"),
]
