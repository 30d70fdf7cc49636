"""Read and validate the certificates on a My Number Card (公的個人認証サービス, JPKI).

Three modules, one concern each:

* :mod:`.certificates`: what a card certificate is before anyone trusts it (signature or
  user authentication certificate, its serial as logs show it) and :class:`CertificateRejected`,
  the one refusal of this package, with a stable ``code``;
* :mod:`.items`: the basic four items (基本4情報) read from a signature certificate's
  subjectAltName, substitute characters (代替文字) included;
* :mod:`.paths`: certificate path validation against the trust roots and CRLs the caller
  passes (pyhanko-certvalidator), nothing fetched from the network.

Callers import the names below from ``madoguchi.identity.jpki``; the modules are the
package's own layout.
"""

from __future__ import annotations

from .certificates import (
    POLICY_AUTHENTICATION,
    POLICY_SIGNING,
    POLICY_SIGNING_TEST,
    CertificateKind,
    CertificateRejected,
    RejectionCode,
    certificate_kind,
    format_serial,
    load_certificate,
)
from .items import (
    OID_ADDRESS,
    OID_ADDRESS_SUBSTITUTES,
    OID_BIRTH_DATE,
    OID_NAME,
    OID_NAME_SUBSTITUTES,
    OID_SEX,
    BasicFourItems,
    Sex,
    parse_basic_four_items,
)
from .paths import ValidatedCertificate, avalidate_certificate, validate_certificate

__all__ = [
    "OID_ADDRESS",
    "OID_ADDRESS_SUBSTITUTES",
    "OID_BIRTH_DATE",
    "OID_NAME",
    "OID_NAME_SUBSTITUTES",
    "OID_SEX",
    "POLICY_AUTHENTICATION",
    "POLICY_SIGNING",
    "POLICY_SIGNING_TEST",
    "BasicFourItems",
    "CertificateKind",
    "CertificateRejected",
    "RejectionCode",
    "Sex",
    "ValidatedCertificate",
    "avalidate_certificate",
    "certificate_kind",
    "format_serial",
    "load_certificate",
    "parse_basic_four_items",
    "validate_certificate",
]
