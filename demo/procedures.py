"""Demo certificates with a history, each made through the real procedures in travelled time: one in
its renewal window, one changed and then extended (three versions), one cancelled, one suspended, one
revoked for a false commitment, and a commitment-track certificate awaiting its verification."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from approvals import services as domain
from approvals.models import Application, Certificate, User
from documents import services as documents
from documents.demo import supply_example_documents
from workflows import services
from workflows.models import Step

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI), tick=False)


class History:
    """Drives applications through the real services on given days."""

    def __init__(self, *, officials: dict[str, User], scope: list[dict]):
        self.officials, self.scope = officials, scope

    def act(self, application: Application, node: str, role: str, outcome: str, **data) -> None:
        step = Step.objects.active().get(application=application, node=node)
        services.task_complete(task_id=step.task_id, by=self.officials[role], outcome=outcome, data=data)

    def file(self, owner: User, *, on: date, scope=None, **fields) -> Application:
        with _at(on):
            application = domain.application_create(
                by=owner, test_sites=fields.pop("test_sites", owner.agency.address), field_code="20",
                industry_code="00", authorised_signatories="吴静 技术负责人 全部项目", declaration=True,
                scope=scope if scope is not None else [], **fields,
            )
            if application.track == "commitment":
                domain.commitment_sign(application=application, by=owner)
            supply_example_documents(application=application, by=owner)
            services.application_submit(application=application, by=owner)
        return application

    def steps(self, application: Application, *, on: date, script: list[tuple]) -> Application:
        with _at(on):
            for node, role, outcome, data in script:
                self.act(application, node, role, outcome, **data)
        application.refresh_from_db()
        return application

    def first_certificate(self, owner: User, *, on: date, scope=None, track="ordinary") -> Certificate:
        application = self.file(owner, on=on, scope=scope or self.scope, track=track)
        if track == "commitment":
            script = [("accept", "acceptor", "accept", {}), ("decide", "approver", "approve", {}),
                      ("issue", "issuer", "issue", {})]
        else:
            script = [("accept", "acceptor", "accept", {}), ("review", "reviewer", "pass", {"review_mode": "onsite"}),
                      ("decide", "approver", "approve", {}), ("issue", "issuer", "issue", {})]
        self.steps(application, on=on, script=script)
        return Certificate.objects.get(application=application)


def seed_procedures(*, applicant: User, applicant2: User, officials: dict[str, User], scope: list[dict]) -> None:
    history = History(officials=officials, scope=scope)
    ordinary_path = [("accept", "acceptor", "accept", {}), ("review", "reviewer", "pass", {"review_mode": "written"}),
                     ("decide", "approver", "approve", {}), ("issue", "issuer", "issue", {})]

    # In its renewal window now (expires 2027-06-14; the window under the 2021 rules: 2026-06-14 … 2027-03-14).
    history.first_certificate(applicant, on=date(2021, 6, 15), scope=scope[:2])

    # Changed (new name, one item cancelled), then extended: three versions, same number and expiry.
    changed = history.first_certificate(applicant, on=date(2024, 3, 1))
    change = history.file(applicant, on=date(2025, 5, 12), application_type="change", test_sites="",
                          certificate=changed.number,
                          changes=[{"kind": "name", "value": "贵州黔检检验检测集团有限公司"},
                                   {"kind": "cancelled_items", "value": [4]}])
    history.steps(change, on=date(2025, 5, 14), script=[("accept", "acceptor", "accept", {}),
                                                        ("decide", "approver", "approve", {}),
                                                        ("issue", "issuer", "issue", {})])
    extension = history.file(applicant, on=date(2025, 9, 1), application_type="extension", certificate=changed.number,
                             scope=[{"category": "环境", "item": "地表水", "parameter": "化学需氧量",
                                     "standard": "HJ 828-2017"}])
    history.steps(extension, on=date(2025, 9, 19), script=ordinary_path)

    # Cancelled at the agency's request; suspended by the authority.
    cancelled = history.first_certificate(applicant2, on=date(2022, 4, 6), scope=scope[2:3])
    cancellation = history.file(applicant2, on=date(2025, 11, 3), application_type="cancellation", test_sites="",
                                certificate=cancelled.number, cancellation_reason="own_request")
    history.steps(cancellation, on=date(2025, 11, 5), script=[("accept", "acceptor", "accept", {}),
                                                              ("decide_cancellation", "approver", "approve", {})])
    suspended = history.first_certificate(applicant2, on=date(2023, 8, 8), scope=scope[:1])
    with _at(date(2026, 3, 2)):
        domain.certificate_suspend(certificate=suspended, by=officials["approver"],
                                   reason="监督抽查发现检验报告数据不能溯源，责令整改期间暂停使用证书")
        documents.certificate_publish(certificate=suspended)

    # The commitment track: one revoked for a false commitment (its agency is barred for three
    # years), one issued and awaiting its on-site verification.
    false_one = history.first_certificate(applicant2, on=date(2025, 6, 3), track="commitment", scope=scope[1:2])
    history.steps(false_one.application, on=date(2025, 8, 20), script=[
        ("verification", "reviewer", "false_commitment", {"comment": "现场核查：承诺具备的恒温恒湿实验室不存在"}),
    ])
    history.first_certificate(applicant, on=date(2026, 10, 12), track="commitment", scope=scope[2:])
