"""Facts about a form that apps above read when one of its applications is submitted, read
in one query (a port).

Every submission needs a few settings of its form from apps above this one: the
procedure's standard period (catalog, for the due date), the encryption policy
(integrations, for sealing), whether the department has webhook endpoints (integrations,
for deliveries). Asked one query each, they were three of a submission's twelve
statements (bench/NOTES.md). So each app registers, in its AppConfig.ready(), an
expression over the form's row; ``create_submission`` reads them all in one statement
(:func:`reading`), and the app reads its fact with :func:`fact`, which otherwise (outside a
submission) runs the app's own query.

The statement is built by the ORM once per process and database, then run with the form's
id: built per submission, the three subqueries cost more CPU than the queries they replace
(as the ledger's append, ledger/services.py).

A fact answers once: :func:`fact` takes it off the form, and none outlives the submission,
so a form object kept for longer (a command, a test) asks the database again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.db import connection
from django.db.models.expressions import BaseExpression

from .models import Form, FormVersion

T = TypeVar("T")

_PREFIX = "_submission_fact_"
# Stands for the form's id while the statement is built; no form has a negative id.
_FORM_ID = -7_351_902_684

_expressions: dict[str, Callable[[], BaseExpression]] = {}
_statements: dict[str, tuple[str, list[Any], int]] = {}


def register(name: str, expression: Callable[[], BaseExpression]) -> None:
    """Add (or replace) the fact ``name``: ``expression()`` is evaluated on the form's row
    (``OuterRef("pk")``, ``OuterRef("municipality_id")``, ``OuterRef("department_id")``)."""
    _expressions[name] = expression
    _statements.clear()


def _statement() -> tuple[str, list[Any], int]:
    """The facts' SELECT for this database: its SQL, its parameters, and where the form's id
    goes among them."""
    built = _statements.get(connection.vendor)
    if built is None:
        forms = Form.objects.filter(pk=_FORM_ID).values(
            **{_PREFIX + name: make() for name, make in _expressions.items()}
        )
        sql, params = forms.query.sql_with_params()
        built = (sql, list(params), list(params).index(_FORM_ID))
        _statements[connection.vendor] = built
    return built


@contextlib.contextmanager
def reading(form: Form) -> Iterator[None]:
    """Every fact of ``form`` for the block, in one statement; after the block (a
    submission made, or refused) the form keeps none of them."""
    if not _expressions:
        yield
        return
    sql, params, form_id_at = _statement()
    params = list(params)
    params[form_id_at] = form.pk
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        columns = [column[0] for column in cursor.description]
    names = [_PREFIX + name for name in _expressions]
    if row is not None:
        form.__dict__.update(zip(columns, row, strict=True))
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
