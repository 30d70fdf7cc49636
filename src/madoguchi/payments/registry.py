"""Payment providers by name: the value of ``Payment.provider`` and of ``provider`` in
``MADOGUCHI_PAYMENT_ACCOUNTS``.

One :class:`~madoguchi.core.registry.Registry` of
:class:`~madoguchi.payments.providers.base.PaymentProvider` objects, the shape of
identity/registry.py. The names are stored on payments and never change (``stripe``).

To add a provider: create ``payments/contrib/<name>/`` with a ``PaymentProvider`` subclass
and its tests, register it in :func:`register_builtin_providers` (or from a deployment's
own app's ``ready``), and add its name to ``PAYMENT_PROVIDERS`` in settings/environment.py
so accounts naming it are accepted. The views' URLs are per provider name, so no URL changes.
"""

from __future__ import annotations

from madoguchi.core.registry import Registry

from .providers.base import PaymentProvider

providers: Registry[PaymentProvider] = Registry(
    "payment provider", label=lambda provider: provider.label
)


def register(provider: PaymentProvider) -> PaymentProvider:
    return providers.register(provider.name, provider)


def provider(name: str) -> PaymentProvider:
    """The backend for ``Payment.provider``; raises UnknownBackend listing known names."""
    return providers.get(name)


def names() -> list[str]:
    return providers.names()


def register_builtin_providers() -> None:
    """Registered in PaymentsConfig.ready; each backend lives under payments/contrib/."""
    from .contrib.stripe.backend import StripeProvider

    register(StripeProvider())
