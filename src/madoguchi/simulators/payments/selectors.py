"""Reads: expansion (``expand[]``) and Stripe's cursor pagination."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from .models import StoredObject
from .protocol import ApiError, invalid
from .services import _integer, load, present


def expanded(obj: StoredObject, paths: Any) -> dict[str, Any]:
    """``present(obj)`` with each dotted path in ``paths`` replaced by the object it names."""
    if paths in (None, ""):
        paths = []
    if not isinstance(paths, list):
        raise invalid("expand", "Invalid array", "parameter_invalid_array")
    data = present(obj)
    for path in paths:
        _expand(obj, data, str(path).split("."), path)
    return data


def _expand(owner: StoredObject, data: dict[str, Any], parts: list[str], path: str) -> None:
    field, rest = parts[0], parts[1:]
    if owner.kind == "checkout.session" and field == "line_items":
        items = owner.private.get("line_items", [])
        data["line_items"] = listing(
            items, url=f"/v1/checkout/sessions/{owner.id}/line_items", more=False
        )
        return
    value = data.get(field)
    if isinstance(value, dict) and rest:
        child = StoredObject.objects.filter(id=value.get("id")).first()
        if child is not None:
            _expand(child, value, rest, path)
        return
    if value is None:
        return
    if not isinstance(value, str):
        raise invalid("expand", f"This property cannot be expanded ({path}).")
    child = StoredObject.objects.filter(id=value, account=owner.account).first()
    if child is None:
        return
    data[field] = present(child)
    if rest:
        _expand(child, data[field], rest, path)


def listing(items: list[Any], *, url: str, more: bool) -> dict[str, Any]:
    return {"object": "list", "data": items, "has_more": more, "url": url}


def page(
    account: str,
    kind: str,
    params: dict[str, Any],
    *,
    url: str,
    filters: Q | None = None,
    allowed: set[str] = frozenset(),  # type: ignore[assignment]
) -> dict[str, Any]:
    """A list endpoint: newest first, ``limit`` (1-100, default 10), ``starting_after`` /
    ``ending_before`` cursors, ``created[gt|gte|lt|lte]``, and ``expand[]=data.…``."""
    common = {"limit", "starting_after", "ending_before", "created", "expand"}
    for name in params:
        if name not in common | allowed:
            raise ApiError(
                400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name
            )
    limit = 10 if params.get("limit") is None else _integer(params["limit"], "limit", minimum=1)
    if limit > 100:
        raise invalid(
            "limit", "This value must be less than or equal to 100.", "parameter_invalid_integer"
        )
    objects = StoredObject.objects.filter(account=account, kind=kind)
    if filters is not None:
        objects = objects.filter(filters)
    created = params.get("created")
    if isinstance(created, dict):
        for operator in ("gt", "gte", "lt", "lte"):
            if created.get(operator) is not None:
                bound = _integer(created[operator], f"created[{operator}]")
                objects = objects.filter(**{f"created__{operator}": bound})
    elif created is not None:
        objects = objects.filter(created=_integer(created, "created"))
    newest_first = True
    if params.get("starting_after"):
        cursor = load(account, kind, params["starting_after"], param="starting_after")
        objects = objects.filter(
            Q(created__lt=cursor.created) | Q(created=cursor.created, id__lt=cursor.id)
        )
    elif params.get("ending_before"):
        cursor = load(account, kind, params["ending_before"], param="ending_before")
        objects = objects.filter(
            Q(created__gt=cursor.created) | Q(created=cursor.created, id__gt=cursor.id)
        )
        newest_first = False
    ordering = ("-created", "-id") if newest_first else ("created", "id")
    found = list(objects.order_by(*ordering)[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    if not newest_first:
        found.reverse()
    paths = params.get("expand") or []
    if not isinstance(paths, list):
        raise invalid("expand", "Invalid array", "parameter_invalid_array")
    item_paths = [p.removeprefix("data.") for p in paths if str(p).startswith("data.")]
    return listing([expanded(obj, item_paths) for obj in found], url=url, more=more)
