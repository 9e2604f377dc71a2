"""Certificate signatures: Ed25519 over a canonical JSON form of the certificate's content.

The key comes from the environment (CERT_SIGNING_KEY, PEM or base64 of the 32 raw bytes, or
CERT_SIGNING_KEY_FILE, a PEM file) and is named by CERT_SIGNING_KEY_ID. Without one, development
generates a key on first use under CERT_SIGNING_DEV_KEY_DIR (outside any public path). Each key's
public half is recorded in ``VerificationKey`` the first time it signs, so rotating the key leaves
every earlier certificate verifiable.
"""

import base64
import hashlib
import json
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from approvals.models import CertificateVersion

PAYLOAD_SCHEMA = "cma-certificate/1"
DEV_KEY_FILE = "cert-signing-dev.pem"


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key: Ed25519PrivateKey

    @property
    def public_b64(self) -> str:
        return public_b64(self.private_key.public_key())


def public_b64(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _load_private(material: bytes) -> Ed25519PrivateKey:
    material = material.strip()
    try:
        if material.startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(material, password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(material, validate=True))
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured("CERT_SIGNING_KEY is not an Ed25519 private key (PEM or base64 of 32 bytes)") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("the certificate signing key must be an Ed25519 key")
    return key


def _dev_key() -> Ed25519PrivateKey:
    """The development key, created once (exclusively, so two processes cannot both create one)."""
    if not getattr(settings, "CERT_SIGNING_DEV_KEY_ALLOWED", False):
        raise ImproperlyConfigured("set CERT_SIGNING_KEY or CERT_SIGNING_KEY_FILE (no development key when DEBUG is off)")
    directory = Path(settings.CERT_SIGNING_DEV_KEY_DIR)
    path = directory / DEV_KEY_FILE
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
    return _load_private(path.read_bytes())


def current_key() -> SigningKey:
    """The key that signs new certificates."""
    if settings.CERT_SIGNING_KEY:
        private = _load_private(settings.CERT_SIGNING_KEY.encode())
    elif settings.CERT_SIGNING_KEY_FILE:
        private = _load_private(Path(settings.CERT_SIGNING_KEY_FILE).read_bytes())
    else:
        private = _dev_key()
        return SigningKey(key_id=f"dev-{fingerprint(private.public_key())}", private_key=private)
    return SigningKey(key_id=settings.CERT_SIGNING_KEY_ID or fingerprint(private.public_key()), private_key=private)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def certificate_payload(version: CertificateVersion) -> dict[str, Any]:
    """What the signature covers: everything one version of the certificate states, read from the
    snapshot taken when it was issued (never the agency's or the application's live fields, so a
    legitimate later edit of those leaves the verdict alone). Its status is not part of it: suspension or revocation is the
    register's business, shown beside the signature check."""
    return {
        "schema": PAYLOAD_SCHEMA,
        "number": version.number,
        "agency": {
            "name": version.agency_name,
            "credit_code": version.credit_code,
            "address": version.address,
        },
        "test_sites": _lines(version.test_sites),
        "issuing_authority": version.issuing_authority,
        "approved_on": version.approved_on.isoformat(),
        "issued_on": version.issued_on.isoformat(),
        "expires_on": version.expires_on.isoformat(),
        "scope": [
            {key: item.get(key, "") for key in ("seq", "category", "item", "parameter", "standard", "limitation")}
            for item in version.scope
        ],
        "authorised_signatories": _lines(version.signatories),
    }


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {k: _nfc(v) for k, v in value.items()}
    return value


def canonical(payload: dict[str, Any]) -> bytes:
    """One byte string per content: NFC text, sorted keys, no insignificant whitespace, UTF-8."""
    return json.dumps(_nfc(payload), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(payload: bytes, key: SigningKey) -> str:
    return base64.b64encode(key.private_key.sign(payload)).decode("ascii")


def verify(payload: bytes, signature_b64: str, public_key_b64: str) -> bool:
    """Whether ``signature_b64`` is a valid signature of ``payload`` by that public key."""
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        public.verify(base64.b64decode(signature_b64, validate=True), payload)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
