"""RFC 3161 timestamps for receipt signatures.

``MADOGUCHI_TSA_URL`` names a time-stamping authority (a commercial TSA accredited under
Japan's 認定タイムスタンプ scheme, in production). Left empty, a local test TSA signs the
tokens with a certificate from the Madoguchi Test Seal CA, so development needs no network.
The same local TSA can be reached over HTTP at ``/receipts/tsa`` while devidp is enabled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from asn1crypto import cms, core, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import DummyTimeStamper, TimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from . import seal

__all__ = ["answer_request", "timestamper"]


class _LocalTimeStamper(DummyTimeStamper):
    """pyhanko's test TSA, signing with the already loaded key.

    DummyTimeStamper parses (and so re-validates) its RSA key for every token, which
    would double the time a receipt takes. The signed attributes are the same as its own.
    """

    def __init__(self, key: rsa.RSAPrivateKey, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = key

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute(
                    "signing_certificate", general.as_signing_certificate(self.tsa_cert)
                ),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self._key.sign(
            signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, signed_attrs


def _local() -> DummyTimeStamper:
    credential = seal.local_tsa()
    key_der = credential.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return _LocalTimeStamper(
        credential.private_key,
        tsa_cert=asn1_x509.Certificate.load(
            credential.certificate.public_bytes(serialization.Encoding.DER)
        ),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
        # Only the TSA's own certificate goes into tokens; the root comes from the verifier.
        certs_to_embed=SimpleCertificateStore.from_certs(
            [
                asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                for c in credential.chain
                if c.issuer != c.subject
            ]
        ),
    )


def timestamper() -> TimeStamper:
    """The TSA that timestamps receipt signatures (the configured one, or the local test TSA)."""
    url = getattr(settings, "MADOGUCHI_TSA_URL", "")
    if url:
        return RequestsHTTPTimeStamper(
            url,
            https=url.startswith("https:"),
            timeout=getattr(settings, "MADOGUCHI_TSA_TIMEOUT", 10),
        )
    return _local()


def answer_request(body: bytes) -> bytes:
    """The local test TSA's DER response to a DER ``TimeStampReq`` (RFC 3161 over HTTP).

    Raises ValueError when the body is not a time-stamp request.
    """
    try:
        request = tsp.TimeStampReq.load(body)
        request.native  # noqa: B018  # parse everything now, not half-way through signing
    except (ValueError, TypeError) as error:
        raise ValueError("not an RFC 3161 TimeStampReq") from error
    response: tsp.TimeStampResp = _local().request_tsa_response(request)
    return bytes(response.dump())
