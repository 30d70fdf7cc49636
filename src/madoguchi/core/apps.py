from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "madoguchi.core"
    label = "core"

    def ready(self) -> None:
        from madoguchi.core import checks  # noqa: F401 (checks register themselves)
