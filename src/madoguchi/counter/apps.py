from django.apps import AppConfig


class CounterConfig(AppConfig):
    """Channel 3 (窓口): pre-registration, the counter screen, the resident display and
    the card read over PC/SC. See docs/counter.md."""

    name = "madoguchi.counter"
    label = "counter"

    def ready(self) -> None:
        from madoguchi.submissions import access_history, pending_links

        from . import history, selectors

        # The status link of a pre-registration not yet accepted opens its page.
        pending_links.register("counter", selectors.pending_page)
        # Pre-registered, checked in and confirmed at the counter show in the history.
        access_history.register_source("counter", history.counter_events)
