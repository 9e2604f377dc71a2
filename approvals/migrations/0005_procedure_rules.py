"""Rule-set data for the procedures beyond a first application (all editable in the admin).

2021 rules: the commitment track (告知承诺) is open to first applications, renewals, extensions and
changes (2021 measures); a change of test site needs a technical review, other changes a check
only. The renewal window and the validity of a renewed certificate are unconfirmed defaults. The
2015 baseline had no commitment track.
"""

from django.db import migrations

LETTER = (
    "本机构郑重承诺：\n"
    "一、本机构已知晓检验检测机构资质认定的全部条件和要求，具备与申请事项相适应的人员、场所、设备设施和管理体系，"
    "符合《检验检测机构资质认定管理办法》和RB/T 214-2017的要求；\n"
    "二、所提交的申请材料真实、合法、有效；\n"
    "三、愿意接受资质认定部门在发证后三个月内开展的现场核查；\n"
    "四、如承诺不实，愿意承担被撤销资质认定证书并予以公开、三年内不得适用告知承诺等法律责任。"
)


def seed(apps, schema_editor):
    RuleSet = apps.get_model("approvals", "RuleSet")
    RuleSet.objects.filter(code="national-2021").update(
        commitment_types=["initial", "renewal", "extension", "change"], change_kinds_reviewed=["site"],
        commitment_letter=LETTER,
    )
    RuleSet.objects.filter(code="national-2015").update(commitment_types=[], change_kinds_reviewed=["site"])


class Migration(migrations.Migration):
    dependencies = [("approvals", "0004_procedures")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
