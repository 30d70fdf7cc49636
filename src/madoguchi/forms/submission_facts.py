"""Facts about a form that apps above read when one of its applications is submitted, read
with the form in one query (a port).

Every submission needs a few settings of its form from apps above this one: the
procedure's standard period (catalog, for the due date), the encryption policy
(integrations, for sealing), whether the department has webhook endpoints (integrations,
for deliveries). Asked one query each, they were three of a submission's twelve
statements and a fifth of its CPU (bench/NOTES.md). So each app registers, in its
AppConfig.ready(), an expression over the form's row; the API's form lookup adds them all
to its one query (:func:`annotate`), and ``create_submission`` reads them in one query for a
form that came another way (:func:`reading`: a draft's, the counter's, a mail-in paper's). The
app reads its fact with :func:`fact`, which otherwise runs the app's own query.

A fact answers once: :func:`fact` takes it off the form, so a form object kept for longer
(a command, a test) asks the database the next time instead of answering from the past.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.db.models.expressions import BaseExpression

from .models import Form, FormVersion

T = TypeVar("T")

_PREFIX = "_submission_fact_"

_expressions: dict[str, Callable[[], BaseExpression]] = {}


def register(name: str, expression: Callable[[], BaseExpression]) -> None:
    """Add (or replace) the fact ``name``: ``expression()`` is evaluated on the form's row
    (``OuterRef("pk")``, ``OuterRef("municipality_id")``, ``OuterRef("department_id")``)."""
    _expressions[name] = expression


def annotate(forms: QuerySet[Form]) -> QuerySet[Form]:
    """``forms`` with every registered fact read in the same query."""
    return forms.annotate(**{_PREFIX + name: make() for name, make in _expressions.items()})


@contextlib.contextmanager
def reading(form: Form) -> Iterator[None]:
    """Every fact of ``form`` for the block, in one query unless it came with them; after
    the block (a submission made, or refused) the form keeps none of them."""
    names = [_PREFIX + name for name in _expressions]
    if names and not all(name in form.__dict__ for name in names):
        values = (
            Form.objects.filter(pk=form.pk)
            .values(**{_PREFIX + name: make() for name, make in _expressions.items()})
            .first()
        )
        form.__dict__.update(values or {})
    try:
        yield
    finally:
        for name in names:
            form.__dict__.pop(name, None)


def fact(form_version: FormVersion, name: str, otherwise: Callable[[], T]) -> T:
    """The fact ``name`` read with the version's form, once; else ``otherwise()`` (which
    should not need the form object: a version whose form was not loaded loads none here)."""
    if not FormVersion.form.is_cached(form_version):
        return otherwise()
    missing = object()
    value: Any = form_version.form.__dict__.pop(_PREFIX + name, missing)
    return otherwise() if value is missing else value
