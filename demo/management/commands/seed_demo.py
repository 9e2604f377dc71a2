"""Demo data: one user per role and applications in several states, driven through the real services,
and a simulated year of applications for the service centre's dashboard."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from approvals import services as domain
from approvals.models import Agency, User
from approvals.validators import credit_code_check_char
from documents.demo import supply_example_documents
from workflows import services
from workflows.models import Step

from ...procedures import seed_procedures

OFFICIALS = [
    ("acceptor", "acceptor", "陈受理"),
    ("reviewer", "reviewer", "刘评审"),
    ("approver", "approver", "王审批"),
    ("issuer", "issuer", "赵发证"),
    ("monitor", "monitor", "孙监测"),
]

SCOPE = [
    {"category": "食品", "item": "食用植物油", "parameter": "酸价", "standard": "GB 5009.229-2016 第二法"},
    {"category": "食品", "item": "食用植物油", "parameter": "过氧化值", "standard": "GB 5009.227-2023"},
    {"category": "水质", "item": "生活饮用水", "parameter": "菌落总数", "standard": "GB/T 5750.12-2023"},
    {"category": "建材", "item": "水泥", "parameter": "抗压强度", "standard": "GB/T 17671-2021", "limitation": "不含快硬水泥"},
]


def credit_code(body: str) -> str:
    return body + credit_code_check_char(body)


class Command(BaseCommand):
    help = "Create demo users (password from DEMO_PASSWORD) and applications in several states; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--simulate", type=int, default=30,
                            help="applications of the past year simulated for the service centre's dashboard (0: none)")

    def handle(self, *args, simulate=30, **options):
        if User.objects.filter(username="applicant").exists():
            self.stdout.write("demo data already present")
            return
        with transaction.atomic():
            self.seed()
        if simulate:
            # A year of a believable province, driven through the real flow in simulated time.
            call_command("simulate_applications", count=simulate, seed=2026,
                         since=timezone.localdate() - timedelta(days=365), stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"demo users created; password: {settings.DEMO_PASSWORD}"))

    def user(self, username: str, name: str, group: str, agency: Agency | None = None, **extra) -> User:
        user = User.objects.create_user(username, email=f"{username}@example.com", password=settings.DEMO_PASSWORD,
                                        first_name=name, agency=agency, **extra)
        user.groups.add(Group.objects.get(name=group))
        return user

    def seed(self) -> None:
        lab = Agency.objects.create(
            name="贵州黔检检验检测有限公司", credit_code=credit_code("91520115MA6DK0001"),
            address="贵州省贵阳市观山湖区长岭北路8号", legal_representative="周明", contact_name="吴静",
            contact_phone="0851-86861234", contact_email="lab@example.com",
        )
        lab2 = Agency.objects.create(
            name="遵义市质量技术检测中心", credit_code=credit_code("12520300MB1234567"),
            address="贵州省遵义市汇川区大连路1号", legal_representative="郑华", contact_name="冯敏",
            contact_phone="0851-28221234",
        )
        applicant = self.user("applicant", "吴静", "applicant", lab)
        applicant2 = self.user("applicant2", "冯敏", "applicant", lab2)
        officials = {
            username: self.user(username, name, group) for username, group, name in OFFICIALS
        }
        User.objects.create_superuser("admin", "admin@example.com", settings.DEMO_PASSWORD, first_name="系统管理员")

        def draft(owner: User, scope=SCOPE) -> object:
            application = domain.application_create(
                by=owner, test_sites=owner.agency.address, field_code="20", industry_code="00",
                authorised_signatories="吴静 技术负责人 全部项目", declaration=True, scope=scope,
            )
            supply_example_documents(application=application, by=owner)
            return application

        def act(application, node, user, outcome, **data):
            step = Step.objects.active().get(application=application, node=node)
            services.task_complete(task_id=step.task_id, by=user, outcome=outcome, data=data)

        acc, rev, appr, iss = (officials[k] for k in ("acceptor", "reviewer", "approver", "issuer"))
        draft(applicant)  # a draft

        submitted = draft(applicant)
        services.application_submit(application=submitted, by=applicant)

        supplement = draft(applicant2, SCOPE[:2])
        services.application_submit(application=supplement, by=applicant2)
        act(supplement, "accept", acc, "supplement", deficiencies=[
            {"description": "人员一览表未注明职称及上岗证书编号", "document_code": "personnel"},
            {"description": "质量手册缺少批准页", "document_code": "management_system"},
        ], comment="请一次性补正以下材料")

        in_review = draft(applicant)
        services.application_submit(application=in_review, by=applicant)
        act(in_review, "accept", acc, "accept", review_leader=rev.pk, review_experts="刘评审（组长）、钱专家")

        rectification = draft(applicant, SCOPE[2:])
        services.application_submit(application=rectification, by=applicant)
        act(rectification, "accept", acc, "accept")
        act(rectification, "review", rev, "rectify", review_mode="onsite", findings=[
            {"description": "培养箱温度记录不完整", "clause": "4.3.3", "grade": "general"},
        ])

        certified = draft(applicant)
        services.application_submit(application=certified, by=applicant)
        act(certified, "accept", acc, "accept")
        act(certified, "review", rev, "pass", review_mode="written")
        act(certified, "decide", appr, "approve_partially", comment="第4项标准方法未验证", refused_items={4: "方法验证记录缺失"})
        act(certified, "issue", iss, "issue")

        to_decide = draft(applicant2, SCOPE[:3])
        services.application_submit(application=to_decide, by=applicant2)
        act(to_decide, "accept", acc, "accept")
        act(to_decide, "review", rev, "pass", review_mode="remote")

        refused = draft(applicant2, SCOPE[3:])
        services.application_submit(application=refused, by=applicant2)
        act(refused, "accept", acc, "refuse", comment="申请事项不属于本机关职权范围")

        # Certificates with a history: renewal window, versions, cancelled, suspended, commitment track.
        seed_procedures(applicant=applicant, applicant2=applicant2, officials=officials, scope=SCOPE)
