"""Signatures and certificate PDFs belong to a certificate version; letters to a certificate decision.
Every existing signature and certificate PDF is moved to the certificate's version 1 (created by
approvals 0004 from the same content), so every signature still checks."""

import django.db.models.deletion
from django.db import migrations, models


def to_versions(apps, schema_editor):
    CertificateSignature = apps.get_model("documents", "CertificateSignature")
    RenderedDocument = apps.get_model("documents", "RenderedDocument")
    CertificateVersion = apps.get_model("approvals", "CertificateVersion")
    first = dict(CertificateVersion.objects.filter(version=1).values_list("certificate_id", "pk"))
    for signature in CertificateSignature.objects.all():
        signature.version_id = first[signature.certificate_id]
        signature.save(update_fields=["version"])
    for rendered in RenderedDocument.objects.filter(kind="certificate", certificate__isnull=False):
        rendered.version_id = first[rendered.certificate_id]
        rendered.save(update_fields=["version"])


KINDS = [
    ("acceptance_notice", "受理通知书"), ("supplement_notice", "补正通知书"), ("refusal_notice", "不予受理通知书"),
    ("decision_letter", "行政许可决定书"), ("certificate", "资质认定证书"),
    ("suspension_letter", "暂停资质认定证书决定书"), ("restoration_letter", "恢复资质认定证书决定书"),
    ("revocation_letter", "撤销资质认定决定书"), ("cancellation_letter", "注销资质认定证书决定书"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0007_certificate_versions"),
        ("documents", "0004_verification_key_x509"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificatesignature", name="version",
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="signature",
                                       to="approvals.certificateversion", verbose_name="证书版本"),
        ),
        migrations.AddField(
            model_name="rendereddocument", name="version",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="rendered", to="approvals.certificateversion", verbose_name="证书版本"),
        ),
        migrations.AddField(
            model_name="rendereddocument", name="action",
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                       related_name="letter", to="approvals.certificateaction", verbose_name="证书状态决定"),
        ),
        migrations.AlterField(
            model_name="rendereddocument", name="kind",
            field=models.CharField(choices=KINDS, max_length=30, verbose_name="文书类型"),
        ),
        migrations.RunPython(to_versions, migrations.RunPython.noop),  # backwards: the columns go again
        migrations.RemoveField(model_name="certificatesignature", name="certificate"),
        migrations.AlterField(
            model_name="certificatesignature", name="version",
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="signature",
                                       to="approvals.certificateversion", verbose_name="证书版本"),
        ),
    ]
