"""Every irreversible action carries the text its confirmation dialog shows (the dialog itself is
driven in tests/browser/test_dialogs.py)."""

import pytest
from django.urls import reverse

from tests.pages import client_for, text
from workflows import services
from workflows.flows import OUTCOMES
from workflows.forms import NODE_FORMS

from .helpers import open_step

pytestmark = pytest.mark.django_db


def test_every_official_outcome_names_its_effect():
    for node, forms in NODE_FORMS.items():
        for form in forms:
            assert str(form.confirm).strip(), f"{node}.{form.outcome} has no confirmation text"
    assert {form.outcome for forms in NODE_FORMS.values() for form in forms} == {
        outcome for node, outcomes in OUTCOMES.items() if node in NODE_FORMS for outcome in outcomes}


def test_the_pages_put_the_effect_on_the_buttons(draft, applicant, acceptor):
    page = text(client_for(applicant).get(reverse("workflows:application_detail", args=[draft.pk])))
    assert 'data-action="submit" data-confirm="提交后申请进入受理环节' in page
    assert 'id="confirm-dialog"' in page and 'src="/static/js/confirm.js"' in page
    services.application_submit(application=draft, by=applicant)
    step = open_step(draft, "accept")
    services.task_claim(task_id=step.task_id, by=acceptor)
    task = text(client_for(acceptor).get(reverse("workflows:task_detail", args=[step.task_id])))
    assert task.count("data-confirm=") == 3 and "办理随即终止" in task
