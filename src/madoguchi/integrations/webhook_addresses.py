"""Where a webhook may be sent: never into the server's own networks (SSRF).

The internet node sends webhooks to URLs an administrator typed. Without a check, a URL such
as ``http://169.254.169.254/`` (a cloud's metadata service), ``http://10.0.0.5/`` or a name
that resolves to one of them would make the node a tool for reaching what the internet cannot
reach. So a webhook's host may not be, or resolve to, an internal address (:data:`BLOCKED`):
checked when the webhook is saved (webhook_services.checked_url, a form error) and again at
every delivery (:func:`pinned_address`), where the name is resolved once, every address is
checked, and the connection is made to the checked address itself, so a DNS answer that
changes between the check and the connection (DNS rebinding) cannot switch it.

``MADOGUCHI_WEBHOOK_ALLOWED_NETWORKS`` (CIDRs) lets a city send to its own receiver on a
private network; development and test settings allow loopback, where their receivers listen.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Internal, special-purpose and non-unicast ranges (IANA special-purpose registries).
BLOCKED: tuple[tuple[Network, Promise], ...] = tuple(
    (ipaddress.ip_network(cidr), why)
    for cidr, why in (
        ("0.0.0.0/8", _("an unspecified address")),
        ("127.0.0.0/8", _("a loopback address (this machine)")),
        ("10.0.0.0/8", _("a private network (RFC 1918)")),
        ("172.16.0.0/12", _("a private network (RFC 1918)")),
        ("192.168.0.0/16", _("a private network (RFC 1918)")),
        ("100.64.0.0/10", _("a shared network (CGNAT, RFC 6598)")),
        ("169.254.0.0/16", _("a link-local address (as cloud metadata services use)")),
        ("192.0.0.0/24", _("an IETF protocol address")),
        ("192.0.2.0/24", _("an address reserved for documentation")),
        ("198.18.0.0/15", _("an address reserved for benchmarking")),
        ("198.51.100.0/24", _("an address reserved for documentation")),
        ("203.0.113.0/24", _("an address reserved for documentation")),
        ("224.0.0.0/4", _("a multicast address")),
        ("240.0.0.0/4", _("a reserved address")),
        ("255.255.255.255/32", _("the broadcast address")),
        ("::/128", _("an unspecified address")),
        ("::1/128", _("a loopback address (this machine)")),
        ("100::/64", _("a discard-only address")),
        ("2001:db8::/32", _("an address reserved for documentation")),
        ("fc00::/7", _("a unique local network (ULA)")),
        ("fe80::/10", _("a link-local address (as cloud metadata services use)")),
        ("fec0::/10", _("a site-local address")),
        ("ff00::/8", _("a multicast address")),
    )
)
# IPv6 ranges that carry an IPv4 address, judged by that address: IPv4-mapped, NAT64 and 6to4.
_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


class AddressRefused(Exception):
    """The host is, or resolves to, an address webhooks are not sent to."""

    def __init__(self, address: Address, why: Promise) -> None:
        super().__init__(f"{address} ({why})")
        self.address = address
        self.why = why


def allowed_networks() -> list[Network]:
    return [
        ipaddress.ip_network(cidr, strict=False)
        for cidr in getattr(settings, "MADOGUCHI_WEBHOOK_ALLOWED_NETWORKS", [])
    ]


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address in _MAPPED or address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return ipaddress.IPv4Address((int(address) >> 80) & 0xFFFFFFFF)
    return None


def refusal(address: Address, allowed: Iterable[Network] = ()) -> Promise | None:
    """Why webhooks may not go to ``address`` (None when they may), in words to translate.
    An allowed network wins."""
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        address = ipaddress.IPv6Address(int(address))  # fe80::1%eth0 is fe80::1
    allowed = list(allowed)
    if any(address.version == net.version and address in net for net in allowed):
        return None
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return refusal(embedded, allowed)
    for network, why in BLOCKED:
        if address.version == network.version and address in network:
            return why
    return None


Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (TCP), in the resolver's order."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[str] = []
    for _family, _type, _proto, _name, sockaddr in answers:
        text = str(sockaddr[0])
        if text not in found:
            found.append(text)
    return found


def literal(host: str) -> Address | None:
    """``host`` as an IP address when it is written as one (``[::1]`` included)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def checked_addresses(host: str, port: int, *, resolver: Resolver | None = None) -> list[Address]:
    """Every address ``host`` stands for, each allowed, or AddressRefused for the first that
    is not. Raises OSError when the name does not resolve."""
    allowed = allowed_networks()
    found = literal(host)
    addresses = (
        [found]
        if found is not None
        else [
            ipaddress.ip_address(text.split("%")[0]) for text in (resolver or resolve)(host, port)
        ]
    )
    for address in addresses:
        why = refusal(address, allowed)
        if why is not None:
            raise AddressRefused(address, why)
    if not addresses:
        raise OSError(f"{host} has no address")
    return addresses


@dataclass(frozen=True)
class Pinned:
    """Where one delivery connects: the checked address, and the name for Host and SNI."""

    address: str
    hostname: str


def pinned_address(host: str, port: int, *, resolver: Resolver | None = None) -> Pinned:
    """The address a delivery connects to, checked now (AddressRefused, OSError)."""
    return Pinned(str(checked_addresses(host, port, resolver=resolver)[0]), host)
