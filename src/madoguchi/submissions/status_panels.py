"""Panels that apps above submissions add to the confirmation and status pages (a port).

The resident follows an application on the confirmation page (right after sending) and on
the status page (申請状況, behind a secret link). Some of what belongs there is owned by apps
above submissions (the fee to pay and its 領収書, in madoguchi.payments), which submissions
may not import: they register a panel in their AppConfig.ready(), and the pages render what
every panel returns. The confirmation email likewise carries each registered email note.

Invariants: a panel only shows what concerns the submission it is given and, when
``locked`` (a card-verified application in a browser that did not log in with that card),
nothing personal; it returns a rendered template (SafeString: escaped by the template), or
an empty SafeString for nothing.
An email note is plain text in the active language, with no card data and no answers.

A panel's form may send the browser to another origin (「支払う」 answers with a redirect to
the payment provider's hosted page). Every page sends ``form-action 'self'``, which browsers
apply to a form's redirects too, so such a panel also registers the origins its forms lead
to; the pages allow exactly those (``form_action_origins``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import Submission


@dataclass(frozen=True)
class Where:
    """Which page asks, and how the panel may link back to it.

    ``token`` is the status link's secret on the status page, "" on the confirmation page
    (which the browser that sent the application opens by the submission's public id).
    """

    page: str  # "done" or "status"
    token: str = ""
    locked: bool = False


Panel = Callable[["HttpRequest", "Submission", Where], SafeString]
EmailNote = Callable[["Submission"], str]
Origins = Callable[["Submission"], list[str]]

_panels: dict[str, Panel] = {}
_email_notes: dict[str, EmailNote] = {}
_form_actions: dict[str, Origins] = {}


def register(name: str, panel: Panel) -> None:
    """Add (or replace, so a reloaded app registers once) the panel called ``name``."""
    _panels[name] = panel


def register_email_note(name: str, note: EmailNote) -> None:
    """Add (or replace) a note for the confirmation email called ``name``."""
    _email_notes[name] = note


def register_form_action(name: str, origins: Origins) -> None:
    """Add (or replace) the origins the forms of the panel called ``name`` redirect to."""
    _form_actions[name] = origins


def form_action_origins(submission: Submission) -> list[str]:
    """The origins beyond our own that the panels' forms for ``submission`` redirect to."""
    found: list[str] = []
    for origins in _form_actions.values():
        found.extend(o for o in origins(submission) if o and o not in found)
    return found


def render(request: HttpRequest, submission: Submission, where: Where) -> list[SafeString]:
    """Every registered panel's HTML for this page, leaving out the empty ones."""
    return [html for panel in _panels.values() if (html := panel(request, submission, where))]


def email_notes(submission: Submission) -> list[str]:
    """Every registered note for the confirmation email, leaving out the empty ones."""
    return [text for note in _email_notes.values() if (text := note(submission))]
