"""Document catalogues for renewal, change, scope extension and cancellation, on both rule sets, and
the commitment track's catalogues under the 2021 rules (editable in the admin).

The commitment letter is signed online under the 2021 rules (its text is rule-set data), so it is
no longer a file to upload: one document fewer, a measured reduction.
"""

from django.db import migrations

PDF, IMAGES = ["pdf"], ["pdf", "jpeg", "png"]

DOCS = {
    "application_form": ("资质认定申请书", "Application form", "按规定格式填写并签字、盖章的申请书。", PDF, None),
    "legal_status": ("法人资格证明", "Proof of legal status", "营业执照或事业单位法人证书等法人登记证明。", IMAGES, 12),
    "personnel": ("人员名单及劳动关系证明", "Personnel list and proof of employment",
                  "技术和管理人员名单、资格证明，以及劳动合同或聘用关系证明。", IMAGES, 6),
    "management_system": ("管理体系文件", "Management-system documents", "现行有效的质量手册、程序文件。", PDF, 12),
    "audit_review": ("内部审核和管理评审报告", "Internal-audit and management-review reports",
                     "最近一次内部审核报告和管理评审报告。", PDF, 12),
    "equipment": ("仪器设备清单及检定/校准状态", "Equipment list with calibration status",
                  "仪器设备（标准物质）配置表，含检定/校准有效期。", IMAGES, 6),
    "premises": ("工作场所及环境条件证明", "Premises and environmental conditions",
                 "工作场所产权或租赁证明、平面图及环境条件说明。", IMAGES, 12),
    "typical_reports": ("典型检验检测报告", "Typical test reports", "申请能力范围内有代表性的检验检测报告（样本）。", PDF, 24),
    "proficiency": ("近两年能力验证结果", "Proficiency-test results of the last two years",
                    "近两年参加能力验证或实验室间比对的结果（如有）。", IMAGES, 24),
    "cycle_report": ("资质认定证书有效期内工作情况报告", "Report on the certificate's validity period",
                     "证书有效期内遵守法律法规、开展检验检测活动及接受监督检查的情况。", PDF, None),
    "change_form": ("资质认定变更申请书", "Change application form", "逐项列明变更事项并签字、盖章。", PDF, None),
    "change_evidence": ("变更事项证明材料", "Evidence of the changes",
                        "如登记机关的变更核准文件、任命文件、新场所的产权或租赁证明等。", IMAGES, None),
    "cancellation_form": ("资质认定证书注销申请书", "Cancellation application form", "写明注销原因并签字、盖章。", PDF, None),
}
# type: [(code, mandatory)]
TYPES = {
    "renewal": [("application_form", True), ("legal_status", True), ("cycle_report", True), ("personnel", True),
                ("management_system", True), ("audit_review", True), ("equipment", True),
                ("typical_reports", True), ("proficiency", False)],
    "change": [("change_form", True), ("change_evidence", True), ("legal_status", False), ("premises", False)],
    "extension": [("application_form", True), ("personnel", True), ("equipment", True), ("typical_reports", True),
                  ("proficiency", False)],
    "cancellation": [("cancellation_form", True)],
}
CATALOGUES = [
    # rule set, track, types, shared by data
    ("national-2015", "ordinary", ["renewal", "change", "extension", "cancellation"], set()),
    ("national-2021", "ordinary", ["renewal", "change", "extension", "cancellation"], {"legal_status"}),
    ("national-2021", "commitment", ["renewal", "change", "extension"], {"legal_status"}),
]


def seed(apps, schema_editor):
    RuleSet = apps.get_model("approvals", "RuleSet")
    DocumentRequirement = apps.get_model("documents", "DocumentRequirement")
    DocumentRequirement.objects.filter(rule_set__code="national-2021", track="commitment",
                                       code="commitment_letter").delete()
    for code, track, types, shared in CATALOGUES:
        rule_set = RuleSet.objects.filter(code=code).first()
        if rule_set is None:
            continue
        for application_type in types:
            for order, (req_code, mandatory) in enumerate(TYPES[application_type], start=1):
                name, name_en, description, formats, months = DOCS[req_code]
                DocumentRequirement.objects.update_or_create(
                    rule_set=rule_set, application_type=application_type, track=track, code=req_code,
                    defaults=dict(name=name, name_en=name_en, description=description, mandatory=mandatory,
                                  accepted_formats=formats, via_data_sharing=req_code in shared,
                                  reusable_months=months, order=order * 10),
                )


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_seed_catalogue"), ("approvals", "0005_procedure_rules")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
