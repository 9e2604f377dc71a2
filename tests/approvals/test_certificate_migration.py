"""The data migration: every existing certificate becomes its version 1, its signature and PDF move
there, and the signature still checks."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from documents import selectors, signing

BEFORE = [("approvals", "0006_certificate_snapshot"), ("documents", "0004_verification_key_x509")]
AFTER = [("approvals", "0007_certificate_versions"), ("documents", "0005_certificate_versions")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_certificates_become_version_one_and_still_verify():
    old = migrate(BEFORE)
    Agency, User = old.get_model("approvals", "Agency"), old.get_model("approvals", "User")
    Application, Certificate = old.get_model("approvals", "Application"), old.get_model("approvals", "Certificate")
    agency = Agency.objects.create(name="老证书检测有限公司", credit_code="91520100000000001X", address="贵阳市1号",
                                   legal_representative="张三", contact_name="李四", contact_phone="1")
    user = User.objects.create(username="old-issuer")
    application = Application.objects.create(agency=agency, created_by=user, test_sites="贵阳市1号实验楼",
                                             authorised_signatories="王五", status="certified")
    content = dict(number="252420000001", agency_name=agency.name, credit_code=agency.credit_code,
                   address=agency.address, test_sites="贵阳市1号实验楼", issuing_authority="贵州省市场监督管理局",
                   approved_on=date(2025, 3, 1), issued_on=date(2025, 3, 3), expires_on=date(2031, 3, 2),
                   scope=[{"seq": 1, "category": "食品", "item": "大米", "parameter": "镉", "standard": "GB 5009.15",
                           "limitation": ""}],
                   signatories="王五")
    certificate = Certificate.objects.create(application=application, agency=agency, issued_by=user,
                                             status="suspended", **content)
    # the signature as the old code made it: over the same canonical payload, now read from a version
    key = signing.current_key()
    payload = signing.canonical({"schema": signing.PAYLOAD_SCHEMA, "number": content["number"],
                                 "agency": {"name": agency.name, "credit_code": agency.credit_code,
                                            "address": agency.address},
                                 "test_sites": ["贵阳市1号实验楼"], "issuing_authority": "贵州省市场监督管理局",
                                 "approved_on": "2025-03-01", "issued_on": "2025-03-03", "expires_on": "2031-03-02",
                                 "scope": content["scope"], "authorised_signatories": ["王五"]})
    VerificationKey = old.get_model("documents", "VerificationKey")
    record = VerificationKey.objects.create(key_id=key.key_id, public_key=key.public_b64)
    old.get_model("documents", "CertificateSignature").objects.create(
        certificate=certificate, key=record, signature=signing.sign(payload, key), payload_sha256="x",
        signed_at="2025-03-03T10:00:00+08:00")
    old.get_model("documents", "RenderedDocument").objects.create(application=application, kind="certificate",
                                                                    certificate=certificate)
    try:
        new = migrate(AFTER)
        version = new.get_model("approvals", "CertificateVersion").objects.get()
        migrated = new.get_model("approvals", "Certificate").objects.get()
        assert (version.version, version.number, version.certificate_id) == (1, "252420000001", migrated.pk)
        assert migrated.current_id == version.pk and migrated.status == "suspended"
        assert all(getattr(version, name) == value for name, value in content.items())
        assert new.get_model("documents", "CertificateSignature").objects.get().version_id == version.pk
        assert new.get_model("documents", "RenderedDocument").objects.get().version_id == version.pk
        check = selectors.certificate_check(number="252420000001", today=date(2026, 1, 1))
        assert check.genuine and check.status == "suspended" and len(check.history) == 1
    finally:
        call_command("migrate", verbosity=0)  # the latest schema back for the tests that follow
