"""The test PKI has the shape the signing tests rely on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tsuchi.core.samples.pki import OFFICE_VARIANTS, make_test_pki


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


@pytest.mark.parametrize(
    ("key_type", "key_class"),
    [("rsa2048", rsa.RSAPrivateKey), ("ecdsa-p256", ec.EllipticCurvePrivateKey)],
)
def test_office_pkcs12_opens_with_password_and_holds_the_chain(
    tmp_path: Path, key_type: str, key_class: type
) -> None:
    pki = make_test_pki(tmp_path, key_type=key_type)  # type: ignore[arg-type]
    key, cert, others = pkcs12.load_key_and_certificates(
        pki.pkcs12().read_bytes(), pki.password.encode()
    )
    assert isinstance(key, key_class)
    assert cert is not None
    assert cert.issuer == _cert(pki.intermediate_cert).subject
    assert {c.subject for c in others} == {
        _cert(pki.intermediate_cert).subject,
        _cert(pki.root_cert).subject,
    }
    with pytest.raises(ValueError, match="password"):
        pkcs12.load_key_and_certificates(pki.pkcs12().read_bytes(), b"wrong")


def test_office_certificate_looks_like_a_shokuseki_certificate(tmp_path: Path) -> None:
    pki = make_test_pki(tmp_path)
    subject = _cert(pki.cert()).subject
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "土見市"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == (
        "子ども家庭課"
    )
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "土見市長"


def test_variants_differ_in_validity_and_key_usage(tmp_path: Path) -> None:
    now = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    pki = make_test_pki(tmp_path, now=now)
    certs = {v: _cert(pki.cert(v)) for v in OFFICE_VARIANTS}
    usage = {v: c.extensions.get_extension_for_class(x509.KeyUsage).value for v, c in certs.items()}
    assert usage["office"].digital_signature
    assert usage["office"].content_commitment
    assert not usage["office-no-nonrepudiation"].content_commitment
    assert not usage["office-no-digital-signature"].digital_signature
    assert certs["office-expired"].not_valid_after_utc < now
    assert certs["office-not-yet-valid"].not_valid_before_utc > now
    assert certs["office"].not_valid_before_utc <= now <= certs["office"].not_valid_after_utc


def test_tsa_has_critical_time_stamping_usage(tmp_path: Path) -> None:
    pki = make_test_pki(tmp_path)
    eku = _cert(pki.tsa_cert).extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_crls_are_signed_by_their_issuers_and_distribution_points_use_the_base_url(
    tmp_path: Path,
) -> None:
    pki = make_test_pki(tmp_path, crl_base_url="http://127.0.0.1:9")
    for crl_path, issuer_path in [
        (pki.root_crl, pki.root_cert),
        (pki.intermediate_crl, pki.intermediate_cert),
    ]:
        crl = x509.load_der_x509_crl(crl_path.read_bytes())
        assert crl.is_signature_valid(_cert(issuer_path).public_key())  # type: ignore[arg-type]
    dp = _cert(pki.cert()).extensions.get_extension_for_class(x509.CRLDistributionPoints)
    assert dp.value[0].full_name[0].value == "http://127.0.0.1:9/intermediate.crl"
