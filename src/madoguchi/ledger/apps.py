from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "madoguchi.ledger"
    label = "ledger"
    verbose_name = "Audit ledger"

    def ready(self) -> None:
        from madoguchi.core import events
        from madoguchi.ledger import checks, services  # noqa: F401 (checks register themselves)

        # ready() can run more than once (e.g. in some test runners); subscribe once.
        if services.record_event not in events._subscribers:
            events.subscribe(services.record_event)
