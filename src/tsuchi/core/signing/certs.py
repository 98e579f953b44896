"""Checks on the signing certificate before anything is signed with it.

A notice signed with an expired certificate, or one whose key may not make signatures, is
worthless to the resident and embarrassing to the office; refusing up front costs nothing.
"""

from __future__ import annotations

import datetime as dt

from asn1crypto import x509 as asn1_x509

from tsuchi.core.errors import CertificateError, Problem

EXPIRY_WARNING = dt.timedelta(days=30)
"""How long before its end a certificate's coming expiry is reported as a warning."""

DEFAULT_KEY_USAGE: frozenset[str] = frozenset({"digital_signature"})
"""Key usages the signing certificate must carry by default (asn1crypto names)."""


def certificate_label(cert: asn1_x509.Certificate) -> str:
    """A short human-readable name of a certificate: its subject, most specific part first."""
    return str(cert.subject.human_friendly)


def check_certificate(
    cert: asn1_x509.Certificate,
    now: dt.datetime | None = None,
    *,
    required_key_usage: frozenset[str] = DEFAULT_KEY_USAGE,
) -> list[Problem]:
    """Check that ``cert`` may sign at ``now`` (aware; default: the current time).

    Raises :class:`~tsuchi.core.errors.CertificateError` when it is expired, not yet valid, or
    lacks a key usage of ``required_key_usage`` (asn1crypto names such as
    ``digital_signature``, ``non_repudiation``). Returns warnings (``Problem`` with severity
    ``warning``), e.g. ``certificate_expires_soon`` within 30 days of its end.
    """
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    validity = cert["tbs_certificate"]["validity"]
    not_before: dt.datetime = validity["not_before"].native
    not_after: dt.datetime = validity["not_after"].native
    label = certificate_label(cert)
    if now < not_before:
        raise CertificateError(
            f"the signing certificate ({label}) is not valid before {not_before:%Y-%m-%d %H:%M} UTC"
        )
    if now > not_after:
        raise CertificateError(
            f"the signing certificate ({label}) expired on {not_after:%Y-%m-%d %H:%M} UTC"
        )
    usage_value = cert.key_usage_value
    usages: set[str] = set(usage_value.native) if usage_value is not None else set()
    missing = sorted(required_key_usage - usages)
    if missing:
        raise CertificateError(
            f"the signing certificate ({label}) lacks the key usage {', '.join(missing)}"
        )
    problems: list[Problem] = []
    if not_after - now <= EXPIRY_WARNING:
        days = (not_after - now).days
        problems.append(
            Problem(
                code="certificate_expires_soon",
                message=(
                    f"the signing certificate ({label}) expires in {days} days, "
                    f"on {not_after:%Y-%m-%d}"
                ),
                severity="warning",
            )
        )
    return problems
