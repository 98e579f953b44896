"""Bulk PAdES signing: outputs validate with pyHanko and poppler, runs resume, bad keys stop."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko_certvalidator import ValidationContext
from tests.core.signing.helpers import (
    assert_pdfsig_valid,
    make_pdfsig,
    signature_count,
    validate,
)

from tsuchi.core.errors import CertificateError, SigningError
from tsuchi.core.samples.pki import TestPki, make_test_pki
from tsuchi.core.signing.keys import KeySource, Pkcs12KeySource
from tsuchi.core.signing.sign import (
    DocumentOutcome,
    SigningSettings,
    reservation_size,
    sign_documents,
)

MakePdfs = Callable[..., Path]


def _p12(pki: TestPki, variant: str = "office") -> functools.partial[Pkcs12KeySource]:
    return functools.partial(Pkcs12KeySource, pki.pkcs12(variant), pki.password)


def test_signed_notices_validate_with_pyhanko_and_pdfsig(
    test_pki: TestPki,
    validation_context: ValidationContext,
    make_pdfs: MakePdfs,
    pdfsig: Callable[[Path], str],
    tmp_path: Path,
) -> None:
    summary = sign_documents(
        make_pdfs(3), tmp_path / "out", _p12(test_pki), SigningSettings(), workers=1
    )
    assert (summary.signed, summary.skipped, summary.failed) == (3, 0, 0)
    assert summary.signer.startswith("Common Name: 土見市長")
    for output in sorted((tmp_path / "out").iterdir()):
        validate(output, validation_context)
        assert_pdfsig_valid(pdfsig(output))
        assert signature_count(output) == 1


@pytest.mark.parametrize("key_type", ["rsa3072", "ecdsa-p256"])
def test_other_key_types_sign_and_validate(
    key_type: str, make_pdfs: MakePdfs, tmp_path: Path
) -> None:
    from pyhanko.keys import load_cert_from_pemder

    pki = make_test_pki(tmp_path / "pki", key_type=key_type)  # type: ignore[arg-type]
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(pki.root_cert))])
    summary = sign_documents(
        make_pdfs(3), tmp_path / "out", _p12(pki), SigningSettings(), workers=1
    )
    assert summary.signed == 3
    pdfsig = make_pdfsig(pki.root_cert, tmp_path / "nss")
    for output in (tmp_path / "out").iterdir():
        validate(output, context)
        assert_pdfsig_valid(pdfsig(output))


def test_two_worker_processes_sign_every_document(
    test_pki: TestPki, validation_context: ValidationContext, make_pdfs: MakePdfs, tmp_path: Path
) -> None:
    seen: list[DocumentOutcome] = []
    summary = sign_documents(
        make_pdfs(6),
        tmp_path / "out",
        _p12(test_pki),
        SigningSettings(),
        workers=2,
        progress=seen.append,
    )
    assert summary.signed == 6
    assert len(seen) == 6
    for output in (tmp_path / "out").iterdir():
        validate(output, validation_context)


class _MainProcessKey(KeySource):
    """A key that must stay in one process, as a PKCS#11 session does."""

    process_local = False

    def __init__(self, inner: Pkcs12KeySource) -> None:
        self.inner = inner
        self.operations = 0

    @property
    def signing_cert(self):  # type: ignore[no-untyped-def]
        return self.inner.signing_cert

    @property
    def chain(self):  # type: ignore[no-untyped-def]
        return self.inner.chain

    def signer(self):  # type: ignore[no-untyped-def]
        return self.inner.signer()

    def sign_raw(self, data: bytes) -> bytes:
        self.operations += 1
        return self.inner.sign_raw(data)


def test_key_kept_in_one_process_signs_there_while_workers_prepare(
    test_pki: TestPki, validation_context: ValidationContext, make_pdfs: MakePdfs, tmp_path: Path
) -> None:
    key = _MainProcessKey(Pkcs12KeySource(test_pki.pkcs12(), test_pki.password))
    summary = sign_documents(
        make_pdfs(5), tmp_path / "out", lambda: key, SigningSettings(), workers=2
    )
    assert summary.signed == 5
    assert key.operations == 5
    for output in (tmp_path / "out").iterdir():
        validate(output, validation_context)
    assert not list((tmp_path / "out").glob("*.part"))


@pytest.mark.parametrize(
    "variant", ["office-expired", "office-not-yet-valid", "office-no-digital-signature"]
)
def test_unusable_certificate_stops_before_any_output(
    test_pki: TestPki, variant: str, make_pdfs: MakePdfs, tmp_path: Path
) -> None:
    with pytest.raises(CertificateError):
        sign_documents(make_pdfs(2), tmp_path / "out", _p12(test_pki, variant), SigningSettings())
    assert not list((tmp_path / "out").iterdir())


def test_wrong_pkcs12_password_is_a_signing_error(test_pki: TestPki) -> None:
    with pytest.raises(SigningError, match="wrong password"):
        Pkcs12KeySource(test_pki.pkcs12(), "not the password")


@pytest.mark.parametrize("workers", [1, 2])
def test_interrupted_run_resumes_and_signs_each_document_once(
    test_pki: TestPki,
    validation_context: ValidationContext,
    make_pdfs: MakePdfs,
    tmp_path: Path,
    workers: int,
) -> None:
    # With two workers, the others keep signing until the pool stops: many documents, so that
    # the run is surely interrupted before its end.
    count = 12 if workers == 1 else 200
    inputs, out = make_pdfs(count), tmp_path / "out"

    def stop_after_two(outcome: DocumentOutcome) -> None:
        if len(list(out.glob("*.pdf"))) >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sign_documents(
            inputs, out, _p12(test_pki), SigningSettings(), workers=workers,
            progress=stop_after_two,
        )  # fmt: skip
    done = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.glob("*.pdf")}
    assert 2 <= len(done) < count
    assert not list(out.glob("*.part"))

    summary = sign_documents(inputs, out, _p12(test_pki), SigningSettings(), workers=workers)
    assert (summary.signed, summary.skipped) == (count - len(done), len(done))
    for i, output in enumerate(sorted(out.glob("*.pdf"))):
        assert output.read_bytes().count(b"/ByteRange") == 1  # signed exactly once
        if i < 12:
            validate(output, validation_context)
        if output.name in done:
            assert (output.stat().st_mtime_ns, output.read_bytes()) == done[output.name]


def test_output_signed_by_another_certificate_is_signed_again(
    test_pki: TestPki, make_pdfs: MakePdfs, tmp_path: Path
) -> None:
    inputs, out = make_pdfs(1), tmp_path / "out"
    sign_documents(inputs, out, _p12(test_pki, "office-no-nonrepudiation"), SigningSettings())
    summary = sign_documents(inputs, out, _p12(test_pki), SigningSettings())
    assert (summary.signed, summary.skipped) == (1, 0)


def test_xref_stream_input_is_signed_with_a_matching_update(
    test_pki: TestPki,
    validation_context: ValidationContext,
    make_pdfs: MakePdfs,
    pdfsig: Callable[[Path], str],
    tmp_path: Path,
) -> None:
    source = make_pdfs(1) / "notice-000.pdf"
    with pikepdf.open(source, allow_overwriting_input=True) as pdf:
        pdf.save(source, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    sign_documents([source], tmp_path / "out", _p12(test_pki), SigningSettings())
    output = tmp_path / "out" / source.name
    validate(output, validation_context)
    assert_pdfsig_valid(pdfsig(output))
    with pikepdf.open(output) as pdf:  # qpdf reads the update without repairing it
        assert len(pdf.pages) == 1


def test_already_signed_input_gets_a_second_signature_through_pyhanko(
    test_pki: TestPki, validation_context: ValidationContext, make_pdfs: MakePdfs, tmp_path: Path
) -> None:
    once = tmp_path / "once"
    sign_documents(make_pdfs(1), once, _p12(test_pki), SigningSettings())
    settings = SigningSettings(field_name="second")
    sign_documents(once, tmp_path / "twice", _p12(test_pki), settings)
    output = tmp_path / "twice" / "notice-000.pdf"
    assert signature_count(output) == 2
    validate(output, validation_context)


def test_too_small_reservation_fails_each_document_with_a_reason(
    test_pki: TestPki, make_pdfs: MakePdfs, tmp_path: Path
) -> None:
    summary = sign_documents(
        make_pdfs(2), tmp_path / "out", _p12(test_pki), SigningSettings(bytes_reserved=512)
    )
    assert summary.failed == 2
    assert "reserved" in summary.errors[0][1]
    assert not list((tmp_path / "out").iterdir())


def test_reservation_grows_for_a_timestamp(test_pki: TestPki) -> None:
    key = Pkcs12KeySource(test_pki.pkcs12(), test_pki.password)
    plain = reservation_size(key.signing_cert, key.chain, "B-B")
    assert plain % 1024 == 0
    assert plain > sum(len(c.dump()) for c in (key.signing_cert, *key.chain)) + 256
    assert reservation_size(key.signing_cert, key.chain, "B-T") >= plain + 8192


def test_b_t_signature_carries_a_timestamp_from_the_tsa(
    test_pki: TestPki,
    validation_context: ValidationContext,
    tsa_url: str,
    make_pdfs: MakePdfs,
    tmp_path: Path,
) -> None:
    settings = SigningSettings(level="B-T", tsa_url=tsa_url)
    summary = sign_documents(make_pdfs(1), tmp_path / "out", _p12(test_pki), settings)
    assert summary.signed == 1, summary.errors
    status = validate(tmp_path / "out" / "notice-000.pdf", validation_context)
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact
    assert status.timestamp_validity.trusted


def test_b_lt_embeds_validation_data(
    test_pki: TestPki,
    validation_context: ValidationContext,
    tsa_url: str,
    make_pdfs: MakePdfs,
    tmp_path: Path,
) -> None:
    settings = SigningSettings(level="B-LT", tsa_url=tsa_url, trust_roots=(test_pki.root_cert,))
    summary = sign_documents(make_pdfs(1), tmp_path / "out", _p12(test_pki), settings)
    assert summary.signed == 1, summary.errors
    output = tmp_path / "out" / "notice-000.pdf"
    with output.open("rb") as handle:
        dss = PdfFileReader(handle).root["/DSS"]
        assert len(dss["/Certs"]) >= 2
        assert len(dss["/CRLs"]) >= 1
    validate(output, validation_context)


def test_level_b_t_without_tsa_is_refused() -> None:
    with pytest.raises(SigningError, match="time-stamping authority"):
        SigningSettings(level="B-T")


def test_existing_annotations_on_page_one_are_kept(
    test_pki: TestPki, validation_context: ValidationContext, tmp_path: Path
) -> None:
    from reportlab.pdfgen import canvas

    inputs = tmp_path / "in"
    inputs.mkdir()
    pdf = canvas.Canvas(str(inputs / "linked.pdf"))
    pdf.drawString(72, 720, "https://example.jp/")
    pdf.linkURL("https://example.jp/", (72, 710, 200, 730))
    pdf.save()
    sign_documents(inputs, tmp_path / "out", _p12(test_pki), SigningSettings())
    output = tmp_path / "out" / "linked.pdf"
    validate(output, validation_context)
    with pikepdf.open(output) as signed:
        subtypes = [str(a.Subtype) for a in signed.pages[0].Annots]
    assert sorted(subtypes) == ["/Link", "/Widget"]


def test_damaged_input_fails_alone_and_is_named(
    test_pki: TestPki, make_pdfs: MakePdfs, tmp_path: Path
) -> None:
    inputs = make_pdfs(2)
    (inputs / "broken.pdf").write_bytes(b"%PDF-1.7\nthis is not a PDF\n")
    summary = sign_documents(inputs, tmp_path / "out", _p12(test_pki), SigningSettings())
    assert (summary.signed, summary.failed) == (2, 1)
    assert summary.errors[0][0] == "broken.pdf"
    assert not (tmp_path / "out" / "broken.pdf").exists()


def test_output_changed_after_signing_is_signed_again_on_resume(
    test_pki: TestPki, validation_context: ValidationContext, make_pdfs: MakePdfs, tmp_path: Path
) -> None:
    inputs, out = make_pdfs(2), tmp_path / "out"
    sign_documents(inputs, out, _p12(test_pki), SigningSettings())
    with (out / "notice-000.pdf").open("ab") as handle:
        handle.write(b"% appended after signing\n")
    summary = sign_documents(inputs, out, _p12(test_pki), SigningSettings())
    assert (summary.signed, summary.skipped) == (1, 1)
    validate(out / "notice-000.pdf", validation_context)


def test_fast_path_output_passes_qpdf_check(
    test_pki: TestPki, make_pdfs: MakePdfs, tmp_path: Path
) -> None:
    import subprocess

    sign_documents(make_pdfs(1), tmp_path / "out", _p12(test_pki), SigningSettings())
    result = subprocess.run(
        ["qpdf", "--check", str(tmp_path / "out" / "notice-000.pdf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_rerun_skips_every_signed_output_whatever_its_last_signature_byte(
    test_pki: TestPki, tmp_path: Path
) -> None:
    # The CMS ends with the signature value; a last byte such as 0x10 once made the resume
    # check misread the zero padding and sign about one document in sixteen again.
    from reportlab.pdfgen import canvas

    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    for i in range(64):  # distinct files, so that the signatures differ
        pdf = canvas.Canvas(str(inputs / f"{i:02d}.pdf"))
        pdf.drawString(72, 720, f"notice {i}")
        pdf.save()
    sign_documents(inputs, out, _p12(test_pki), SigningSettings(), workers=1)
    summary = sign_documents(inputs, out, _p12(test_pki), SigningSettings(), workers=1)
    assert (summary.signed, summary.skipped) == (0, 64)


def test_pdf_needing_repair_is_refused_not_signed(
    test_pki: TestPki, make_pdfs: MakePdfs, tmp_path: Path
) -> None:
    inputs = make_pdfs(1)
    source = inputs / "notice-000.pdf"
    source.write_bytes(source.read_bytes().replace(b"startxref\n", b"startxref\n1", 1))
    summary = sign_documents(inputs, tmp_path / "out", _p12(test_pki), SigningSettings())
    assert summary.failed == 1
    assert "damaged" in summary.errors[0][1]


def test_output_directory_equal_to_input_is_refused(test_pki: TestPki, make_pdfs: MakePdfs) -> None:
    inputs = make_pdfs(1)
    with pytest.raises(SigningError, match="must differ"):
        sign_documents(inputs, inputs, _p12(test_pki), SigningSettings())
