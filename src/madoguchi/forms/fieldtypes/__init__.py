"""Field types: everything one kind of question does, in one module per type.

A question's ``type`` (``text``, ``date`` ...) names a :class:`~.base.FieldType` in the
:mod:`.registry`. The type says how its answer is read from a form post, checked and
normalised, shown (review page, receipt, staff screen), drawn (its template), exported
(one cell), counted on the statistics page, and which properties the builder's field
editor offers. The generic code in :mod:`madoguchi.forms.answers`,
:mod:`madoguchi.forms.rendering`, the builder, the statistics and the exports loops over
the registry and never asks which type a question is. Apps above ``forms`` call this
package; this package imports nothing above ``forms``.

The question models themselves stay in :mod:`madoguchi.forms.schema` (one pydantic
discriminated union validates a whole form); each type links its name to its model.

Adding a type, e.g. ``url``:

1. In ``schema.py``, add ``class UrlField(BaseField)`` with ``type: Literal["url"]`` and
   its properties, and add it to the ``FormField`` union (its place there is its place in
   the builder's type list).
2. Add ``fieldtypes/url.py``: a ``@register``-ed subclass of ``FieldType[UrlField]`` with
   ``name``, ``model``, ``display_name`` (English, with the Japanese in django.po),
   ``template_name``, ``editor_props`` and ``clean``; override the other methods where
   the type differs from one line of text. Import the module below.
3. Add its template ``forms/templates/forms/fields/url.html`` (or reuse ``text.html``).

``tests/test_registry.py`` fails until every schema type is registered and complete.
"""

from __future__ import annotations

# Each module registers its type on import; the order here does not matter (the
# registry lists types in the schema's order).
from . import (  # noqa: F401
    choice,
    consent,
    date,
    email,
    file,
    info,
    kana,
    long_text,
    number,
    phone,
    photo,
    postal_code,
    text,
)
from .base import FieldInvalid, FieldType
from .registry import UnknownFieldType, all_types, get, names, of

__all__ = ["FieldInvalid", "FieldType", "UnknownFieldType", "all_types", "get", "names", "of"]
