"""Check that a signed notice is genuine and unchanged since the office signed it.

One question matters to a resident's employer or to another office: *is this PDF the notice
exactly as the municipality issued it?* :func:`verify_pdf` answers it in
:attr:`Verdict.valid_as_issued`. That is stricter than "the signature is valid" as pyHanko or
poppler's ``pdfsig`` report it: both still call a signature valid when bytes or a whole
incremental update were appended after signing (a changed page order, an added annotation),
because the signed bytes themselves are intact. An issued notice must be covered whole.

Every reason a notice is not valid as issued is a :class:`~tsuchi.core.errors.Problem` with a
stable ``code`` (listed in :data:`REASON_CODES`) and a plain-words message; the web page
translates by code.

The checks run through pyHanko's validation API (:func:`async_validate_pdf_signature` with a
:class:`ValidationContext` built from the configured trust anchors). Revocation is checked
"soft-fail": CRLs or OCSP responses embedded in the PDF are used, nothing is fetched from the
network, and missing revocation data does not by itself fail a notice.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509 as crypto_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import (
    PdfSignatureStatus,
    SignatureCoverageLevel,
)
from pyhanko_certvalidator import ValidationContext

from tsuchi.core.errors import Location, Problem, VerificationError

__all__ = [
    "DEFAULT_KEY_USAGE",
    "REASON_CODES",
    "SignerIdentity",
    "TimestampInfo",
    "Verdict",
    "load_trust_roots",
    "signed_revision_bytes",
    "verify_pdf",
]

DEFAULT_KEY_USAGE: frozenset[str] = frozenset({"digital_signature"})
"""Key usages the signer's certificate must carry by default.

pyHanko demands ``non_repudiation`` unless told otherwise; LGPKI office certificates (職責証明書)
and many HSM-held keys carry only ``digital_signature``, so tsuchi asks for that alone. Pass
``key_usage=frozenset({"digital_signature", "non_repudiation"})`` to demand both, or an empty
set to accept any.
"""

REASON_CODES: dict[str, str] = {
    "no_signature": "The PDF carries no signature.",
    "not_intact": "The signed content was changed after signing (the digest does not match).",
    "signature_invalid": "The signature value does not match the signer's certificate.",
    "not_whole_file": "Data was added to the file after it was signed.",
    "later_revision": "The file was edited after it was signed (a later revision exists).",
    "untrusted": "The signer's certificate does not chain to a trusted root.",
    "revoked": "The signer's certificate was revoked.",
    "key_usage": "The signer's certificate is not allowed to sign documents.",
    "cert_not_valid_at_signing_time": "The signer's certificate was not valid when it signed.",
    "unexpected_signer": "The document was signed by someone other than the expected signer.",
    "timestamp_invalid": "The signature's time-stamp is broken or not from a trusted authority.",
    "unsupported_signature": "The signature is of a kind tsuchi cannot check.",
}
"""Every reason code a :class:`Verdict` may carry, with its plain-words meaning."""


@dataclass(frozen=True, slots=True)
class SignerIdentity:
    """Who signed: the fields of the signing certificate a person checks."""

    common_name: str | None
    """Subject CN, e.g. the office title on an LGPKI office certificate."""
    organization: str | None
    """Subject O (the municipality)."""
    organizational_unit: str | None
    """Subject OU (the department), when present."""
    subject: str
    """The whole subject as one readable line."""
    issuer: str
    """The issuing CA's subject as one readable line."""
    serial_number: int
    """Certificate serial number."""
    sha256_fingerprint: str
    """SHA-256 of the DER certificate, lower-case hex; what ``expected_signer`` compares."""
    not_valid_before: datetime
    """Start of the certificate's validity (aware, UTC)."""
    not_valid_after: datetime
    """End of the certificate's validity (aware, UTC)."""


@dataclass(frozen=True, slots=True)
class TimestampInfo:
    """An RFC 3161 signature time-stamp embedded in the signature."""

    time: datetime
    """The time the TSA vouches for (aware, UTC)."""
    authority: str
    """The TSA certificate's subject as one readable line."""
    trusted: bool
    """The token is intact and its TSA chains to a trust anchor."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What :func:`verify_pdf` found. Only :attr:`valid_as_issued` should drive a decision."""

    valid_as_issued: bool
    """The PDF is exactly what a trusted signer signed: intact, covered whole, no later
    revision, chained to a trust anchor, certificate valid when it signed, the expected signer
    (if one was given), and any time-stamp trusted."""
    intact: bool
    """The digest of the signed byte ranges matches and the signature value checks out."""
    covers_whole_file: bool
    """The signature covers every byte of the file and no revision follows the signed one."""
    trusted: bool
    """The signer's certificate chains to a configured trust anchor and has the required key
    usages (checked at the trusted time-stamp's time when the certificate has since expired)."""
    cert_valid_at_signing_time: bool
    """The signing time (the trusted time-stamp, else the signer's own claim) lies within the
    certificate's validity period."""
    signer: SignerIdentity | None
    """The signing certificate's identity; ``None`` when there is no signature."""
    timestamp: TimestampInfo | None
    """The signature time-stamp, when present."""
    signing_time: datetime | None
    """Best known signing time: the time-stamp's, else the time the signer claims."""
    document_sha256: str
    """SHA-256 of the whole file as given, lower-case hex."""
    signed_revision_sha256: str | None
    """SHA-256 of the file as it was before the signature was added (see
    :func:`signed_revision_bytes`), to compare with the prepared notice's hash; ``None`` when
    there is no signature or it was not added as an incremental update."""
    signature_count: int
    """How many signatures (``/Sig``) the file carries; the last one is the one judged."""
    reasons: tuple[Problem, ...] = field(default_factory=tuple)
    """Why the PDF is not valid as issued, each with a stable code from :data:`REASON_CODES`;
    empty when it is."""

    @property
    def reason_codes(self) -> tuple[str, ...]:
        """The codes of :attr:`reasons`, in order."""
        return tuple(problem.code for problem in self.reasons)


type TrustRoot = crypto_x509.Certificate | asn1_x509.Certificate
"""A trust anchor or expected signer, as ``cryptography`` or ``asn1crypto`` certificate."""


def load_trust_roots(paths: Sequence[str | os.PathLike[str]]) -> list[asn1_x509.Certificate]:
    """Read trust anchors from PEM (or DER) files; a PEM file may hold several certificates.

    Raises :class:`VerificationError` naming the file when one cannot be read.
    """
    roots: list[asn1_x509.Certificate] = []
    for path in paths:
        name = Path(path).name
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise VerificationError(
                f"cannot read trust root file: {exc.strerror}", location=Location(file=name)
            ) from exc
        try:
            if b"-----BEGIN" in data:
                certs = crypto_x509.load_pem_x509_certificates(data)
            else:
                certs = [crypto_x509.load_der_x509_certificate(data)]
        except ValueError as exc:
            raise VerificationError(
                "not a PEM or DER certificate file", location=Location(file=name)
            ) from exc
        roots.extend(_to_asn1(cert) for cert in certs)
    return roots


def verify_pdf(
    source: str | os.PathLike[str] | bytes,
    *,
    trust_roots: Sequence[TrustRoot],
    expected_signer: str | TrustRoot | None = None,
    now: datetime | None = None,
    key_usage: frozenset[str] = DEFAULT_KEY_USAGE,
) -> Verdict:
    """Judge whether a PDF is a notice exactly as a trusted signer issued it.

    ``source`` is a path or the file's bytes. ``trust_roots`` are the anchors (LGPKI roots in
    production, the test root in tests); an empty sequence trusts nothing. ``expected_signer``
    is a certificate or its SHA-256 fingerprint (hex, colons allowed): when given, any other
    signer is refused. ``now`` is the validation time (default: the current time); it must be
    aware. ``key_usage`` lists the key usages the signer's certificate must all carry (see
    :data:`DEFAULT_KEY_USAGE`).

    A PDF without a signature gives a verdict with reason ``no_signature``. Raises
    :class:`VerificationError` when the input is not a readable PDF.
    """
    data, name = _read_source(source)
    if now is not None and now.tzinfo is None:
        raise VerificationError("the validation time must be timezone-aware")
    document_sha256 = hashlib.sha256(data).hexdigest()
    reader = _open_reader(data, name)
    try:
        signatures = reader.embedded_regular_signatures
    except (PyHankoPdfError, ValueError, KeyError) as exc:
        raise VerificationError(
            f"cannot read the signatures: {exc}", location=Location(file=name)
        ) from exc
    if not signatures:
        return Verdict(
            valid_as_issued=False,
            intact=False,
            covers_whole_file=False,
            trusted=False,
            cert_valid_at_signing_time=False,
            signer=None,
            timestamp=None,
            signing_time=None,
            document_sha256=document_sha256,
            signed_revision_sha256=None,
            signature_count=0,
            reasons=(_problem("no_signature", name),),
        )
    # The last signature covers the most; an earlier one can only be "valid as issued" for a
    # file nobody touched afterwards, which the last one's coverage decides.
    embedded = signatures[-1]
    return _judge(
        embedded,
        reader=reader,
        data=data,
        name=name,
        trust_roots=[_to_asn1(root) for root in trust_roots],
        expected_signer=expected_signer,
        now=now,
        key_usage=key_usage,
        document_sha256=document_sha256,
        signature_count=len(signatures),
    )


def signed_revision_bytes(source: str | os.PathLike[str] | bytes) -> bytes:
    """Return the file as it was before its (last) signature was added.

    A PAdES signature is appended as an incremental update, leaving the bytes before it
    untouched; pyHanko writes the update right after them. Hashing the result therefore gives
    the SHA-256 of the prepared notice that was signed, so a server can check that a signed
    upload is the notice it approved. Raises :class:`VerificationError` when the input is not a
    PDF, has no signature, or the signature was not added as an incremental update.
    """
    data, name = _read_source(source)
    reader = _open_reader(data, name)
    try:
        signatures = reader.embedded_regular_signatures
    except (PyHankoPdfError, ValueError, KeyError) as exc:
        raise VerificationError(
            f"cannot read the signatures: {exc}", location=Location(file=name)
        ) from exc
    if not signatures:
        raise VerificationError("the PDF carries no signature", location=Location(file=name))
    cut = _signed_revision_start(reader, signatures[-1].signed_revision)
    if cut is None:
        raise VerificationError(
            "the signature was not added as an incremental update, so there is no unsigned "
            "revision to recover",
            location=Location(file=name),
        )
    return data[:cut]


def _read_source(source: str | os.PathLike[str] | bytes) -> tuple[bytes, str | None]:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), None
    path = Path(source)
    try:
        return path.read_bytes(), path.name
    except OSError as exc:
        raise VerificationError(
            f"cannot read the file: {exc.strerror}", location=Location(file=path.name)
        ) from exc


def _open_reader(data: bytes, name: str | None) -> PdfFileReader:
    # The header may be preceded by junk (ISO 32000 tolerates up to 1024 bytes), but a file
    # without one is not a PDF and pyHanko's recovery would only produce a confusing error.
    if b"%PDF-" not in data[:1024]:
        raise VerificationError("not a PDF file", location=Location(file=name))
    try:
        # strict=False: real-world PDFs from core systems have small syntax defects that do
        # not affect the signature; the coverage checks below stay strict.
        return PdfFileReader(io.BytesIO(data), strict=False)
    except (PyHankoPdfError, ValueError, KeyError, IndexError) as exc:
        raise VerificationError(
            f"cannot read the PDF: {exc}", location=Location(file=name)
        ) from exc


def _judge(
    embedded: EmbeddedPdfSignature,
    *,
    reader: PdfFileReader,
    data: bytes,
    name: str | None,
    trust_roots: list[asn1_x509.Certificate],
    expected_signer: str | TrustRoot | None,
    now: datetime | None,
    key_usage: frozenset[str],
    document_sha256: str,
    signature_count: int,
) -> Verdict:
    reasons: list[Problem] = []
    moment = now or datetime.now(UTC)
    try:
        status = _validate(embedded, trust_roots, moment, key_usage)
    except (SignatureValidationError, PyHankoPdfError, ValueError) as exc:
        return _unsupported(embedded, data, name, document_sha256, signature_count, exc)

    signer_cert = status.signing_cert
    signer = _identity(signer_cert)
    timestamp = _timestamp_info(status)
    signing_time = timestamp.time if timestamp is not None else status.signer_reported_dt

    intact = bool(status.intact and status.valid)
    if not status.intact:
        reasons.append(_problem("not_intact", name))
    elif not status.valid:
        reasons.append(_problem("signature_invalid", name))

    last_revision = reader.xrefs.total_revisions - 1
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    no_later_revision = embedded.signed_revision == last_revision
    if not whole_file:
        reasons.append(_problem("not_whole_file", name))
    if not no_later_revision:
        reasons.append(_problem("later_revision", name))
    covers_whole_file = whole_file and no_later_revision

    cert_valid_then = signing_time is not None and (
        signer.not_valid_before <= signing_time <= signer.not_valid_after
    )
    if not cert_valid_then:
        reasons.append(_problem("cert_not_valid_at_signing_time", name))

    trusted = bool(status.trusted)
    if (
        not trusted
        and intact
        and timestamp is not None
        and timestamp.trusted
        and cert_valid_then
        and status.revocation_details is None
    ):
        # The certificate may have expired since: a trusted time-stamp proves the signature
        # existed while it was valid, so check the chain as it stood at that moment.
        trusted = bool(_validate(embedded, trust_roots, timestamp.time, key_usage).trusted)
    missing_usages = _missing_key_usages(signer_cert, key_usage)
    if not trusted and intact:
        reasons.append(_trust_problem(status, name))
    elif missing_usages:
        trusted = False
        reasons.append(_problem("key_usage", name))

    if timestamp is not None and not timestamp.trusted:
        reasons.append(_problem("timestamp_invalid", name))

    if expected_signer is not None and not _same_signer(expected_signer, signer):
        reasons.append(_problem("unexpected_signer", name))

    cut = _signed_revision_start(reader, embedded.signed_revision)
    return Verdict(
        valid_as_issued=not reasons,
        intact=intact,
        covers_whole_file=covers_whole_file,
        trusted=trusted,
        cert_valid_at_signing_time=cert_valid_then,
        signer=signer,
        timestamp=timestamp,
        signing_time=signing_time,
        document_sha256=document_sha256,
        signed_revision_sha256=hashlib.sha256(data[:cut]).hexdigest() if cut else None,
        signature_count=signature_count,
        reasons=tuple(reasons),
    )


def _validate(
    embedded: EmbeddedPdfSignature,
    trust_roots: list[asn1_x509.Certificate],
    moment: datetime,
    key_usage: frozenset[str],
) -> PdfSignatureStatus:
    context = ValidationContext(
        trust_roots=trust_roots,
        moment=moment,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    constraints = KeyUsageConstraints(key_usage=set(key_usage), match_all_key_usages=True)
    status: PdfSignatureStatus = asyncio.run(
        async_validate_pdf_signature(
            embedded,
            signer_validation_context=context,
            key_usage_settings=constraints,
        )
    )
    return status


def _missing_key_usages(cert: asn1_x509.Certificate, required: frozenset[str]) -> set[str]:
    # pyHanko rebuilds the constraints from key_usage alone and so drops match_all_key_usages:
    # it accepts any one of the listed usages. tsuchi promises all of them, so check here.
    extension = cert.key_usage_value
    present = set(extension.native) if extension is not None else set()
    return set(required) - present


def _trust_problem(status: PdfSignatureStatus, name: str | None) -> Problem:
    indication = status.trust_problem_indic
    indication_name = getattr(indication, "name", "") or ""
    if status.revocation_details is not None or "REVOKED" in indication_name:
        return _problem("revoked", name)
    if indication_name == "CHAIN_CONSTRAINTS_FAILURE":
        # pyHanko reports a key-usage mismatch as a constraint failure on the signer
        return _problem("key_usage", name)
    return _problem("untrusted", name)


def _unsupported(
    embedded: EmbeddedPdfSignature,
    data: bytes,
    name: str | None,
    document_sha256: str,
    signature_count: int,
    exc: Exception,
) -> Verdict:
    try:
        signer: SignerIdentity | None = _identity(embedded.signer_cert)
    except (ValueError, KeyError, AttributeError):
        signer = None
    return Verdict(
        valid_as_issued=False,
        intact=False,
        covers_whole_file=False,
        trusted=False,
        cert_valid_at_signing_time=False,
        signer=signer,
        timestamp=None,
        signing_time=None,
        document_sha256=document_sha256,
        signed_revision_sha256=None,
        signature_count=signature_count,
        reasons=(
            Problem(
                code="unsupported_signature",
                message=f"{REASON_CODES['unsupported_signature']} ({exc})",
                location=Location(file=name),
            ),
        ),
    )


def _problem(code: str, name: str | None) -> Problem:
    return Problem(code=code, message=REASON_CODES[code], location=Location(file=name))


def _signed_revision_start(reader: PdfFileReader, signed_revision: int) -> int | None:
    """Offset where the signing revision's own bytes begin, or ``None`` if it is the first."""
    if signed_revision == 0:
        return None
    xrefs = reader.xrefs
    meta = xrefs.get_xref_container_info(signed_revision)
    section = xrefs.get_xref_data(signed_revision)
    offsets = [meta.start_location]
    offsets.extend(offset for _generation, offset in section.standard_xrefs.values())
    start = min(offsets)
    previous_end = xrefs.get_xref_container_info(signed_revision - 1).end_location
    if start < previous_end:
        # objects of the signing revision sit inside earlier bytes: not a plain append
        return None
    return start


def _identity(cert: asn1_x509.Certificate) -> SignerIdentity:
    subject = cert.subject.native

    def first(key: str) -> str | None:
        value = subject.get(key)
        if isinstance(value, list):
            return str(value[0]) if value else None
        return str(value) if value is not None else None

    validity = cert["tbs_certificate"]["validity"]
    return SignerIdentity(
        common_name=first("common_name"),
        organization=first("organization_name"),
        organizational_unit=first("organizational_unit_name"),
        subject=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly,
        serial_number=int(cert.serial_number),
        sha256_fingerprint=hashlib.sha256(cert.dump()).hexdigest(),
        not_valid_before=validity["not_before"].native,
        not_valid_after=validity["not_after"].native,
    )


def _timestamp_info(status: PdfSignatureStatus) -> TimestampInfo | None:
    ts = status.timestamp_validity
    if ts is None:
        return None
    return TimestampInfo(
        time=ts.timestamp,
        authority=ts.signing_cert.subject.human_friendly,
        trusted=bool(ts.intact and ts.valid and ts.trusted),
    )


def _same_signer(expected: str | TrustRoot, signer: SignerIdentity) -> bool:
    if isinstance(expected, str):
        wanted = expected.replace(":", "").replace(" ", "").lower()
    else:
        wanted = hashlib.sha256(_to_asn1(expected).dump()).hexdigest()
    return wanted == signer.sha256_fingerprint


def _to_asn1(cert: Any) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    if isinstance(cert, crypto_x509.Certificate):
        return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
    raise VerificationError(f"not a certificate: {type(cert).__name__}")
