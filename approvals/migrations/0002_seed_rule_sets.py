"""Seed the two national rule sets. Values are data: an administrator edits them in the admin."""

from datetime import date

from django.db import migrations

STEPS = ["apply", "accept", "review", "decide", "issue"]

RULE_SETS = [
    dict(
        code="national-2015", name="2015年资质认定管理办法（改革前基线）", effective_from=date(2015, 8, 1),
        is_baseline=True, acceptance_days=5, review_days=45, rectification_days=30, decision_days=20,
        issue_days=10, supplement_days=30, fee_yuan=0, procedures=1,
        in_person_visits=2,  # unconfirmed: paper submission and certificate collection
        expected_steps=STEPS,
    ),
    dict(
        code="national-2021", name="2021年资质认定管理办法", effective_from=date(2021, 6, 1),
        acceptance_days=5, review_days=30, rectification_days=30, decision_days=10,
        issue_days=7,  # unconfirmed: some provinces promise 5
        supplement_days=30, fee_yuan=0, procedures=1, in_person_visits=0, expected_steps=STEPS,
    ),
]


def seed(apps, schema_editor):
    RuleSet = apps.get_model("approvals", "RuleSet")
    for values in RULE_SETS:
        RuleSet.objects.update_or_create(code=values["code"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
