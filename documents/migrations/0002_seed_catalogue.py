"""Seed the first-application document catalogue for the 2015 baseline and the 2021 rule sets.

The lists differ where the reform reduced documents: under the 2021 rules the legal-status proof
is obtained through government data sharing (by the credit code) instead of being uploaded, and
the notification-commitment track (告知承诺) adds the commitment letter. Reuse periods are
unconfirmed defaults; an administrator edits all of it in the admin.
"""

from django.db import migrations

PDF, IMAGES = ["pdf"], ["pdf", "jpeg", "png"]

# code, name, name_en, description, mandatory, formats, reusable months
FIRST_APPLICATION = [
    ("application_form", "资质认定申请书", "Application form",
     "按规定格式填写并由法定代表人签字、加盖公章的申请书。", True, PDF, None),
    ("legal_status", "法人资格证明", "Proof of legal status",
     "营业执照或事业单位法人证书等法人登记证明。", True, IMAGES, 12),
    ("parent_authorisation", "母体法人证明及授权文件", "Parent entity's licence and authorisation",
     "非独立法人的检验检测机构提交：所属法人单位的登记证明及其对检验检测机构的授权文件。", False, IMAGES, 12),
    ("personnel", "人员名单及劳动关系证明", "Personnel list and proof of employment",
     "技术和管理人员名单、资格证明，以及劳动合同或聘用关系证明。", True, IMAGES, 6),
    ("management_system", "管理体系文件", "Management-system documents",
     "质量手册、程序文件等现行有效的受控管理体系文件。", True, PDF, 12),
    ("audit_review", "内部审核和管理评审报告", "Internal-audit and management-review reports",
     "最近一次内部审核报告和管理评审报告。", True, PDF, 12),
    ("equipment", "仪器设备清单及检定/校准状态", "Equipment list with calibration status",
     "仪器设备（标准物质）配置表，含检定/校准有效期。", True, IMAGES, 6),
    ("premises", "工作场所及环境条件证明", "Premises and environmental conditions",
     "工作场所产权或租赁证明、平面图及环境条件说明。", True, IMAGES, 12),
    ("typical_reports", "典型检验检测报告", "Typical test reports",
     "申请能力范围内有代表性的检验检测报告（样本）。", True, PDF, 24),
    ("proficiency", "近两年能力验证结果", "Proficiency-test results of the last two years",
     "近两年参加能力验证或实验室间比对的结果（如有）。", False, IMAGES, 24),
]
COMMITMENT = ("commitment_letter", "告知承诺书", "Commitment letter",
              "告知承诺程序：机构对符合资质认定条件和申请材料真实性作出的书面承诺，由法定代表人签字、加盖公章。",
              True, PDF, None)

CATALOGUES = [
    # rule set, track, codes obtained through data sharing, extra documents
    ("national-2015", "ordinary", set(), []),
    ("national-2021", "ordinary", {"legal_status"}, []),
    ("national-2021", "commitment", {"legal_status"}, [COMMITMENT]),
]


def seed(apps, schema_editor):
    RuleSet = apps.get_model("approvals", "RuleSet")
    DocumentRequirement = apps.get_model("documents", "DocumentRequirement")
    for code, track, shared, extra in CATALOGUES:
        rule_set = RuleSet.objects.filter(code=code).first()
        if rule_set is None:
            continue
        for order, (req_code, name, name_en, description, mandatory, formats, months) in enumerate(
            FIRST_APPLICATION + extra, start=1
        ):
            DocumentRequirement.objects.update_or_create(
                rule_set=rule_set, application_type="initial", track=track, code=req_code,
                defaults=dict(
                    name=name, name_en=name_en, description=description, mandatory=mandatory,
                    accepted_formats=formats, via_data_sharing=req_code in shared, reusable_months=months,
                    order=order * 10,
                ),
            )


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial"), ("approvals", "0002_seed_rule_sets")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
