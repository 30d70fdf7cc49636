from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "madoguchi.submissions"
    label = "submissions"

    def ready(self) -> None:
        # card_login and resident_views register the draft's and the resident page's login
        # handlers with the identity callback; signals deletes a deleted attachment's file
        # after commit; checks registers the upload scanning checks.
        from . import card_login, checks, resident_views, signals  # noqa: F401

        # The built-in virus scanners, registered here rather than by importing their modules.
        from .scanners import register
        from .scanners.contrib.clamd.backend import ClamdScanner
        from .scanners.contrib.none.backend import NoScanner

        register("none", NoScanner)
        register("clamd", ClamdScanner)
