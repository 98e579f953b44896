"""Signing a batch's notices: on the server with a configured key, or on a staff terminal and
uploaded as a signed package. Either way every signed PDF is verified before it is attached:
valid as issued (intact, covered whole, chained to the configured trust roots), made by the
expected certificate, and its unsigned revision is byte for byte the prepared notice.

The key is configured by environment variables (``settings.TSUCHI_SIGNING``, see
docs/signing-server.md). Development falls back to the demo key that ``load_demo`` makes with
:func:`ensure_demo_signing_key`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsuchi.accounts.selectors import user_can
from tsuchi.batches import services
from tsuchi.batches.models import Batch, BatchState, Notice, SigningLevel
from tsuchi.batches.packages import notices_to_sign
from tsuchi.batches.services import TransitionError, require
from tsuchi.batches.stamps import stamp_settings_for, verification_url_for
from tsuchi.core.errors import TsuchiError
from tsuchi.core.signing.certs import check_certificate
from tsuchi.core.signing.keys import KeySourceFactory, Pkcs12KeySource
from tsuchi.core.signing.sign import DocumentOutcome, DocumentToSign, SigningSettings
from tsuchi.core.signing.verify import load_trust_roots, verify_pdf
from tsuchi.evidence.services import Actor, chain_key_for_batch, event_record

logger = logging.getLogger(__name__)

DEMO_PASSWORD_FILE = "office.p12.password"  # noqa: S105  (a file name)
REPORT_NAME = "report.json"


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningConfiguration:
    """Where the server's signing key is, and what signatures are checked against."""

    key_store: Literal["pkcs12", "pkcs11"]
    """``pkcs12``: a key file (demo, small offices); ``pkcs11``: an HSM or token."""
    pkcs12_path: Path | None = None
    pkcs12_password: str = field(default="", repr=False)
    pkcs11_module: str = ""
    pkcs11_token: str = ""
    pkcs11_key: str = ""
    pkcs11_pin: str = field(default="", repr=False)
    trust_roots: tuple[Path, ...] = ()
    """PEM files of the roots every signed notice must chain to."""
    tsa_url: str | None = None
    """RFC 3161 time-stamping authority, needed for PAdES B-T and B-LT."""
    workers: int | None = None
    """Signing processes (``None``: one per core)."""
    demo: bool = False
    """The demo key of ``var/demo-pki`` (development only)."""

    def key_source_factory(self) -> KeySourceFactory:
        """A picklable callable opening the key (the bulk signer calls it in each worker)."""
        if self.key_store == "pkcs12":
            return functools.partial(Pkcs12KeySource, self.pkcs12_path, self.pkcs12_password)
        from tsuchi.core.signing.pkcs11 import Pkcs11KeySource

        return functools.partial(
            Pkcs11KeySource,
            self.pkcs11_module,
            self.pkcs11_token,
            self.pkcs11_key,
            self.pkcs11_pin or None,
        )

    def describe(self) -> str:
        """Which key, in words safe to show and log (never a password or PIN)."""
        if self.key_store == "pkcs12":
            name = self.pkcs12_path.name if self.pkcs12_path else "?"
            return f"PKCS#12 {name}" + (" (demo)" if self.demo else "")
        return f"PKCS#11 token {self.pkcs11_token} key {self.pkcs11_key}"


def _configured() -> dict[str, Any]:
    return dict(getattr(settings, "TSUCHI_SIGNING", {}) or {})


def trust_root_paths() -> tuple[Path, ...]:
    """The configured trust roots; in development, the demo root when none is configured."""
    paths = tuple(Path(p) for p in _configured().get("trust_roots") or ())
    if paths:
        return paths
    demo = _demo_configuration()
    return demo.trust_roots if demo is not None else ()


def _demo_configuration() -> SigningConfiguration | None:
    if getattr(settings, "PRODUCTION", False):
        return None
    directory = Path(getattr(settings, "TSUCHI_DEMO_PKI_DIR", settings.VAR_DIR / "demo-pki"))
    p12, password = directory / "office.p12", directory / DEMO_PASSWORD_FILE
    if not (p12.is_file() and password.is_file()):
        return None
    return SigningConfiguration(
        key_store="pkcs12",
        pkcs12_path=p12,
        pkcs12_password=password.read_text(encoding="utf-8").strip(),
        trust_roots=(directory / "root.pem",),
        demo=True,
    )


def signing_configuration() -> SigningConfiguration | None:
    """The server's signing key as configured; ``None`` when server-side signing is off."""
    conf = _configured()
    trust_roots = tuple(Path(p) for p in conf.get("trust_roots") or ())
    tsa_url: str | None = conf.get("tsa_url") or None
    workers: int | None = conf.get("workers") or None
    if conf.get("pkcs12"):
        return SigningConfiguration(
            key_store="pkcs12",
            pkcs12_path=Path(conf["pkcs12"]),
            pkcs12_password=conf.get("pkcs12_password", ""),
            trust_roots=trust_roots,
            tsa_url=tsa_url,
            workers=workers,
        )
    if conf.get("pkcs11_module"):
        return SigningConfiguration(
            key_store="pkcs11",
            pkcs11_module=conf["pkcs11_module"],
            pkcs11_token=conf.get("pkcs11_token", ""),
            pkcs11_key=conf.get("pkcs11_key", ""),
            pkcs11_pin=conf.get("pkcs11_pin", ""),
            trust_roots=trust_roots,
            tsa_url=tsa_url,
            workers=workers,
        )
    demo = _demo_configuration()
    if demo is not None:
        return SigningConfiguration(
            key_store="pkcs12",
            pkcs12_path=demo.pkcs12_path,
            pkcs12_password=demo.pkcs12_password,
            trust_roots=trust_roots or demo.trust_roots,
            tsa_url=tsa_url,
            workers=workers,
            demo=True,
        )
    return None


def ensure_demo_signing_key(var_dir: Path) -> tuple[Path, str]:
    """Make the demo PKI under ``var_dir/demo-pki`` once and return the office PKCS#12 file and
    its password (kept beside it in a file only the owner may read).

    Idempotent: an existing demo key is kept until its certificate is within 30 days of expiry.
    Never for real notices: the demo root is a throwaway.
    """
    from cryptography import x509

    from tsuchi.core.samples.pki import make_test_pki

    directory = Path(var_dir) / "demo-pki"
    p12, password_file = directory / "office.p12", directory / DEMO_PASSWORD_FILE
    if p12.is_file() and password_file.is_file() and (directory / "office.pem").is_file():
        cert = x509.load_pem_x509_certificate((directory / "office.pem").read_bytes())
        remaining = cert.not_valid_after_utc - timezone.now()
        if remaining.days > 30:
            return p12, password_file.read_text(encoding="utf-8").strip()
    pki = make_test_pki(directory)
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(pki.password + "\n")
    os.chmod(password_file, 0o600)  # an existing file keeps its mode through O_CREAT
    for key in directory.glob("*.key.pem"):
        os.chmod(key, 0o600)
    return pki.pkcs12(), pki.password


def signer_fingerprint(config: SigningConfiguration) -> str:
    """SHA-256 (hex) of the configured key's certificate. Raises ``TsuchiError`` when the key
    cannot be opened."""
    with config.key_source_factory()() as key_source:
        return hashlib.sha256(key_source.signing_cert.dump()).hexdigest()


def _signing_settings(batch: Batch, config: SigningConfiguration) -> SigningSettings:
    return SigningSettings(
        level=batch.signing_level,
        tsa_url=config.tsa_url,
        trust_roots=config.trust_roots,
        stamp=stamp_settings_for(batch),
    )


# --- server-side signing -----------------------------------------------------------------------


def batch_start_signing(*, batch: Batch, actor: Actor) -> Batch:
    """Queue server-side signing of every unsigned electronic notice of a batch in review.

    Refused when no key is configured, the key cannot be opened, the batch's level needs a
    time-stamping authority that is not configured, items are unresolved or a run is going on.
    """
    config = signing_configuration()
    require(config is not None, _("Server-side signing is not configured on this server."))
    assert config is not None  # noqa: S101  (for the type checker; require raised otherwise)
    require(
        actor.user is not None and user_can(actor.user, "prepare", batch.department_id),
        _("You do not have permission to do this in this department."),
    )
    require(
        batch.signing_level == SigningLevel.B_B or bool(config.tsa_url),
        _("Signature level %(level)s needs a time-stamping authority (TSUCHI_TSA_URL).")
        % {"level": batch.signing_level},
    )
    require(bool(config.trust_roots), _("No trust roots are configured (TSUCHI_TRUST_ROOTS)."))
    try:
        with config.key_source_factory()() as key_source:
            # Refuses an expired or unusable certificate; warns when it expires within 30 days.
            warnings = [p.message for p in check_certificate(key_source.signing_cert)]
    except TsuchiError as exc:
        raise TransitionError(
            _("The signing key cannot be used: %(error)s") % {"error": exc}
        ) from exc
    return _queue_signing(batch=batch, actor=actor, config=config, warnings=warnings)


@transaction.atomic
def _queue_signing(
    *, batch: Batch, actor: Actor, config: SigningConfiguration, warnings: list[str]
) -> Batch:
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    require(batch.state == BatchState.REVIEW, _("Only a batch in review can be signed."))
    unresolved = services.batch_unresolved_count(batch)
    require(unresolved == 0, _("%(count)d notices still need review.") % {"count": unresolved})
    require(not signing_in_progress(batch), _("Signing is already running for this batch."))
    total = notices_to_sign(batch).count()
    require(total > 0, _("Every electronic notice is already signed."))
    batch.signing_progress = {
        "state": "queued",
        "done": 0,
        "total": total,
        "started_by": actor.user.pk if actor.user is not None else None,
        "at": timezone.now().isoformat(),
        "warnings": warnings,
    }
    batch.save(update_fields=["signing_progress", "updated_at"])
    event_record(
        chain_key=chain_key_for_batch(batch.pk),
        kind="batch.signing_started",
        actor=actor,
        data={
            "notices": total,
            "level": batch.signing_level,
            "key": config.describe(),
            "warnings": warnings,
        },
    )
    from tsuchi.batches.tasks import sign_batch_task

    batch_id = batch.pk
    transaction.on_commit(lambda: sign_batch_task.enqueue(batch_id))
    return batch


STALE_AFTER = timedelta(minutes=30)
"""A run whose progress has not moved for this long is taken as abandoned (its worker died),
so signing may be started again."""


def signing_in_progress(batch: Batch) -> bool:
    """A server-side signing run is queued or running (and not abandoned)."""
    progress = batch.signing_progress or {}
    if progress.get("state") not in {"queued", "running"}:
        return False
    try:
        moved = datetime.fromisoformat(progress["at"])
    except (KeyError, TypeError, ValueError):
        return True
    return timezone.now() - moved < STALE_AFTER


def _store_progress(batch_id: int, progress: dict[str, Any]) -> None:
    # A progress figure is not a state change: no event, no service.
    progress = {**progress, "at": timezone.now().isoformat()}
    Batch.objects.filter(pk=batch_id).update(signing_progress=progress)


def batch_run_signing(*, batch_id: int) -> None:
    """Sign, verify and attach the unsigned electronic notices of a batch (the task's work).

    A notice that fails (signing, verification, or its signed revision is not the prepared
    file) is named by sequence in ``signing_progress`` and left unsigned; the others are
    attached. The batch stays in review either way.
    """
    batch = Batch.objects.get(pk=batch_id)
    progress = dict(batch.signing_progress or {})
    if batch.state != BatchState.REVIEW or progress.get("state") != "queued":
        logger.warning("batch %s is not queued for signing; task skipped", batch_id)
        return
    config = signing_configuration()
    notices = list(notices_to_sign(batch).select_related("batch__department"))
    progress.update(state="running", done=0, total=len(notices))
    _store_progress(batch_id, progress)
    failures: dict[int, str] = {}
    signed = 0
    signer = ""
    work = Path(tempfile.mkdtemp(prefix="tsuchi-sign-"))
    try:
        if config is None:
            raise TransitionError(_("Server-side signing is not configured on this server."))
        fingerprint = signer_fingerprint(config)
        roots = load_trust_roots(config.trust_roots)
        documents: dict[int, DocumentToSign] = {}
        for notice in notices:
            path = work / "in" / f"{notice.sequence:06d}.pdf"
            path.parent.mkdir(exist_ok=True)
            with notice.document.open("rb") as source:
                data = source.read()
            if hashlib.sha256(data).hexdigest() != notice.document_sha256:
                failures[notice.sequence] = _("The stored prepared PDF has changed.")
                continue
            path.write_bytes(data)
            documents[notice.sequence] = DocumentToSign(path, verification_url_for(notice))

        done = len(failures)
        step = max(1, len(notices) // 100)

        def on_document(outcome: DocumentOutcome) -> None:
            nonlocal done
            done += 1
            if done % step == 0 or done == len(notices):
                _store_progress(batch_id, {**progress, "done": done})

        from tsuchi.core.signing.sign import sign_documents

        summary = sign_documents(
            list(documents.values()),
            work / "out",
            config.key_source_factory(),
            _signing_settings(batch, config),
            workers=config.workers,
            progress=on_document,
        )
        signer = summary.signer
        for notice in notices:
            if notice.sequence in failures:
                continue
            output = work / "out" / f"{notice.sequence:06d}.pdf"
            problem = _check_signed_file(output, notice, roots, fingerprint)
            if problem:
                failures[notice.sequence] = problem
                continue
            try:
                services.notice_attach_signed(
                    notice=notice, signed=output.read_bytes(), actor=Actor.system()
                )
            except TransitionError as exc:
                failures[notice.sequence] = str(exc)
                continue
            signed += 1
    except (TsuchiError, TransitionError) as exc:
        logger.info("batch %s signing stopped: %s", batch_id, type(exc).__name__)
        progress["error"] = str(exc)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _finish_signing(batch_id, progress, signed=signed, failures=failures, signer=signer)


def _check_signed_file(
    output: Path, notice: Notice, roots: list[Any], fingerprint: str
) -> str | None:
    if not output.is_file():
        return _("The notice could not be signed.")
    try:
        verdict = verify_pdf(output, trust_roots=roots, expected_signer=fingerprint)
    except TsuchiError as exc:
        return str(exc)
    if not verdict.valid_as_issued:
        return "; ".join(p.message for p in verdict.reasons)
    if verdict.signed_revision_sha256 != notice.document_sha256:
        return _("The signed file is not the prepared notice.")
    return None


@transaction.atomic
def _finish_signing(
    batch_id: int, progress: dict[str, Any], *, signed: int, failures: dict[int, str], signer: str
) -> None:
    batch = Batch.objects.select_for_update().get(pk=batch_id)
    failed = [{"sequence": s, "error": e} for s, e in sorted(failures.items())]
    state = "failed" if progress.get("error") or failed else "finished"
    batch.signing_progress = {
        **progress,
        "state": state,
        "done": progress.get("total", 0),
        "signed": signed,
        "failed": failed[:500],
    }
    batch.save(update_fields=["signing_progress", "updated_at"])
    event_record(
        chain_key=chain_key_for_batch(batch_id),
        kind="batch.signing_finished",
        actor=Actor.system(),
        data={
            "signed": signed,
            "failed": len(failed),
            "failed_sequences": [f["sequence"] for f in failed][:100],
            "signer": signer,
            "error": progress.get("error", ""),
        },
    )
    logger.info("batch %s signing %s: %s signed, %s failed", batch_id, state, signed, len(failed))


# --- signed packages from a staff terminal -----------------------------------------------------


@dataclass(frozen=True)
class FileReport:
    """What the server found about one file of an uploaded package."""

    file: str
    """The file's name in the package."""
    sequence: int | None = None
    """The notice it was matched to (by the hash of its unsigned revision)."""
    problems: tuple[tuple[str, str], ...] = ()
    """(code, message) of each reason the file is refused; empty when it is accepted."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "ok": self.ok,
            "sequence": self.sequence,
            "problems": [{"code": c, "message": m} for c, m in self.problems],
        }


@dataclass(frozen=True)
class PackageOutcome:
    """The result of an upload: imported whole, or refused whole with a report per file."""

    imported: bool
    files: tuple[FileReport, ...] = ()
    problems: tuple[tuple[str, str], ...] = ()
    """Problems with the package itself (not a zip, no PDF, unreadable report …)."""
    electronic_unsigned: int = 0
    """Electronic notices of the batch still without a signed PDF after the import."""

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "imported" if self.imported else "refused",
            "counts": {
                "files": len(self.files),
                "accepted": sum(1 for f in self.files if f.ok),
                "refused": sum(1 for f in self.files if not f.ok),
            },
            "problems": [{"code": c, "message": m} for c, m in self.problems],
            "files": [f.as_json() for f in self.files],
            "electronic_unsigned": self.electronic_unsigned,
        }


@dataclass(frozen=True)
class PackageLimits:
    """Bounds on an uploaded package, against zip bombs and runaway uploads."""

    max_files: int = 20000
    max_file_bytes: int = 50 * 1024 * 1024
    max_total_bytes: int = 2 * 1024 * 1024 * 1024


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    # The declared size can lie; read one byte past the limit to know.
    with archive.open(info) as member:
        data = member.read(limit + 1)
    return None if len(data) > limit else data


def _report_entries(data: bytes) -> dict[str, dict[str, Any]]:
    document = json.loads(data.decode("utf-8-sig"))
    entries: dict[str, dict[str, Any]] = {}
    for entry in document["notices"]:
        entries[PurePosixPath(str(entry["file"])).name] = {
            "sequence": int(entry["sequence"]),
            "sha256": str(entry.get("sha256", "")),
        }
    return entries


def batch_import_signed_package(
    *,
    batch: Batch,
    package: Path,
    actor: Actor,
    expected_signer: str = "",
    token_id: int | None = None,
    limits: PackageLimits | None = None,
) -> PackageOutcome:
    """Verify every signed PDF of a zip package and attach them all, or none.

    Each PDF must be valid as issued against the configured trust roots, signed by
    ``expected_signer`` (a SHA-256 fingerprint; empty: the server's configured certificate),
    and its unsigned revision must hash to a prepared notice of the batch (matched by hash;
    ``report.json`` from ``tsuchi prepare``, when present, must name the same notice). Any
    problem refuses the whole package; an Event records the upload either way.
    Raises :class:`TransitionError` when the batch is not in review.
    """
    limits = limits or PackageLimits()
    require(batch.state == BatchState.REVIEW, _("Signed notices can only be added in review."))
    problems: list[tuple[str, str]] = []
    roots_paths = trust_root_paths()
    if not roots_paths:
        problems.append(("no_trust_roots", _("No trust roots are configured on the server.")))
    if not expected_signer:
        config = signing_configuration()
        try:
            expected_signer = signer_fingerprint(config) if config else ""
        except TsuchiError:
            expected_signer = ""
        if not expected_signer:
            problems.append(
                (
                    "no_expected_signer",
                    _("No expected signing certificate is set for this token or server."),
                )
            )
    if problems:
        return _refuse(batch, actor, PackageOutcome(False, (), tuple(problems)), token_id)
    roots = load_trust_roots(roots_paths)

    try:
        archive = zipfile.ZipFile(package)
    except (zipfile.BadZipFile, OSError):
        outcome = PackageOutcome(False, (), (("not_a_zip", _("The package is not a zip file.")),))
        return _refuse(batch, actor, outcome, token_id)
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > limits.max_files:
            problems.append(("too_many_files", _("The package holds too many files.")))
        if sum(info.file_size for info in members) > limits.max_total_bytes:
            problems.append(("too_large", _("The package is too large once unpacked.")))
        if problems:
            return _refuse(batch, actor, PackageOutcome(False, (), tuple(problems)), token_id)
        reports, matched = _check_members(
            archive, members, batch, roots, expected_signer, limits, problems
        )
        if problems or not all(report.ok for report in reports):
            return _refuse(
                batch, actor, PackageOutcome(False, tuple(reports), tuple(problems)), token_id
            )
        return _attach_all(batch, archive, matched, reports, actor, token_id)


def _check_members(
    archive: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    batch: Batch,
    roots: list[Any],
    expected_signer: str,
    limits: PackageLimits,
    problems: list[tuple[str, str]],
) -> tuple[list[FileReport], dict[str, tuple[zipfile.ZipInfo, Notice]]]:
    by_name: dict[str, zipfile.ZipInfo] = {}
    reports: list[FileReport] = []
    for info in members:
        name = PurePosixPath(info.filename).name
        if name in by_name:
            reports.append(
                FileReport(name, None, (("duplicate_name", _("Two files have this name.")),))
            )
            continue
        by_name[name] = info
    entries: dict[str, dict[str, Any]] | None = None
    if REPORT_NAME in by_name:
        data = _read_member(archive, by_name.pop(REPORT_NAME), limits.max_file_bytes)
        try:
            entries = _report_entries(data or b"")
        except (ValueError, KeyError, TypeError):
            problems.append(("bad_report", _("report.json is not a report of tsuchi prepare.")))
    notices_by_hash = {n.document_sha256: n for n in batch.notices.all() if n.document_sha256}
    by_sequence = {n.sequence: n for n in notices_by_hash.values()}
    pdfs = {name: info for name, info in by_name.items() if name.lower().endswith(".pdf")}
    for name in sorted(set(by_name) - set(pdfs)):
        reports.append(FileReport(name, None, (("unexpected_file", _("Not a PDF.")),)))
    if not pdfs:
        problems.append(("no_pdf", _("The package holds no PDF.")))
    matched: dict[str, tuple[zipfile.ZipInfo, Notice]] = {}
    seen: dict[int, str] = {}
    for name in sorted(pdfs):
        info = pdfs[name]
        file_problems: list[tuple[str, str]] = []
        notice: Notice | None = None
        data = _read_member(archive, info, limits.max_file_bytes)
        if data is None:
            reports.append(FileReport(name, None, (("too_large", _("The file is too large.")),)))
            continue
        try:
            verdict = verify_pdf(data, trust_roots=roots, expected_signer=expected_signer)
        except TsuchiError:
            reports.append(FileReport(name, None, (("not_a_pdf", _("Not a readable PDF.")),)))
            continue
        file_problems.extend((p.code, p.message) for p in verdict.reasons)
        revision = verdict.signed_revision_sha256
        entry = (entries or {}).get(name)
        if revision is not None:
            notice = notices_by_hash.get(revision)
        if notice is None and revision is not None:
            claimed = by_sequence.get(entry["sequence"]) if entry else None
            if claimed is not None:
                file_problems.append(
                    (
                        "revision_differs",
                        _("The signed file is not notice %(sequence)s as it was prepared.")
                        % {"sequence": claimed.sequence},
                    )
                )
            else:
                file_problems.append(
                    ("unknown_notice", _("The signed file is no prepared notice of this batch."))
                )
        elif notice is not None and entries is not None:
            if entry is None:
                file_problems.append(("not_in_report", _("report.json does not list this file.")))
            elif entry["sequence"] != notice.sequence:
                file_problems.append(
                    (
                        "report_mismatch",
                        _("report.json names notice %(claimed)s, the file is notice %(actual)s.")
                        % {"claimed": entry["sequence"], "actual": notice.sequence},
                    )
                )
        if notice is not None and notice.sequence in seen:
            file_problems.append(
                (
                    "duplicate_notice",
                    _("Another file is the same notice: %(file)s")
                    % {"file": seen[notice.sequence]},
                )
            )
        if notice is not None:
            seen.setdefault(notice.sequence, name)
        reports.append(FileReport(name, notice.sequence if notice else None, tuple(file_problems)))
        if notice is not None and not file_problems:
            matched[name] = (info, notice)
    return reports, matched


def _refuse(
    batch: Batch, actor: Actor, outcome: PackageOutcome, token_id: int | None
) -> PackageOutcome:
    with transaction.atomic():
        event_record(
            chain_key=chain_key_for_batch(batch.pk),
            kind="batch.signed_package_refused",
            actor=actor,
            data={
                "files": len(outcome.files),
                "refused": sum(1 for f in outcome.files if not f.ok),
                "codes": sorted({c for f in outcome.files for c, _m in f.problems})
                + sorted({c for c, _m in outcome.problems}),
                "token": token_id,
            },
        )
    return outcome


@transaction.atomic
def _attach_all(
    batch: Batch,
    archive: zipfile.ZipFile,
    matched: dict[str, tuple[zipfile.ZipInfo, Notice]],
    reports: list[FileReport],
    actor: Actor,
    token_id: int | None,
) -> PackageOutcome:
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    require(batch.state == BatchState.REVIEW, _("Signed notices can only be added in review."))
    for info, notice in matched.values():
        with archive.open(info) as member:
            services.notice_attach_signed(notice=notice, signed=member.read(), actor=actor)
    unsigned = notices_to_sign(batch).count()
    event_record(
        chain_key=chain_key_for_batch(batch.pk),
        kind="batch.signed_package_imported",
        actor=actor,
        data={
            "files": len(matched),
            "sequences": sorted(n.sequence for _i, n in matched.values())[:1000],
            "electronic_unsigned": unsigned,
            "token": token_id,
        },
    )
    return PackageOutcome(True, tuple(reports), (), unsigned)
