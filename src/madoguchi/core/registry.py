"""A registry of named backends, for concerns whose implementation varies per deployment.

Identity providers today (madoguchi.identity.registry); payment providers, channels, virus
scanners and notification transports follow the same shape. A registry maps a stable name
(the value stored in the database or the settings) to one backend object.

Invariants:

* a name is registered once: a second, different backend under a taken name is refused
  (the same class registered again, as when Django sets up twice in one process, is a no-op);
* looking up an unknown name raises :class:`UnknownBackend`, whose message lists the names
  that are known, so a typo in a setting or a database row is found at once;
* nothing registers itself by being imported: the app that owns the registry registers its
  backends explicitly (in its AppConfig.ready), so the set never depends on import order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class UnknownBackend(LookupError):
    """No backend has this name; the message lists the known ones."""


class DuplicateBackend(ValueError):
    """Two different backends were registered under one name."""


class Registry(Generic[T]):
    """Backends of one concern, by name. ``what`` names the concern in error messages."""

    def __init__(self, what: str, *, label: Callable[[T], str] | None = None) -> None:
        self.what = what
        self._label = label
        self._backends: dict[str, T] = {}

    def register(self, name: str, backend: T) -> T:
        """Add ``backend`` under ``name``; refuse a name another backend already holds."""
        known = self._backends.get(name)
        if known is not None and _qualified(known) != _qualified(backend):
            raise DuplicateBackend(
                f"{self.what} {name!r} is already registered ({_qualified(known)}); "
                f"cannot also register {_qualified(backend)}"
            )
        self._backends[name] = backend
        return backend

    def get(self, name: str) -> T:
        try:
            return self._backends[name]
        except KeyError as error:
            known = ", ".join(self.names()) or "none"
            raise UnknownBackend(f"no {self.what} named {name!r} (known: {known})") from error

    def names(self) -> list[str]:
        return sorted(self._backends)

    def choices(self) -> list[tuple[str, str]]:
        """(name, label) pairs, for a form or admin field and for command-line choices."""
        return [
            (name, self._label(backend) if self._label else name)
            for name, backend in sorted(self._backends.items())
        ]

    def unregister(self, name: str) -> None:
        """Remove a backend (for tests that register one of their own)."""
        self._backends.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._backends

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._backends)


def _qualified(backend: object) -> str:
    kind = backend if isinstance(backend, type) else type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"
