"""An embedded PDF signature (PAdES baseline, via pyHanko) on the certificate PDFs, so that a PDF
reader validates a downloaded certificate offline.

A PDF signature needs an X.509 certificate for the signing key. ``CERT_SIGNING_X509_FILE`` may name
one (PEM, issued to the Ed25519 key configured in ``CERT_SIGNING_KEY``, e.g. by the authority's CA);
without it the authority's key certifies itself: a self-signed certificate built deterministically
from the key (same key, same certificate bytes), which a reader trusts once the authority's
published certificate (``/verify/keys.json``) is added to its trusted certificates.
"""

import asyncio
import datetime
import hashlib
import io
from concurrent.futures import ThreadPoolExecutor

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .signing import SigningKey, public_b64

FIELD_NAME = "CMA-Signature"
NOT_BEFORE = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
NOT_AFTER = datetime.datetime(2099, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)


def _fit(text: str) -> str:
    """At most 64 bytes of UTF-8, the limit of a name attribute."""
    return text.encode("utf-8")[:64].decode("utf-8", "ignore")


def _self_signed(key: SigningKey) -> x509.Certificate:
    """The key's own certificate: every field derives from the key and the settings, so every
    process builds the same bytes (Ed25519 signatures are deterministic)."""
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(settings.CMA_AUTHORITY_NAME)),
        x509.NameAttribute(NameOID.COMMON_NAME, _fit(f"资质认定证书签名 {key.key_id}")),
    ])
    public = key.private_key.public_key()
    serial = int.from_bytes(hashlib.sha256(public_b64(public).encode()).digest()[:16], "big") >> 1
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
                          encipher_only=False, decipher_only=False)
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public)
        .serial_number(serial).not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key.private_key, None)
    )


_CERTIFICATES: dict[tuple[str, str, str], bytes] = {}


def signing_certificate_der(key: SigningKey) -> bytes:
    """The X.509 certificate (DER) that goes with the signing key: the configured one, checked to
    certify this very key, or the key's self-signed one."""
    x509_file = getattr(settings, "CERT_SIGNING_X509_FILE", "") or ""
    cache_key = (key.key_id, key.public_b64, x509_file)
    if cache_key not in _CERTIFICATES:
        if x509_file:
            with open(x509_file, "rb") as handle:
                cert = x509.load_pem_x509_certificate(handle.read())
            public = cert.public_key()
            if not isinstance(public, Ed25519PublicKey) or public_b64(public) != key.public_b64:
                raise ImproperlyConfigured("CERT_SIGNING_X509_FILE is not a certificate of the configured signing key")
        else:
            cert = _self_signed(key)
        _CERTIFICATES[cache_key] = cert.public_bytes(serialization.Encoding.DER)
    return _CERTIFICATES[cache_key]


def signing_certificate_pem(key: SigningKey) -> str:
    der = signing_certificate_der(key)
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode("ascii")


# Room for the CMS signature in the PDF, in hex digits: the signing certificate is embedded once and
# its issuer name is repeated in the signer's identifiers, plus ~1.2 KB of signed attributes and the
# Ed25519 signature (a 485-byte self-signed certificate makes a 1.6 KB CMS: 3.3 K digits of 5 K
# reserved). pyHanko would otherwise find it by making a whole dummy signature before every real
# one, a third of the signing time; if a certificate ever outgrows this, sign_pdf falls back to that.
def reserved_hex_digits(certificate_der: bytes) -> int:
    return 2 * (2 * len(certificate_der) + 1536)


_SIGNERS: dict[tuple[str, str, bytes], object] = {}


def _signer(key: SigningKey):
    """pyHanko's signer for ``key`` and its certificate, built once per process (the certificate
    parsed, the private key wrapped as PKCS#8) rather than on every PDF."""
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = signing_certificate_der(key)
    cache_key = (key.key_id, key.public_b64, der)
    signer = _SIGNERS.get(cache_key)
    if signer is None:
        cert = asn1_x509.Certificate.load(der)
        private = asn1_keys.PrivateKeyInfo.load(key.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        signer = signers.SimpleSigner(signing_cert=cert, signing_key=private,
                                      cert_registry=SimpleCertificateStore.from_certs([cert]))
        _SIGNERS.clear()  # one current key per process: never keep a rotated-out key around
        _SIGNERS[cache_key] = signer
    return signer, der


def sign_pdf(pdf: bytes, *, key: SigningKey, reason: str) -> bytes:
    """``pdf`` with an embedded, invisible signature by ``key`` covering the whole file (one
    incremental update appended to ``pdf``, hashed once)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.general import SigningError

    signer, der = _signer(key)
    meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, reason=reason, location=settings.CMA_AUTHORITY_NAME,
                                        name=settings.CMA_AUTHORITY_NAME)

    def attempt(bytes_reserved: int | None) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        return _run(lambda: signers.async_sign_pdf(writer, meta, signer=signer, bytes_reserved=bytes_reserved)).getvalue()

    try:
        return attempt(reserved_hex_digits(der))
    except SigningError:  # a certificate whose signature outgrew the reservation: let pyHanko measure
        return attempt(None)


def _run(make_coroutine):
    """Run pyHanko's coroutine to completion, also from a thread whose event loop is running (an ASGI
    server, or a test driving a browser): ``asyncio.run`` refuses that, so a helper thread runs it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()
