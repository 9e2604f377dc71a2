"""Certificates get versions: each existing certificate's content becomes its version 1 (same
number, same dates, same snapshot), and the certificate keeps its identity, status and a pointer to
the current version. Nothing a signature covered changes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


CONTENT = ("agency_name", "credit_code", "address", "test_sites", "issuing_authority", "approved_on", "issued_on",
           "expires_on", "scope", "signatories")


def versions_from_certificates(apps, schema_editor):
    Certificate = apps.get_model("approvals", "Certificate")
    CertificateVersion = apps.get_model("approvals", "CertificateVersion")
    for certificate in Certificate.objects.order_by("pk"):
        version = CertificateVersion.objects.create(
            certificate=certificate, version=1, number=certificate.number, application_id=certificate.application_id,
            issued_by_id=certificate.issued_by_id, **{name: getattr(certificate, name) for name in CONTENT},
        )
        certificate.current = version
        certificate.save(update_fields=["current"])


class Migration(migrations.Migration):

    dependencies = [
        ('approvals', '0006_certificate_snapshot'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='certificate',
            options={'ordering': ['-id'], 'permissions': [('decide_certificate_status', '暂停、恢复、撤销资质认定证书')], 'verbose_name': '资质认定证书', 'verbose_name_plural': '资质认定证书'},
        ),
        migrations.AddField(
            model_name='certificate',
            name='status_since',
            field=models.DateField(blank=True, null=True, verbose_name='状态生效日期'),
        ),
        migrations.AlterField(
            model_name='certificate',
            name='agency',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='certificates', to='approvals.agency', verbose_name='机构'),
        ),
        migrations.AlterField(
            model_name='certificate',
            name='application',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='certificate', to='approvals.application', verbose_name='首次发证的申请'),
        ),
        migrations.AlterField(
            model_name='certificate',
            name='number',
            field=models.CharField(help_text='现行版本的编号；延续换号时旧编号仍可核验。', max_length=12, unique=True, verbose_name='证书编号'),
        ),
        migrations.CreateModel(
            name='CertificateVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveSmallIntegerField(verbose_name='版本')),
                ('number', models.CharField(db_index=True, max_length=12, verbose_name='证书编号')),
                ('agency_name', models.CharField(max_length=200, verbose_name='机构名称')),
                ('credit_code', models.CharField(max_length=18, verbose_name='统一社会信用代码')),
                ('address', models.CharField(max_length=300, verbose_name='地址')),
                ('test_sites', models.TextField(verbose_name='检验检测场所')),
                ('issuing_authority', models.CharField(max_length=100, verbose_name='发证机关')),
                ('approved_on', models.DateField(verbose_name='批准日期')),
                ('issued_on', models.DateField(verbose_name='发证日期')),
                ('expires_on', models.DateField(verbose_name='有效期至')),
                ('scope', models.JSONField(default=list, verbose_name='批准的能力范围')),
                ('signatories', models.TextField(blank=True, help_text='每行一人。', verbose_name='授权签字人')),
                ('created', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('application', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='certificate_versions', to='approvals.application', verbose_name='申请')),
                ('certificate', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='versions', to='approvals.certificate', verbose_name='证书')),
                ('issued_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发证人')),
            ],
            options={
                'verbose_name': '证书版本',
                'verbose_name_plural': '证书版本',
                'ordering': ['certificate', 'version'],
            },
        ),
        migrations.AddField(
            model_name='certificate',
            name='current',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='approvals.certificateversion', verbose_name='现行版本'),
        ),
        migrations.CreateModel(
            name='CertificateAction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveSmallIntegerField(verbose_name='序号')),
                ('kind', models.CharField(choices=[('suspend', '暂停'), ('restore', '恢复'), ('revoke', '撤销'), ('cancel', '注销')], max_length=10, verbose_name='决定')),
                ('source', models.CharField(choices=[('valid', '有效'), ('suspended', '暂停'), ('revoked', '撤销'), ('cancelled', '注销'), ('expired', '过期')], max_length=20, verbose_name='原状态')),
                ('target', models.CharField(choices=[('valid', '有效'), ('suspended', '暂停'), ('revoked', '撤销'), ('cancelled', '注销'), ('expired', '过期')], max_length=20, verbose_name='新状态')),
                ('reason', models.TextField(verbose_name='理由')),
                ('effective_on', models.DateField(verbose_name='生效日期')),
                ('at', models.DateTimeField(verbose_name='记录时间')),
                ('by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='决定人')),
                ('certificate', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='actions', to='approvals.certificate', verbose_name='证书')),
            ],
            options={
                'verbose_name': '证书状态决定',
                'verbose_name_plural': '证书状态决定',
                'ordering': ['certificate', 'seq'],
                'constraints': [models.UniqueConstraint(fields=('certificate', 'seq'), name='certificate_action_unique')],
            },
        ),
        migrations.AddConstraint(
            model_name='certificateversion',
            constraint=models.UniqueConstraint(fields=('certificate', 'version'), name='certificate_version_unique'),
        ),
        # Backwards only on an empty table: re-adding the content columns fails on rows, so nothing is lost.
        migrations.RunPython(versions_from_certificates, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='certificate',
            name='address',
        ),
        migrations.RemoveField(
            model_name='certificate',
            name='agency_name',
        ),
        migrations.RemoveField(
            model_name='certificate',
            name='approved_on',
        ),
        migrations.RemoveField(
            model_name='certificate',
            name='credit_code',
        ),
        migrations.RemoveField(
            model_name='certificate',
            name='expires_on',
        ),
        migrations.RemoveField(
            model_name='certificate',
            name='issued_on',
        ),
        migrations.RemoveField(
            model_name='certificate',
            name='issuing_authority',
        ),
        migrations.RemoveField(
            model_name='certificate',
            name='scope',
        ),
        migrations.RemoveField(
            model_name='certificate',
            name='signatories',
        ),
        migrations.RemoveField(
            model_name='certificate',
            name='test_sites',
        ),
    ]
