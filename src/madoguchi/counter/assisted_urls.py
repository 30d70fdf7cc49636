"""Staff-assisted entry (書かない窓口) and printing the paper; see urls.py."""

from django.urls import URLPattern, path

from . import assisted_views

urlpatterns: list[URLPattern] = [
    path("visits/<int:visit_id>/assisted/", assisted_views.start, name="assisted_start"),
    path("visits/<int:visit_id>/person/", assisted_views.person, name="assisted_person"),
    path(
        "visits/<int:visit_id>/assisted/<int:form_id>/",
        assisted_views.fill,
        name="assisted_fill",
    ),
    path(
        "applications/<int:application_id>/saved/",
        assisted_views.saved,
        name="assisted_saved",
    ),
    path(
        "applications/<int:application_id>/paper/",
        assisted_views.print_paper,
        name="assisted_print",
    ),
    path(
        "applications/<int:application_id>/paper.pdf",
        assisted_views.paper_pdf,
        name="assisted_paper_pdf",
    ),
]
