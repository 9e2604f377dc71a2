"""Every irreversible action carries the text its confirmation dialog shows (the dialog itself is
driven in tests/browser/test_dialogs.py)."""

import pytest
from django.urls import reverse

from tests.pages import client_for, text
from workflows import services, steps

from .helpers import open_step

pytestmark = pytest.mark.django_db


def test_every_official_outcome_names_its_effect():
    for declared in steps.STEPS.values():
        for outcome in declared.outcomes:
            if declared.applicant:
                continue  # answered on the application page, whose button carries its own confirmation
            assert str(outcome.form.confirm).strip(), f"{declared.name}.{outcome.name} has no confirmation text"


def test_the_pages_put_the_effect_on_the_buttons(draft, applicant, acceptor):
    page = text(client_for(applicant).get(reverse("workflows:application_detail", args=[draft.pk])))
    assert 'data-action="submit" data-confirm="提交后申请进入受理环节' in page
    assert 'id="confirm-dialog"' in page and 'src="/static/js/confirm.js"' in page
    services.application_submit(application=draft, by=applicant)
    step = open_step(draft, "accept")
    services.task_claim(task_id=step.task_id, by=acceptor)
    task = text(client_for(acceptor).get(reverse("workflows:task_detail", args=[step.task_id])))
    assert task.count("data-confirm=") == 3 and "办理随即终止" in task
