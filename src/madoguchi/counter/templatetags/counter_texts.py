"""``{% card_texts %}``: what the card scripts say, translated on the server.

The resident display (display-card.js) and the clerk's agent settings (agent-settings.js)
read their messages from a JSON data block this tag writes (``json_script``: not executed,
so the page's CSP stays as it is), so every message comes from the catalog like the rest
of the page, in whatever language the page is in. Placeholders are ``%(name)s``.
"""

from __future__ import annotations

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


def card_texts() -> dict[str, str]:
    return {
        # Agent errors (codes of the agent's API, docs/counter.md).
        "no_reader": _("No card reader was found. Please tell the clerk."),
        "no_card": _("Put your My Number Card on the card reader."),
        "card_removed": _(
            "The card was moved away while it was read. Keep it on the reader and try again."
        ),
        "pin_blocked": _("The PIN is locked. The card cannot be used here; please tell the clerk."),
        "not_my_number_card": _(
            "This does not seem to be a My Number Card. Put your My Number Card on the reader."
        ),
        "card_error": _("The card could not be read. Please try again."),
        "busy": _("The card reader is busy. Please wait a moment and try again."),
        "bad_request": _("Check what you typed and try again."),
        "agent_unreachable": _(
            "The card reader is not ready. Please tell the clerk (the card agent needs to be "
            "started)."
        ),
        "bad_token": _("The card reader is not set up for this screen. Please tell the clerk."),
        "origin_not_allowed": _(
            "The card reader is not set up for this screen. Please tell the clerk."
        ),
        # Wrong PIN or password, and the last try.
        "pin": _("PIN"),
        "signing_password": _("signing password"),
        "wrong_secret_tries": _("Wrong %(name)s. %(left)s tries left before it locks."),
        "wrong_secret": _("Wrong %(name)s."),
        "one_try_left": _(
            "One try left. A wrong entry locks it, and unlocking needs a visit to the city "
            "office. Check, then press again."
        ),
        # Steps.
        "enter_pin": _("Enter the 4 digits."),
        "reading": _("Reading the card. Keep it on the reader."),
        "verified": _("The card was verified."),
        "enter_password": _("Enter 6 to 16 letters and digits."),
        "signing": _("Signing. Keep the card on the reader."),
        "signed": _("Signed and accepted. Receipt number: %(receipt_number)s"),
        # The clerk's agent settings page.
        "saved": _("Saved in this browser."),
        "no_reader_name": _("none"),
        "connected": _("Connected. Card reader: %(reader)s"),
        "not_connected": _("Cannot connect (%(code)s). Start the card agent."),
    }


@register.simple_tag
def card_texts_script() -> SafeString:
    return json_script(card_texts(), "card-texts")
