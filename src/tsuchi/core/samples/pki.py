"""A throwaway test PKI: root CA → intermediate CA → office certificates, a TSA, CRLs.

Made for tests, demos and benchmarks; never for real notices. Everything is generated into a
directory on each call (nothing is committed). The office certificate imitates an LGPKI
職責証明書: ``O=土見市, OU=子ども家庭課, CN=土見市長``.

Variants of the office certificate share the office key so that only the certificate differs:
one without nonRepudiation, one expired, one not yet valid, one without digitalSignature. Each
is written as a PEM file and as a PKCS#12 file (key + certificate + chain) protected by
:attr:`TestPki.password`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KeyType = Literal["rsa2048", "rsa3072", "ecdsa-p256"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

PASSWORD = "tsuchi-test-password"  # noqa: S105  (a throwaway test PKI)
"""Password of every PKCS#12 file of the test PKI (it protects nothing of value)."""

OFFICE_VARIANTS = (
    "office",
    "office-no-nonrepudiation",
    "office-expired",
    "office-not-yet-valid",
    "office-no-digital-signature",
)
"""File stems of the office certificates written by :func:`make_test_pki`."""


@dataclass(frozen=True, slots=True)
class TestPki:
    """Paths of a generated test PKI. Certificates and CRLs are PEM/DER files in :attr:`dir`."""

    __test__ = False  # not a pytest test class despite its name

    dir: Path
    """Directory holding every file."""
    key_type: KeyType
    """Key type of the office key (the CAs and the TSA use the same family)."""
    now: dt.datetime
    """The moment the validity periods are computed from (aware, UTC)."""
    password: str
    """Password of the PKCS#12 files."""
    crl_base_url: str | None
    """Base URL written into the certificates' CRL distribution points (``None``: none)."""

    @property
    def root_cert(self) -> Path:
        """Root CA certificate (PEM)."""
        return self.dir / "root.pem"

    @property
    def root_key(self) -> Path:
        """Root CA private key (PEM, unencrypted)."""
        return self.dir / "root.key.pem"

    @property
    def intermediate_cert(self) -> Path:
        """Intermediate CA certificate (PEM)."""
        return self.dir / "intermediate.pem"

    @property
    def intermediate_key(self) -> Path:
        """Intermediate CA private key (PEM, unencrypted)."""
        return self.dir / "intermediate.key.pem"

    @property
    def office_key(self) -> Path:
        """The office private key shared by every office certificate (PEM, unencrypted)."""
        return self.dir / "office.key.pem"

    @property
    def tsa_cert(self) -> Path:
        """Time-stamping authority certificate (PEM; EKU timeStamping, critical)."""
        return self.dir / "tsa.pem"

    @property
    def tsa_key(self) -> Path:
        """Time-stamping authority private key (PEM, unencrypted)."""
        return self.dir / "tsa.key.pem"

    @property
    def root_crl(self) -> Path:
        """CRL issued by the root (DER), revoking nothing."""
        return self.dir / "root.crl"

    @property
    def intermediate_crl(self) -> Path:
        """CRL issued by the intermediate (DER), revoking nothing."""
        return self.dir / "intermediate.crl"

    def cert(self, variant: str = "office") -> Path:
        """PEM certificate of an office variant (one of :data:`OFFICE_VARIANTS`)."""
        return self.dir / f"{variant}.pem"

    def pkcs12(self, variant: str = "office") -> Path:
        """PKCS#12 file (office key, certificate, intermediate and root) of an office variant."""
        return self.dir / f"{variant}.p12"


def make_test_pki(
    out_dir: Path | str,
    *,
    key_type: KeyType = "rsa2048",
    now: dt.datetime | None = None,
    crl_base_url: str | None = None,
) -> TestPki:
    """Generate a test PKI into ``out_dir`` (created if missing) and return its paths.

    ``crl_base_url`` (e.g. ``http://127.0.0.1:8123``) is written into the CRL distribution
    points as ``<base>/root.crl`` and ``<base>/intermediate.crl``, so that a test HTTP server
    serving :attr:`TestPki.dir` answers revocation checks.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    year = dt.timedelta(days=365)

    root_key = _new_key(key_type)
    root_name = _name(O="Tsuchi Test PKI", CN="Tsuchi Test Root CA")
    root = (
        _builder(root_name, root_name, root_key, 1, now - dt.timedelta(days=1), now + 20 * year)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .sign(root_key, hashes.SHA256())
    )

    inter_key = _new_key(key_type)
    inter_name = _name(O="Tsuchi Test PKI", CN="Tsuchi Test Intermediate CA")
    inter_builder = (
        _builder(inter_name, root_name, inter_key, 2, now - dt.timedelta(days=1), now + 10 * year)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(_aki(root_key), critical=False)
    )
    if crl_base_url:
        inter_builder = inter_builder.add_extension(_crl_dp(f"{crl_base_url}/root.crl"), False)
    inter = inter_builder.sign(root_key, hashes.SHA256())

    office_key = _new_key(key_type)
    office_name = _name(C="JP", O="土見市", OU="子ども家庭課", CN="土見市長")
    hour = dt.timedelta(hours=1)
    variants: dict[str, tuple[dt.datetime, dt.datetime, bool, bool]] = {
        # stem: (not_before, not_after, digital_signature, non_repudiation)
        "office": (now - hour, now + year, True, True),
        "office-no-nonrepudiation": (now - hour, now + year, True, False),
        "office-expired": (now - 2 * year, now - dt.timedelta(days=1), True, True),
        "office-not-yet-valid": (now + dt.timedelta(days=1), now + year, True, True),
        "office-no-digital-signature": (now - hour, now + year, False, True),
    }
    for serial, (stem, (not_before, not_after, ds, nr)) in enumerate(variants.items(), start=10):
        builder = (
            _builder(office_name, inter_name, office_key, serial, not_before, not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_leaf_usage(digital_signature=ds, non_repudiation=nr), critical=True)
            .add_extension(_aki(inter_key), critical=False)
        )
        if crl_base_url:
            builder = builder.add_extension(_crl_dp(f"{crl_base_url}/intermediate.crl"), False)
        cert = builder.sign(inter_key, hashes.SHA256())
        _write_cert(out / f"{stem}.pem", cert)
        (out / f"{stem}.p12").write_bytes(
            pkcs12.serialize_key_and_certificates(
                name=stem.encode(),
                key=office_key,
                cert=cert,
                cas=[inter, root],
                encryption_algorithm=serialization.BestAvailableEncryption(PASSWORD.encode()),
            )
        )

    tsa_key = _new_key(key_type)
    tsa = (
        _builder(
            _name(O="Tsuchi Test PKI", CN="Tsuchi Test TSA"),
            inter_name,
            tsa_key,
            3,
            now - dt.timedelta(days=1),
            now + 5 * year,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_leaf_usage(digital_signature=True, non_repudiation=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(_aki(inter_key), critical=False)
        .sign(inter_key, hashes.SHA256())
    )

    _write_cert(out / "root.pem", root)
    _write_cert(out / "intermediate.pem", inter)
    _write_cert(out / "tsa.pem", tsa)
    _write_cert(out / "chain.pem", inter, root)
    _write_key(out / "root.key.pem", root_key)
    _write_key(out / "intermediate.key.pem", inter_key)
    _write_key(out / "office.key.pem", office_key)
    _write_key(out / "tsa.key.pem", tsa_key)
    (out / "root.crl").write_bytes(_crl(root_name, root_key, now))
    (out / "intermediate.crl").write_bytes(_crl(inter_name, inter_key, now))
    return TestPki(
        dir=out, key_type=key_type, now=now, password=PASSWORD, crl_base_url=crl_base_url
    )


def _new_key(key_type: KeyType) -> PrivateKey:
    if key_type == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    bits = 3072 if key_type == "rsa3072" else 2048
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _name(**parts: str) -> x509.Name:
    oids = {
        "C": NameOID.COUNTRY_NAME,
        "O": NameOID.ORGANIZATION_NAME,
        "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "CN": NameOID.COMMON_NAME,
    }
    return x509.Name([x509.NameAttribute(oids[k], v) for k, v in parts.items()])


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    key: PrivateKey,
    serial: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> x509.CertificateBuilder:
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )


def _aki(issuer_key: PrivateKey) -> x509.AuthorityKeyIdentifier:
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key())


def _crl_dp(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(url)],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
    )


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_usage(*, digital_signature: bool, non_repudiation: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _crl(issuer: x509.Name, key: PrivateKey, now: dt.datetime) -> bytes:
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=30))
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(_aki(key), critical=False)
        .sign(key, hashes.SHA256())
    )
    return crl.public_bytes(serialization.Encoding.DER)


def _write_cert(path: Path, *certs: x509.Certificate) -> None:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))


def _write_key(path: Path, key: PrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
