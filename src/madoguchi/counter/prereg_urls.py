"""The resident's pre-registration pages (namespace ``counter_resident``, under
``counter/``): made from the draft's review page, reached by the draft's secret link."""

from django.urls import URLPattern, path

from . import prereg_views

urlpatterns: list[URLPattern] = [
    path(
        "prereg/<str:token>/preregister/",
        prereg_views.preregister,
        name="preregister",
    ),
    path("prereg/<str:token>/", prereg_views.preregistered, name="preregistered"),
    path("prereg/<str:token>/code.png", prereg_views.code_png, name="code_png"),
]
