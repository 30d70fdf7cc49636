from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "madoguchi.submissions"
    label = "submissions"

    def ready(self) -> None:
        # resident_views registers the resident-page login handler with the identity
        # callback; signals deletes a deleted attachment's file after commit; checks
        # registers the upload scanning checks.
        from . import checks, resident_views, signals  # noqa: F401
