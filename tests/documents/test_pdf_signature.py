"""The certificate PDF carries an embedded PDF signature that validates offline with pyHanko against
the key set the authority publishes at /verify/keys.json."""

import asyncio
import base64
import io

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from documents import pdfsign, rendering, services, signing
from documents.models import RenderedDocument, VerificationKey
from tests.documents.helpers import pdf_of, rendered

pytestmark = pytest.mark.django_db


def published(client) -> dict:
    response = client.get("/verify/keys.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


def trust_root(key: dict) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(x509.load_pem_x509_certificate(key["x509_certificate"].encode()).public_bytes(
        encoding=serialization.Encoding.DER))


def validate(data: bytes, roots: list):
    signatures = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert len(signatures) == 1
    return validate_pdf_signature(signatures[0], ValidationContext(trust_roots=roots))


def test_the_certificate_pdf_signature_validates_against_the_published_key(certified, client):
    data = pdf_of(rendered(certified, RenderedDocument.Kind.CERTIFICATE))
    keys = published(client)["keys"]
    assert len(keys) == 1
    status = validate(data, [trust_root(keys[0])])
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    # the published X.509 certificate certifies the same Ed25519 key that signs the register
    cert = x509.load_pem_x509_certificate(keys[0]["x509_certificate"].encode())
    assert signing.public_b64(cert.public_key()) == keys[0]["public_key"] == VerificationKey.objects.get().public_key


def test_without_the_published_certificate_the_signature_is_not_trusted(certified):
    data = pdf_of(rendered(certified, RenderedDocument.Kind.CERTIFICATE))
    status = validate(data, [])
    assert status.intact and not status.trusted and not status.bottom_line


def test_a_changed_byte_in_the_signed_pdf_breaks_it(certified, client):
    data = bytearray(pdf_of(rendered(certified, RenderedDocument.Kind.CERTIFICATE)))
    at = data.index(b"/MediaBox")  # page content the signature covers
    data[at + 1] = ord("m")
    status = validate(bytes(data), [trust_root(published(client)["keys"][0])])
    assert not status.intact and not status.bottom_line


def test_notices_carry_no_pdf_signature(certified):
    data = pdf_of(rendered(certified, RenderedDocument.Kind.ACCEPTANCE_NOTICE))
    assert PdfFileReader(io.BytesIO(data)).embedded_signatures == []


def test_the_self_signed_certificate_is_the_same_in_every_process(settings):
    key = signing.current_key()
    first = pdfsign._self_signed(key).public_bytes(serialization.Encoding.DER)
    pdfsign._CERTIFICATES.clear()
    assert pdfsign.signing_certificate_der(key) == first


def test_a_configured_x509_file_must_certify_the_signing_key(settings, tmp_path, certified):
    other = Ed25519PrivateKey.generate()
    wrong = pdfsign._self_signed(signing.SigningKey(key_id="other", private_key=other))
    path = tmp_path / "wrong.pem"
    path.write_bytes(wrong.public_bytes(serialization.Encoding.PEM))
    settings.CERT_SIGNING_X509_FILE = str(path)
    with pytest.raises(ImproperlyConfigured, match="not a certificate of the configured signing key"):
        pdfsign.signing_certificate_der(signing.current_key())


def test_rotated_keys_stay_published(certified, client, settings):
    settings.CERT_SIGNING_KEY = base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode()
    settings.CERT_SIGNING_KEY_ID = "gz-2027-01"
    services.rendered_render(rendered_id=rendered(certified, RenderedDocument.Kind.CERTIFICATE).pk, force=True)
    keys = published(client)["keys"]
    assert [k["key_id"] for k in keys][1:] == ["gz-2027-01"] and all(k["x509_certificate"] for k in keys)
    status = validate(pdf_of(rendered(certified, RenderedDocument.Kind.CERTIFICATE)), [trust_root(keys[1])])
    assert status.bottom_line


def test_the_verify_pages_link_the_key_set(certified, client):
    for url in ("/verify/", f"/verify/{certified.certificate.number}/"):
        assert 'href="/verify/keys.json"' in client.get(url).content.decode()


def test_signing_works_from_a_thread_whose_event_loop_is_running():
    """An ASGI server, or a test driving a browser, runs an event loop where the render may run."""
    pdf = rendering.render_pdf_pages("documents/pdf/refusal_notice.html", {})[0]

    async def inside_a_loop():
        return pdfsign.sign_pdf(pdf, key=signing.current_key(), reason="test")

    signed = asyncio.run(inside_a_loop())
    assert len(PdfFileReader(io.BytesIO(signed)).embedded_signatures) == 1


def test_the_signer_is_built_once_per_key_and_the_signature_space_reserved_without_a_dummy_signature(monkeypatch):
    from pyhanko.sign.signers.pdf_signer import PdfSigningSession

    pdf = rendering.render_pdf_pages("documents/pdf/refusal_notice.html", {})[0]
    key = signing.current_key()
    estimates = []
    original = PdfSigningSession.estimate_signature_container_size

    def counted(self, *args, **kwargs):
        estimates.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PdfSigningSession, "estimate_signature_container_size", counted)
    first = pdfsign.sign_pdf(pdf, key=key, reason="test")
    signer = pdfsign._signer(key)[0]
    second = pdfsign.sign_pdf(pdf, key=signing.current_key(), reason="test")
    assert pdfsign._signer(signing.current_key())[0] is signer and estimates == []
    for data in (first, second):
        root = asn1_x509.Certificate.load(pdfsign.signing_certificate_der(key))
        assert validate(data, [root]).bottom_line


def test_a_signature_larger_than_the_reserved_space_falls_back_to_measuring_it(monkeypatch):
    pdf = rendering.render_pdf_pages("documents/pdf/refusal_notice.html", {})[0]
    monkeypatch.setattr(pdfsign, "reserved_hex_digits", lambda der: 64)
    key = signing.current_key()
    signed = pdfsign.sign_pdf(pdf, key=key, reason="test")
    assert validate(signed, [asn1_x509.Certificate.load(pdfsign.signing_certificate_der(key))]).bottom_line
