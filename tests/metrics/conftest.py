"""Applications with known histories, driven through the real services at controlled moments.

Working days are counted on China's calendar, the start day not counted (see the calendar module):

A — certified; two supplement rounds, then a rectification over National Day 2025 (1–8 October off,
    Sunday 28 September and Saturday 11 October worked):
    submitted Mon 1 Sep; accept 1→3 Sep supplement (2 working days); supplement 3→10 Sep (5);
    accept 10→11 Sep supplement (1); supplement 11→16 Sep (3); accept 16→17 Sep (1);
    review 17→26 Sep rectify (7); rectification 26 Sep→13 Oct (7: 28, 29, 30 Sep, 9, 10, 11, 13 Oct);
    review 13→20 Oct pass (5); decide 20→23 Oct approve (3); issue 23→24 Oct (1).
    Accept 4, review 12, decide 3, issue 1: counted 20 (approval 8 + review 12); stopped 15; elapsed 35.
B — denied, two late steps over Spring Festival 2026 (15–23 February off, Saturdays 14 and 28 February worked):
    submitted Mon 9 Feb; accept 9→25 Feb (7: 10–14, 24, 25; limit 5: late); review 25 Feb→11 Mar fail (11);
    decide 11→31 Mar deny (14; limit 10: late). Counted 32; elapsed 32.
C — refused: submitted Mon 3 Nov 2025; accept 3→5 Nov refuse (2).
D — withdrawn during the review: submitted Mon 1 Dec 2025; accept 1→2 Dec (1); review 2→9 Dec cancelled (5).

Documents (2021 catalogue for a first application: 8 mandatory, the legal-status proof obtained by data
sharing, so 7 requested; the 2015 baseline requested all 8): A, B and D upload the 7; A uploads the
personnel list again for its first supplement notice and the management-system documents for its
second (9 files); C reuses A's management-system documents and premises proof and uploads 5.
"""

from datetime import datetime

import pytest
import time_machine

from documents import services as documents
from metrics.services import facts_record
from tests.documents.factories import pdf_bytes, upload
from tests.factories import ApplicantFactory, ApplicationFactory
from tests.timecontrol import SHANGHAI
from tests.workflows.helpers import attach_report
from workflows import services
from workflows.models import Step


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


def act(application, node: str, user, outcome: str, when: datetime, **data) -> None:
    with time_machine.travel(when, tick=False):
        if node == "rectification":
            attach_report(application, user)
        step = Step.objects.active().get(application=application, node=node)
        services.task_complete(task_id=step.task_id, by=user, outcome=outcome, data=data)


def submit(application, user, when: datetime) -> None:
    with time_machine.travel(when, tick=False):
        services.application_submit(application=application, by=user)


REQUESTED = ("application_form", "personnel", "management_system", "audit_review", "equipment", "premises",
             "typical_reports")  # the 2021 catalogue's mandatory documents, less the data-shared legal-status proof


def draft(user, when: datetime, *, upload: tuple[str, ...] = REQUESTED):
    """A draft created at ``when``, with the listed documents uploaded then through the documents service."""
    with time_machine.travel(when, tick=False):
        application = ApplicationFactory(agency=user.agency, created_by=user, documents=False)
    for code in upload:
        upload_for(application, user, code, when)
    return application


def upload_for(application, user, code: str, when: datetime) -> None:
    application.refresh_from_db()
    with time_machine.travel(when, tick=False):
        documents.document_upload(application=application, by=user, requirement=code,
                                  file=upload(pdf_bytes(2), f"{code}.pdf"))


@pytest.fixture
def histories(applicant, applicant2, acceptor, reviewer, approver, issuer):
    """The four applications above, ended, with their facts recorded; returns them by letter."""
    finding = [{"clause": "4.4.1", "grade": "general", "description": "温湿度监控记录不完整"}]

    a = draft(applicant, at(2025, 9, 1, 9))
    submit(a, applicant, at(2025, 9, 1))
    act(a, "accept", acceptor, "supplement", at(2025, 9, 3),
        deficiencies=[{"description": "人员一览表未注明职称", "document_code": "personnel"}])
    upload_for(a, applicant, "personnel", at(2025, 9, 10, 9))
    act(a, "supplement", applicant, "resubmit", at(2025, 9, 10), comment="已补充")
    # A second round may only concern what the first answer supplied (一次性告知).
    act(a, "accept", acceptor, "supplement", at(2025, 9, 11),
        deficiencies=[{"description": "补交的人员一览表缺少负责人签字", "document_code": "personnel"}])
    upload_for(a, applicant, "personnel", at(2025, 9, 16, 9))
    act(a, "supplement", applicant, "resubmit", at(2025, 9, 16), comment="已补签字")
    act(a, "accept", acceptor, "accept", at(2025, 9, 17))
    act(a, "review", reviewer, "rectify", at(2025, 9, 26), review_mode="onsite", findings=finding)
    act(a, "rectification", applicant, "resubmit", at(2025, 10, 13), comment="已整改")
    act(a, "review", reviewer, "pass", at(2025, 10, 20), review_mode="onsite")
    act(a, "decide", approver, "approve", at(2025, 10, 23), comment="符合条件")
    act(a, "issue", issuer, "issue", at(2025, 10, 24))

    b = draft(applicant2, at(2026, 2, 9, 9))
    submit(b, applicant2, at(2026, 2, 9))
    act(b, "accept", acceptor, "accept", at(2026, 2, 25))
    act(b, "review", reviewer, "fail", at(2026, 3, 11), comment="管理体系未有效运行", review_mode="written")
    act(b, "decide", approver, "deny", at(2026, 3, 31), comment="不符合资质认定条件")

    c = draft(applicant, at(2025, 11, 3, 9),
              upload=("application_form", "personnel", "audit_review", "equipment", "typical_reports"))
    with time_machine.travel(at(2025, 11, 3, 9), tick=False):
        for code in ("management_system", "premises"):
            source = a.documents.get(requirement__code=code, rejected_at__isnull=True)
            documents.document_reuse(application=c, by=applicant, document=source.pk)
    submit(c, applicant, at(2025, 11, 3))
    act(c, "accept", acceptor, "refuse", at(2025, 11, 5), comment="不属于本机关职权范围")

    d = draft(applicant, at(2025, 12, 1, 9))
    submit(d, applicant, at(2025, 12, 1))
    act(d, "accept", acceptor, "accept", at(2025, 12, 2))
    with time_machine.travel(at(2025, 12, 9), tick=False):
        services.application_withdraw(application=d, by=applicant, reason="暂缓申请")

    # The flow schedules the facts after commit; a test's transaction never commits, so record them here
    # (test_hooks checks the scheduling itself).
    for application in (a, b, c, d):
        facts_record(application_id=application.pk)
    return {"A": a, "B": b, "C": c, "D": d}


@pytest.fixture
def other_agency_applicant(db):
    return ApplicantFactory(username="outsider")
