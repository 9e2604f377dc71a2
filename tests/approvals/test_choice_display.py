"""``get_FOO_display()`` as Django writes it, for every choice, in both languages, and for a value
outside the choices; and the applicant's list rows link where the URL map says."""

from functools import partialmethod

import pytest
from django.db import models
from django.urls import reverse
from django.utils import translation

from approvals.models import Application, Certificate, CertificateAction, Deficiency, StatusChange
from tests.factories import ApplicationFactory
from workflows.models import Notification, Step

MODELS = [Application, Deficiency, StatusChange, Certificate, CertificateAction, Step, Notification]


def _choice_fields(model):
    return [f for f in model._meta.local_fields if f.choices]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_display_of_each_choice_is_djangos(model, language):
    assert _choice_fields(model)
    for field in _choice_fields(model):
        assert not isinstance(model.__dict__[f"get_{field.name}_display"], partialmethod), field
        for value in [value for value, _label in field.flatchoices] + ["no-such-value", ""]:
            instance = model()
            instance.__dict__[field.attname] = value  # past the status field's protection
            with translation.override(language):
                expected = partialmethod(models.Model._get_FIELD_display, field=field).__get__(instance)()
                assert getattr(instance, f"get_{field.name}_display")() == expected
                assert type(getattr(instance, f"get_{field.name}_display")()) is type(expected)


@pytest.mark.django_db
def test_the_list_rows_link_to_the_reversed_urls(client, applicant):
    draft = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    client.force_login(applicant)
    html = client.get(reverse("approvals:application_list")).content.decode()
    assert f'href="{reverse("workflows:application_detail", args=[draft.pk])}"' in html
    assert f'href="{reverse("approvals:application_edit", args=[draft.pk])}"' in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_choice_displays_the_same_without_an_instance(language):
    from approvals.choices import choice_display

    for field in _choice_fields(Application):
        display = choice_display(Application, field.name)
        for value in [value for value, _label in field.flatchoices] + ["no-such-value", ""]:
            instance = Application()
            instance.__dict__[field.attname] = value
            with translation.override(language):
                assert display(value) == getattr(instance, f"get_{field.name}_display")()
                assert type(display(value)) is type(getattr(instance, f"get_{field.name}_display")())
