"""A signing key on a PKCS#11 token: the office's IC card (LGPKI 職責証明書) or a server HSM.

:class:`Pkcs11KeySource` opens the token once per run and logs in once, with a PIN the caller
asked the user for (never from argv, never logged). It finds the private key by label, the
certificate on the token (or in a PEM file given), and provides both the pyHanko
:class:`~pyhanko.sign.pkcs11.PKCS11Signer` the rest of the signing code expects and two fast
paths for bulk signing in the same session: :meth:`Pkcs11KeySource.sign_raw` (the token hashes)
and :meth:`Pkcs11KeySource.sign_digest` (the caller hashes, the token only signs).

A token session belongs to the process that opened it, so ``process_local`` is false: a bulk
signer prepares documents in worker processes and sends only the private-key operations here.

Keys marked ``CKA_ALWAYS_AUTHENTICATE`` (some IC cards demand the PIN for every signature) are
supported: the PIN is kept in memory for the run and given again for each signature as a
context-specific login. ``pin_per_signature=True`` forces that for tokens that demand it
without saying so.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pkcs11
from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography import x509 as crypto_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass, TokenFlag
from pkcs11 import exceptions as p11_errors
from pkcs11.util.ec import encode_ecdsa_signature
from pyhanko.sign.pkcs11 import PKCS11Signer, select_pkcs11_signing_params
from pyhanko.sign.signers.pdf_cms import Signer

from tsuchi.core.errors import Location, TokenError
from tsuchi.core.signing.keys import DIGEST_ALGORITHM, KeySource

__all__ = ["Pkcs11KeySource"]

_SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
"""DER of a SHA-256 ``DigestInfo`` up to the digest itself (RFC 8017 §9.2, note 1)."""


class Pkcs11KeySource(KeySource):
    """A private key and its certificate on a PKCS#11 token, in one logged-in session.

    ``module_path`` is the token's PKCS#11 library (``libsofthsm2.so``, the card vendor's
    module). ``token_label`` and ``key_label`` name the token and the private key;
    ``cert_label`` names the certificate object (default: the object with the key's ID, else
    the key's label). ``cert_path`` (a PEM or DER file) replaces the certificate on the token;
    ``chain_paths`` add intermediate certificates to embed (CA certificates on the token are
    embedded too). ``pin`` is the user PIN; ``None`` uses the token's PIN pad when it has one.

    Raises :class:`~tsuchi.core.errors.TokenError` when the module, the token, the key or the
    certificate cannot be found, or the PIN is refused. A refused PIN logs nothing in and
    leaves other sessions and tokens alone.
    """

    process_local = False

    def __init__(
        self,
        module_path: str | Path,
        token_label: str,
        key_label: str,
        pin: str | None,
        *,
        cert_label: str | None = None,
        cert_path: str | Path | None = None,
        chain_paths: Sequence[str | Path] = (),
        pin_per_signature: bool = False,
    ) -> None:
        self._token_label = token_label
        self._key_label = key_label
        library = _load_library(str(module_path))
        try:
            token = library.get_token(token_label=token_label)
        except p11_errors.NoSuchToken as exc:
            raise TokenError(f"no token labelled {token_label!r} is present") from exc
        except p11_errors.PKCS11Error as exc:
            raise TokenError(f"cannot list tokens: {_describe(exc)}") from exc
        self._session = _log_in(token, pin)
        try:
            self._key = _find_key(self._session, key_label)
            self._cert = _load_cert(
                self._session, self._key, key_label, cert_label, cert_path, token_label
            )
            self._chain = _load_chain(self._session, self._cert, chain_paths)
            always_authenticate = pin_per_signature or _flag(
                self._key, Attribute.ALWAYS_AUTHENTICATE
            )
            if always_authenticate and pin is None:
                raise TokenError(
                    f"key {key_label!r} demands the PIN for every signature; give the PIN"
                )
            # python-pkcs11 performs a context-specific login (C_Login with
            # CKU_CONTEXT_SPECIFIC) before C_Sign when it is handed the PIN.
            self._sign_kwargs: dict[str, Any] = {"pin": pin} if always_authenticate else {}
            self._key_type = self._key.key_type
            if self._key_type not in (KeyType.RSA, KeyType.EC):
                raise TokenError(f"key {key_label!r} is neither RSA nor ECDSA")
        except BaseException:
            self._session.close()
            raise
        self._signer: PKCS11Signer | None = None
        self._closed = False

    @property
    def signing_cert(self) -> asn1_x509.Certificate:
        return self._cert

    @property
    def chain(self) -> tuple[asn1_x509.Certificate, ...]:
        return self._chain

    @property
    def key_size(self) -> int:
        """Size of the key in bits (RSA modulus or EC field), to size the signature space."""
        public = self._cert.public_key
        return int(public.bit_size)

    def signer(self) -> Signer:
        """pyHanko's PKCS#11 signer on this session (created once, reused)."""
        if self._signer is None:
            self._signer = PKCS11Signer(
                self._session,
                signing_cert=self._cert,
                ca_chain=list(self._chain),
                key_label=self._key_label,
                # SoftHSM2 and many cards lack CKM_ECDSA_SHA256: hash on the host for ECDSA.
                use_raw_mechanism=self._key_type == KeyType.EC,
                base_sign_kwargs=dict(self._sign_kwargs),
            )
        return self._signer

    def sign_raw(self, data: bytes) -> bytes:
        """Sign ``data`` with SHA-256 in this session (the token hashes for RSA)."""
        if self._key_type == KeyType.EC:
            return self.sign_digest(hashlib.sha256(data).digest())
        spec = select_pkcs11_signing_params(
            self._mechanism_for_cms(), DIGEST_ALGORITHM, False, dict(self._sign_kwargs)
        )
        return self._sign(data, spec.sign_kwargs)

    def sign_digest(self, digest: bytes, mechanism: Mechanism | None = None) -> bytes:
        """Sign an already computed SHA-256 digest: one ``C_Sign`` and nothing else.

        The default mechanism is ``CKM_RSA_PKCS`` over the digest wrapped in a ``DigestInfo``
        for RSA keys (the same signature as SHA256-RSA-PKCS over the data) and ``CKM_ECDSA``
        for EC keys, whose raw ``r||s`` output is returned DER-encoded as CMS wants it. Pass a
        ``mechanism`` to send ``digest`` to the token exactly as given.
        """
        if mechanism is not None:
            return self._sign(digest, {"mechanism": mechanism, **self._sign_kwargs})
        if len(digest) != 32:
            raise TokenError("sign_digest expects a SHA-256 digest (32 bytes)")
        if self._key_type == KeyType.EC:
            raw = self._sign(digest, {"mechanism": Mechanism.ECDSA, **self._sign_kwargs})
            return bytes(encode_ecdsa_signature(raw))
        return self._sign(
            _SHA256_DIGEST_INFO_PREFIX + digest,
            {"mechanism": Mechanism.RSA_PKCS, **self._sign_kwargs},
        )

    def close(self) -> None:
        """Log out and close the session (idempotent)."""
        if not getattr(self, "_closed", True):
            self._closed = True
            # the card may have been pulled; nothing is left to release then
            with contextlib.suppress(p11_errors.PKCS11Error):
                self._session.close()

    def _mechanism_for_cms(self) -> algos.SignedDigestAlgorithm:
        name = "sha256_ecdsa" if self._key_type == KeyType.EC else "sha256_rsa"
        return algos.SignedDigestAlgorithm({"algorithm": name})

    def _sign(self, data: bytes, kwargs: dict[str, Any]) -> bytes:
        if getattr(self, "_closed", True):
            raise TokenError("the token session is closed")
        try:
            return bytes(self._key.sign(data, **kwargs))
        except p11_errors.PinIncorrect as exc:
            raise TokenError(_pin_message(self._session.token)) from exc
        except p11_errors.PKCS11Error as exc:
            raise TokenError(
                f"the token could not sign with key {self._key_label!r}: {_describe(exc)}"
            ) from exc


def _load_library(module_path: str) -> Any:
    if not Path(module_path).is_file():
        raise TokenError("PKCS#11 module not found", location=Location(file=Path(module_path).name))
    try:
        return pkcs11.lib(module_path)
    except (OSError, RuntimeError) as exc:
        raise TokenError(
            f"cannot load the PKCS#11 module: {exc}",
            location=Location(file=Path(module_path).name),
        ) from exc


def _log_in(token: Any, pin: str | None) -> Any:
    user_pin: Any = pin
    if pin is None and token.flags & TokenFlag.PROTECTED_AUTHENTICATION_PATH:
        user_pin = pkcs11.PROTECTED_AUTH
    try:
        return token.open(user_pin=user_pin)
    except p11_errors.PinIncorrect as exc:
        raise TokenError(_pin_message(token)) from exc
    except p11_errors.PinLocked as exc:
        raise TokenError(
            f"the PIN of token {token.label!r} is locked; ask the card's administrator to unlock it"
        ) from exc
    except (p11_errors.PinLenRange, p11_errors.PinInvalid) as exc:
        raise TokenError("the PIN has the wrong length or characters for this token") from exc
    except p11_errors.PKCS11Error as exc:
        raise TokenError(f"cannot log in to token {token.label!r}: {_describe(exc)}") from exc


def _pin_message(token: Any) -> str:
    """Say how many tries remain, as far as PKCS#11 lets a token tell (it gives no count)."""
    try:
        flags = token.flags
    except p11_errors.PKCS11Error:
        flags = 0
    if flags & TokenFlag.USER_PIN_LOCKED:
        return "PIN is incorrect; the PIN is now locked"
    if flags & TokenFlag.USER_PIN_FINAL_TRY:
        return "PIN is incorrect; 1 try left before the PIN locks"
    if flags & TokenFlag.USER_PIN_COUNT_LOW:
        return "PIN is incorrect; few tries are left before the PIN locks"
    return "PIN is incorrect"


def _find_key(session: Any, key_label: str) -> Any:
    try:
        return session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=key_label)
    except p11_errors.NoSuchKey as exc:
        raise TokenError(f"no private key labelled {key_label!r} on the token") from exc
    except p11_errors.MultipleObjectsReturned as exc:
        raise TokenError(f"several private keys are labelled {key_label!r}") from exc
    except p11_errors.PKCS11Error as exc:
        raise TokenError(f"cannot look up key {key_label!r}: {_describe(exc)}") from exc


def _load_cert(
    session: Any,
    key: Any,
    key_label: str,
    cert_label: str | None,
    cert_path: str | Path | None,
    token_label: str,
) -> asn1_x509.Certificate:
    if cert_path is not None:
        certs = _read_certs(Path(cert_path))
        if not certs:
            raise TokenError("no certificate in file", location=Location(file=Path(cert_path).name))
        return certs[0]
    queries: list[dict[Attribute, Any]] = []
    if cert_label is not None:
        queries.append({Attribute.LABEL: cert_label})
    else:
        key_id = _attribute(key, Attribute.ID)
        if key_id:
            queries.append({Attribute.ID: key_id})
        queries.append({Attribute.LABEL: key_label})
    for query in queries:
        found = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, **query}))
        if len(found) == 1:
            return asn1_x509.Certificate.load(bytes(found[0][Attribute.VALUE]))
    wanted = cert_label if cert_label is not None else key_label
    raise TokenError(
        f"no certificate labelled {wanted!r} (or with the key's ID) on token {token_label!r}"
    )


def _load_chain(
    session: Any, signer_cert: asn1_x509.Certificate, chain_paths: Sequence[str | Path]
) -> tuple[asn1_x509.Certificate, ...]:
    chain: list[asn1_x509.Certificate] = []
    seen = {signer_cert.sha256}
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        cert = asn1_x509.Certificate.load(bytes(obj[Attribute.VALUE]))
        # Only CA certificates belong in the chain: another end-entity certificate on the
        # card (a second office, an authentication cert) would only confuse validators.
        if cert.ca and cert.sha256 not in seen:
            seen.add(cert.sha256)
            chain.append(cert)
    for path in chain_paths:
        for cert in _read_certs(Path(path)):
            if cert.sha256 not in seen:
                seen.add(cert.sha256)
                chain.append(cert)
    return tuple(chain)


def _read_certs(path: Path) -> list[asn1_x509.Certificate]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TokenError(
            f"cannot read certificate file: {exc.strerror}", location=Location(file=path.name)
        ) from exc
    try:
        if b"-----BEGIN" in data:
            loaded = crypto_x509.load_pem_x509_certificates(data)
        else:
            loaded = [crypto_x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise TokenError("not a certificate file", location=Location(file=path.name)) from exc
    return [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in loaded]


def _attribute(obj: Any, attribute: Attribute) -> Any:
    try:
        return obj[attribute]
    except (p11_errors.AttributeTypeInvalid, p11_errors.AttributeSensitive, KeyError):
        return None


def _flag(obj: Any, attribute: Attribute) -> bool:
    return bool(_attribute(obj, attribute))


def _describe(exc: Exception) -> str:
    # python-pkcs11 errors often carry no message; the class name is the PKCS#11 return code
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
