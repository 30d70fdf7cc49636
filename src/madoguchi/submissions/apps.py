from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "madoguchi.submissions"
    label = "submissions"

    def ready(self) -> None:
        # card_login and resident_views register the draft's and the resident page's login
        # handlers with the identity callback; signals deletes a deleted attachment's file
        # after commit; checks registers the upload scanning checks.
        from . import card_login, checks, resident_views, signals  # noqa: F401
