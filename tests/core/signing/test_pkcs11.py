"""Signing through a PKCS#11 token (SoftHSM2 standing in for an IC card or HSM)."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from tsuchi.core.errors import TokenError
from tsuchi.core.samples.pki import TestPki
from tsuchi.core.signing.pkcs11 import Pkcs11KeySource
from tsuchi.core.signing.sign import SigningSettings, sign_documents
from tsuchi.core.signing.verify import verify_pdf

from .softhsm import SoftHsmToken, create_token, missing_tools

pytestmark = pytest.mark.xdist_group("softhsm")


@pytest.fixture(scope="session")
def token(test_pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> SoftHsmToken:
    """A SoftHSM2 token holding the test PKI's office key and certificate as 'office'."""
    missing = missing_tools()
    if missing:
        pytest.skip(f"SoftHSM2 test token needs {', '.join(missing)} (apt install softhsm2 opensc)")
    directory = tmp_path_factory.mktemp("softhsm")
    created = create_token(directory)
    created.import_key(test_pki.office_key, label="office", object_id="01")
    cert = x509.load_pem_x509_certificate(test_pki.cert("office").read_bytes())
    cert_der = directory / "office.der"
    cert_der.write_bytes(cert.public_bytes(Encoding.DER))
    created.import_cert(cert_der, label="office", object_id="01")
    return created


@pytest.fixture
def key_source(token: SoftHsmToken, test_pki: TestPki) -> Iterator[Pkcs11KeySource]:
    with Pkcs11KeySource(
        token.module_path,
        token.label,
        "office",
        token.user_pin,
        chain_paths=[test_pki.intermediate_cert],
    ) as source:
        yield source


def _root(test_pki: TestPki) -> x509.Certificate:
    return x509.load_pem_x509_certificate(test_pki.root_cert.read_bytes())


def test_key_source_finds_key_and_certificate_on_the_token(
    key_source: Pkcs11KeySource, test_pki: TestPki
) -> None:
    office = x509.load_pem_x509_certificate(test_pki.cert("office").read_bytes())
    assert key_source.signing_cert.dump() == office.public_bytes(Encoding.DER)
    assert key_source.process_local is False
    assert key_source.key_size == 2048
    assert any("Intermediate" in c.subject.human_friendly for c in key_source.chain)


def test_pdf_signed_through_the_token_is_valid_as_issued(
    key_source: Pkcs11KeySource, test_pki: TestPki, tmp_path: Path
) -> None:
    from .test_verify import make_unsigned_pdf

    unsigned = make_unsigned_pdf(1)
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(unsigned)),
        signers.PdfSignatureMetadata(field_name="Signature1"),
        signer=key_source.signer(),
        output=out,
        bytes_reserved=16384,
    )
    verdict = verify_pdf(out.getvalue(), trust_roots=[_root(test_pki)])
    assert verdict.reasons == ()
    assert verdict.valid_as_issued
    assert verdict.signer is not None
    assert verdict.signer.common_name == "土見市長"


def test_sign_raw_and_sign_digest_give_the_same_rsa_signature(
    key_source: Pkcs11KeySource, test_pki: TestPki
) -> None:
    data = b"signed attributes"
    office = x509.load_pem_x509_certificate(test_pki.cert("office").read_bytes())
    public = office.public_key()
    by_token = key_source.sign_raw(data)
    by_digest = key_source.sign_digest(hashlib.sha256(data).digest())
    assert by_token == by_digest  # PKCS#1 v1.5 is deterministic
    public.verify(by_digest, data, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]


def test_wrong_pin_raises_token_error_and_the_right_pin_still_works(
    token: SoftHsmToken,
) -> None:
    with pytest.raises(TokenError, match="PIN is incorrect"):
        Pkcs11KeySource(token.module_path, token.label, "office", "000000")
    # SoftHSM2 has no lockout; a card would count down, so the user can retry once.
    with Pkcs11KeySource(token.module_path, token.label, "office", token.user_pin) as source:
        assert len(source.sign_digest(bytes(32))) == 256


def test_missing_key_label_is_named(token: SoftHsmToken) -> None:
    with pytest.raises(TokenError, match="'nosuchkey'"):
        Pkcs11KeySource(token.module_path, token.label, "nosuchkey", token.user_pin)


def test_missing_token_label_is_named(token: SoftHsmToken) -> None:
    with pytest.raises(TokenError, match="'nosuchtoken'"):
        Pkcs11KeySource(token.module_path, "nosuchtoken", "office", token.user_pin)


def test_missing_module_is_a_token_error(tmp_path: Path) -> None:
    with pytest.raises(TokenError, match="module not found"):
        Pkcs11KeySource(tmp_path / "nope.so", "t", "k", "1234")


def test_key_demanding_the_pin_for_every_signature_signs_with_a_context_login(
    token: SoftHsmToken, test_pki: TestPki, tmp_path: Path
) -> None:
    office_key = serialization.load_pem_private_key(test_pki.office_key.read_bytes(), None)
    key_der = tmp_path / "office.key.der"
    key_der.write_bytes(
        office_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    token.import_always_authenticate_key(key_der, label="office-always-auth", object_id="02")
    with Pkcs11KeySource(
        token.module_path,
        token.label,
        "office-always-auth",
        token.user_pin,
        cert_path=test_pki.cert("office"),
    ) as source:
        signatures = [source.sign_raw(b"x"), source.sign_raw(b"y")]
        cms_signature = asyncio.run(source.signer().async_sign_raw(b"z", "sha256"))
    public = office_key.public_key()
    public.verify(signatures[0], b"x", padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]
    public.verify(signatures[1], b"y", padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]
    public.verify(cms_signature, b"z", padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]


def test_closed_source_refuses_to_sign(token: SoftHsmToken) -> None:
    source = Pkcs11KeySource(token.module_path, token.label, "office", token.user_pin)
    source.close()
    source.close()  # idempotent
    with pytest.raises(TokenError, match="closed"):
        source.sign_digest(bytes(32))


def test_bulk_signing_through_the_token_gives_valid_notices(
    token: SoftHsmToken, test_pki: TestPki, make_pdfs: Callable[..., Path], tmp_path: Path
) -> None:
    factory = functools.partial(
        Pkcs11KeySource,
        token.module_path,
        token.label,
        "office",
        token.user_pin,
        chain_paths=[str(test_pki.intermediate_cert)],
    )
    summary = sign_documents(make_pdfs(3), tmp_path / "out", factory, SigningSettings(), workers=1)
    assert summary.signed == 3
    for path in sorted((tmp_path / "out").glob("*.pdf")):
        verdict = verify_pdf(path, trust_roots=[_root(test_pki)])
        assert verdict.reasons == ()


def test_ecdsa_key_on_the_token_signs_valid_notices(
    token: SoftHsmToken, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tsuchi.core.samples.pki import make_test_pki

    from .test_verify import make_unsigned_pdf

    ec_pki = make_test_pki(tmp_path_factory.mktemp("ec-pki"), key_type="ecdsa-p256")
    token.import_key(ec_pki.office_key, label="office-ec", object_id="03")
    with Pkcs11KeySource(
        token.module_path,
        token.label,
        "office-ec",
        token.user_pin,
        cert_path=ec_pki.cert("office"),
        chain_paths=[ec_pki.intermediate_cert],
    ) as source:
        office = x509.load_pem_x509_certificate(ec_pki.cert("office").read_bytes())
        office.public_key().verify(source.sign_raw(b"x"), b"x", ec.ECDSA(hashes.SHA256()))  # type: ignore[call-arg, arg-type]
        out = io.BytesIO()
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(make_unsigned_pdf(1))),
            signers.PdfSignatureMetadata(field_name="Signature1"),
            signer=source.signer(),
            output=out,
            bytes_reserved=16384,
        )
    verdict = verify_pdf(out.getvalue(), trust_roots=[_root(ec_pki)])
    assert verdict.reasons == ()
    assert verdict.valid_as_issued
