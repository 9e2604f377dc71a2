from approvals.models import Application
from workflows import services
from workflows.models import Step


def open_step(application: Application, node: str) -> Step:
    return Step.objects.active().get(application=application, node=node)


def attach_report(application: Application, user) -> None:
    """The rectification report an applicant must attach before answering a rectification notice."""
    from documents.answers import answer_file_upload, round_files
    from tests.documents.factories import pdf_bytes, upload

    application.refresh_from_db()
    if not round_files(application, "rectification", application.deficiencies.filter(kind="rectification")
                       .order_by("-round").values_list("round", flat=True).first()).filter(role="report").exists():
        answer_file_upload(application=application, by=user, role="report", file=upload(pdf_bytes(3), "整改报告.pdf"))


def complete(application: Application, node: str, user, outcome: str, **data) -> Application:
    """Complete ``node`` with ``outcome``; answering a rectification attaches its report first."""
    if node == "rectification" and outcome == "resubmit":
        attach_report(application, user)
    step = open_step(application, node)
    services.task_complete(task_id=step.task_id, by=user, outcome=outcome, data=data)
    application.refresh_from_db()
    return application


def to_review(application, applicant, acceptor):
    services.application_submit(application=application, by=applicant)
    return complete(application, "accept", acceptor, "accept")


def to_decision(application, applicant, acceptor, reviewer):
    to_review(application, applicant, acceptor)
    return complete(application, "review", reviewer, "pass", review_mode="onsite")
