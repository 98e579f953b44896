"""``tsuchi sign`` on the command line (kept here to share the signing fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pyhanko_certvalidator import ValidationContext
from tests.core.signing.helpers import validate

from tsuchi.cli.main import main
from tsuchi.core.samples.pki import TestPki


def test_sign_directory_with_password_from_environment(
    test_pki: TestPki,
    validation_context: ValidationContext,
    make_pdfs: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    monkeypatch.setenv("TSUCHI_PKCS12_PASSWORD", test_pki.password)
    inputs, out = make_pdfs(2), tmp_path / "out"
    argv = ["sign", "--in", str(inputs), "--out", str(out), "--pkcs12", str(test_pki.pkcs12())]
    assert main([*argv, "--workers", "1"]) == 0
    assert "signed 2, skipped 0" in capsys.readouterr().out
    for output in out.iterdir():
        validate(output, validation_context)
    assert main(argv) == 0
    assert "signed 0, skipped 2" in capsys.readouterr().out


def test_missing_password_is_a_clear_error(
    test_pki: TestPki,
    make_pdfs: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    monkeypatch.delenv("TSUCHI_PKCS12_PASSWORD", raising=False)
    argv = ["sign", "--in", str(make_pdfs(1)), "--out", str(tmp_path / "out")]
    assert main([*argv, "--pkcs12", str(test_pki.pkcs12())]) == 2
    assert "TSUCHI_PKCS12_PASSWORD" in capsys.readouterr().err


def test_expired_certificate_stops_the_command(
    test_pki: TestPki,
    make_pdfs: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    monkeypatch.setenv("TSUCHI_PKCS12_PASSWORD", test_pki.password)
    argv = ["sign", "--in", str(make_pdfs(1)), "--out", str(tmp_path / "out")]
    assert main([*argv, "--pkcs12", str(test_pki.pkcs12("office-expired"))]) == 2
    assert "expired" in capsys.readouterr().err
