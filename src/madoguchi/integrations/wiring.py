"""Where the integrations app plugs into the ports of the apps below it.

Each part (feed and webhooks, sealing, the LGWAN node's push, the system API's access
history) connects here, so AppConfig.ready() stays one line.
"""

from __future__ import annotations


def connect() -> None:
    """Register every hook, source and subscriber (called once from AppConfig.ready)."""
    from . import feed, push, sealing, sealing_channels

    feed.connect()
    sealing.connect()
    sealing_channels.connect()
    push.connect()
