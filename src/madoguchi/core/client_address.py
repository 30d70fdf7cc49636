"""The address of the client behind our reverse proxies.

Behind nginx every request arrives from nginx's address, so ``REMOTE_ADDR`` alone names
the proxy, not the resident: rate limits keyed on it put everybody in one bucket. The
proxy appends the address it saw to ``X-Forwarded-For``; that header is trusted only when
the connecting peer is one of ``MADOGUCHI_TRUSTED_PROXIES``, and is read from the right:
hops that are themselves trusted proxies are skipped, and the first one that is not is
the client. Everything left of it was written by the client and may be forged.

Use :func:`client_address` wherever a request's address is needed (rate limits, logs).
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# What a hop may look like: "192.0.2.1", "192.0.2.1:443", "2001:db8::1", "[2001:db8::1]:443".
_BRACKETED = re.compile(r"\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?")
_V4_WITH_PORT = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}")
# A proxy chain longer than this is not a proxy chain; stop reading (bounded work per request).
MAX_HOPS = 32
UNKNOWN = "unknown"


def parse_trusted_proxies(value: str) -> tuple[IPNetwork, ...]:
    """``"127.0.0.1/32, 10.0.0.0/8, ::1"`` as networks; ValueError names the bad entry."""
    networks = []
    for entry in value.split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"MADOGUCHI_TRUSTED_PROXIES: {entry!r} is not an address or network "
                "(write e.g. 127.0.0.1/32,10.0.0.0/8)"
            ) from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(value: str) -> tuple[IPNetwork, ...]:
    try:
        return parse_trusted_proxies(value)
    except ValueError as error:
        raise ImproperlyConfigured(str(error)) from None


def trusted_proxies() -> tuple[IPNetwork, ...]:
    return _trusted(str(getattr(settings, "MADOGUCHI_TRUSTED_PROXIES", "")))


def parse_address(text: str) -> IPAddress | None:
    """One hop of X-Forwarded-For (or REMOTE_ADDR) as an address; None when it is not one.

    Ports and IPv6 brackets are dropped, IPv4-mapped IPv6 addresses become IPv4, and IPv6
    zone ids (``fe80::1%eth0``) are refused: they only mean something on one host.
    """
    text = text.strip()
    if not text or len(text) > 64:
        return None
    match = _BRACKETED.fullmatch(text) or _V4_WITH_PORT.fullmatch(text)
    if match:
        text = match.group(1)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            return None
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def resolve(
    remote_addr: str, forwarded_for: str, networks: tuple[IPNetwork, ...]
) -> IPAddress | None:
    """The client's address from the peer and X-Forwarded-For, trusting only ``networks``.

    Walks the header from the right past trusted hops; the first untrusted hop is the
    client. A hop that is not an address stops the walk at the last trusted proxy (which
    is then the best we know), as does a chain longer than :data:`MAX_HOPS`. When every
    hop is trusted (a request from inside), the leftmost one is the client.
    """
    peer = parse_address(remote_addr)
    if peer is None or not _is_trusted(peer, networks) or not forwarded_for:
        return peer
    client = peer
    for hop in reversed(forwarded_for.rsplit(",", MAX_HOPS)[-MAX_HOPS:]):
        address = parse_address(hop)
        if address is None:
            return client
        client = address
        if not _is_trusted(address, networks):
            return address
    return client


def client_ip(request: HttpRequest) -> IPAddress | None:
    return resolve(
        str(request.META.get("REMOTE_ADDR", "")),
        str(request.META.get("HTTP_X_FORWARDED_FOR", "")),
        trusted_proxies(),
    )


def client_address(request: HttpRequest) -> str:
    """The client's address as text (``"unknown"`` when the server gave none)."""
    address = client_ip(request)
    return UNKNOWN if address is None else address.compressed


def client_bucket(request: HttpRequest) -> str:
    """Who a per-client limit counts: the IPv4 address, or the IPv6 /64.

    One IPv6 subscriber holds a whole /64 (2^64 addresses); counting single addresses
    would give them as many fresh buckets as they like.
    """
    address = client_ip(request)
    if address is None:
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address):
        return ipaddress.IPv6Network((address, 64), strict=False).with_prefixlen
    return address.compressed
