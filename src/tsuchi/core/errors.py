"""One error tree for the core library.

Every error that leaves a public function of :mod:`tsuchi.core` is a :class:`TsuchiError`. It
carries where the problem is (file, page, row, column) so that the CLI and the web app can tell
the clerk exactly what to look at, in their words, without parsing messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Location:
    """Where in the input a problem was found. Pages and rows count from 1, as a clerk would."""

    file: str | None = None
    """Name of the file (never a full path with personal data in it)."""
    page: int | None = None
    """1-based page number in a PDF."""
    row: int | None = None
    """1-based line number in a CSV, counting the header as line 1."""
    column: str | None = None
    """Column name in a CSV, or field name in a profile."""

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


class TsuchiError(Exception):
    """Base of every error raised by :mod:`tsuchi.core`."""

    def __init__(self, message: str, *, location: Location | None = None, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.location = location or Location()
        self.code = code
        """Stable kind of the error (``pdf_encrypted``), for callers that word it themselves."""

    def __str__(self) -> str:
        where = str(self.location)
        return f"{where}: {self.message}" if where else self.message


class InputError(TsuchiError):
    """The input cannot be used as given (damaged, encrypted, empty, wrong encoding, …)."""


class PdfError(InputError):
    """A PDF cannot be opened, split or read."""


class CsvError(InputError):
    """A CSV file cannot be read as application records."""


class ProfileError(InputError):
    """A notice profile (TOML) is missing a required setting or has an invalid one."""


class SigningError(TsuchiError):
    """A document cannot be signed (key, certificate, token or output problem)."""


class CertificateError(SigningError):
    """The signing certificate is unusable: expired, not yet valid, or wrong key usage."""


class TokenError(SigningError):
    """A PKCS#11 token cannot be opened or logged in to (wrong PIN, missing token or key)."""


class VerificationError(TsuchiError):
    """A document cannot be verified at all (not a PDF, no signature)."""


class EvidenceError(TsuchiError):
    """An evidence chain is malformed."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in an input that does not stop the whole run (reported to the clerk)."""

    code: str
    """Stable machine-readable kind, e.g. ``invalid_email``; used to group a summary."""
    message: str
    """What is wrong, in the clerk's words."""
    location: Location = field(default_factory=Location)
    """Where it is."""
    severity: str = "error"
    """``error`` blocks the item; ``warning`` only asks a clerk to look."""
