from django.apps import AppConfig


class CounterConfig(AppConfig):
    """Channel 3 (窓口): pre-registration, the counter screen, the resident display and
    the card read over PC/SC. See docs/counter.md."""

    name = "madoguchi.counter"
    label = "counter"
