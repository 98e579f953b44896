"""A SoftHSM2 token in a temporary directory, standing in for an IC card or an HSM in tests.

SoftHSM2 reads its configuration from ``SOFTHSM2_CONF`` when the PKCS#11 library initialises,
so :func:`create_token` must run before the library is first loaded in the process (the
session-scoped fixture in ``test_pkcs11.py`` does that). The tools are Debian's ``softhsm2``
(``softhsm2-util``) and ``opensc`` (``pkcs11-tool``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
)

SO_PIN = "87654321"
USER_PIN = "123456"


def find_module() -> str | None:
    """Path of the SoftHSM2 PKCS#11 module, or ``None`` when SoftHSM2 is not installed."""
    override = os.environ.get("TSUCHI_SOFTHSM2_MODULE")
    for candidate in (override, *MODULE_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def missing_tools() -> list[str]:
    """Names of the tools or files a SoftHSM2 token needs that this machine lacks."""
    missing = [tool for tool in ("softhsm2-util", "pkcs11-tool") if shutil.which(tool) is None]
    if find_module() is None:
        missing.append("libsofthsm2.so")
    return missing


@dataclass(frozen=True)
class SoftHsmToken:
    """An initialised SoftHSM2 token."""

    module_path: str
    conf_path: Path
    label: str
    user_pin: str
    so_pin: str

    @property
    def env(self) -> dict[str, str]:
        """The environment for a subprocess that must see this token."""
        return {**os.environ, "SOFTHSM2_CONF": str(self.conf_path)}

    def import_key(self, key_pem: Path, *, label: str, object_id: str) -> None:
        """Import a PKCS#8 PEM private key (and its public half) under ``label``/``object_id``."""
        self._run(
            "softhsm2-util",
            "--import", str(key_pem),
            "--token", self.label,
            "--label", label,
            "--id", object_id,
            "--pin", self.user_pin,
        )  # fmt: skip

    def import_always_authenticate_key(self, key_der: Path, *, label: str, object_id: str) -> None:
        """Write a DER private key marked ``CKA_ALWAYS_AUTHENTICATE`` (PIN for every use)."""
        self._run(
            "pkcs11-tool",
            "--module", self.module_path,
            "--token-label", self.label,
            "--login", "--pin", self.user_pin,
            "--write-object", str(key_der),
            "--type", "privkey",
            "--always-auth",
            "--usage-sign",
            "--id", object_id,
            "--label", label,
        )  # fmt: skip

    def import_cert(self, cert_der: Path, *, label: str, object_id: str) -> None:
        """Write a DER certificate to the token under ``label``/``object_id``."""
        self._run(
            "pkcs11-tool",
            "--module", self.module_path,
            "--token-label", self.label,
            "--login", "--pin", self.user_pin,
            "--write-object", str(cert_der),
            "--type", "cert",
            "--id", object_id,
            "--label", label,
        )  # fmt: skip

    def _run(self, *argv: str) -> None:
        result = subprocess.run(argv, env=self.env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {result.stdout}{result.stderr}")


def create_token(
    directory: Path,
    *,
    label: str = "tsuchi-test",
    user_pin: str = USER_PIN,
    so_pin: str = SO_PIN,
) -> SoftHsmToken:
    """Initialise a token in ``directory`` and point this process's ``SOFTHSM2_CONF`` at it."""
    module = find_module()
    if module is None:
        raise RuntimeError("SoftHSM2 is not installed (libsofthsm2.so not found)")
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    token = SoftHsmToken(
        module_path=module, conf_path=conf, label=label, user_pin=user_pin, so_pin=so_pin
    )
    token._run(
        "softhsm2-util",
        "--init-token", "--free",
        "--label", label,
        "--so-pin", so_pin,
        "--pin", user_pin,
    )  # fmt: skip
    return token
