"""One type for "we will not do that": a refusal with a stable code and a message to act on.

Services raise a subclass of :class:`Refused` when a request cannot be carried out for a
reason the person asking can understand (a closed form, answers to fix, a file that cannot
be read). Every subclass names its ``code``: a snake_case identifier that never changes once
released, so API clients, logs and tests can branch on it while the ``message`` (an English
msgid, translated lazily into the resident's or staff member's language) may be reworded.

Invariants, checked when a subclass is defined:

* ``code`` is snake_case and no two subclasses share one (:data:`CODES` maps each code to
  its class); a subclass that only groups others may leave ``code`` to its parent only if it
  is abstract (``abstract = True``).
* A family (``codes``) is one class whose instances carry one of several codes, chosen
  when raised (why a certificate was rejected: ``expired``, ``revoked`` …); every code of a
  family is registered like a class's own, so codes stay unique across the project.
* ``status`` is the HTTP status the API answers with (422 unless the class says otherwise).

The codes are listed in docs/api.md ("Error codes"); a test keeps that list and the classes in
step. Errors about single values of a form (forms.answers) are not subclasses: they travel as
``field_errors``, one :class:`FieldError` per problem, inside a refusal such as
``invalid_answers``.

To add a refusal: subclass :class:`Refused` (or an existing one) in the service module that
raises it, set ``code``, a ``default_message`` and, for the API, ``status``; then add the code
to docs/api.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CODE_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")

# code -> the class that owns it; filled as subclasses are defined.
CODES: dict[str, type[Refused]] = {}


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of what was sent (``field`` is its key, or a dotted path)."""

    field: str
    code: str
    message: StrOrPromise

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": str(self.message)}


class Refused(Exception):
    """A request that cannot be carried out; ``message`` says why in the reader's language.

    ``field`` names the one field at fault, when there is one; ``field_errors`` lists every problem
    found in a multi-field request, so a page or an API client can show them all at once.
    """

    # The class's code; an instance of a family (``codes``) may carry one of those instead.
    code: str = "refused"
    codes: ClassVar[frozenset[str]] = frozenset()
    status: ClassVar[int] = 422
    default_message: ClassVar[StrOrPromise] = gettext_lazy("This request cannot be carried out.")
    # A class that only groups others (and is never raised itself) may share its parent's code.
    abstract: ClassVar[bool] = False

    message: StrOrPromise
    field: str | None
    field_errors: tuple[FieldError, ...]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "abstract" not in cls.__dict__:
            cls.abstract = False
        if cls.abstract:
            return
        if "code" not in cls.__dict__:
            raise TypeError(f"{cls.__qualname__} must set its own stable `code`")
        register_code(cls)

    def __init__(
        self,
        message: StrOrPromise | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        field_errors: Iterable[FieldError] = (),
    ) -> None:
        if code is not None:
            if code not in type(self).codes:
                raise ValueError(f"{code!r} is not one of {type(self).__qualname__}.codes")
            self.code = code
        self.message = self.default_message if message is None else message
        self.field = field
        self.field_errors = tuple(field_errors)
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)

    def as_json(self) -> dict[str, Any]:
        """The API's body for this refusal: code, message and, when any, per-field errors."""
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.field_errors:
            body["field_errors"] = [error.as_json() for error in self.field_errors]
        return body


def register_code(cls: type[Refused]) -> None:
    """Record ``cls.code`` (and a family's ``codes``); refuse a malformed or taken code."""
    for code in sorted({cls.code, *cls.__dict__.get("codes", ())}):
        if not CODE_PATTERN.fullmatch(code):
            raise TypeError(f"{cls.__qualname__}.code {code!r} is not snake_case")
        owner = CODES.get(code)
        # The same class defined again (a module reloaded) keeps its code.
        if owner is not None and _name(owner) != _name(cls):
            raise TypeError(f"{cls.__qualname__}.code {code!r} is already used by {_name(owner)}")
    for code in {cls.code, *cls.__dict__.get("codes", ())}:
        CODES[code] = cls


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


CODES[Refused.code] = Refused
