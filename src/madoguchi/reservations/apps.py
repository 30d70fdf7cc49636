from django.apps import AppConfig


class ReservationsConfig(AppConfig):
    """Visit reservations (来庁予約): counters, slots, bookings, check-in and waiting
    numbers. See docs/reservations.md."""

    name = "madoguchi.reservations"
    label = "reservations"

    def ready(self) -> None:
        from madoguchi.core import municipality_links

        from .links import booking_links

        municipality_links.register("reservations", booking_links)
