from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "madoguchi.payments"
    label = "payments"

    def ready(self) -> None:
        from . import registry

        registry.register_builtin_providers()
