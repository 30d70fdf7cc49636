"""Seal a rendered receipt: attach the evidence, then sign as PAdES with a timestamp.

The evidence file and the signature go into one incremental revision, so the signature
covers every byte of the file except its own /Contents (PAdES B-T). No later revision
(DSS, document timestamp) is added: a verifier can then insist that the signature covers
the whole file, and any changed byte anywhere is a failed check.
"""

from __future__ import annotations

import io
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.pdf_utils import embed
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from .constants import ATTACHMENT_NAME, FIELD_NAME, evidence_description
from .seal import SealCredential

__all__ = ["seal_pdf"]

# Room for the CMS signature, the seal chain and the timestamp token. Reserving it up
# front spares pyhanko a trial signature (and a second request to a remote TSA).
BYTES_RESERVED = 16 * 1024


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


class _SealSigner(signers.SimpleSigner):
    """A SimpleSigner that signs with the already loaded key.

    pyhanko's SimpleSigner parses (and so re-validates) the RSA key on every signature,
    which costs more than everything else in making a receipt.
    """

    def __init__(self, credential: SealCredential, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = credential.private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15":
            return bytes(super().sign_raw(data, digest_algorithm))
        return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


def _signer(credential: SealCredential) -> signers.SimpleSigner:
    key = credential.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return _SealSigner(
        credential,
        signing_cert=_asn1(credential.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(key),
        # The root stays out: verifiers bring their own, and a copy nobody checks would be
        # bytes that could change unnoticed (the verifier rejects unused certificates).
        cert_registry=SimpleCertificateStore.from_certs(
            [_asn1(c) for c in credential.chain if c.issuer != c.subject]
        ),
    )


def _attach(writer: IncrementalPdfFileWriter, evidence: bytes) -> None:
    # Uncompressed, so the JSON can be read straight out of the file by anyone curious.
    data = embed.EmbeddedFileObject.from_file_data(
        writer,
        data=evidence,
        compress=False,
        params=embed.EmbeddedFileParams(embed_size=True, embed_checksum=False),
        mime_type="application/json",
    )
    embed.embed_file(
        writer,
        embed.FileSpec(
            file_spec_string=ATTACHMENT_NAME,
            file_name=ATTACHMENT_NAME,
            embedded_data=data,
            description=evidence_description(evidence),
        ),
    )


def seal_pdf(
    pdf: bytes,
    *,
    evidence: bytes,
    credential: SealCredential,
    timestamper: TimeStamper,
    reason: str,
    location: str,
) -> bytes:
    """Attach ``evidence`` as madoguchi-evidence.json and sign the result with the seal."""
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        # A certification signature: the city vouches for the whole document and allows
        # no changes, which PDF readers show prominently.
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    for reserved in (BYTES_RESERVED, None):
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        _attach(writer, evidence)
        try:
            output = signers.sign_pdf(
                writer,
                metadata,
                signer=_signer(credential),
                timestamper=timestamper,
                bytes_reserved=reserved,
            )
        except SigningError:
            if reserved is None:
                raise
            continue  # a very long certificate chain: let pyhanko measure what it needs
        return bytes(output.getvalue())
    raise AssertionError("unreachable")
