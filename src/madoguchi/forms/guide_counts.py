"""How often a procedure guide's results listed a form (a port).

The improvement analytics (catalog) show how many of the guide's results that listed a form
led to a draft or a submission; the guide (a sibling of catalog) owns those anonymous
counts, so it registers a counter here in its AppConfig.ready() and catalog asks this
module. A counter gets the form and answers a count: no visitor, no answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .models import Form

logger = logging.getLogger(__name__)

Counter = Callable[[Form], int]

_counters: dict[str, Counter] = {}


def register(name: str, counter: Counter) -> None:
    """Add (or replace, so a reloaded app registers once) the counter called ``name``."""
    _counters[name] = counter


def times_listed(form: Form) -> int | None:
    """How many guide results listed ``form``, all counters summed; None with no counter."""
    if not _counters:
        return None
    return sum(counter(form) for counter in list(_counters.values()))
