"""Content-Security-Policy additions for the few pages that need more than the site policy.

The site policy (``CONTENT_SECURITY_POLICY`` in settings) lets scripts load only from our own
origin and never compiles code from strings. A page that reads QR codes with the camera runs
the vendored ZXing-C++ reader, which is WebAssembly: browsers compile it only when
``script-src`` carries ``'wasm-unsafe-eval'``. That keyword allows WebAssembly and nothing
else (``eval`` and ``new Function`` stay refused), and the module itself still has to come
from ``'self'``; it is added to those pages' responses only, never to the site policy.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpResponseBase

__all__ = ["WASM_SCRIPT_SOURCE", "allow_webassembly", "allows_webassembly"]

WASM_SCRIPT_SOURCE = "'wasm-unsafe-eval'"

Response = TypeVar("Response", bound=HttpResponseBase)
View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def allow_webassembly(response: Response) -> Response:
    """Let this response's page compile WebAssembly loaded from our origin (django-csp:
    added to the site's ``script-src``, whatever else the view updated)."""
    update: dict[str, Any] = dict(getattr(response, "_csp_update", None) or {})
    sources = update.get("script-src") or []
    sources = [sources] if isinstance(sources, str) else list(sources)
    if WASM_SCRIPT_SOURCE not in sources:
        sources.append(WASM_SCRIPT_SOURCE)
    update["script-src"] = sources
    response._csp_update = update  # type: ignore[attr-defined]
    return response


def allows_webassembly(view: View) -> View:
    """A view whose every page may compile WebAssembly (see :func:`allow_webassembly`);
    for a view that renders the scanner on only some of its pages, call that on them."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> HttpResponseBase:
        return allow_webassembly(view(*args, **kwargs))

    return wrapped  # type: ignore[return-value]
