from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "madoguchi.integrations"
    label = "integrations"

    def ready(self) -> None:
        from . import wiring

        wiring.connect()
