"""The resident's counter pages; the root includes them under ``counter/`` (namespace
``counter_resident``): the pre-registration (``prereg_urls``) and the resident-facing
display paired to a counter (``display_urls``)."""

from . import display_urls, prereg_urls

app_name = "counter_resident"

urlpatterns = [
    *prereg_urls.urlpatterns,
    *display_urls.urlpatterns,
]
