"""Fixtures for signing tests: a test PKI, loopback CRL and TSA servers, small PDFs, pdfsig.

Other test modules (PKCS#11, verification) import these fixtures by living in this directory:
``test_pki`` (RSA-2048 PKI whose CRL distribution points are served on loopback),
``crl_server_url``, ``tsa_url``, ``validation_context``, ``make_pdfs`` and ``pdfsig``.
"""

from __future__ import annotations

import functools
import http.server
import io
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from asn1crypto import tsp
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator import ValidationContext
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from tests.core.signing.helpers import make_pdfsig

from tsuchi.core.samples.pki import TestPki, make_test_pki

IPAEX_GOTHIC = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pki")


@pytest.fixture(scope="session")
def crl_server_url(pki_dir: Path) -> Iterator[str]:
    """Base URL of a loopback HTTP server serving the test PKI directory (its CRLs)."""
    yield from _serve(functools.partial(_QuietHandler, directory=str(pki_dir)))


@pytest.fixture(scope="session")
def test_pki(pki_dir: Path, crl_server_url: str) -> TestPki:
    """An RSA-2048 test PKI whose CRL distribution points point at ``crl_server_url``."""
    return make_test_pki(pki_dir, key_type="rsa2048", crl_base_url=crl_server_url)


@pytest.fixture(scope="session")
def tsa_url(test_pki: TestPki) -> Iterator[str]:
    """URL of an RFC 3161 time-stamping authority on loopback, signing with the test TSA key."""
    stamper = DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(str(test_pki.tsa_cert)),
        tsa_key=load_private_key_from_pemder(str(test_pki.tsa_key), passphrase=None),
        certs_to_embed=[load_cert_from_pemder(str(test_pki.intermediate_cert))],
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            response = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

        def log_message(self, format: str, *args: object) -> None:
            pass

    for url in _serve(Handler):
        yield f"{url}/tsa"


@pytest.fixture(scope="session")
def validation_context(test_pki: TestPki) -> ValidationContext:
    """A pyHanko validation context trusting only the test root (revocation not required)."""
    return ValidationContext(
        trust_roots=[load_cert_from_pemder(str(test_pki.root_cert))],
        other_certs=[load_cert_from_pemder(str(test_pki.intermediate_cert))],
    )


def make_notice_pdf(path: Path, text: str = "保育所入所承諾通知書") -> Path:
    """Write a one-page Japanese notice with reportlab (IPAex Gothic embedded)."""
    if "IPAexGothic" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("IPAexGothic", str(IPAEX_GOTHIC)))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont("IPAexGothic", 14)
    pdf.drawString(72, 760, text)
    pdf.drawString(72, 730, "土見市 子ども家庭課")
    pdf.showPage()
    pdf.save()
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture(scope="session")
def _notice_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_notice_pdf(tmp_path_factory.mktemp("template") / "notice.pdf")


@pytest.fixture
def make_pdfs(tmp_path: Path, _notice_template: Path) -> Callable[[int], Path]:
    """Return a function writing ``n`` one-page notices into a fresh input directory."""

    def make(n: int, name: str = "in") -> Path:
        directory = tmp_path / name
        directory.mkdir()
        for i in range(n):
            shutil.copyfile(_notice_template, directory / f"notice-{i:03d}.pdf")
        return directory

    return make


@pytest.fixture(scope="session")
def pdfsig(test_pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], str]:
    """Return a function running poppler's ``pdfsig`` with an NSS db trusting the test root."""
    nss = tmp_path_factory.mktemp("nss")
    return make_pdfsig(test_pki.root_cert, nss, test_pki.intermediate_cert)
