from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "madoguchi.submissions"
    label = "submissions"

    def ready(self) -> None:
        # Registers the resident-page login handler with the identity callback.
        from . import resident_views  # noqa: F401
