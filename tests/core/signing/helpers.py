"""Checks shared by the signing tests: pyHanko validation and signature counting."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext


def validate(path: Path, context: ValidationContext) -> PdfSignatureStatus:
    """Validate the last signature of ``path`` and assert what an issued notice needs."""
    with path.open("rb") as handle:
        reader = PdfFileReader(handle)
        status = validate_pdf_signature(
            reader.embedded_signatures[-1],
            context,
            key_usage_settings=KeyUsageConstraints(key_usage={"digital_signature"}),
        )
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    return status


def signature_count(path: Path) -> int:
    """Number of signatures embedded in ``path``."""
    with path.open("rb") as handle:
        return len(PdfFileReader(handle).embedded_signatures)


def assert_pdfsig_valid(output: str) -> None:
    """pdfsig exits 0 even for a broken signature; read its verdict instead."""
    assert "Signature is Valid." in output
    assert "Certificate is Trusted." in output
    assert "Total document signed" in output


def make_pdfsig(root_cert: Path, nss_dir: Path, *extra_certs: Path) -> Callable[[Path], str]:
    """A function running poppler's ``pdfsig`` with an NSS database trusting ``root_cert``."""
    if shutil.which("pdfsig") is None or shutil.which("certutil") is None:
        pytest.skip("poppler-utils and libnss3-tools are needed")
    nss_dir.mkdir(parents=True, exist_ok=True)
    db = f"sql:{nss_dir}"
    subprocess.run(["certutil", "-N", "--empty-password", "-d", db], check=True)
    subprocess.run(
        ["certutil", "-A", "-n", "root", "-t", "CT,C,C", "-i", str(root_cert), "-d", db],
        check=True,
    )
    for i, cert in enumerate(extra_certs):
        subprocess.run(
            ["certutil", "-A", "-n", f"ca{i}", "-t", ",,", "-i", str(cert), "-d", db], check=True
        )

    def run(path: Path) -> str:
        result = subprocess.run(
            ["pdfsig", "-nssdir", db, str(path)], capture_output=True, text=True, check=False
        )
        return result.stdout + result.stderr

    return run
