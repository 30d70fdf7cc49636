from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "madoguchi.exports"
    label = "exports"

    def ready(self) -> None:
        from madoguchi.submissions import access_history

        from . import history, tasks

        # Large exports are enqueued through tasks (services never import them).
        tasks.connect()
        # Which exports held a submission shows in the resident's access history.
        access_history.register_source("exports", history.exported_events)
