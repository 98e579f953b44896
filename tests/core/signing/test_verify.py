"""Verification of signed notices: what makes a PDF "valid as issued" and what does not."""

from __future__ import annotations

import functools
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tsuchi.cli.main import main
from tsuchi.core.errors import VerificationError
from tsuchi.core.samples.pki import TestPki
from tsuchi.core.signing.keys import Pkcs12KeySource
from tsuchi.core.signing.verify import signed_revision_bytes, verify_pdf


@dataclass(frozen=True)
class Pki:
    root: x509.Certificate
    signer_cert: x509.Certificate
    signer_key: ec.EllipticCurvePrivateKey


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test City"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Childcare"),
        ]
    )


def make_pki(label: str, *, key_usage_nr: bool = False, days: int = 365) -> Pki:
    """A root and one signer certificate on ECDSA P-256 (fast), independent of other helpers."""
    now = datetime.now(UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{label} Root"))
        .issuer_name(_name(f"{label} Root"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=2))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{label} Mayor"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, key_usage_nr, False, False, False, False, False, False, False),
            True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    return Pki(root=root, signer_cert=cert, signer_key=key)


def make_unsigned_pdf(pages: int = 2) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def sign_bytes(data: bytes, pki: Pki) -> bytes:
    der = lambda c: asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))  # noqa: E731
    key_der = pki.signer_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    from asn1crypto import keys as asn1_keys

    signer = signers.SimpleSigner(
        signing_cert=der(pki.signer_cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([der(pki.root)]),
    )
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(data)),
        signers.PdfSignatureMetadata(field_name="Signature1"),
        signer=signer,
        output=out,
    )
    return out.getvalue()


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki("Tsuchi Test")


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return make_unsigned_pdf()


@pytest.fixture(scope="module")
def signed(unsigned: bytes, pki: Pki) -> bytes:
    return sign_bytes(unsigned, pki)


def test_signed_pdf_is_valid_as_issued(signed: bytes, pki: Pki) -> None:
    verdict = verify_pdf(signed, trust_roots=[pki.root])
    assert verdict.reasons == ()
    assert verdict.valid_as_issued
    assert verdict.intact
    assert verdict.covers_whole_file
    assert verdict.trusted
    assert verdict.cert_valid_at_signing_time
    assert verdict.signer is not None
    assert verdict.signer.common_name == "Tsuchi Test Mayor"
    assert verdict.signer.organization == "Test City"
    assert verdict.document_sha256 == hashlib.sha256(signed).hexdigest()


def test_signed_revision_hashes_to_the_input_that_was_signed(
    signed: bytes, unsigned: bytes, pki: Pki
) -> None:
    assert (
        hashlib.sha256(signed_revision_bytes(signed)).digest() == hashlib.sha256(unsigned).digest()
    )
    verdict = verify_pdf(signed, trust_roots=[pki.root])
    assert verdict.signed_revision_sha256 == hashlib.sha256(unsigned).hexdigest()


def test_flipped_byte_inside_signed_range_is_not_intact(signed: bytes, pki: Pki) -> None:
    at = signed.index(b"/MediaBox")
    tampered = signed[:at] + b"/MediaBoy" + signed[at + len(b"/MediaBox") :]
    verdict = verify_pdf(tampered, trust_roots=[pki.root])
    assert not verdict.valid_as_issued
    assert not verdict.intact
    assert "not_intact" in verdict.reason_codes


def test_appended_byte_is_not_valid_as_issued(signed: bytes, pki: Pki) -> None:
    verdict = verify_pdf(signed + b"\n", trust_roots=[pki.root])
    # the signature itself still checks out, as pyHanko and pdfsig would say ...
    assert verdict.intact
    assert verdict.trusted
    # ... but the file is no longer the notice as issued
    assert not verdict.covers_whole_file
    assert not verdict.valid_as_issued
    assert verdict.reason_codes == ("not_whole_file",)


def _swap_pages_in_incremental_update(signed: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    pages = writer.root["/Pages"]
    kids = pages["/Kids"]
    kids[0], kids[1] = kids[1], kids[0]
    writer.update_container(pages)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pages_reordered_in_a_later_revision_are_not_valid_as_issued(
    signed: bytes, pki: Pki
) -> None:
    swapped = _swap_pages_in_incremental_update(signed)
    verdict = verify_pdf(swapped, trust_roots=[pki.root])
    assert verdict.intact  # the signed bytes are untouched; the change sits after them
    assert not verdict.covers_whole_file
    assert not verdict.valid_as_issued
    assert "later_revision" in verdict.reason_codes


def test_signer_from_another_root_is_not_trusted(unsigned: bytes, pki: Pki) -> None:
    stranger = make_pki("Stranger")
    verdict = verify_pdf(sign_bytes(unsigned, stranger), trust_roots=[pki.root])
    assert verdict.intact
    assert verdict.covers_whole_file
    assert not verdict.trusted
    assert not verdict.valid_as_issued
    assert verdict.reason_codes == ("untrusted",)


def test_no_trust_roots_trusts_nothing(signed: bytes) -> None:
    verdict = verify_pdf(signed, trust_roots=[])
    assert not verdict.valid_as_issued
    assert "untrusted" in verdict.reason_codes


def test_expected_signer_mismatch_is_refused(signed: bytes, pki: Pki) -> None:
    other = make_pki("Other")
    verdict = verify_pdf(signed, trust_roots=[pki.root], expected_signer=other.signer_cert)
    assert not verdict.valid_as_issued
    assert verdict.reason_codes == ("unexpected_signer",)


def test_expected_signer_given_as_fingerprint_matches(signed: bytes, pki: Pki) -> None:
    fingerprint = pki.signer_cert.fingerprint(hashes.SHA256()).hex(":").upper()
    verdict = verify_pdf(signed, trust_roots=[pki.root], expected_signer=fingerprint)
    assert verdict.valid_as_issued


def test_pdf_without_signature_gives_a_reason_not_an_error(unsigned: bytes, pki: Pki) -> None:
    verdict = verify_pdf(unsigned, trust_roots=[pki.root])
    assert not verdict.valid_as_issued
    assert verdict.reason_codes == ("no_signature",)
    assert verdict.signer is None


def test_not_a_pdf_raises_verification_error(pki: Pki) -> None:
    with pytest.raises(VerificationError, match="not a PDF"):
        verify_pdf(b"hello, world", trust_roots=[pki.root])


def test_signed_revision_of_unsigned_pdf_raises(unsigned: bytes) -> None:
    with pytest.raises(VerificationError, match="no signature"):
        signed_revision_bytes(unsigned)


def test_non_repudiation_demanded_refuses_a_digital_signature_only_cert(
    signed: bytes, pki: Pki
) -> None:
    verdict = verify_pdf(
        signed,
        trust_roots=[pki.root],
        key_usage=frozenset({"digital_signature", "non_repudiation"}),
    )
    assert not verdict.valid_as_issued
    assert "key_usage" in verdict.reason_codes


def test_validation_after_expiry_without_timestamp_is_not_trusted(signed: bytes, pki: Pki) -> None:
    later = datetime.now(UTC) + timedelta(days=800)
    verdict = verify_pdf(signed, trust_roots=[pki.root], now=later)
    assert verdict.cert_valid_at_signing_time  # it was valid when it signed ...
    assert not verdict.trusted  # ... but without a time-stamp nothing proves when that was
    assert not verdict.valid_as_issued


def test_naive_validation_time_is_refused(signed: bytes, pki: Pki) -> None:
    with pytest.raises(VerificationError, match="timezone"):
        verify_pdf(signed, trust_roots=[pki.root], now=datetime(2030, 1, 1))  # noqa: DTZ001


def test_verify_reads_a_path(tmp_path, signed: bytes, pki: Pki) -> None:
    path = tmp_path / "notice.pdf"
    path.write_bytes(signed)
    verdict = verify_pdf(path, trust_roots=[pki.root])
    assert verdict.valid_as_issued
    assert signed_revision_bytes(path) == signed_revision_bytes(signed)


# --- with the shared test PKI (root → intermediate → office, TSA) ---------------------------


def _sign_with_test_pki(
    data: bytes, test_pki: TestPki, variant: str = "office", tsa_url: str | None = None
) -> bytes:
    source = Pkcs12KeySource(test_pki.pkcs12(variant), test_pki.password)
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(data)),
        signers.PdfSignatureMetadata(field_name="Signature1"),
        signer=source.signer(),
        timestamper=HTTPTimeStamper(tsa_url) if tsa_url else None,
        output=out,
        bytes_reserved=16384,
    )
    return out.getvalue()


def _test_root(test_pki: TestPki) -> x509.Certificate:
    return x509.load_pem_x509_certificate(test_pki.root_cert.read_bytes())


@pytest.fixture(scope="module")
def office_signed(unsigned: bytes, test_pki: TestPki, tsa_url: str) -> bytes:
    return _sign_with_test_pki(unsigned, test_pki, tsa_url=tsa_url)


def test_time_stamped_notice_from_the_test_pki_is_valid(
    office_signed: bytes, test_pki: TestPki
) -> None:
    verdict = verify_pdf(office_signed, trust_roots=[_test_root(test_pki)])
    assert verdict.reasons == ()
    assert verdict.valid_as_issued
    assert verdict.signer is not None
    assert verdict.signer.common_name == "土見市長"
    assert verdict.signer.organization == "土見市"
    assert verdict.signer.organizational_unit == "子ども家庭課"
    assert verdict.timestamp is not None
    assert verdict.timestamp.trusted
    assert "Tsuchi Test TSA" in verdict.timestamp.authority
    assert verdict.signing_time == verdict.timestamp.time


def test_time_stamp_keeps_a_notice_valid_after_its_certificate_expired(
    office_signed: bytes, test_pki: TestPki
) -> None:
    after_expiry = test_pki.now + timedelta(days=400)  # office cert: one year; root/TSA: longer
    verdict = verify_pdf(office_signed, trust_roots=[_test_root(test_pki)], now=after_expiry)
    assert verdict.trusted
    assert verdict.valid_as_issued


def test_expired_certificate_signature_is_not_valid(unsigned: bytes, test_pki: TestPki) -> None:
    signed = _sign_with_test_pki(unsigned, test_pki, variant="office-expired")
    verdict = verify_pdf(signed, trust_roots=[_test_root(test_pki)])
    assert not verdict.valid_as_issued
    assert not verdict.cert_valid_at_signing_time
    assert "cert_not_valid_at_signing_time" in verdict.reason_codes


def test_certificate_without_digital_signature_usage_is_refused(
    unsigned: bytes, test_pki: TestPki
) -> None:
    signed = _sign_with_test_pki(unsigned, test_pki, variant="office-no-digital-signature")
    verdict = verify_pdf(signed, trust_roots=[_test_root(test_pki)])
    assert not verdict.valid_as_issued
    assert "key_usage" in verdict.reason_codes


def test_digital_signature_only_certificate_is_accepted_by_default(
    unsigned: bytes, test_pki: TestPki
) -> None:
    signed = _sign_with_test_pki(unsigned, test_pki, variant="office-no-nonrepudiation")
    assert verify_pdf(signed, trust_roots=[_test_root(test_pki)]).valid_as_issued


def _pdfsig_says(output: str) -> dict[str, bool]:
    return {
        "valid": "Signature is Valid." in output,
        "digest_mismatch": "Digest Mismatch." in output,
        "trusted": "Certificate is Trusted." in output,
        "total": "Total document signed" in output and "Not total document signed" not in output,
    }


def test_pdfsig_agrees_on_intact_and_tampered_files(
    office_signed: bytes, test_pki: TestPki, pdfsig: Callable[[Path], str], tmp_path: Path
) -> None:
    at = office_signed.index(b"/MediaBox")
    cases = {
        "intact": office_signed,
        "appended": office_signed + b"\n",
        "flipped": office_signed[:at] + b"/MediaBoy" + office_signed[at + 9 :],
    }
    for name, data in cases.items():
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        verdict = verify_pdf(data, trust_roots=[_test_root(test_pki)])
        said = _pdfsig_says(pdfsig(path))
        assert said["valid"] == verdict.intact, name
        assert said["digest_mismatch"] == (not verdict.intact), name
        assert said["total"] == verdict.covers_whole_file, name
        if verdict.intact:
            assert said["trusted"] == verdict.trusted, name
    assert verify_pdf(cases["intact"], trust_roots=[_test_root(test_pki)]).valid_as_issued


# --- the command line --------------------------------------------------------------------------


def _cli(*argv: str) -> int:
    return main(["verify", *argv])


def test_cli_exit_codes(
    office_signed: bytes,
    unsigned: bytes,
    test_pki: TestPki,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = tmp_path / "good.pdf"
    good.write_bytes(office_signed)
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(office_signed + b"\n")
    text = tmp_path / "notes.txt"
    text.write_text("not a pdf")
    root = str(test_pki.root_cert)

    assert _cli("--trust", root, str(good)) == 0
    out = capsys.readouterr().out
    assert "VALID as issued" in out
    assert "土見市長" in out

    assert _cli("--trust", root, str(good), str(appended)) == 1
    out = capsys.readouterr().out
    assert "NOT VALID as issued" in out
    assert "[not_whole_file]" in out

    assert _cli("--trust", root, str(good), str(text)) == 2
    assert "not a PDF" in capsys.readouterr().out


def test_cli_takes_trust_roots_from_the_environment_and_prints_json(
    office_signed: bytes,
    unsigned: bytes,
    test_pki: TestPki,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = tmp_path / "good.pdf"
    good.write_bytes(office_signed)
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(unsigned)
    monkeypatch.setenv("TSUCHI_TRUST_ROOTS", str(test_pki.root_cert))
    assert _cli("--json", str(good), str(plain)) == 1
    report = json.loads(capsys.readouterr().out)
    first, second = report["files"]
    assert first["valid_as_issued"] is True
    assert first["signer"]["common_name"] == "土見市長"
    assert second["reasons"] == [
        {"code": "no_signature", "message": "The PDF carries no signature."}
    ]


def test_cli_without_trust_roots_is_unusable(
    office_signed: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("TSUCHI_TRUST_ROOTS", raising=False)
    good = tmp_path / "good.pdf"
    good.write_bytes(office_signed)
    assert _cli(str(good)) == 2
    assert "no trust roots" in capsys.readouterr().err


def test_signed_revision_is_exact_even_without_a_final_newline(unsigned: bytes, pki: Pki) -> None:
    trimmed = unsigned.rstrip(b"\r\n")
    assert not trimmed.endswith(b"\n")
    assert signed_revision_bytes(sign_bytes(trimmed, pki)) == trimmed


def test_b_lt_notice_from_the_bulk_signer_is_valid_as_issued(
    test_pki: TestPki, tsa_url: str, make_pdfs: Callable[..., Path], tmp_path: Path
) -> None:
    from tsuchi.core.signing.sign import SigningSettings, sign_documents

    settings = SigningSettings(level="B-LT", tsa_url=tsa_url, trust_roots=(test_pki.root_cert,))
    factory = functools.partial(Pkcs12KeySource, test_pki.pkcs12(), test_pki.password)
    sign_documents(make_pdfs(1), tmp_path / "out", factory, settings, workers=1)
    (path,) = (tmp_path / "out").glob("*.pdf")
    verdict = verify_pdf(path, trust_roots=[_test_root(test_pki)])
    assert verdict.reasons == ()
    assert verdict.valid_as_issued
    assert verdict.timestamp is not None
    assert verdict.timestamp.trusted
