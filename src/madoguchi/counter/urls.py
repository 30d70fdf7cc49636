"""Counter staff URLs; the root includes them under ``staff/counter/`` (namespace ``counter``).

Each part of the counter screen keeps its own URL list: the screen and check-in
(``screen_urls``), staff-assisted entry (``assisted_urls``) and the card read and signature
(``card_urls``). The resident's pages are in ``resident_urls``.
"""

from . import assisted_urls, card_urls, screen_urls

app_name = "counter"

urlpatterns = [
    *screen_urls.urlpatterns,
    *assisted_urls.urlpatterns,
    *card_urls.urlpatterns,
]
