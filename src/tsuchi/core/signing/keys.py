"""Key sources: where the signing key lives and how one private-key operation is done with it.

A :class:`KeySource` is the one interface the signing code needs from a key. It exposes

* the signer's certificate and the chain to embed (``signing_cert``, ``chain``),
* the signature mechanism (``signature_mechanism``) for the CMS ``SignerInfo``,
* one raw private-key operation over already-formatted signed attributes (:meth:`sign_raw`),
* a pyHanko :class:`~pyhanko.sign.signers.pdf_cms.Signer` (:meth:`signer`) for the paths that go
  through pyHanko (timestamps, long-term validation data, visible stamps).

Bulk signing prepares and hashes documents anywhere and calls :meth:`KeySource.sign_raw` once
per document, so a slow token is the only bottleneck. A key source whose ``process_local`` is
true (a PKCS#12 file) is opened again in every worker process; one that must stay in a single
process (a PKCS#11 session on an IC card) sets ``process_local = False`` and the bulk signer
then signs in the main process while workers prepare and embed.

Key sources are created by a *factory*: a picklable callable without arguments (for example
``functools.partial(Pkcs12KeySource, path, password)``) so that worker processes can open
their own. Passwords and PINs travel only in memory, never through argv or logs.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

from asn1crypto import x509 as asn1_x509
from asn1crypto.algos import SignedDigestAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from pyhanko.sign.general import SigningError as PyhankoSigningError
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tsuchi.core.errors import Location, SigningError

DIGEST_ALGORITHM = "sha256"
"""The message digest used for documents and signed attributes (SHA-256, as PAdES baseline)."""

KeySourceFactory = Callable[[], "KeySource"]
"""A picklable callable that opens a key source (each worker process calls it once)."""


class KeySource(ABC):
    """Access to one signing key and its certificate chain.

    Use as a context manager; :meth:`close` releases a token session or forgets key material.
    """

    process_local: bool = True
    """True when every worker process may open its own copy (a key file); False when all
    private-key operations must happen in the process that opened it (a token session)."""

    @property
    @abstractmethod
    def signing_cert(self) -> asn1_x509.Certificate:
        """The signer's certificate."""

    @property
    @abstractmethod
    def chain(self) -> tuple[asn1_x509.Certificate, ...]:
        """Intermediate (and optionally root) certificates to embed, without the signer's own."""

    @property
    def signature_mechanism(self) -> SignedDigestAlgorithm:
        """The CMS signature algorithm for SHA-256 with this key (PKCS#1 v1.5 or ECDSA)."""
        return self.signer().get_signature_mechanism_for_digest(DIGEST_ALGORITHM)

    @abstractmethod
    def signer(self) -> Signer:
        """A pyHanko signer for this key (created once, reused)."""

    def sign_raw(self, data: bytes) -> bytes:
        """Sign ``data`` (DER signed attributes) with SHA-256: the one private-key operation.

        The default goes through the pyHanko signer; in-memory keys override it to skip the
        event loop.
        """
        try:
            return asyncio.run(self.signer().async_sign_raw(data, DIGEST_ALGORITHM))
        except PyhankoSigningError as exc:
            raise SigningError(f"the key could not sign: {exc}") from exc

    def close(self) -> None:  # noqa: B027  (optional hook, most sources hold nothing)
        """Release the key (a token session); the default holds nothing to release."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _LoadedKeySigner(Signer):
    """A pyHanko signer holding a parsed ``cryptography`` private key.

    pyHanko's ``SimpleSigner`` re-loads the key from DER on every signature, and OpenSSL 3
    re-checks an RSA key on load (about 40 ms); parsing once removes that from every document.
    """

    def __init__(
        self,
        *,
        private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        signing_cert: asn1_x509.Certificate,
        chain: tuple[asn1_x509.Certificate, ...],
    ) -> None:
        registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]
        registry.register_multiple(chain)
        super().__init__(signing_cert=signing_cert, cert_registry=registry)
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        if digest_algorithm != DIGEST_ALGORITHM:
            raise PyhankoSigningError(f"only {DIGEST_ALGORITHM} is supported")
        key = self._private_key
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return key.sign(data, ec.ECDSA(hashes.SHA256()))

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        return self.sign_raw(data, digest_algorithm)


class Pkcs12KeySource(KeySource):
    """A key and its chain from a password-protected PKCS#12 (.p12/.pfx) file.

    The file is read and the key parsed once, when the source is created.
    """

    process_local = True

    def __init__(self, path: Path | str, password: str | bytes | None) -> None:
        path = Path(path)
        secret = password.encode() if isinstance(password, str) else password
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SigningError(
                f"cannot read the PKCS#12 file: {exc.strerror}", location=Location(file=path.name)
            ) from exc
        try:
            key, cert, others = pkcs12.load_key_and_certificates(data, secret)
        except ValueError as exc:
            # cryptography says "Invalid password or PKCS12 data" for both causes.
            raise SigningError(
                "cannot open the PKCS#12 file: wrong password or not a PKCS#12 file",
                location=Location(file=path.name),
            ) from exc
        if cert is None or key is None:
            raise SigningError(
                "the PKCS#12 file holds no key with its certificate",
                location=Location(file=path.name),
            )
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise SigningError(
                "only RSA and ECDSA keys are supported", location=Location(file=path.name)
            )
        self._private_key = key
        self._cert = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
        self._chain = tuple(
            asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in others
        )
        self._signer: _LoadedKeySigner | None = None

    @property
    def signing_cert(self) -> asn1_x509.Certificate:
        return self._cert

    @property
    def chain(self) -> tuple[asn1_x509.Certificate, ...]:
        return self._chain

    @property
    def key_size(self) -> int:
        """Size of the key in bits (used to size the signature reservation)."""
        return self._private_key.key_size

    def signer(self) -> Signer:
        if self._signer is None:
            self._signer = _LoadedKeySigner(
                private_key=self._private_key, signing_cert=self._cert, chain=self._chain
            )
        return self._signer

    def sign_raw(self, data: bytes) -> bytes:
        key = self._private_key
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
