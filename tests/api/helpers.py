"""Shared by the signing and upload tests: prepared notices that are real PDFs, the server's
signing settings pointed at a test PKI, and signed packages as a terminal would send them."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from tests.core.signing.conftest import make_notice_pdf
from tsuchi.batches.models import Channel, Reconciliation
from tsuchi.batches.services import PreparedNotice
from tsuchi.core.samples.pki import TestPki
from tsuchi.core.signing.keys import Pkcs12KeySource
from tsuchi.core.signing.sign import SigningSettings, sign_pdf_bytes


def notice_pdf(directory: Path, sequence: int, text: str = "保育所入所承諾通知書") -> bytes:
    """A small one-page Japanese notice, different for each sequence."""
    path = directory / f"prepared-{sequence}-{abs(hash(text))}.pdf"
    return make_notice_pdf(path, f"{text} 第{sequence}号").read_bytes()


def prepared_pdf_notices(directory: Path, count: int = 3) -> list[PreparedNotice]:
    """Notices 1, 2 electronic and 3 paper (as ``tests.builders``), whose documents are PDFs."""
    return [
        PreparedNotice(
            sequence=i,
            document=notice_pdf(directory, i),
            notice_number=f"保第08-{i:05d}号",
            record_row=i + 1,
            channel=Channel.ELECTRONIC if i % 3 else Channel.PAPER,
            consent=bool(i % 3),
            email=f"resident{i}@example.jp" if i % 3 else "",
            reconciliation=Reconciliation.MATCHED,
        )
        for i in range(1, count + 1)
    ]


def configure_server_key(settings, pki: TestPki, tmp_path: Path) -> None:
    """The server signs with (and trusts) the test PKI; the demo key is out of the way."""
    settings.TSUCHI_SIGNING = {
        "pkcs12": str(pki.pkcs12()),
        "pkcs12_password": pki.password,
        "trust_roots": [str(pki.root_cert)],
        "workers": 1,
    }
    settings.TSUCHI_DEMO_PKI_DIR = tmp_path / "no-demo-pki"


def sign_bytes(data: bytes, pki: TestPki) -> bytes:
    """Sign as ``tsuchi sign`` does on a terminal (PAdES B-B with the office key)."""
    return sign_pdf_bytes(data, Pkcs12KeySource(pki.pkcs12(), pki.password), SigningSettings())


def file_name(sequence: int) -> str:
    return f"{sequence:05d}-notice.pdf"


def package(files: dict[str, bytes], report: dict | None) -> bytes:
    """A zip as ``tsuchi upload`` builds it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        if report is not None:
            archive.writestr("report.json", json.dumps(report, ensure_ascii=False))
    return buffer.getvalue()


def prepare_report(batch) -> dict:
    """The parts of ``report.json`` the server reads, for the batch's electronic notices."""
    return {
        "notices": [
            {
                "sequence": n.sequence,
                "file": f"electronic/{file_name(n.sequence)}",
                "sha256": n.document_sha256,
            }
            for n in batch.notices.filter(channel=Channel.ELECTRONIC)
        ]
    }
