"""Status links of applications that are not submissions yet (a port for apps above).

An application on a paper channel (mail-in, in madoguchi.mailin) exists before it is a
submission: the resident holds its secret link and opens the status page (申請状況) while
the paper is on its way (「郵送待ち」). Submissions may not import that app, so it registers
a resolver in its AppConfig.ready(); the status page, and a draft's pages once the draft
is gone, ask the resolvers about a token nothing here knows, and send the resident to the
page the resolver names.

Invariant: a resolver answers only for the token it is given (it finds its record by the
token's hash, as status links do) and returns a path on this site, or None.
"""

from __future__ import annotations

from collections.abc import Callable

Resolver = Callable[[str], str | None]

_resolvers: dict[str, Resolver] = {}


def register(name: str, resolver: Resolver) -> None:
    """Add (or replace, so a reloaded app registers once) the resolver called ``name``."""
    _resolvers[name] = resolver


def page_for(token: str) -> str | None:
    """The page of the not-yet-submitted application behind ``token``, if any resolver knows it."""
    for resolver in _resolvers.values():
        path = resolver(token)
        if path is not None:
            return path
    return None
