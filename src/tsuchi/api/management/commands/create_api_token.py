"""Create an API token for a department and print it once (it is stored only as a hash)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.management.base import BaseCommand, CommandError

from tsuchi.accounts.models import Department
from tsuchi.api.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for `tsuchi upload` and print it once."

    def add_arguments(self, parser):
        parser.add_argument("--department", type=int, required=True, help="department id")
        parser.add_argument("--name", required=True, help="which terminal or person uses it")
        signer = parser.add_mutually_exclusive_group()
        signer.add_argument("--signer-sha256", default="", help="expected certificate SHA-256")
        signer.add_argument(
            "--signer-cert", type=Path, help="expected signing certificate (PEM or DER)"
        )

    def handle(self, *args, **options):
        department = Department.objects.filter(pk=options["department"]).first()
        if department is None:
            raise CommandError(f"no department with id {options['department']}")
        fingerprint = options["signer_sha256"]
        if options["signer_cert"]:
            fingerprint = _fingerprint(options["signer_cert"])
        try:
            row, token = api_token_create(
                department=department, name=options["name"], signer_sha256=fingerprint
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"API token {row.pk} for {department} (shown only now):")
        self.stdout.write(token)


def _fingerprint(path: Path) -> str:
    try:
        data = path.read_bytes()
        cert = (
            x509.load_pem_x509_certificate(data)
            if b"-----BEGIN" in data
            else x509.load_der_x509_certificate(data)
        )
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read the certificate {path.name}: {exc}") from exc
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()
