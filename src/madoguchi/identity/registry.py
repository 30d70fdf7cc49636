"""Identity provider backends by name: the value of ``IdentityProvider.kind``.

One :class:`~madoguchi.core.registry.Registry` of :class:`~madoguchi.identity.base.IdentityBackend`
objects. The names are stored in the database and never change (``digital_auth_app``,
``oidc``). An unknown name is an :class:`~madoguchi.core.registry.UnknownBackend` error that
lists the known names; a second backend under a taken name is refused.

To add a backend:

1. create ``identity/contrib/<name>/`` with ``backend.py`` holding a subclass of
   ``IdentityBackend`` (its ``name``, ``label``, default scopes and ``acr_values``, key types,
   and ``basic_four``), and its tests in ``identity/contrib/<name>/tests/``;
2. register it in ``IdentityConfig.ready`` (identity/apps.py) with ``register(Backend())``;
3. document it in docs/identity.md. Nothing else changes: the management command, the
   login flow and the client-key check look the backend up here.

Registration is explicit, never a side effect of importing a module, so which backends
exist does not depend on import order. Deployments may register their own backend the same
way from their own app's ``ready``.
"""

from __future__ import annotations

from madoguchi.core.registry import Registry

from .base import IdentityBackend

backends: Registry[IdentityBackend] = Registry(
    "identity provider backend", label=lambda backend: str(backend.label)
)


def register(backend: IdentityBackend) -> IdentityBackend:
    return backends.register(backend.name, backend)


def backend(name: str) -> IdentityBackend:
    """The backend for ``IdentityProvider.kind``; raises UnknownBackend listing known names."""
    return backends.get(name)


def names() -> list[str]:
    return backends.names()


def choices() -> list[tuple[str, str]]:
    """(name, label) pairs for a form or admin field choosing a provider's kind."""
    return backends.choices()
