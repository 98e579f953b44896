"""Bulk signing benchmark: tsuchi's signer against the pyHanko CLI, pyHanko's defaults, the floor.

Generates ``--count`` one-page notices (a few reportlab variants, copied), signs them all with
:func:`tsuchi.core.signing.sign.sign_documents` (RSA-2048, PAdES B-B, invisible, all cores), and
on a sample of the same files measures

(a) the ``pyhanko`` CLI run once per file (needs the ``pyhanko-cli`` package),
(b) pyHanko's library with its defaults, one process, signer reused,
(c) the floor: read + SHA-256 + one RSA-2048 signature + write,
(d) through SoftHSM2 (PKCS#11), the per-document time beyond the token's private-key operation.

A few outputs are checked with poppler's ``pdfsig``. Run: ``python -m bench.bench_sign``.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tsuchi.core.samples.pki import TestPki, make_test_pki
from tsuchi.core.signing.keys import Pkcs12KeySource
from tsuchi.core.signing.sign import SigningSettings, sign_documents

GOTHIC = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
MINCHO = Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf")


def make_notices(directory: Path, count: int, variants: int = 20) -> list[Path]:
    """Write ``count`` one-page notices: ``variants`` distinct reportlab PDFs, copied."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("Gothic", str(GOTHIC)))
    pdfmetrics.registerFont(TTFont("Mincho", str(MINCHO)))
    directory.mkdir(parents=True, exist_ok=True)
    templates = []
    for v in range(min(variants, count)):
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=A4)
        pdf.setFont("Gothic", 16)
        pdf.drawString(72, 780, "保育所等利用調整結果通知書（承諾）")
        pdf.setFont("Mincho", 11)
        lines = [
            f"通知番号 R8-{v:05d}",
            "〒100-0001 土見市本町一丁目２番３号",
            f"申請者 土見 太郎{v} 様",
            "あなたから申請のあった保育所等の利用について、次のとおり決定しましたので通知します。",
            "利用施設　土見市立さくら保育園　利用開始日　令和８年４月１日",
            "この決定に不服がある場合は、この通知を受けた日の翌日から起算して三月以内に",
            "土見市長に対して審査請求をすることができます。",
            "土見市長　土見 一郎　（子ども家庭課 保育係 電話 0120-000-000）",
        ]
        for i, line in enumerate(lines):
            pdf.drawString(72, 740 - 22 * i, line)
        pdf.showPage()
        pdf.save()
        template = directory / f"template-{v:02d}.pdf"
        template.write_bytes(buffer.getvalue())
        templates.append(template)
    paths = []
    for i in range(count):
        path = directory / f"notice-{i:05d}.pdf"
        shutil.copyfile(templates[i % len(templates)], path)
        paths.append(path)
    for template in templates:
        template.unlink()
    return paths


def bench_pyhanko_cli(pki: TestPki, sample: list[Path], out: Path) -> float | None:
    """Seconds per document with the ``pyhanko`` CLI run once per file."""
    cli = Path(sys.executable).with_name("pyhanko")
    if not cli.exists():
        return None
    out.mkdir()
    passfile = out / "pass.txt"
    passfile.write_text(pki.password)
    command = [str(cli), "sign", "addsig", "--field", "Sig1", "pkcs12", "--passfile", str(passfile)]
    started = time.perf_counter()
    for path in sample:
        target = str(out / path.name)
        subprocess.run(
            [*command, str(path), target, str(pki.pkcs12())],
            check=True,
            capture_output=True,
        )
    return (time.perf_counter() - started) / len(sample)


def bench_pyhanko_defaults(pki: TestPki, sample: list[Path], out: Path) -> float:
    """Seconds per document with pyHanko's library defaults (signer reused), one process."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    out.mkdir()
    signer = signers.SimpleSigner.load_pkcs12(str(pki.pkcs12()), passphrase=pki.password.encode())
    meta = signers.PdfSignatureMetadata(field_name="Sig1")
    started = time.perf_counter()
    for path in sample:
        with path.open("rb") as source, (out / path.name).open("wb") as target:
            signers.sign_pdf(IncrementalPdfFileWriter(source), meta, signer=signer, output=target)
    return (time.perf_counter() - started) / len(sample)


def bench_floor(pki: TestPki, sample: list[Path], out: Path) -> float:
    """Seconds per document for read + SHA-256 + one RSA-2048 signature + write."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    out.mkdir()
    key = load_pem_private_key(pki.office_key.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    started = time.perf_counter()
    for path in sample:
        data = path.read_bytes()
        digest = hashlib.sha256(data).digest()
        signature = key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        (out / path.name).write_bytes(data + signature)
    return (time.perf_counter() - started) / len(sample)


def bench_softhsm(
    pki: TestPki, inputs: Path, work: Path, count: int, workers: int
) -> tuple[float, float, float] | None:
    """Milliseconds per private-key operation, per document in one process, and per document
    with ``workers`` preparing while the main process signs, through SoftHSM2 (PKCS#11);
    None when SoftHSM2 or the PKCS#11 key source is missing."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import Encoding
        from tests.core.signing.softhsm import create_token, missing_tools

        from tsuchi.core.signing.pkcs11 import Pkcs11KeySource
    except ImportError:
        return None
    if missing_tools():
        return None
    token = create_token(work / "softhsm")
    token.import_key(pki.office_key, label="office", object_id="01")
    cert_der = work / "office.der"
    cert = x509.load_pem_x509_certificate(pki.cert().read_bytes())
    cert_der.write_bytes(cert.public_bytes(Encoding.DER))
    token.import_cert(cert_der, label="office", object_id="01")

    def open_token() -> Pkcs11KeySource:
        return Pkcs11KeySource(
            token.module_path,
            token.label,
            "office",
            token.user_pin,
            chain_paths=[pki.intermediate_cert],
        )

    tbs = b"\x31" + bytes(200)
    with open_token() as source:
        started = time.perf_counter()
        for _ in range(200):
            source.sign_raw(tbs)
        per_operation = (time.perf_counter() - started) / 200
    files = sorted(inputs.iterdir())[:count]
    settings = SigningSettings()
    one = sign_documents(files, work / "out-hsm-1", open_token, settings, workers=1)
    many = sign_documents(files, work / "out-hsm-n", open_token, settings, workers=workers)
    return (
        per_operation * 1000,
        one.seconds / one.signed * 1000,
        many.seconds / many.signed * 1000,
    )


def check_with_pdfsig(pki: TestPki, files: list[Path], work: Path) -> str:
    """How many of ``files`` poppler's pdfsig calls valid, trusted and wholly signed."""
    if shutil.which("pdfsig") is None or shutil.which("certutil") is None:
        return "pdfsig or certutil missing"
    db = f"sql:{work / 'nss'}"
    (work / "nss").mkdir()
    subprocess.run(["certutil", "-N", "--empty-password", "-d", db], check=True)
    subprocess.run(
        ["certutil", "-A", "-n", "root", "-t", "CT,C,C", "-i", str(pki.root_cert), "-d", db],
        check=True,
    )
    good = 0
    for path in files:
        report = subprocess.run(
            ["pdfsig", "-nssdir", db, str(path)], capture_output=True, text=True, check=False
        ).stdout
        if all(
            s in report
            for s in ("Signature is Valid.", "Certificate is Trusted.", "Total document signed")
        ):
            good += 1
    return f"{good}/{len(files)} valid, trusted, total document signed"


def main(argv: Sequence[str] | None = None) -> None:
    """Run the signing benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="bench_sign", description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="notices to sign in bulk")
    parser.add_argument("--sample", type=int, default=10, help="files for the baselines")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-sign-") as tmp:
        work = Path(tmp)
        pki = make_test_pki(work / "pki", key_type="rsa2048")
        inputs = work / "in"
        files = make_notices(inputs, args.count)
        size = sum(p.stat().st_size for p in files[:20]) / min(20, len(files))
        factory = functools.partial(Pkcs12KeySource, pki.pkcs12(), pki.password)

        # One process and the floor on the same files, back to back, so that the load other
        # programs put on the machine affects both alike.
        head = files[: min(args.count, 2000)]
        summary = sign_documents(head, work / "out", factory, SigningSettings(), workers=1)
        one = summary.seconds / max(1, summary.signed)
        floor = bench_floor(pki, head, work / "floor")
        shutil.rmtree(work / "out")
        summary = sign_documents(
            inputs, work / "out", factory, SigningSettings(), workers=args.workers
        )
        if summary.failed:
            raise SystemExit(f"{summary.failed} documents failed: {summary.errors[:3]}")
        rate = summary.signed / summary.seconds

        sample = files[: args.sample]
        cli = bench_pyhanko_cli(pki, sample, work / "cli")
        defaults = bench_pyhanko_defaults(pki, sample, work / "defaults")
        hsm = bench_softhsm(pki, inputs, work, min(args.count, 2000), args.workers)
        checked = check_with_pdfsig(pki, sorted((work / "out").iterdir())[:5], work)

    print(f"signing {args.count} one-page notices ({size / 1024:.0f} KB), RSA-2048, PAdES B-B")
    print(f"  tsuchi, {args.workers} processes:   {rate:8.0f} docs/s")
    print(f"  tsuchi, one process:   {one * 1000:8.2f} ms/doc")
    if cli is not None:
        print(f"  (a) pyhanko CLI per file: {cli * 1000:8.1f} ms/doc  → tsuchi {cli * rate:.0f}×")
    else:
        print("  (a) pyhanko CLI: not installed (pip install pyhanko-cli)")
    print(
        f"  (b) pyHanko defaults:  {defaults * 1000:8.1f} ms/doc  → tsuchi {defaults * rate:.0f}×"
    )
    print(
        f"  (c) floor (1 process): {floor * 1000:8.2f} ms/doc  → tsuchi one process / floor "
        f"{one / floor:.1f}×"
    )
    if hsm is None:
        print("  (d) SoftHSM2: not available")
    else:
        operation, document, pipelined = hsm
        print(
            f"  (d) SoftHSM2, one process: {document:.2f} ms/doc, of which the token's "
            f"C_Sign {operation:.2f} ms → overhead {document - operation:.2f} ms/doc"
        )
        print(
            f"      SoftHSM2, {args.workers} workers preparing, token in the main process: "
            f"{pipelined:.2f} ms/doc ({1000 / pipelined:.0f} docs/s)"
        )
    print(f"  pdfsig on 5 outputs: {checked}")


if __name__ == "__main__":
    main()
