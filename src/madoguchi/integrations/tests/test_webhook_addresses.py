"""Webhooks never reach into the server's own networks (SSRF): internal addresses are refused
when a webhook is saved and again when it is sent, where the connection goes to the address
checked (DNS rebinding cannot switch it) with the URL's name kept for Host and TLS (SNI)."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook

from madoguchi.forms.models import FormVersion
from madoguchi.integrations import webhook_addresses, webhook_services, webhooks
from madoguchi.integrations.models import WebhookAttempt, WebhookEndpoint
from madoguchi.integrations.webhook_addresses import BLOCKED, refusal
from madoguchi.integrations.webhook_services import WebhookRefused
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import StaffFactory, submit_application
from madoguchi.testing.staff import log_in_staff

PUBLIC = "93.184.216.34"


# --- the address check, for any address -------------------------------------------------------


def _in(network: Any) -> st.SearchStrategy[Any]:
    first, last = int(network.network_address), int(network.broadcast_address)
    kind = ipaddress.IPv4Address if network.version == 4 else ipaddress.IPv6Address
    return st.integers(first, last).map(kind)


blocked_addresses = st.one_of(*(_in(network) for network, _why in BLOCKED))
any_ipv4 = st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address)
any_address = st.one_of(any_ipv4, st.integers(0, 2**128 - 1).map(ipaddress.IPv6Address))


@given(blocked_addresses)
def test_every_address_of_an_internal_range_is_refused(address: Any) -> None:
    assert refusal(address) is not None


@given(any_ipv4)
def test_an_ipv4_address_inside_ipv6_gets_the_ipv4_verdict(address: Any) -> None:
    verdict = refusal(address) is None
    mapped = ipaddress.IPv6Address(f"::ffff:{address}")
    nat64 = ipaddress.IPv6Address((0x64FF9B << 96) | int(address))
    six_to_four = ipaddress.IPv6Address((0x2002 << 112) | (int(address) << 80))

    assert [refusal(a) is None for a in (mapped, nat64, six_to_four)] == [verdict] * 3


@given(any_address)
def test_a_global_unicast_address_is_accepted(address: Any) -> None:
    embedded = webhook_addresses._embedded_ipv4(address)
    judged = embedded if embedded is not None else address
    if judged.is_global and not judged.is_multicast:
        assert refusal(address) is None


@given(blocked_addresses)
def test_an_allowed_network_wins_over_the_internal_ranges(address: Any) -> None:
    allowed = [ipaddress.ip_network(f"{address}/{address.max_prefixlen}")]

    assert refusal(address, allowed) is None


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.31.255.255",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "224.0.0.1",
        "0.0.0.0",  # noqa: S104 (an address to refuse; nothing binds here)
        "::1",
        "::",
        "fd00::1",
        "fe80::1",
        "fe80::1%eth0",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
    ],
)
def test_the_ranges_the_brief_names_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None


# --- when a webhook is saved ------------------------------------------------------------------


@pytest.fixture
def admin(department: Department) -> StaffMember:
    return StaffFactory(  # type: ignore[return-value]
        municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN
    )


@pytest.fixture
def no_internal(settings: Any) -> None:
    """Production's default: no internal network allowed, not even loopback."""
    settings.MADOGUCHI_WEBHOOK_ALLOWED_NETWORKS = []
    settings.MADOGUCHI_WEBHOOK_ALLOW_HTTP_LOOPBACK = True


def resolving(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    """Names resolve to ``answers`` (a name's list is consumed one answer per lookup when it
    has several: a rebinding resolver); returns the names looked up."""
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        if host not in answers:
            raise OSError("not found")
        found = answers[host]
        return [found.pop(0)] if len(found) > 1 else list(found)

    monkeypatch.setattr(webhook_addresses, "resolve", resolve)
    return asked


def make(admin: StaffMember, department: Department, url: str) -> WebhookEndpoint:
    return webhook_services.create_endpoint(
        staff=admin, department=department, url=url, event_types=[]
    )


@pytest.mark.usefixtures("no_internal")
@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/hook",
        "https://[fd12:3456::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "http://127.0.0.1:8080/hook",
        "http://localhost:8080/hook",
        "https://metadata.internal.example.jp/hook",
        "https://2130706433/hook",  # 127.0.0.1 written as a number
    ],
)
def test_an_internal_address_is_refused_when_saved(
    admin: StaffMember, department: Department, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolving(
        monkeypatch,
        {
            "metadata.internal.example.jp": ["169.254.169.254"],
            "localhost": ["127.0.0.1"],
            "2130706433": ["127.0.0.1"],
        },
    )

    with pytest.raises(WebhookRefused) as refused:
        make(admin, department, url)

    assert refused.value.field == "url"
    assert "MADOGUCHI_WEBHOOK_ALLOWED_NETWORKS" in refused.value.message
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.usefixtures("no_internal")
def test_a_name_with_one_internal_address_among_public_ones_is_refused(
    admin: StaffMember, department: Department, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook_addresses, "resolve", lambda host, port: [PUBLIC, "10.9.8.7"])

    with pytest.raises(WebhookRefused, match=r"10\.9\.8\.7"):
        make(admin, department, "https://kikan.example.jp/hook")


@pytest.mark.usefixtures("no_internal")
def test_public_names_and_unresolved_names_are_accepted(
    admin: StaffMember, department: Department, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolving(monkeypatch, {"kikan.example.jp": [PUBLIC]})

    made = make(admin, department, "https://kikan.example.jp/hook")
    # Not in DNS yet: accepted now, resolved and checked again at every delivery.
    later = make(admin, department, "https://not-yet.example.jp/hook")

    assert (made.url, later.url) == (
        "https://kikan.example.jp/hook",
        "https://not-yet.example.jp/hook",
    )


def test_the_citys_own_network_can_be_allowed(
    admin: StaffMember, department: Department, settings: Any
) -> None:
    settings.MADOGUCHI_WEBHOOK_ALLOWED_NETWORKS = ["10.20.30.0/24"]

    made = make(admin, department, "https://10.20.30.40/hook")

    assert made.url == "https://10.20.30.40/hook"
    with pytest.raises(WebhookRefused):
        make(admin, department, "https://10.20.31.1/hook")


@pytest.mark.usefixtures("no_internal")
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ja", "リンクローカルアドレス"),
        ("en", "a link-local address (as cloud metadata services use)"),
    ],
)
def test_the_page_says_what_to_fix_in_the_staffs_language_and_keeps_what_was_typed(
    admin: StaffMember, department: Department, language: str, expected: str
) -> None:
    browser: Client = log_in_staff(admin, language=language)
    url = "https://169.254.169.254/latest/meta-data/"

    response = browser.post(
        reverse("integrations:webhook_new"),
        {"department": department.pk, "url": url, "description": "基幹システム"},
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert expected in page
    assert "MADOGUCHI_WEBHOOK_ALLOWED_NETWORKS" in page
    assert f'value="{url}"' in page
    assert 'aria-invalid="true"' in page
    with translation.override(language):
        assert not WebhookEndpoint.objects.exists()


# --- when a webhook is sent -------------------------------------------------------------------


def test_a_name_that_turned_internal_since_it_was_saved_is_not_connected_to(
    admin: StaffMember,
    department: Department,
    form_version: FormVersion,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.MADOGUCHI_WEBHOOK_ALLOWED_NETWORKS = []
    resolving(monkeypatch, {"kikan.example.jp": [PUBLIC]})
    make(admin, department, "https://kikan.example.jp/hook")
    resolving(monkeypatch, {"kikan.example.jp": ["169.254.169.254"]})  # rebound
    submit_application(form_version)

    webhooks.deliver_due()

    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error.startswith("address not allowed: 169.254.169.254")


def test_an_unresolvable_name_is_a_failed_attempt(
    admin: StaffMember,
    department: Department,
    form_version: FormVersion,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolving(monkeypatch, {})
    make(admin, department, "https://gone.example.jp/hook")
    submit_application(form_version)

    webhooks.deliver_due()

    assert WebhookAttempt.objects.get().error == "host name not resolved"


# A TLS receiver on loopback with a certificate for kikan.test, from a CA made here.
HOST = "kikan.test"


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test receivers CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = (directory / "ca.pem", directory / "leaf.pem", directory / "leaf.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


class TlsReceiver:
    def __init__(self, directory: Path) -> None:
        self.ca, leaf, key = _certificates(directory)
        self.secret = ""
        self.server_names: list[str | None] = []
        self.received: list[tuple[dict[str, str], Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                payload = Webhook(receiver.secret).verify(body, headers)
                receiver.received.append((headers, payload))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(leaf, key)
        context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[TlsReceiver]:
    made = TlsReceiver(tmp_path)
    yield made
    made.close()


def test_the_connection_goes_to_the_checked_address_with_the_names_host_and_sni(
    admin: StaffMember,
    department: Department,
    form_version: FormVersion,
    tls_receiver: TlsReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_receiver.ca))
    # The first answer (checked) is loopback, allowed in tests; any later one would be a
    # rebinding to an address nothing listens on.
    resolving(monkeypatch, {HOST: ["127.0.0.1"]})
    endpoint = make(admin, department, f"https://{HOST}:{tls_receiver.port}/hook")
    tls_receiver.secret = endpoint.secret
    asked = resolving(monkeypatch, {HOST: ["127.0.0.1", "127.0.0.2", "127.0.0.3"]})
    submit_application(form_version)

    webhooks.deliver_due()

    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error) == (204, "")
    assert asked == [HOST]  # resolved once, and connected to what was checked
    [(headers, payload)] = tls_receiver.received
    assert headers["host"] == f"{HOST}:{tls_receiver.port}"
    assert tls_receiver.server_names == [HOST]
    assert payload["type"] == "submission.submitted"


def test_a_certificate_for_another_name_fails_the_attempt(
    admin: StaffMember,
    department: Department,
    form_version: FormVersion,
    tls_receiver: TlsReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_receiver.ca))
    resolving(monkeypatch, {"other.test": ["127.0.0.1"]})
    make(admin, department, f"https://other.test:{tls_receiver.port}/hook")
    submit_application(form_version)

    webhooks.deliver_due()

    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert tls_receiver.received == []
