"""The certificate keeps its own copy of the credit code and the authorised signatories (the
signature covers the snapshot taken at issue, never the agency's or application's live fields)."""

from django.db import migrations, models


def fill_snapshot(apps, schema_editor):
    Certificate = apps.get_model("approvals", "Certificate")
    for certificate in Certificate.objects.select_related("agency", "application"):
        certificate.credit_code = certificate.agency.credit_code
        certificate.signatories = certificate.application.authorised_signatories
        certificate.save(update_fields=["credit_code", "signatories"])


class Migration(migrations.Migration):
    dependencies = [("approvals", "0005_procedure_rules")]

    operations = [
        migrations.AddField(
            model_name="certificate", name="credit_code",
            field=models.CharField(default="", max_length=18, verbose_name="统一社会信用代码"), preserve_default=False,
        ),
        migrations.AddField(
            model_name="certificate", name="signatories",
            field=models.TextField(blank=True, help_text="每行一人。", verbose_name="授权签字人"),
        ),
        migrations.RunPython(fill_snapshot, migrations.RunPython.noop),
    ]
