from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "madoguchi.backoffice"
    label = "backoffice"

    def ready(self) -> None:
        from . import search

        search.connect()
