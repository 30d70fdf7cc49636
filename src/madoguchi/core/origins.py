"""Web origins (RFC 6454) of URLs, as browsers compare them (CSP, site URL checks)."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["origin"]


def origin(url: str) -> str:
    """``scheme://host[:port]`` of an absolute http(s) URL, or "" for anything else.

    Default ports are left out, as browsers serialise origins.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")
