"""The client's address: X-Forwarded-For counts only when a trusted proxy sent it."""

from __future__ import annotations

import ipaddress
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.core.checks import client_and_limit_settings
from madoguchi.core.client_address import (
    client_address,
    client_bucket,
    parse_address,
    parse_trusted_proxies,
    resolve,
)

PROXIES = parse_trusted_proxies("127.0.0.1/32, 10.0.0.0/8, fd00::/8")


def _request(remote: str, forwarded: str | None = None) -> object:
    extra = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@override_settings(MADOGUCHI_TRUSTED_PROXIES="127.0.0.1/32,10.0.0.0/8")
def test_behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() -> None:
    request = _request("127.0.0.1", "198.51.100.7, 203.0.113.9, 10.0.0.5")

    assert client_address(request) == "203.0.113.9"  # type: ignore[arg-type]


@override_settings(MADOGUCHI_TRUSTED_PROXIES="127.0.0.1/32")
def test_a_forwarded_header_from_an_untrusted_peer_is_ignored() -> None:
    request = _request("192.0.2.10", "198.51.100.7")

    assert client_address(request) == "192.0.2.10"  # type: ignore[arg-type]


@override_settings(MADOGUCHI_TRUSTED_PROXIES="")
def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    request = _request("127.0.0.1", "198.51.100.7")

    assert client_address(request) == "127.0.0.1"  # type: ignore[arg-type]


@override_settings(MADOGUCHI_TRUSTED_PROXIES="127.0.0.1/32")
def test_ipv6_clients_are_counted_per_slash_64() -> None:
    one = _request("127.0.0.1", "2001:db8:1:2::1")
    other = _request("127.0.0.1", "[2001:db8:1:2:ffff::9]:51000")

    assert client_bucket(one) == client_bucket(other) == "2001:db8:1:2::/64"  # type: ignore[arg-type]
    assert client_address(one) == "2001:db8:1:2::1"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("hop", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        (" 192.0.2.1:8080 ", "192.0.2.1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("fe80::1%eth0", None),
        ("unknown", None),
        ("_hidden", None),
        ("192.0.2.256", None),
        ("", None),
    ],
)
def test_each_hop_is_read_as_an_address_or_refused(hop: str, expected: str | None) -> None:
    address = parse_address(hop)

    assert (None if address is None else address.compressed) == expected


def test_a_misspelt_trusted_proxy_setting_is_an_error_that_names_the_entry() -> None:
    with pytest.raises(ValueError, match=re.escape("'10.0.0.0/88'")):
        parse_trusted_proxies("127.0.0.1/32,10.0.0.0/88")
    with (
        override_settings(MADOGUCHI_TRUSTED_PROXIES="nginx.local"),
        pytest.raises(ImproperlyConfigured),
    ):
        client_address(_request("127.0.0.1"))  # type: ignore[arg-type]
    with override_settings(MADOGUCHI_TRUSTED_PROXIES="nginx.local"):
        assert [e.id for e in client_and_limit_settings()] == ["core.E002"]


# --- properties of the header parser --------------------------------------------------------

ipv4 = st.ip_addresses(v=4)
ipv6 = st.ip_addresses(v=6)
addresses = ipv4 | ipv6
garbage = st.text(max_size=40).filter(lambda t: "," not in t)


def _spelled(address: ipaddress.IPv4Address | ipaddress.IPv6Address, style: int) -> str:
    """The ways proxies write one hop: bare, with a port, bracketed, padded with spaces."""
    text = address.compressed
    if style == 1:
        return f"[{text}]:8443" if address.version == 6 else f"{text}:8443"
    if style == 2:
        return f"  {text} "
    if style == 3 and address.version == 6:
        return f"[{text}]"
    return text


def _untrusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and (
        address.ipv4_mapped is not None or address.scope_id
    ):
        return False
    return not any(address.version == n.version and address in n for n in PROXIES)


@given(
    forged=st.lists(st.one_of(garbage, addresses.map(str)), max_size=10),
    client=addresses.filter(_untrusted),
    proxies=st.lists(st.sampled_from(["10.1.2.3", "10.200.0.1", "fd00::7"]), max_size=5),
    style=st.integers(0, 3),
)
def test_the_client_is_found_past_any_number_of_trusted_hops_whatever_it_forged(
    forged: list[str], client: ipaddress.IPv4Address, proxies: list[str], style: int
) -> None:
    header = ",".join([*forged, _spelled(client, style), *proxies])

    assert resolve("127.0.0.1", header, PROXIES) == client


@given(remote=addresses.filter(_untrusted), header=st.text(max_size=200))
def test_an_untrusted_peer_is_the_client_whatever_header_it_sends(
    remote: ipaddress.IPv4Address, header: str
) -> None:
    assert resolve(remote.compressed, header, PROXIES) == remote


@given(header=st.text(max_size=300), remote=st.sampled_from(["127.0.0.1", "10.9.9.9"]))
def test_any_header_from_a_proxy_gives_an_address_or_the_proxy_itself(
    header: str, remote: str
) -> None:
    address = resolve(remote, header, PROXIES)

    hops = {parse_address(hop) for hop in header.split(",")}
    assert address == ipaddress.ip_address(remote) or address in hops


def test_a_very_long_chain_is_read_only_up_to_its_last_hops() -> None:
    header = ",".join(["10.0.0.1"] * 100_000)

    assert resolve("127.0.0.1", header, PROXIES) == ipaddress.ip_address("10.0.0.1")
