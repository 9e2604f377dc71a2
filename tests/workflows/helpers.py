from approvals.models import Application
from workflows import services
from workflows.models import Step


def open_step(application: Application, node: str) -> Step:
    return Step.objects.active().get(application=application, node=node)


def complete(application: Application, node: str, user, outcome: str, **data) -> Application:
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
