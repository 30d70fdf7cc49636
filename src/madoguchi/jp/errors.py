"""The single error type raised by :mod:`madoguchi.jp`.

Callers (forms, API serializers, CSV imports) need two things from a rejected
value: a stable machine ``code`` to branch on or log, and a ``message`` that a
resident can act on. Messages are English msgids wrapped in ``gettext_lazy`` so
that the Japanese text comes from the project's .po files and is chosen by the
language active when the message is rendered, not when the error was raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

from django.utils.functional import lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _interpolate(template: StrOrPromise, params: Mapping[str, object]) -> str:
    text = str(template)
    return text % params if params else text


# Formatting a lazy msgid with ``%`` would translate it immediately (in whatever
# language happens to be active when the error is raised). Wrapping the
# interpolation in ``lazy`` defers both translation and formatting to ``str()``.
_lazy_interpolate = lazy(_interpolate, str)


class InvalidJapaneseInput(ValueError):
    """A value that cannot be read as the Japanese datum it claims to be.

    It subclasses :class:`ValueError` so that generic code treating "bad value"
    uniformly keeps working. ``code`` is a short identifier such as
    ``"wareki_out_of_era"``; ``params`` are the values interpolated into the
    message (also useful for Django's ``ValidationError(params=...)``).
    """

    code: str
    params: Mapping[str, object]
    message: StrOrPromise

    def __init__(
        self,
        code: str,
        message: StrOrPromise,
        *,
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.code = code
        self.params = dict(params or {})
        self.template = message
        self.message = _lazy_interpolate(message, self.params)
        super().__init__(code)

    def __str__(self) -> str:
        return str(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, params={dict(self.params)!r})"

    def __reduce__(self) -> tuple[partial[InvalidJapaneseInput], tuple[()]]:
        # Keeps the error picklable (pytest-xdist, task queues) even though the
        # constructor signature differs from ValueError's.
        return (partial(type(self), self.code, self.template, params=self.params), ())
