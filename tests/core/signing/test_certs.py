"""The signing certificate is checked before anything is signed."""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import x509 as asn1_x509

from tsuchi.core.errors import CertificateError
from tsuchi.core.samples.pki import TestPki
from tsuchi.core.signing.certs import check_certificate


def _load(test_pki: TestPki, variant: str) -> asn1_x509.Certificate:
    from pyhanko.keys import load_cert_from_pemder

    return load_cert_from_pemder(str(test_pki.cert(variant)))


def test_valid_office_certificate_passes_without_warnings(test_pki: TestPki) -> None:
    assert check_certificate(_load(test_pki, "office")) == []


@pytest.mark.parametrize(
    ("variant", "message"),
    [
        ("office-expired", "expired"),
        ("office-not-yet-valid", "not valid before"),
        ("office-no-digital-signature", "digital_signature"),
    ],
)
def test_unusable_certificate_is_refused(test_pki: TestPki, variant: str, message: str) -> None:
    with pytest.raises(CertificateError, match=message):
        check_certificate(_load(test_pki, variant))


def test_certificate_expiring_within_30_days_gives_a_warning(test_pki: TestPki) -> None:
    cert = _load(test_pki, "office")
    not_after = cert["tbs_certificate"]["validity"]["not_after"].native
    problems = check_certificate(cert, not_after - dt.timedelta(days=10))
    assert [p.code for p in problems] == ["certificate_expires_soon"]
    assert problems[0].severity == "warning"
    assert check_certificate(cert, not_after - dt.timedelta(days=31)) == []


def test_non_repudiation_can_be_demanded(test_pki: TestPki) -> None:
    cert = _load(test_pki, "office-no-nonrepudiation")
    assert check_certificate(cert) == []
    with pytest.raises(CertificateError, match="non_repudiation"):
        check_certificate(
            cert, required_key_usage=frozenset({"digital_signature", "non_repudiation"})
        )
