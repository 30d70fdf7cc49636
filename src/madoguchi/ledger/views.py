"""Public, plain-text trust anchors of the audit ledger: the checkpoint and the key."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from madoguchi.ledger import checkpoint, services

PLAIN_TEXT = "text/plain; charset=utf-8"


@require_GET
def latest_checkpoint(request: HttpRequest) -> HttpResponse:
    """The latest signed checkpoint; a fresh one when the tree grew and it is stale."""
    response = HttpResponse(services.fresh_checkpoint().note, content_type=PLAIN_TEXT)
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def public_key(request: HttpRequest) -> HttpResponse:
    """The verifier key in the signed-note format, for `madoguchi verify ... --key`."""
    response = HttpResponse(checkpoint.public_key_text() + "\n", content_type=PLAIN_TEXT)
    response["Cache-Control"] = "public, max-age=3600"
    return response
