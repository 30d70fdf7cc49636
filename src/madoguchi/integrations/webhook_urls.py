"""Signed webhook pages, under /staff/integrations/webhooks/."""

from django.urls import path

from . import webhook_views as views

urlpatterns = [
    path("", views.webhook_list, name="webhooks"),
    path("new/", views.webhook_new, name="webhook_new"),
    path("<int:pk>/", views.webhook_detail, name="webhook"),
    path("<int:pk>/edit/", views.webhook_edit, name="webhook_edit"),
    path("<int:pk>/rotate/", views.webhook_rotate, name="webhook_rotate"),
    path("<int:pk>/disable/", views.webhook_disable, name="webhook_disable"),
    path("<int:pk>/enable/", views.webhook_enable, name="webhook_enable"),
    path("deliveries/<int:pk>/", views.webhook_delivery, name="webhook_delivery"),
    path("deliveries/<int:pk>/replay/", views.webhook_replay, name="webhook_replay"),
]
