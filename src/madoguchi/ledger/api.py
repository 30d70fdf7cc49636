"""The ledger's public API: checkpoints and proofs (see docs/trust.md).

Entries themselves are not served: their pseudonyms would show staff activity patterns.
Whoever holds an entry (a receipt embeds its own) fetches the proof for its index here;
auditors get whole exports from the operator through ``madoguchi ledger export``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from madoguchi.core.ratelimit import allow
from madoguchi.ledger import checkpoint, selectors, services

router = Router(tags=["ledger"])


class Problem(Schema):
    """The API's error shape (madoguchi.api.api.Problem): a stable code and a message."""

    code: str
    message: str


class CheckpointOut(Schema):
    tree_size: int
    root_hash: str
    note: str
    created_at: datetime
    public_key: str


class InclusionOut(Schema):
    index: int
    tree_size: int
    leaf_hash: str
    proof: list[str]
    checkpoint: str | None


class ConsistencyOut(Schema):
    first: int
    second: int
    proof: list[str]


def _too_many() -> Status[dict[str, Any]]:
    return Status(
        429,
        {
            "code": "rate_limited",
            "message": _("Too many requests. Please wait a minute and try again."),
        },
    )


@router.get("/checkpoint", response={200: CheckpointOut, 429: Problem})
def latest_checkpoint(request: HttpRequest) -> Status[dict[str, Any]]:
    """The latest signed checkpoint (signed afresh when the tree grew and it is stale)."""
    if not allow(request, "ledger"):
        return _too_many()
    signed = services.fresh_checkpoint()
    return Status(
        200,
        {
            "tree_size": signed.tree_size,
            "root_hash": signed.root_hash,
            "note": signed.note,
            "created_at": signed.created_at,
            "public_key": checkpoint.public_key_text(),
        },
    )


@router.get(
    "/proof/inclusion",
    response={200: InclusionOut, 404: Problem, 422: Problem, 429: Problem},
)
def inclusion(
    request: HttpRequest, index: int, tree_size: int | None = None
) -> Status[dict[str, Any]]:
    """The audit path of entry ``index``; without ``tree_size``, to a checkpoint covering it."""
    if not allow(request, "ledger"):
        return _too_many()
    if index < 0 or (tree_size is not None and not index < tree_size):
        return Status(
            422,
            {
                "code": "invalid_range",
                "message": _("The index must be at least 0 and below tree_size."),
            },
        )
    entry = selectors.entry_at(index)
    if entry is None:
        return Status(
            404,
            {
                "code": "not_found",
                "message": _("The ledger has no entry %(index)s.") % {"index": index},
            },
        )
    note: str | None
    if tree_size is None:
        covering = services.checkpoint_covering(index)
        tree_size, note = covering.tree_size, covering.note
    else:
        known = selectors.checkpoint_of_size(tree_size)
        note = known.note if known is not None else None
    try:
        proof = selectors.inclusion_proof(index, tree_size)
    except selectors.ProofUnavailable:
        return Status(
            404,
            {
                "code": "not_found",
                "message": _("The ledger has fewer than %(size)s entries.") % {"size": tree_size},
            },
        )
    return Status(
        200,
        {
            "index": index,
            "tree_size": tree_size,
            "leaf_hash": entry.leaf_hash,
            "proof": [h.hex() for h in proof],
            "checkpoint": note,
        },
    )


@router.get(
    "/proof/consistency",
    response={200: ConsistencyOut, 404: Problem, 422: Problem, 429: Problem},
)
def consistency(request: HttpRequest, first: int, second: int) -> Status[dict[str, Any]]:
    """Proof that the tree of ``second`` entries extends the tree of ``first`` entries."""
    if not allow(request, "ledger"):
        return _too_many()
    if not 0 < first <= second:
        return Status(
            422, {"code": "invalid_range", "message": _("Sizes must satisfy 0 < first ≤ second.")}
        )
    try:
        proof = selectors.consistency_proof(first, second)
    except selectors.ProofUnavailable:
        return Status(
            404,
            {
                "code": "not_found",
                "message": _("The ledger has fewer than %(size)s entries.") % {"size": second},
            },
        )
    return Status(200, {"first": first, "second": second, "proof": [h.hex() for h in proof]})
