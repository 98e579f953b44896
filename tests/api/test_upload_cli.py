"""``tsuchi upload`` end to end against a live server: the package lands whole or the per-file
report explains why not."""

from __future__ import annotations

import json
import socket

import pytest

from tests.api.helpers import file_name, prepare_report, sign_bytes
from tsuchi.batches.models import Channel
from tsuchi.cli.main import main

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signed_dir(tmp_path, batch, server_key):
    """``out/report.json`` from prepare and ``out/signed/*.pdf`` from sign, as on a terminal."""
    out = tmp_path / "out"
    signed = out / "signed"
    signed.mkdir(parents=True)
    (out / "report.json").write_text(json.dumps(prepare_report(batch)), encoding="utf-8")
    for notice in batch.notices.filter(channel=Channel.ELECTRONIC):
        with notice.document.open("rb") as handle:
            (signed / file_name(notice.sequence)).write_bytes(sign_bytes(handle.read(), server_key))
    return signed


def _upload(live_server, batch, directory, *extra):
    return main(
        ["upload", "--server", live_server.url, "--batch", str(batch.pk), *extra, str(directory)]
    )


def test_upload_refuses_a_tampered_package_then_imports_the_good_one(
    live_server, batch, token, signed_dir, capsys, monkeypatch
):
    good = (signed_dir / file_name(2)).read_bytes()
    (signed_dir / file_name(2)).write_bytes(good.replace(b"ReportLab", b"ReportLaB", 1))

    assert _upload(live_server, batch, signed_dir, "--token", token[1]) == 1
    out = capsys.readouterr().out
    assert f"REFUSED {file_name(2)}" in out
    assert "not_intact" in out
    assert not batch.notices.exclude(signed_sha256="").exists()

    (signed_dir / file_name(2)).write_bytes(good)
    monkeypatch.setenv("TSUCHI_API_TOKEN", token[1])
    assert _upload(live_server, batch, signed_dir) == 0
    out = capsys.readouterr().out
    assert "imported: 2 files, 2 accepted, 0 refused" in out
    assert "report.json" in out
    assert batch.notices.filter(channel=Channel.ELECTRONIC, signed_sha256="").count() == 0


def test_upload_with_a_wrong_token_exits_2(live_server, batch, signed_dir, capsys):
    assert _upload(live_server, batch, signed_dir, "--token", "tsuchi_wrong") == 2
    assert "401" in capsys.readouterr().err


def test_upload_without_token_or_reachable_server_exits_2(batch, signed_dir, capsys, monkeypatch):
    monkeypatch.delenv("TSUCHI_API_TOKEN", raising=False)
    assert main(["upload", "--server", "http://127.0.0.1:9", "--batch", "1", str(signed_dir)]) == 2
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = main(
        [
            "upload",
            "--server",
            f"http://127.0.0.1:{port}",
            "--batch",
            "1",
            "--token",
            "t",
            str(signed_dir),
        ]
    )
    assert code == 2
    assert "cannot reach" in capsys.readouterr().err
