"""Certificates are signed over their canonical content; tampering and revocation are reported."""

import base64

import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from approvals.models import Agency, Application, Certificate, CertificateStatus, CertificateVersion
from documents import selectors, services, signing
from documents.models import CertificateSignature, VerificationKey

pytestmark = pytest.mark.django_db


def raw_b64(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                              serialization.NoEncryption())).decode()


def test_issued_certificate_is_signed_and_genuine(certified, settings):
    cert = certified.certificate
    signature = CertificateSignature.objects.get(version=cert.current)
    assert signature.key.key_id.startswith("dev-")
    assert (settings.CERT_SIGNING_DEV_KEY_DIR / signing.DEV_KEY_FILE).stat().st_mode & 0o077 == 0
    check = selectors.certificate_check(number=cert.number)
    assert check.genuine and check.status == "valid" and check.status_label == "有效"


def test_canonical_form_is_stable_and_independent_of_key_order():
    a = signing.canonical({"b": "检测", "a": [1, {"y": 2, "x": "e\u0301"}]})
    b = signing.canonical({"a": [1, {"x": "\u00e9", "y": 2}], "b": "检测"})
    assert a == b == '{"a":[1,{"x":"é","y":2}],"b":"检测"}'.encode()


def test_later_edits_of_the_agency_and_application_leave_the_verdict_alone(certified):
    """The signature covers the snapshot taken at issue: a legitimate change of the agency's credit code,
    name or address, or of the application's signatories, is not a forgery."""
    cert = certified.certificate
    issued = selectors.certificate_check(number=cert.number).payload
    assert issued["agency"]["credit_code"] == certified.agency.credit_code
    agency = certified.agency
    agency.credit_code, agency.name, agency.address = "91520100MA6DXXXX0X"[:17] + "1", "改名后的公司", "新地址1号"
    Agency.objects.filter(pk=agency.pk).update(credit_code=agency.credit_code, name=agency.name, address=agency.address)
    Application.objects.filter(pk=certified.pk).update(authorised_signatories="冒名签字人")
    check = selectors.certificate_check(number=cert.number)
    assert check.genuine and check.payload == issued
    assert check.payload["agency"]["credit_code"] != agency.credit_code


@pytest.mark.parametrize("field,value", [
    ("agency_name", "冒名顶替检测有限公司"),
    ("credit_code", "91520100000000000X"),
    ("signatories", "冒名签字人"),
    ("expires_on", "2040-12-31"),
    ("scope", [{"seq": 1, "category": "食品", "item": "全部项目", "parameter": "全部", "standard": "任意", "limitation": ""}]),
])
def test_a_tampered_payload_is_not_genuine(certified, field, value):
    # a change in the database behind the services' back (the model refuses to save a version twice)
    CertificateVersion.objects.filter(pk=certified.certificate.current_id).update(**{field: value})
    check = selectors.certificate_check(number=certified.certificate.number)
    assert check.found and not check.genuine and "无效" in check.reason


def test_a_tampered_signature_is_not_genuine(certified):
    signature = CertificateSignature.objects.get(version=certified.certificate.current)
    raw = bytearray(base64.b64decode(signature.signature))
    raw[0] ^= 0x01
    CertificateSignature.objects.filter(pk=signature.pk).update(signature=base64.b64encode(bytes(raw)).decode())
    assert not selectors.certificate_check(number=certified.certificate.number).genuine
    CertificateSignature.objects.filter(pk=signature.pk).update(signature="not base64!")
    assert not selectors.certificate_check(number=certified.certificate.number).genuine


def test_a_signature_under_another_key_is_not_genuine(certified):
    signature = CertificateSignature.objects.get(version=certified.certificate.current)
    forger = Ed25519PrivateKey.generate()
    VerificationKey.objects.filter(pk=signature.key_id).update(public_key=signing.public_b64(forger.public_key()))
    assert not selectors.certificate_check(number=certified.certificate.number).genuine


def test_revoked_suspended_and_expired_are_reported_with_the_signature_still_checking(certified):
    cert = certified.certificate
    for status, label in ((CertificateStatus.REVOKED, "撤销"), (CertificateStatus.SUSPENDED, "暂停"),
                          (CertificateStatus.CANCELLED, "注销")):
        Certificate.objects.filter(pk=cert.pk).update(status=status)
        check = selectors.certificate_check(number=cert.number)
        assert (check.status, check.status_label, check.genuine) == (status, label, True)
    Certificate.objects.filter(pk=cert.pk).update(status=CertificateStatus.VALID)
    with time_machine.travel(cert.expires_on.replace(year=cert.expires_on.year + 1).isoformat() + " 12:00 +08:00"):
        assert selectors.certificate_check(number=cert.number).status == "expired"


def test_an_unsigned_certificate_is_not_genuine(certified):
    CertificateSignature.objects.filter(version=certified.certificate.current).delete()
    check = selectors.certificate_check(number=certified.certificate.number)
    assert not check.genuine and "没有发证机关的数字签名" in check.reason


def test_key_rotation_keeps_old_certificates_verifiable(certified, settings, tmp_path):
    old = CertificateSignature.objects.get(version=certified.certificate.current)
    new_key = Ed25519PrivateKey.generate()
    settings.CERT_SIGNING_KEY, settings.CERT_SIGNING_KEY_ID = raw_b64(new_key), "gz-2027-01"
    assert signing.current_key().key_id == "gz-2027-01"
    services.verification_key_retire(key_id=old.key.key_id)
    CertificateSignature.objects.filter(pk=old.pk).delete()  # sign again under the new key
    second = services.certificate_sign(version=certified.certificate.current)
    assert second.key.key_id == "gz-2027-01" and VerificationKey.objects.count() == 2
    assert selectors.certificate_check(number=certified.certificate.number).genuine
    # the old signature, restored, still checks with the old key's kept public half
    CertificateSignature.objects.filter(pk=second.pk).update(key=old.key, signature=old.signature)
    assert selectors.certificate_check(number=certified.certificate.number).genuine


def test_a_key_file_and_a_reused_key_id(certified, settings, tmp_path):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "signing.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    settings.CERT_SIGNING_KEY_FILE, settings.CERT_SIGNING_KEY_ID = str(path), ""
    assert signing.current_key().key_id == signing.fingerprint(key.public_key())
    dev_id = CertificateSignature.objects.get().key.key_id
    settings.CERT_SIGNING_KEY_ID = dev_id  # a new key under an old key's id would break old signatures
    CertificateSignature.objects.all().delete()
    with pytest.raises(ImproperlyConfigured, match="already names another key"):
        services.certificate_sign(version=certified.certificate.current)


def test_no_development_key_in_production(settings):
    settings.CERT_SIGNING_DEV_KEY_ALLOWED = False
    with pytest.raises(ImproperlyConfigured):
        signing.current_key()
    settings.CERT_SIGNING_KEY = "not a key"
    with pytest.raises(ImproperlyConfigured):
        signing.current_key()
